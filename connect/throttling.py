"""Login throttling on top of django-axes, without a denial of service.

- django-axes counts failures per user name *and* address (the pair), and per address alone
  (password spraying from one address); either reaching ``AXES_FAILURE_LIMIT`` locks for
  ``AXES_COOLOFF_HOURS`` (connect.request_context.lockout_parameters).
- Per user name alone there is no lock. Failures of one user name from any address (an attacker
  rotating addresses) make logins of that user name from addresses it never logged in from wait:
  from ``AXES_FAILURE_LIMIT`` failures on, each one doubles the delay, from
  ``LOGIN_DELAY_BASE_SECONDS`` up to ``LOGIN_DELAY_MAX_SECONDS``. An address the user logged in
  from within ``LOGIN_KNOWN_ADDRESS_DAYS`` (django-axes' access log) is never delayed, so the
  right password from the office still works while someone guesses elsewhere.
- A refusal says how long to wait (German, ``Retry-After``).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WAIT_ATTRIBUTE = "connect_login_wait_seconds"


def user_name_delay(*, failures: int) -> int:
    """Seconds a login of this user name waits after its last failure (0: none)."""
    limit = int(settings.AXES_FAILURE_LIMIT)
    if failures < limit:
        return 0
    base = max(1, int(settings.LOGIN_DELAY_BASE_SECONDS))
    ceiling = max(base, int(settings.LOGIN_DELAY_MAX_SECONDS))
    # Bounded exponent: no huge integers, whatever the count.
    return min(ceiling, base * 2 ** min(failures - limit, 32))


def known_address(*, username: str, ip_address: str | None) -> bool:
    """Whether the user logged in from this address within LOGIN_KNOWN_ADDRESS_DAYS."""
    if not ip_address:
        return False
    since = timezone.now() - timedelta(days=int(settings.LOGIN_KNOWN_ADDRESS_DAYS))
    return AccessLog.objects.filter(
        username=username, ip_address=ip_address, attempt_time__gte=since
    ).exists()


def user_name_wait_seconds(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """How long this login must still wait because of failures of its user name elsewhere."""
    username = get_client_username(request, credentials)
    if not username:
        return 0
    cool_off = get_cool_off(request) or timedelta(hours=1)
    now = timezone.now()
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - cool_off)
    totals = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    delay = user_name_delay(failures=int(totals["failures"] or 0))
    if not delay or totals["last"] is None:
        return 0
    remaining = (totals["last"] + timedelta(seconds=delay) - now).total_seconds()
    if remaining <= 0:
        return 0
    if known_address(username=username, ip_address=getattr(request, "axes_ip_address", None)):
        return 0
    return math.ceil(remaining)


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the per-user-name delay for unknown addresses."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        wait = user_name_wait_seconds(request, credentials)
        if wait:
            setattr(request, WAIT_ATTRIBUTE, wait)
            return True
        return False


def wait_seconds(request: HttpRequest) -> int:
    """How long a refused login should wait: the delay, or what is left of the lock."""
    wait = int(getattr(request, WAIT_ATTRIBUTE, 0) or 0)
    if wait:
        return wait
    cool_off = get_cool_off(request)
    return max(1, int(cool_off.total_seconds())) if cool_off else 0


def refusal_message(request: HttpRequest) -> str:
    wait = int(getattr(request, WAIT_ATTRIBUTE, 0) or 0)
    if wait:
        return ngettext(
            "Für diesen Benutzernamen gab es zuletzt viele falsche Passwörter. Bitte warten "
            "Sie %(seconds)d Sekunde und versuchen Sie es dann erneut.",
            "Für diesen Benutzernamen gab es zuletzt viele falsche Passwörter. Bitte warten "
            "Sie %(seconds)d Sekunden und versuchen Sie es dann erneut.",
            wait,
        ) % {"seconds": wait}
    return _(
        "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie einige Minuten und "
        "versuchen Sie es dann erneut."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a refused login: 429, German, with ``Retry-After``."""
    message = refusal_message(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(
            request,
            str(settings.AXES_LOCKOUT_TEMPLATE),
            {"message": message, "failure_limit": get_failure_limit(request, credentials)},
            status=429,
        )
    wait = wait_seconds(request)
    if wait:
        response["Retry-After"] = str(wait)
    return response
