"""Small security middleware of our own: what no library does for this product."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django_otp import user_has_device

from connect.services.two_factor import two_factor_required


class NoStoreApiMiddleware:
    """``Cache-Control: no-store`` on every API answer: they carry customer data and tokens."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class TwoFactorMiddleware:
    """After the password, a user with two-factor login opens nothing but the code page.

    Users for whom the operator requires two-factor login (``TWO_FACTOR_REQUIRED``) and who
    have not set it up yet open nothing but its setup page. Session requests to the API get
    403 in JSON instead of a redirect. API tokens ask for the code when they are issued.
    """

    # A session that has passed only the password opens the code page and logout (and the
    # static files and the language switch of that page), nothing else: no account page, no
    # change of the second factor. One that must still set it up also opens the setup page.
    EXEMPT = ("/login/", "/logout/", "/static/", "/i18n/")
    EXEMPT_FOR_SETUP = ("/account/2fa/", "/password-reset/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT)
            and not user.is_verified()
        ):
            target = self._target(user)
            if target == "two-factor-setup" and request.path.startswith(self.EXEMPT_FOR_SETUP):
                target = ""
            if target:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("Bitte schließen Sie zuerst die Zwei-Faktor-Anmeldung ab.")},
                        status=403,
                    )
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _target(user: Any) -> str:

        if user_has_device(user, confirmed=True):
            return "login-otp"
        if two_factor_required(user):
            return "two-factor-setup"
        return ""
