"""Portal pages of the ERP side: the ERP source, export uploads and their validation reports."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.models import ErpExport, ErpPushToken, ErpSample, SampleAction
from connect.models.customers import ErpSource
from connect.portal.base import CustomerView
from connect.selectors.erp_exports import (
    erp_export_current,
    erp_export_get,
    erp_export_list,
    erp_export_report,
    erp_profile_active,
    erp_profile_versions,
    erp_push_token_list,
)
from connect.selectors.erp_sources import erp_mandant_choices
from connect.services.erp_exports import erp_export_store, erp_source_set, too_large_message
from connect.services.erp_profiles import erp_profile_deactivate, erp_profile_save
from connect.services.erp_push_tokens import erp_push_token_create, erp_push_token_revoke
from connect.services.erp_samples import (
    erp_sample_delete_all,
    erp_sample_for_mapping,
    erp_sample_get,
    erp_sample_map_preview,
    erp_sample_store,
)
from connect.services.erp_watch import erp_watch_folder_set
from connect.uploads import upload_refusal
from integrations import registry
from integrations.erp.file.report import FileSummary, Finding
from integrations.erp.profiles.examples import EXAMPLE_NAMES, EXAMPLES_DIR
from integrations.erp.profiles.mapping import (
    EntityBlock,
    FormSettings,
    apply_edit,
    blocks_from_definition,
    blocks_from_form,
    profile_from_blocks,
    settings_from_definition,
    settings_from_form,
)
from integrations.phrases import stored_text

# Uploads listed on the page; older ones stay reachable through their report URL.
LISTED_EXPORTS = 50


class ErpPage(CustomerView):
    """The ERP page: the ERP source, the uploads and the Mandanten the ERP offers."""

    template = "connect/erp.html"

    def render_page(
        self,
        request: HttpRequest,
        *,
        source_errors: list[str] | None = None,
        upload_errors: list[str] | None = None,
        token_errors: list[str] | None = None,
        watch_errors: list[str] | None = None,
        profile_errors: list[str] | None = None,
        profile_text: str | None = None,
        profile_preview: dict[str, list[dict[str, str]]] | None = None,
        mapping: list[EntityBlock] | None = None,
        mapping_name: str = "",
        sample: ErpSample | None = None,
        mapping_settings: FormSettings | None = None,
        new_token: str = "",
        status: int = 200,
    ) -> HttpResponse:
        self.customer.refresh_from_db()
        mandanten, erp_error = erp_mandant_choices(customer=self.customer)
        active_profile = erp_profile_active(customer=self.customer)
        push_url = request.build_absolute_uri(
            reverse("api:erp-exports", kwargs={"slug": self.customer.slug})
        )
        return render(
            request,
            self.template,
            self.context(
                exports=erp_export_list(customer=self.customer)[:LISTED_EXPORTS],
                current=erp_export_current(customer=self.customer),
                sources=ErpSource.choices,
                mandanten=mandanten,
                erp_error=erp_error,
                source_errors=source_errors or [],
                upload_errors=upload_errors or [],
                token_errors=token_errors or [],
                watch_errors=watch_errors or [],
                profile_errors=profile_errors or [],
                profile=active_profile,
                profile_versions=erp_profile_versions(customer=self.customer)[:20],
                profile_text=profile_text
                if profile_text is not None
                else (
                    json.dumps(active_profile.definition, ensure_ascii=False, indent=2)
                    if active_profile
                    else ""
                ),
                profile_examples=EXAMPLE_NAMES,
                profile_preview=profile_preview,
                mapping=mapping,
                mapping_name=mapping_name,
                sample=sample,
                mapping_settings=mapping_settings
                or (settings_from_form(request.POST) if mapping else None),
                push_tokens=erp_push_token_list(customer=self.customer),
                new_token=new_token,
                push_lines=push_lines(push_url, new_token or "<TOKEN>"),
            ),
            status=status,
        )


class ErpView(ErpPage):
    """GET shows the ERP page; POST switches the ERP source (admins)."""

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        # A token just created is shown on this one answer (see ErpTokenCreateView).
        new_token = request.session.pop(NEW_TOKEN_SLOT, None)
        if isinstance(new_token, dict) and new_token.get("customer") == self.customer.pk:
            response = self.render_page(request, new_token=str(new_token["raw"]))
            response["Cache-Control"] = "no-store"
            return response
        return self.render_page(request)

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        source = request.POST.get("erp_source", "")
        units_text = request.POST.get("demo_units", "").strip()
        try:
            demo_units = int(units_text) if units_text else None
        except ValueError:
            return self.render_page(
                request,
                source_errors=[_("Die Zahl der Einheiten muss eine ganze Zahl sein.")],
                status=400,
            )
        try:
            erp_source_set(
                customer=self.customer, actor=self.user, source=source, demo_units=demo_units
            )
        except ApplicationError as exc:
            return self.render_page(request, source_errors=[exc.message], status=400)
        messages.success(request, _("Die ERP-Quelle wurde gespeichert."))
        return redirect("portal:erp", slug=self.customer.slug)


class ErpUploadView(ErpPage):
    """POST only (admins): store an ERP export (.zip); its report follows from a task."""

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        uploaded = request.FILES.get("export")
        refused = upload_refusal(request)
        if refused is not None:
            return self.render_page(request, upload_errors=[too_large_message(refused)], status=400)
        if uploaded is None:
            return self.render_page(
                request, upload_errors=[_("Bitte wählen Sie eine Datei aus.")], status=400
            )
        try:
            export = erp_export_store(
                customer=self.customer, actor=self.user, uploaded_file=uploaded
            )
        except ApplicationError as exc:
            return self.render_page(request, upload_errors=[exc.message], status=400)
        messages.info(
            request,
            _("Der ERP-Export „%(name)s“ wurde gespeichert und wird geprüft.")
            % {"name": export.original_name},
        )
        return redirect("portal:erp-export", slug=self.customer.slug, export_id=export.pk)


def push_lines(url: str, token: str) -> dict[str, str]:
    """Ready-to-copy command lines that push an export (curl, PowerShell)."""
    target = f"{url}?sync=stammdaten"
    return {
        "curl": (
            f'curl --fail -X POST -H "Authorization: Bearer {token}" '
            f'-H "Content-Type: application/zip" --data-binary @export.zip "{target}"'
        ),
        "powershell": (
            f'Invoke-RestMethod -Method Post -Uri "{target}" '
            f'-Headers @{{ Authorization = "Bearer {token}" }} '
            f'-ContentType "application/zip" -InFile "C:\\ERP\\export.zip"'
        ),
    }


# The session key that carries a new token's text from the POST to the one GET showing it.
NEW_TOKEN_SLOT = "connect:erp-new-token"  # noqa: S105 (a session key, no secret)


class ErpTokenCreateView(ErpPage):
    """POST only (admins): a new Übermittlungs-Token, then a redirect to the ERP page, which
    shows its text once (POST-redirect-GET: reloading the page creates no second token). The
    text waits in the server-side session for that one GET and is removed by it."""

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        try:
            _token, raw = erp_push_token_create(
                customer=self.customer, actor=self.user, name=request.POST.get("name", "")
            )
        except ApplicationError as exc:
            return self.render_page(request, token_errors=[exc.message], status=400)
        request.session[NEW_TOKEN_SLOT] = {"customer": self.customer.pk, "raw": raw}
        return redirect(reverse("portal:erp", kwargs={"slug": self.customer.slug}) + "#push")


class ErpTokenRevokeView(ErpPage):
    """POST only (admins): revoke an Übermittlungs-Token."""

    def post(self, request: HttpRequest, slug: str, token_id: int) -> HttpResponse:
        try:
            token = erp_push_token_revoke(
                customer=self.customer, actor=self.user, token_id=token_id
            )
        except ErpPushToken.DoesNotExist as exc:
            raise Http404 from exc
        messages.success(
            request, _("Das Token „%(name)s“ wurde widerrufen.") % {"name": token.name}
        )
        return redirect("portal:erp", slug=self.customer.slug)


class ErpWatchFolderView(ErpPage):
    """POST only (operators): set or clear the customer's watched folder."""

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        if not self.user.is_superuser:
            raise PermissionDenied
        try:
            erp_watch_folder_set(
                customer=self.customer, actor=self.user, folder=request.POST.get("folder", "")
            )
        except ApplicationError as exc:
            return self.render_page(request, watch_errors=[exc.message], status=400)
        messages.success(request, _("Der überwachte Ordner wurde gespeichert."))
        return redirect("portal:erp", slug=self.customer.slug)


