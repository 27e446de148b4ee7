"""Portal page of the Dokumente use case: its settings (filters, size limit), dry run, run now."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from connect.models import UseCaseActivation
from connect.portal.base import CustomerView, settings_page_context, settings_save
from connect.portal.settings_form import form_data
from connect.portal.usecases import custom_page
from connect.schedules import schedule_from_post
from integrations import registry
from integrations.usecases import UseCase

USE_CASE = UseCase.DOKUMENTE.value


@custom_page(USE_CASE)
class DokumenteUseCaseView(CustomerView):
    """Settings of Dokumente; POST saves and activates (admins). Its own page (the separator
    of the Stammdaten beside its own); the fields come from the settings schema. Also served
    as ``portal:usecase-dokumente``."""

    def get(self, request: HttpRequest, slug: str, use_case: str = USE_CASE) -> HttpResponse:
        return self._render(request, errors=[], data=None)

    def post(self, request: HttpRequest, slug: str, use_case: str = USE_CASE) -> HttpResponse:
        post = request.POST
        data, errors = form_data(registry.entry(USE_CASE).schema, post)
        schedule = schedule_from_post(post)
        errors = errors or settings_save(
            self, request, use_case=USE_CASE, data=data, schedule=schedule
        )
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
        page = settings_page_context(self, use_case=USE_CASE, data=data, schedule=schedule)
        current = page["current"]
        for name in ("archives", "keywords"):
            value = current.get(name)
            if isinstance(value, list | tuple):
                current[name] = ", ".join(str(v) for v in value)
        schema = registry.entry(USE_CASE).schema
        for name in ("only_released", "max_mb"):
            current.setdefault(name, schema.field(name).default)
        stammdaten = UseCaseActivation.objects.filter(
            customer=self.customer, use_case="stammdaten"
        ).first()
        return render(
            request,
            "connect/usecase_dokumente.html",
            self.context(
                **page,
                errors=errors,
                stammdaten_separator=(stammdaten.settings or {}).get("separator", "")
                if stammdaten
                else "",
            ),
            status=status,
        )
