"""The user's own account: API tokens, log out everywhere, and two-factor login (django-otp).

Two-factor login uses django-otp's TOTP device (an authenticator app) and static device
(single-use recovery codes). After the password, a user with a confirmed device must enter a
code (``/login/otp/``) before any other page opens; ``TWO_FACTOR_REQUIRED`` makes customer
admins, support and operators set one up first (connect.middleware.TwoFactorMiddleware).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.core import is_ratelimited

from connect.models import User
from connect.request_context import client_ip
from connect.services.api_tokens import token_list, token_revoke
from connect.services.sessions import logout_everywhere
from connect.services.two_factor import (
    clean_code,
    recovery_codes_new,
    totp_code_valid,
    totp_device_confirm,
    two_factor_code_check,
    two_factor_required,
    verify_code,
    wait_message,
)
from connect.services.two_factor import two_factor_disable as service_two_factor_disable
from connect.throttling import refusal_message


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _account_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "connect/account.html",
        {
            "tokens": token_list(user=user),
            "has_two_factor": user_has_device(user, confirmed=True),
            "two_factor_required": two_factor_required(user),
            "recovery_left": StaticToken.objects.filter(
                device__user=user, device__confirmed=True
            ).count(),
            "two_factor_error": error,
        },
        status=status,
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@require_POST
@login_required
def account_token_revoke(request: HttpRequest, token_key: str) -> HttpResponse:
    if token_revoke(user=_user(request), token_key=token_key):
        messages.success(request, _("Das Token wurde widerrufen."))
    else:
        messages.error(request, _("Dieses Token gibt es nicht (mehr)."))
    return redirect("account")


@require_POST
@login_required
def account_logout_everywhere(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    logout_everywhere(user=user, actor=user)
    # This session went with the others: start a fresh one so that the answer can be saved.
    request.session.flush()
    return redirect("login")


def _totp_uri(device: TOTPDevice, user: User) -> str:
    label = quote(f"Connect · facilioo:{user.get_username()}")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote('Connect · facilioo')}"


def _fresh_code_error(request: HttpRequest, field: str = "code") -> tuple[str, int]:
    """("", 0) when the request carries a valid code of the user's current second factor,
    else the German message and the status to answer with."""
    code = str(request.POST.get(field, ""))
    if not clean_code(code):
        return (
            _(
                "Bitte geben Sie einen aktuellen Code aus Ihrer App oder einen "
                "Wiederherstellungscode ein."
            ),
            400,
        )
    check = two_factor_code_check(request=request, user=_user(request), code=code)
    if check.wait_seconds:
        return wait_message(check.wait_seconds), 429
    if getattr(request, "axes_locked_out", False):
        return refusal_message(request), 429
    if not check.ok:
        return _("Der Code stimmt nicht."), 400
    return "", 0


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an app: show the key and QR code, confirm with a first code, show recovery codes.

    A user who already has an app also enters a code of it (or a recovery code): a new app
    replaces the former one.
    """
    user = _user(request)
    has_app = user_has_device(user, confirmed=True)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    error, status = "", 200
    if request.method == "POST":
        if not totp_code_valid(device=device, code=str(request.POST.get("code", ""))):
            error, status = (
                _("Der Code stimmt nicht. Bitte geben Sie den aktuellen Code aus der App ein."),
                400,
            )
        elif has_app:
            error, status = _fresh_code_error(request, "current_code")
        if not error:
            codes = totp_device_confirm(user=user, device=device)
            otp_login(request, device)
            return render(request, "connect/two_factor_codes.html", {"codes": codes})
    uri = _totp_uri(device, user)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "connect/two_factor_setup.html",
        {"qr": qr, "secret": secret, "error": error, "has_app": has_app},
        status=status,
    )


@require_POST
@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, with a fresh code in the same request."""
    user = _user(request)
    if not user_has_device(user, confirmed=True):
        return redirect("account")
    error, status = _fresh_code_error(request)
    if error:
        return _account_page(request, error=error, status=status)
    codes = recovery_codes_new(user=user)
    return render(request, "connect/two_factor_codes.html", {"codes": codes, "renewed": True})


@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Switch two-factor login off, with a fresh code in the same request."""
    user = _user(request)
    if two_factor_required(user):
        messages.error(request, _("Für Ihr Konto ist die Zwei-Faktor-Anmeldung vorgeschrieben."))
        return redirect("account")
    error, status = _fresh_code_error(request)
    if error:
        return _account_page(request, error=error, status=status)
    service_two_factor_disable(user=user, actor=user)
    messages.success(request, _("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."))
    return redirect("account")


@login_required
def login_otp(request: HttpRequest) -> HttpResponse:
    """The second step of the login: a code from the app, or a recovery code."""
    user = _user(request)
    next_url = str(request.POST.get("next") or request.GET.get("next") or "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if not user_has_device(user, confirmed=True) or request.user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url or "portal:home")
    error, status = "", 200
    if request.method == "POST":
        if getattr(request, "axes_locked_out", False):
            return render(request, "registration/locked_out.html", status=429)
        check = verify_code(request, user, str(request.POST.get("code", "")))
        if check.ok:
            return redirect(next_url or "portal:home")
        if getattr(request, "axes_locked_out", False):
            return render(request, "registration/locked_out.html", status=429)
        if check.wait_seconds:
            error, status = wait_message(check.wait_seconds), 429
        else:
            error, status = _("Der Code stimmt nicht."), 400
    context: dict[str, Any] = {"error": error, "next": next_url}
    return render(request, "connect/login_otp.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:

    logout(request)
    return redirect("login")


def _reset_address(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "-"


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with its mails limited (django-ratelimit, in the cache).

    Per address: more than ``PASSWORD_RESET_PER_ADDRESS`` requests an hour are refused (429).
    Per account: more than ``PASSWORD_RESET_PER_ACCOUNT`` mails an hour are not sent, with the
    same answer as always, so the page never tells whether an account exists.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        if is_ratelimited(
            self.request,
            group="password-reset-address",
            key=_reset_address,
            rate=f"{int(settings.PASSWORD_RESET_PER_ADDRESS)}/h",
            increment=True,
        ):
            form.add_error(
                "email",
                _(
                    "Zu viele Anfragen zum Zurücksetzen des Passworts von dieser Adresse. "
                    "Bitte versuchen Sie es in einer Stunde erneut."
                ),
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = "3600"
            return response
        email = str(form.cleaned_data.get("email", "")).strip().casefold()
        if is_ratelimited(
            self.request,
            group="password-reset-account",
            key=lambda group, request: email,
            rate=f"{int(settings.PASSWORD_RESET_PER_ACCOUNT)}/h",
            increment=True,
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