def example_text(name: str) -> str:
    """The JSON of a shipped example profile (ApplicationError for another name)."""
    if name not in EXAMPLE_NAMES:
        raise ApplicationError(_("Unbekanntes Beispielprofil."))
    return (EXAMPLES_DIR / name / "profile.json").read_text(encoding="utf-8")


class ErpProfileView(ErpPage):
    """POST only (admins): save an import profile (a new version), take an example, switch the
    profile off, or preview an export through the active profile."""

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        action = request.POST.get("action", "save")
        text = request.POST.get("definition", "")
        try:
            if action == "example":
                text = example_text(request.POST.get("example", ""))
                row = erp_profile_save(customer=self.customer, actor=self.user, definition=text)
            elif action == "off":
                erp_profile_deactivate(customer=self.customer, actor=self.user)
                messages.success(request, _("Neue Exporte werden als ERP-Export v1 gelesen."))
                return redirect("portal:erp", slug=self.customer.slug)
            elif action == "preview":
                return self._preview(request)
            elif action == "suggest":
                return self._suggest(request)
            elif action in ("map_preview", "map_save"):
                return self._map(request, save=action == "map_save")
            elif action.startswith(("filter_add:", "filter_remove:")):
                return self._map(request, save=False, edit=action)
            else:
                row = erp_profile_save(customer=self.customer, actor=self.user, definition=text)
        except ApplicationError as exc:
            return self.render_page(
                request, profile_errors=[exc.message], profile_text=text, status=400
            )
        messages.success(
            request,
            _("Das Importprofil „%(name)s“ wurde als Version %(version)s gespeichert.")
            % {"name": row.name, "version": row.version},
        )
        return redirect("portal:erp", slug=self.customer.slug)

    def _suggest(self, request: HttpRequest) -> HttpResponse:
        """Store a sample export for a draft profile; a task reads it (never this request)."""
        return self._store_sample(request, action=SampleAction.SUGGEST)

    def _preview(self, request: HttpRequest) -> HttpResponse:
        """Store a sample export to be read through the active profile, by a task."""
        active = erp_profile_active(customer=self.customer)
        if active is None:
            return self.render_page(
                request,
                profile_errors=[_("Bitte speichern Sie zuerst ein Importprofil.")],
                status=400,
            )
        return self._store_sample(request, action=SampleAction.PREVIEW, profile_id=active.pk)

    def _store_sample(
        self, request: HttpRequest, *, action: str, profile_id: int | None = None
    ) -> HttpResponse:
        uploaded = request.FILES.get("sample")
        refused = upload_refusal(request)
        if refused is not None:
            return self.render_page(
                request, profile_errors=[too_large_message(refused)], status=400
            )
        if uploaded is None:
            return self.render_page(
                request, profile_errors=[_("Bitte wählen Sie eine Datei aus.")], status=400
            )
        sample = erp_sample_store(
            customer=self.customer,
            actor=self.user,
            uploaded_file=uploaded,
            action=action,
            profile_id=profile_id,
        )
        return redirect("portal:erp-sample", slug=self.customer.slug, sample_id=sample.pk)

    def _map(self, request: HttpRequest, *, save: bool, edit: str = "") -> HttpResponse:
        """The mapping screen posted: save it as a profile, have a task preview the sample
        through it, or (``edit``) add or remove a filter condition and show the form again as
        it was typed. The sample's columns come from its suggestion; nothing is parsed here."""
        based_on = erp_sample_for_mapping(customer=self.customer)
        if based_on is None:
            return self.render_page(
                request,
                profile_errors=[_("Bitte laden Sie zuerst einen Beispielexport hoch.")],
                status=400,
            )
        kind, workbook, sources = sample_columns(based_on)
        blocks = blocks_from_form(request.POST, sources)
        name = request.POST.get("mapping_name", "").strip()[:80]
        if edit and apply_edit(blocks, edit):
            return self.render_page(request, mapping=blocks, mapping_name=name)
        definition, complete = profile_from_blocks(
            blocks,
            name=name or "Zuordnung",
            kind=kind,
            workbook=workbook,
            settings=settings_from_form(request.POST),
        )
        text = json.dumps(definition, ensure_ascii=False, indent=2)
        errors: list[str] = []
        if not name:
            errors.append(_("Bitte geben Sie dem Importprofil eine Bezeichnung."))
        if not complete:
            errors.append(
                _("Die Zuordnung ist unvollständig; bitte prüfen Sie die markierten Felder.")
            )
        if errors:
            return self.render_page(
                request,
                profile_errors=errors,
                profile_text=text,
                mapping=blocks,
                mapping_name=name,
                status=400,
            )
        if not save:
            sample = erp_sample_map_preview(
                customer=self.customer,
                actor=self.user,
                based_on=based_on,
                definition=definition,
                form={
                    key: request.POST.get(key, "")
                    for key in request.POST
                    if key != "csrfmiddlewaretoken"
                },
                name=name,
            )
            return redirect("portal:erp-sample", slug=self.customer.slug, sample_id=sample.pk)
        try:
            row = erp_profile_save(customer=self.customer, actor=self.user, definition=definition)
        except ApplicationError as exc:
            return self.render_page(
                request,
                profile_errors=[exc.message],
                profile_text=text,
                mapping=blocks,
                mapping_name=name,
                status=400,
            )
        erp_sample_delete_all(customer=self.customer)
        messages.success(
            request,
            _("Das Importprofil „%(name)s“ wurde als Version %(version)s gespeichert.")
            % {"name": row.name, "version": row.version},
        )
        return redirect("portal:erp", slug=self.customer.slug)


