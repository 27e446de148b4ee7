"""API tokens: issued for username and password through Django's authenticate(), so django-axes
counts and throttles API logins exactly like portal logins."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import APIException, AuthenticationFailed

from connect.models import User


class LoginLockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


def token_issue(*, request: HttpRequest, username: str, password: str) -> Token:
    """The user's token (created on first use); AuthenticationFailed or LoginLockedOut otherwise."""
    user = authenticate(request=request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        # Answered here in JSON; the middleware would otherwise put the portal's HTML page in.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise LoginLockedOut(
            _(
                "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie einige Minuten und "
                "versuchen Sie es dann erneut."
            )
        )
    if user is None or not user.is_active:
        raise AuthenticationFailed(
            _(
                "Benutzername oder Passwort ist falsch. Bitte beachten Sie die Groß- und "
                "Kleinschreibung."
            )
        )
    token, _created = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> int:
    """Delete the user's token; returns how many were deleted (0 or 1)."""
    deleted, _detail = Token.objects.filter(user=user).delete()
    return deleted
