"""Portal pages of the use cases: activation with dry run, run list, run detail."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from connect.converters import small_int
from connect.exceptions import ApplicationError
from connect.models import FaciliooConnection, ItemAction, SyncRun, Trigger
from connect.models.activations import DEFAULT_SCHEDULES
from connect.pagination import keyset_links, keyset_page, parse_cursor
from connect.portal.base import CustomerView
from connect.schedules import schedule_from_post, schedule_picker
from connect.selectors.activations import (
    stammdaten_settings_page,
    stammdaten_settings_refresh,
)
from connect.selectors.customers import can_operate
from connect.selectors.erp_exports import erp_mandant_choices
from connect.selectors.runs import activation_get, sync_run_get, sync_run_item_list, sync_run_list
from connect.services.activations import SEPARATORS, activation_enable, activation_set_paused
from connect.services.sync_logs import RunAlreadyActive, sync_run_cancel
from integrations.services import sync_run_request
from integrations.usecases import UseCase

# Page sizes of the run list and the record log (keyset pages: no COUNT, no OFFSET).
RUNS_PER_PAGE = 25
ITEMS_PER_PAGE = 50


def _use_case(value: str) -> str:
    if value not in UseCase.values:
        raise Http404
    return value


class UseCaseView(CustomerView):
    """Settings of a use case; POST saves (admins)."""

    def get(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        return self._render(request, _use_case(use_case), errors=[], data=None)

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        use_case = _use_case(use_case)
        data: dict[str, Any] = {
            "separator": request.POST.get("separator", ""),
            "mandanten": request.POST.getlist("mandanten"),
            "default_tenant_id": small_int(request.POST.get("default_tenant_id")),
            "deletion_policy": request.POST.get("deletion_policy", "terminate"),
            "safety_brake_percent": request.POST.get("safety_brake_percent", "20"),
            "former_contract_months": request.POST.get("former_contract_months", "24"),
        }
        overrides, override_errors = _tenant_overrides(request.POST)
        data["tenant_overrides"] = overrides
        default_text = request.POST.get("default_tenant_id", "").strip()
        if default_text and data["default_tenant_id"] is None:
            override_errors.insert(
                0, _("Das Standard-Projekt muss eine facilioo-Projektnummer sein.")
            )
        schedule = schedule_from_post(request.POST)
        if "check" in request.POST:
            # "Prüfen": show assignments and ambiguous ids for these values, save nothing.
            return self._render(
                request, use_case, errors=override_errors, data=data, schedule=schedule
            )
        if override_errors:
            return self._render(
                request, use_case, errors=override_errors, data=data, status=400, schedule=schedule
            )
        try:
            activation_enable(
                customer=self.customer,
                use_case=use_case,
                actor=self.user,
                settings=data,
                schedule=schedule,
            )
        except ApplicationError as exc:
            errors = exc.extra.get("errors") or [exc.message]
            return self._render(
                request, use_case, errors=errors, data=data, status=400, schedule=schedule
            )
        messages.success(
            request, _("Die Einstellungen wurden gespeichert und der Anwendungsfall ist aktiv.")
        )
        return redirect("portal:usecase", slug=self.customer.slug, use_case=use_case)

    def _render(
        self,
        request: HttpRequest,
        use_case: str,
        *,
        errors: list[str],
        data: dict[str, Any] | None,
        status: int = 200,
        schedule: dict[str, Any] | None = None,
    ) -> HttpResponse:
        activation = activation_get(customer=self.customer, use_case=use_case)
        current = data or (activation.settings if activation else {}) or {}
        offered, erp_error = erp_mandant_choices(customer=self.customer)
        mandanten = sorted((m.mandant_nr, m.name) for m in offered)
        connection = FaciliooConnection.objects.filter(customer=self.customer).first()
        last_dry_run = (
            sync_run_list(customer=self.customer, use_case=use_case).filter(dry_run=True).first()
        )
        page = (
            stammdaten_settings_page(
                customer=self.customer,
                current=current,
                separators=SEPARATORS,
                may_load_tenants=can_operate(user=self.user, customer=self.customer),
            )
            if use_case == UseCase.STAMMDATEN
            else None
        )
        return render(
            request,
            "connect/usecase.html",
            self.context(
                use_case=use_case,
                use_case_label=UseCase(use_case).label,
                activation=activation,
                current=current,
                mandanten=mandanten,
                erp_error=erp_error,
                separators=SEPARATORS,
                errors=errors,
                connection=connection,
                last_dry_run=last_dry_run,
                page=page,
                picker=schedule_picker(
                    activation, DEFAULT_SCHEDULES[UseCase(use_case)], posted=schedule
                ),
                former_contract_months=current.get("former_contract_months", 24),
                chosen_ambiguous=page.ambiguous.get(str(current.get("separator") or ""), 0)
                if page
                else 0,
            ),
            status=status,
        )


def _tenant_overrides(post: Any) -> tuple[dict[str, int], list[str]]:
    """``tenant_override__<Mandant>/<WE>`` fields → ``{"M/W": id}``; empty means "default"."""
    overrides: dict[str, int] = {}
    errors: list[str] = []
    for name, value in post.items():
        if not name.startswith("tenant_override__") or not str(value).strip():
            continue
        we = name.removeprefix("tenant_override__")
        project = small_int(value)
        if project is not None:
            overrides[we] = project
        else:
            errors.append(_("Ungültiges facilioo-Projekt für WE %(we)s.") % {"we": we})
    return overrides, errors


class UseCaseRefreshView(CustomerView):
    """POST (admins and support): read the facilioo projects and the ERP's WEs again."""

    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        use_case = _use_case(use_case)
        stammdaten_settings_refresh(customer=self.customer)
        return redirect("portal:usecase", slug=self.customer.slug, use_case=use_case)


