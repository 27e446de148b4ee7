"""Portal page of the Stammdaten use case: its settings (projects, separator, deletion policy),
the check of ambiguous ids, the refresh of the facilioo projects and the ERP's WEs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from connect.converters import small_int
from connect.portal.base import CustomerView, settings_page_context, settings_save
from connect.portal.usecases import use_case_or_404
from connect.schedules import schedule_from_post
from connect.selectors.activations import (
    stammdaten_settings_page,
    stammdaten_settings_refresh,
)
from connect.selectors.customers import can_operate
from integrations.sync.settings import DEFAULT_SAFETY_BRAKE_PERCENT, SEPARATORS
from integrations.sync.types import DEFAULT_FORMER_CONTRACT_MONTHS


class StammdatenSettingsView(CustomerView):
    """Settings of Stammdaten; POST saves and activates (admins). Reached through the
    registry entry's ``portal_view`` from ``portal:usecase``."""

    def get(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        return self._render(request, use_case_or_404(use_case), errors=[], data=None)

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        use_case = use_case_or_404(use_case)
        data: dict[str, Any] = {
            "separator": request.POST.get("separator", ""),
            "mandanten": request.POST.getlist("mandanten"),
            "default_tenant_id": small_int(request.POST.get("default_tenant_id")),
            "deletion_policy": request.POST.get("deletion_policy", "terminate"),
            "safety_brake_percent": request.POST.get(
                "safety_brake_percent", str(DEFAULT_SAFETY_BRAKE_PERCENT)
            ),
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
        errors = settings_save(self, request, use_case=use_case, data=data, schedule=schedule)
        if errors:
            return self._render(
                request, use_case, errors=errors, data=data, status=400, schedule=schedule
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
        context = settings_page_context(self, use_case=use_case, data=data, schedule=schedule)
        current = context["current"]
        page = stammdaten_settings_page(
            customer=self.customer,
            current=current,
            separators=SEPARATORS,
            may_load_tenants=can_operate(user=self.user, customer=self.customer),
        )
        return render(
            request,
            "connect/usecase.html",
            self.context(
                **context,
                errors=errors,
                page=page,
                former_contract_months=current.get(
                    "former_contract_months", DEFAULT_FORMER_CONTRACT_MONTHS
                ),
                chosen_ambiguous=page.ambiguous.get(str(current.get("separator") or ""), 0),
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


class StammdatenRefreshView(CustomerView):
    """POST (admins and support): read the facilioo projects and the ERP's WEs again."""

    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        use_case = use_case_or_404(use_case)
        stammdaten_settings_refresh(customer=self.customer)
        return redirect("portal:usecase", slug=self.customer.slug, use_case=use_case)
