"""The user's own account: API tokens, log out everywhere, and two-factor login (django-otp).

Two-factor login uses django-otp's TOTP device (an authenticator app) and static device
(single-use recovery codes). After the password, a user with a confirmed device must enter a
code (``/login/otp/``) before any other page opens; ``TWO_FACTOR_REQUIRED`` makes customer
admins, support and operators set one up first (connect.middleware.TwoFactorMiddleware).
"""

from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import user_login_failed
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from connect.api.auth import token_list, token_revoke
from connect.models import Role, User
from connect.services.audit import audit_record
from connect.services.sessions import logout_everywhere

RECOVERY_CODES = 10


def two_factor_required(user: User) -> bool:
    """Whether the operator requires two-factor login of this user (admins, support, operators)."""
    if not getattr(settings, "TWO_FACTOR_REQUIRED", False):
        return False
    return bool(
        user.is_superuser
        or user.is_staff
        or user.is_support
        or user.memberships.filter(role=Role.ADMIN).exists()
    )


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def account(request: HttpRequest) -> HttpResponse:
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
        },
    )


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


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery")
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _n in range(RECOVERY_CODES)]
    for code in codes:
        device.token_set.create(token=code)
    device.confirmed = True
    device.save()
    return codes


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up TOTP: show the key and QR code, confirm with a first code, show recovery codes."""
    user = _user(request)
    if user_has_device(user, confirmed=True) and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("login-otp")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    error = ""
    if request.method == "POST":
        code = str(request.POST.get("code", "")).strip().replace(" ", "")[:10]
        if code.isdecimal() and device.verify_token(code):
            TOTPDevice.objects.filter(user=user, confirmed=True).delete()
            device.confirmed = True
            device.save()
            codes = _new_recovery_codes(user)
            otp_login(request, device)
            audit_record(customer=None, actor=user, action="auth.2fa_enable", obj=user)
            return render(request, "connect/two_factor_codes.html", {"codes": codes})
        error = _("Der Code stimmt nicht. Bitte geben Sie den aktuellen Code aus der App ein.")
    uri = _totp_uri(device, user)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "connect/two_factor_setup.html",
        {"qr": qr, "secret": secret, "error": error},
        status=400 if error else 200,
    )


@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if two_factor_required(user):
        messages.error(request, _("Für Ihr Konto ist die Zwei-Faktor-Anmeldung vorgeschrieben."))
        return redirect("account")
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    audit_record(customer=None, actor=user, action="auth.2fa_disable", obj=user)
    messages.success(request, _("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."))
    return redirect("account")


def verify_code(request: HttpRequest, user: User, code: str) -> bool:
    """Check a TOTP or recovery code against the user's devices; mark the session verified.

    A wrong code counts as a failed login (django-axes) and is audited.
    """
    code = code.strip().replace(" ", "")[:16]
    if code.isdecimal():
        for device in devices_for_user(user, confirmed=True):
            if device.verify_token(code):
                if request.user.is_authenticated:
                    otp_login(request, device)
                audit_record(
                    customer=None,
                    actor=user,
                    action="auth.2fa_verify",
                    obj=user,
                    reason=_("Wiederherstellungscode") if isinstance(device, StaticDevice) else "",
                )
                return True
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    return False


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
    error = ""
    if request.method == "POST":
        if getattr(request, "axes_locked_out", False):
            return render(request, "registration/locked_out.html", status=429)
        if verify_code(request, user, str(request.POST.get("code", ""))):
            return redirect(next_url or "portal:home")
        if getattr(request, "axes_locked_out", False):
            return render(request, "registration/locked_out.html", status=429)
        error = _("Der Code stimmt nicht.")
    context: dict[str, Any] = {"error": error, "next": next_url}
    return render(request, "connect/login_otp.html", context, status=400 if error else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout

    logout(request)
    return redirect("login")