def open_point(stored: object) -> str:
    """What a draft left open, in the reader's language (a sample read before phrases were
    stored holds the German text)."""
    return stored if isinstance(stored, str) else stored_text(stored)


def sample_columns(sample: ErpSample) -> tuple[str, str | None, dict[str, list[str]]]:
    """Format, workbook and the columns per source of a read suggestion's sample."""
    result = sample.result or {}
    return (
        str(result.get("kind") or "csv"),
        result.get("workbook") or None,
        {str(name): list(columns) for name, columns in (result.get("sources") or {}).items()},
    )


class ErpSampleView(ErpPage):
    """A sample export being read by its task: the ERP page with the progress while it is read
    (a static script polls the status), then with its result or German messages."""

    def get(self, request: HttpRequest, slug: str, sample_id: int) -> HttpResponse:
        try:
            sample = erp_sample_get(customer=self.customer, sample_id=sample_id)
        except ErpSample.DoesNotExist as exc:
            raise Http404 from exc
        if sample.is_pending:
            return self.render_page(request, sample=sample)
        if sample.action == SampleAction.MAP_PREVIEW:
            form = QueryDict(mutable=True)
            form.update(sample.request.get("form") or {})
            base = sample.based_on
            _kind, _workbook, sources = sample_columns(base) if base else ("csv", None, {})
            return self.render_page(
                request,
                profile_errors=list(sample.errors),
                profile_text=json.dumps(
                    sample.request.get("definition") or {}, ensure_ascii=False, indent=2
                ),
                profile_preview=sample.result.get("preview"),
                mapping=blocks_from_form(form, sources),
                mapping_name=str(sample.request.get("name") or ""),
                mapping_settings=settings_from_form(form),
            )
        if sample.errors:
            return self.render_page(request, profile_errors=list(sample.errors))
        if sample.action == SampleAction.PREVIEW:
            return self.render_page(request, profile_preview=sample.result.get("preview"))
        draft = sample.result.get("draft") or {}
        _kind, _workbook, sources = sample_columns(sample)
        notes = [
            _("Vorschlag nach Spaltennamen; bitte prüfen und ergänzen Sie ihn vor dem Speichern.")
        ]
        return self.render_page(
            request,
            profile_errors=notes + [open_point(p) for p in sample.result.get("missing") or []],
            profile_text=json.dumps(draft, ensure_ascii=False, indent=2),
            mapping=blocks_from_definition(draft, sources, sample.result.get("confidence")),
            mapping_name=sample.original_name.rsplit(".", 1)[0][:80] or "Zuordnung",
            mapping_settings=settings_from_definition(draft),
        )


