"""Portal pages of the ERP side: the ERP source, export uploads and their validation reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.models import ErpExport
from connect.models.customers import ErpSource
from connect.portal.base import CustomerView
from connect.selectors.erp_exports import (
    erp_export_current,
    erp_export_get,
    erp_export_list,
    erp_export_report,
    erp_mandant_choices,
)
from connect.services.erp_exports import erp_export_upload, erp_source_set
from integrations.erp.file.report import FileSummary, Finding
from integrations.usecases import UseCase

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
        status: int = 200,
    ) -> HttpResponse:
        self.customer.refresh_from_db()
        mandanten, erp_error = erp_mandant_choices(customer=self.customer)
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
            ),
            status=status,
        )


class ErpView(ErpPage):
    """GET shows the ERP page; POST switches the ERP source (admins)."""

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
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
    """POST only (admins): upload an ERP export (.zip); then its report is shown."""

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        uploaded = request.FILES.get("export")
        if uploaded is None:
            return self.render_page(
                request, upload_errors=[_("Bitte wählen Sie eine Datei aus.")], status=400
            )
        try:
            export = erp_export_upload(
                customer=self.customer, actor=self.user, uploaded_file=uploaded
            )
        except ApplicationError as exc:
            return self.render_page(request, upload_errors=[exc.message], status=400)
        if export.valid:
            messages.success(
                request,
                _("Der ERP-Export „%(name)s“ ist gültig und wird für Synchronisationen verwendet.")
                % {"name": export.original_name},
            )
        else:
            messages.error(
                request,
                _("Der ERP-Export „%(name)s“ ist ungültig und wird nicht verwendet.")
                % {"name": export.original_name},
            )
        return redirect("portal:erp-export", slug=self.customer.slug, export_id=export.pk)


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
        use_cases = [
            UseCase(value).label if value in UseCase.values else value for value in report.use_cases
        ]
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
