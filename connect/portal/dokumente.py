"""Portal page of the Dokumente use case: its settings (filters, size limit), dry run, run now."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from connect.models import FaciliooConnection
from connect.models.activations import DEFAULT_SCHEDULES
from connect.portal.base import CustomerView, settings_save
from connect.schedules import schedule_from_post, schedule_picker
from connect.selectors.erp_exports import erp_mandant_choices
from connect.selectors.runs import activation_get, sync_run_list
from connect.services.activations import DEFAULT_MAX_MB, SEPARATORS
from integrations import registry
from integrations.sync.settings import DEFAULT_SAFETY_BRAKE_PERCENT
from integrations.usecases import UseCase

USE_CASE = UseCase.DOKUMENTE.value


class DokumenteUseCaseView(CustomerView):
    """Settings of Dokumente; POST saves and activates (admins). Reached through the registry
    entry's ``portal_view`` from ``portal:usecase``, and as ``portal:usecase-dokumente``."""

    def get(self, request: HttpRequest, slug: str, use_case: str = USE_CASE) -> HttpResponse:
        return self._render(request, errors=[], data=None)

    def post(self, request: HttpRequest, slug: str, use_case: str = USE_CASE) -> HttpResponse:
        post = request.POST
        data: dict[str, Any] = {
            "separator": post.get("separator", ""),
            "mandanten": post.getlist("mandanten"),
            "only_released": post.get("only_released") == "1",
            "archives": post.get("archives", ""),
            "keywords": post.get("keywords", ""),
            "dated_from": post.get("dated_from", "").strip() or None,
            "max_mb": post.get("max_mb", "").strip() or DEFAULT_MAX_MB,
            "safety_brake_percent": post.get(
                "safety_brake_percent", str(DEFAULT_SAFETY_BRAKE_PERCENT)
            ),
        }
        schedule = schedule_from_post(post)
        errors = settings_save(self, request, use_case=USE_CASE, data=data, schedule=schedule)
        if errors:
            return self._render(request, errors=errors, data=data, status=400, schedule=schedule)
        return redirect("portal:usecase-dokumente", slug=self.customer.slug)

    def _render(
        self,
        request: HttpRequest,
        *,
        errors: list[str],
        data: dict[str, Any] | None,
        status: int = 200,
        schedule: dict[str, Any] | None = None,
    ) -> HttpResponse:
        activation = activation_get(customer=self.customer, use_case=USE_CASE)
        current: dict[str, Any] = dict(data or (activation.settings if activation else {}) or {})
        for name in ("archives", "keywords"):
            value = current.get(name)
            if isinstance(value, list | tuple):
                current[name] = ", ".join(str(v) for v in value)
        current.setdefault("only_released", True)
        current.setdefault("max_mb", DEFAULT_MAX_MB)
        offered, erp_error = erp_mandant_choices(customer=self.customer)
        mandanten = sorted((m.mandant_nr, m.name) for m in offered)
        connection = FaciliooConnection.objects.filter(customer=self.customer).first()
        last_dry_run = (
            sync_run_list(customer=self.customer, use_case=USE_CASE).filter(dry_run=True).first()
        )
        missing_requirements = [
            registry.entry(name)
            for name in registry.entry(USE_CASE).requires
            if activation_get(customer=self.customer, use_case=name) is None
        ]
        return render(
            request,
            "connect/usecase_dokumente.html",
            self.context(
                use_case=USE_CASE,
                use_case_label=UseCase.DOKUMENTE.label,
                activation=activation,
                missing_requirements=missing_requirements,
                current=current,
                mandanten=mandanten,
                erp_error=erp_error,
                separators=SEPARATORS,
                errors=errors,
                connection=connection,
                last_dry_run=last_dry_run,
                picker=schedule_picker(
                    activation, DEFAULT_SCHEDULES[UseCase.DOKUMENTE], posted=schedule
                ),
            ),
            status=status,
        )