class ErpSampleStatusView(CustomerView):
    """The status of a sample being read, as JSON for the page's script."""

    def get(self, request: HttpRequest, slug: str, sample_id: int) -> JsonResponse:
        try:
            sample = erp_sample_get(customer=self.customer, sample_id=sample_id)
        except ErpSample.DoesNotExist as exc:
            raise Http404 from exc
        response = JsonResponse({"status": sample.status, "done": not sample.is_pending})
        response["Cache-Control"] = "no-store"
        return response


class ErpExportView(CustomerView):
    """The validation report of one upload."""

    def get(self, request: HttpRequest, slug: str, export_id: int) -> HttpResponse:
        try:
            export = erp_export_get(customer=self.customer, export_id=export_id)
        except ErpExport.DoesNotExist as exc:
            raise Http404 from exc
        report = erp_export_report(export=export)
        current = erp_export_current(customer=self.customer)
        error_count = sum(summary.errors for summary in report.files.values()) or len(report.errors)
        use_cases = [registry.label(value) for value in report.use_cases]
        return render(
            request,
            "connect/erp_export.html",
            self.context(
                export=export,
                report=report,
                is_current=current is not None and current.pk == export.pk,
                error_count=error_count,
                use_cases=", ".join(str(label) for label in use_cases),
                files=[_file_row(name, summary) for name, summary in report.files.items()],
                errors=[_finding_row(finding) for finding in report.errors],
                record_findings=[_finding_row(finding) for finding in report.record_findings],
                omitted=sorted(report.omitted.items()),
            ),
        )


def _file_row(name: str, summary: FileSummary) -> dict[str, Any]:
    return {
        "name": name,
        "present": summary.present,
        "rows": summary.rows,
        "errors": summary.errors,
        "broken": summary.broken,
        "valid": summary.valid,
    }


def _finding_row(finding: Finding) -> dict[str, Any]:
    if finding.line is not None and finding.other_line is not None:
        first, second = sorted((finding.other_line, finding.line))
        lines = _("%(first)s und %(second)s") % {"first": first, "second": second}
    elif finding.line is not None:
        lines = str(finding.line)
    else:
        lines = ""
    return {
        "file": finding.file,
        "line": lines,
        "column": finding.column or "",
        "problem": finding.message_de,
        "code": finding.problem_code,
    }
