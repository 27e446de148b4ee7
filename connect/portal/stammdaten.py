"""Portal page of the Stammdaten use case: its settings (projects, separator, deletion policy),
the check of ambiguous ids, the refresh of the facilioo projects and the ERP's WEs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from connect.portal.base import CustomerView, settings_page_context
from connect.portal.settings_form import form_data
from connect.portal.usecases import UseCaseSettingsView, custom_page, use_case_or_404
from connect.schedules import schedule_from_post
from connect.selectors.activations import (
    stammdaten_settings_page,
    stammdaten_settings_refresh,
)
from connect.selectors.customers import can_operate
from integrations import registry
from integrations.sync.settings import SEPARATORS
from integrations.usecases import UseCase


@custom_page(UseCase.STAMMDATEN)
class StammdatenSettingsView(UseCaseSettingsView):
    """Settings of Stammdaten; POST saves and activates (admins). Its own page (tenant
    assignment per WE, ambiguous ids); the fields come from the settings schema."""

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        if "check" not in request.POST:
            return super().post(request, slug, use_case)
        # "Prüfen": show assignments and ambiguous ids for these values, save nothing.
        use_case = use_case_or_404(use_case)
        data, errors = form_data(registry.entry(use_case).schema, request.POST)
        return self._render(
            request, use_case, errors=errors, data=data, schedule=schedule_from_post(request.POST)
        )

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
                    "former_contract_months",
                    registry.entry(use_case).schema.field("former_contract_months").default,
                ),
                chosen_ambiguous=page.ambiguous.get(str(current.get("separator") or ""), 0),
            ),
            status=status,
        )


class StammdatenRefreshView(CustomerView):
    """POST (admins and support): read the facilioo projects and the ERP's WEs again."""

    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        use_case = use_case_or_404(use_case)
        stammdaten_settings_refresh(customer=self.customer)
        return redirect("portal:usecase", slug=self.customer.slug, use_case=use_case)
