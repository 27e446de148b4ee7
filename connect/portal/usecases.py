"""The settings page of a use case: the registry entry names the view that serves it.

``portal:usecase`` (``c/<slug>/usecases/<use_case>/``) is one URL for every use case; the entry's
``portal_view`` (a dotted path, like its ``api_serializer``) renders and saves its settings. No
code here names a use case (``tests/integrations/test_registry.py`` scans the portal package).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string
from django.views import View

from integrations import registry


def use_case_or_404(value: str) -> str:
    """A registered use case from a URL, or 404."""
    try:
        return registry.entry(value).use_case.value
    except registry.UnknownUseCase as exc:
        raise Http404 from exc


class UseCaseView(LoginRequiredMixin, View):
    """Hands the request to the settings view the use case's registry entry names."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        entry = registry.entry(use_case_or_404(kwargs["use_case"]))
        view = import_string(entry.portal_view).as_view()
        response: HttpResponseBase = view(request, *args, **kwargs)
        return response