class RunStartView(CustomerView):
    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        use_case = _use_case(use_case)
        dry_run = request.POST.get("dry_run") == "1"
        try:
            run = sync_run_request(
                customer=self.customer,
                use_case=use_case,
                trigger=Trigger.MANUAL,
                dry_run=dry_run,
                actor=self.user,
                reason=request.POST.get("reason", "")[:500],
            )
        except RunAlreadyActive as exc:
            messages.error(request, exc.message)
            return redirect("portal:runs", slug=self.customer.slug)
        messages.success(
            request, _("Vorschau gestartet.") if dry_run else _("Synchronisation gestartet.")
        )
        return redirect("portal:run", slug=self.customer.slug, run_id=run.pk)


class RunPauseView(CustomerView):
    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        try:
            activation_set_paused(
                customer=self.customer,
                use_case=_use_case(use_case),
                actor=self.user,
                paused=request.POST.get("paused") == "1",
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("portal:dashboard", slug=self.customer.slug)


class RunListView(CustomerView):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        page = keyset_page(
            sync_run_list(customer=self.customer),
            size=RUNS_PER_PAGE,
            after=parse_cursor(request.GET.get("after")),
            before=parse_cursor(request.GET.get("before")),
            descending=True,
        )
        return render(
            request,
            "connect/runs.html",
            self.context(page=page, page_links=keyset_links(page, params={})),
        )


class RunProgressView(CustomerView):
    """JSON of the active and recent runs, polled by the run list and detail pages."""

    def get(self, request: HttpRequest, slug: str) -> JsonResponse:
        runs = sync_run_list(customer=self.customer)[:25]
        return JsonResponse(
            {
                "runs": [
                    {
                        "id": r.pk,
                        "status": r.status,
                        "status_label": r.get_status_display(),
                        "phase": r.phase,
                        "done": r.progress_done,
                        "total": r.progress_total,
                        "percent": r.progress_percent,
                        "active": r.is_active,
                    }
                    for r in runs
                ]
            }
        )


class RunDetailView(CustomerView):
    def get(self, request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
        try:
            run = sync_run_get(customer=self.customer, run_id=run_id)
        except SyncRun.DoesNotExist as exc:
            raise Http404 from exc
        filters = {k: request.GET.get(k, "") for k in ("entity", "action", "reason", "q")}
        items = sync_run_item_list(customer=self.customer, run=run, **filters)
        page = keyset_page(
            items,
            size=ITEMS_PER_PAGE,
            after=parse_cursor(request.GET.get("after")),
            before=parse_cursor(request.GET.get("before")),
        )
        query = urlencode({k: v for k, v in filters.items() if v})
        entities = sorted(run.counts)
        actions = sorted({a for c in run.counts.values() for a in c})
        return render(
            request,
            "connect/run_detail.html",
            self.context(
                run=run,
                page=page,
                filters=filters,
                query=query,
                page_links=keyset_links(page, params=filters),
                entities=entities,
                action_choices=ItemAction.choices,
                count_columns=actions,
            ),
        )


class RunCancelView(CustomerView):
    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
        try:
            run = sync_run_get(customer=self.customer, run_id=run_id)
            sync_run_cancel(
                customer=self.customer,
                run=run,
                actor=self.user,
                reason=request.POST.get("reason", "")[:500],
            )
        except SyncRun.DoesNotExist as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Der Lauf wird abgebrochen."))
        return redirect("portal:run", slug=self.customer.slug, run_id=run_id)
