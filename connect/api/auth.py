"""API tokens (django-rest-knox): issued for user name and password through Django's
authenticate(), so django-axes counts and throttles API logins exactly like portal logins.

- Only a SHA-512 digest of each token is stored; a token expires after ``API_TOKEN_TTL_HOURS``.
- A successful token login sends ``user_logged_in``: django-axes resets the failure counter,
  and the audit log records the login.
- A request with a wrong token counts as a failed login of its address (django-axes), so
  guessing tokens is throttled like guessing passwords; a locked-out address gets 429.
- Tokens are revoked on a password change, on deactivation (connect.signals) and by "log out
  everywhere"; each creation and revocation is audited.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import status
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.request import Request

from connect.models import ApiTokenInfo, User
from connect.request_context import client_ip, user_agent
from connect.services.api_tokens import token_list
from connect.services.audit import audit_record
from connect.services.two_factor import two_factor_required, verify_code, wait_message
from connect.throttling import refusal_message, wait_seconds

# last_used_at is written at most this often per token (seconds): no write on every request.
LAST_USED_RESOLUTION = 60


class LoginLockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, detail: str, wait: int = 0) -> None:
        super().__init__(detail)
        # DRF sends it as Retry-After.
        self.wait = wait or None


class TooManyTokens(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "token_limit"


def _refused(request: HttpRequest) -> LoginLockedOut:
    """The lockout or delay of this login request as a JSON answer (429, Retry-After)."""
    # Answered here in JSON; the middleware would otherwise put the portal's HTML page in.
    request.axes_locked_out = False  # type: ignore[attr-defined]
    return LoginLockedOut(refusal_message(request), wait=wait_seconds(request))


def token_issue(
    *, request: HttpRequest, username: str, password: str, otp: str = ""
) -> tuple[AuthToken, str]:
    """A new token for the user: (the stored token, the secret shown once).

    A user with two-factor login also sends a current code (``otp``). AuthenticationFailed or
    LoginLockedOut otherwise.
    """
    user = authenticate(request=request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise _refused(request)
    if user is None or not user.is_active:
        raise AuthenticationFailed(
            _(
                "Benutzername oder Passwort ist falsch. Bitte beachten Sie die Groß- und "
                "Kleinschreibung."
            )
        )
    assert isinstance(user, User)  # noqa: S101 - AUTH_USER_MODEL
    _check_second_factor(request, user, otp)
    limit = int(settings.API_TOKEN_LIMIT)
    if token_list(user=user).count() >= limit:
        raise TooManyTokens(
            _(
                "Sie haben bereits %(n)d gültige API-Tokens. Bitte widerrufen Sie zuerst eines, "
                "das Sie nicht mehr brauchen (unter „Mein Konto“)."
            )
            % {"n": limit}
        )
    token, secret = AuthToken.objects.create(user=user)
    ApiTokenInfo.objects.create(
        token=token, user_agent=user_agent(request), created_ip=client_ip(request)
    )
    # As the portal's login does: django-axes resets the failures, the audit log records it.
    user_logged_in.send(sender=user.__class__, request=request, user=user, via="api")
    audit_record(
        customer=None,
        actor=user,
        action="token.create",
        obj=user,
        changes={"tokens": [[], [token.token_key]]},
    )
    return token, secret


def _check_second_factor(request: HttpRequest, user: User, otp: str) -> None:

    if user_has_device(user, confirmed=True):
        if not otp:
            raise AuthenticationFailed(
                _("Bitte geben Sie auch den Code Ihrer Zwei-Faktor-Anmeldung an (Feld „otp“).")
            )
        check = verify_code(request, user, otp)
        if not check.ok:
            if getattr(request, "axes_locked_out", False):
                raise _refused(request)
            if check.wait_seconds:
                raise LoginLockedOut(wait_message(check.wait_seconds), wait=check.wait_seconds)
            raise AuthenticationFailed(_("Der Code der Zwei-Faktor-Anmeldung stimmt nicht."))
    elif two_factor_required(user):
        raise AuthenticationFailed(
            _("Bitte richten Sie zuerst im Portal die Zwei-Faktor-Anmeldung ein.")
        )


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token check, with German messages, the login throttle and the time of last use."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        django_request = request._request
        # A valid token is never refused for failed logins: the lockout is checked only when
        # the token is wrong (guessing tokens is throttled like guessing passwords).
        try:
            result = super().authenticate(request)
        except AuthenticationFailed as exc:
            # A user name of none: empty credentials would make django-axes read the form body
            # (request.POST), after which DRF no longer refuses a non-JSON body with 415.
            if AxesProxyHandler.is_locked(django_request, credentials={"username": None}):
                raise _refused(django_request) from exc
            # A wrong or expired token counts as a failed login of this address.
            user_login_failed.send(
                sender=__name__, credentials={"username": ""}, request=django_request
            )
            if getattr(django_request, "axes_locked_out", False):
                raise _refused(django_request) from exc
            raise AuthenticationFailed(
                _("Das Token ist ungültig oder abgelaufen. Bitte melden Sie sich neu an.")
            ) from exc
        if result is None:
            return None
        user, token = result
        now = timezone.now()
        info = ApiTokenInfo.objects.filter(token=token).first()
        if info is None:
            ApiTokenInfo.objects.create(token=token, last_used_at=now)
        elif info.last_used_at is None or (
            (now - info.last_used_at).total_seconds() >= LAST_USED_RESOLUTION
        ):
            ApiTokenInfo.objects.filter(pk=info.pk).update(last_used_at=now)
        return user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token header."""

    target_class = "connect.api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with the prefix "Token "',
        }
