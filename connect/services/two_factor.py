"""Two-factor login (django-otp): checking a code, and every change of a user's second factor.

A change of the second factor (switching it off, a new app, new recovery codes) needs a fresh
code of the current one in the same request; each change is audited. Operators reset a user's
two-factor login with ``two_factor_reset`` (a Django admin action), never by reading its secrets.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop, ngettext
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from connect.models import Role, User
from connect.services.audit import audit_record
from integrations.phrases import phrase

RECOVERY_CODES = 10
RECOVERY_CODE_DIGITS = 8
CODE_MAX_CHARS = 16


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: the device it belongs to, or how long to wait.

    ``wait_seconds`` > 0: django-otp's delay after a wrong code has not passed, so the code was
    not checked at all (and is not counted as wrong).
    """

    device: Device | None = None
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.device is not None


def clean_code(code: str) -> str:
    return str(code or "").strip().replace(" ", "")[:CODE_MAX_CHARS]


def _could_match(device: Device, code: str) -> bool:
    # An app's code has the app's digits, a recovery code eight: a mistyped app code does not
    # delay the recovery codes, nor the other way round.
    if isinstance(device, TOTPDevice):
        return len(code) == device.digits
    return len(code) == RECOVERY_CODE_DIGITS


def _wait_seconds(device: Device) -> int:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return 0
    until = (info or {}).get("locked_until")
    if until is None:
        return 1
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def two_factor_code_check(*, request: HttpRequest, user: User, code: str) -> CodeCheck:
    """Check a code of the user's app or a recovery code (which is used up).

    A wrong code counts as a failed login (django-axes) and is audited through that signal;
    while the user name or address is locked out no code is checked (``axes_locked_out`` is set
    on the request).
    """
    if AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()}):
        # Locked out by django-axes (wrong passwords or codes): no code is checked now.
        request.axes_locked_out = True  # type: ignore[attr-defined]
        return CodeCheck()
    code = clean_code(code)
    waits: list[int] = []
    if code.isdecimal():
        for device in devices_for_user(user, confirmed=True):
            if not _could_match(device, code):
                continue
            wait = _wait_seconds(device)
            if wait:
                waits.append(wait)
                continue
            if device.verify_token(code):
                return CodeCheck(device=device)
    if waits:
        return CodeCheck(wait_seconds=min(waits))
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    return CodeCheck()


def _audit(user: User, actor: User, action: str, reason: str = "") -> None:
    audit_record(customer=None, actor=actor, action=action, obj=user, reason=reason)


def recovery_codes_new(*, user: User, actor: User | None = None, audit: bool = True) -> list[str]:
    """New single-use recovery codes for the user; the old ones stop working. Audited."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery")
        device.token_set.all().delete()
        codes = [
            f"{secrets.randbelow(10**RECOVERY_CODE_DIGITS):0{RECOVERY_CODE_DIGITS}d}"
            for _n in range(RECOVERY_CODES)
        ]
        for code in codes:
            device.token_set.create(token=code)
        device.confirmed = True
        device.save()
        if audit:
            _audit(user, actor or user, "auth.2fa_recovery_codes")
    return codes


def totp_code_valid(*, device: TOTPDevice, code: str) -> bool:
    """Whether the code is the current one of a new (not yet confirmed) app.

    Setting up is not a login: the code stays valid for the next login (the user may log in
    again within the same 30 seconds), and a wrong one does not delay the next try.
    """
    code = clean_code(code)
    if not (code.isdecimal() and len(code) == device.digits):
        return False
    previous_t = device.last_t
    valid = bool(device.verify_token(code))
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=previous_t, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
    return valid


def totp_device_confirm(*, user: User, device: TOTPDevice) -> list[str]:
    """Confirm a new app (its code checked by ``totp_code_valid``); it replaces the former app.

    Returns the new recovery codes. Audited as ``auth.2fa_enable`` (the first app) or
    ``auth.2fa_new_device`` (a new one, which needed a code of the former in the same request).
    """
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
        had_one = replaced.exists()
        replaced.delete()
        device.confirmed = True
        device.save()
        codes = recovery_codes_new(user=user, audit=False)
        _audit(user, user, "auth.2fa_new_device" if had_one else "auth.2fa_enable")
    return codes


def _devices_remove(*, user: User, actor: User, action: str) -> int:
    with transaction.atomic():
        devices: list[Any] = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        _audit(user, actor, action)
    return len(devices)


def two_factor_disable(*, user: User, actor: User) -> int:
    """Remove every device of the user (app and recovery codes); audited. Returns how many."""
    return _devices_remove(user=user, actor=actor, action="auth.2fa_disable")


def two_factor_reset(*, user: User, actor: User) -> int:
    """An operator's reset of a user's two-factor login (lost phone): the devices go, audited.

    The user then logs in with the password and sets up a new app (required again where the
    operator requires two-factor login).
    """
    return _devices_remove(user=user, actor=actor, action="auth.2fa_reset")


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


def wait_message(seconds: int) -> str:
    """django-otp's pause after a wrong code, said as what it is (not as a wrong code)."""
    return ngettext(
        "Nach einem falschen Code ist eine kurze Pause nötig. Bitte warten Sie noch "
        "%(seconds)d Sekunde und geben Sie den Code dann erneut ein.",
        "Nach einem falschen Code ist eine kurze Pause nötig. Bitte warten Sie noch "
        "%(seconds)d Sekunden und geben Sie den Code dann erneut ein.",
        seconds,
    ) % {"seconds": seconds}


def verify_code(request: HttpRequest, user: User, code: str) -> CodeCheck:
    """Check a code of the app or a recovery code; on success mark the session verified."""
    check = two_factor_code_check(request=request, user=user, code=code)
    if check.device is not None:
        if request.user.is_authenticated:
            otp_login(request, check.device)
        audit_record(
            customer=None,
            actor=user,
            action="auth.2fa_verify",
            obj=user,
            reason=(
                phrase(gettext_noop("Wiederherstellungscode"))
                if isinstance(check.device, StaticDevice)
                else ""
            ),
        )
    return check
