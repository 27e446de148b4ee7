"""The settings page of a use case: derived from its settings schema, or a custom page.

``portal:usecase`` (``c/<slug>/usecases/<use_case>/``) is one URL for every use case. A use case
gets the generic settings page (``UseCaseSettingsView``: the form derived from its schema, the
schedule, preview and run buttons) unless the product maps it to a page of its own here with
``custom_page`` (a view object, never a dotted path). No code here names a use case
(``tests/integrations/test_registry.py`` scans the portal package).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.views import View

from connect.portal.base import CustomerView, settings_page_context, settings_save
from connect.portal.settings_form import form_data, form_fields
from connect.schedules import schedule_from_post
from integrations import registry

# Use case -> the view of its own settings page; the others get the generic one.
CUSTOM_PAGES: dict[str, type[CustomerView]] = {}


def custom_page(use_case: str) -> Callable[[type[CustomerView]], type[CustomerView]]:
    """Class decorator: the view serves the settings page of ``use_case``."""

    def register(view: type[CustomerView]) -> type[CustomerView]:
        CUSTOM_PAGES[str(use_case)] = view
        return view

    return register


def use_case_or_404(value: str) -> str:
    """A registered use case from a URL, or 404."""
    try:
        return registry.entry(value).name
    except registry.UnknownUseCase as exc:
        raise Http404 from exc


class UseCaseSettingsView(CustomerView):
    """The generic settings page: the fields of the use case's schema; POST saves and
    activates (admins). A use case may add a section: ``connect/usecase_<name>_section.html``."""

    def get(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        return self._render(request, use_case_or_404(use_case), errors=[], data=None)

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        use_case = use_case_or_404(use_case)
        data, errors = form_data(registry.entry(use_case).schema, request.POST)
        schedule = schedule_from_post(request.POST)
        if not errors:
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
        page = settings_page_context(self, use_case=use_case, data=data, schedule=schedule)
        entry = registry.entry(use_case)
        return render(
            request,
            "connect/usecase_settings.html",
            self.context(
                **page,
                errors=errors,
                fields=form_fields(entry.schema, page["current"]),
                section=_section(use_case),
            ),
            status=status,
        )


def _section(use_case: str) -> str | None:
    """The use case's own section of the generic page, if it has one."""
    name = f"connect/usecase_{use_case}_section.html"
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


class UseCaseView(LoginRequiredMixin, View):
    """Hands the request to the use case's custom settings page, else to the generic one."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        name = use_case_or_404(kwargs["use_case"])
        view = CUSTOM_PAGES.get(name, UseCaseSettingsView).as_view()
        response: HttpResponseBase = view(request, *args, **kwargs)
        return response
