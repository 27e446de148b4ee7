"""Who is asking: the client's address and program, for the audit log and login throttling.

The client's address is ``REMOTE_ADDR``, unless ``TRUSTED_PROXY_HEADER`` names the header a
reverse proxy in front of the product sets (e.g. ``X-Forwarded-For``). Then the address is
taken from that header, counting ``TRUSTED_PROXY_COUNT`` proxies from the right, and only for
requests that come from one of ``TRUSTED_PROXY_IPS`` (when set). A header sent by a client
without such a proxy is never believed.

A middleware keeps the current request in a context variable, so that services can audit the
address and program without every call passing the request along.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

USER_AGENT_MAX = 300


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as configured (see the module); None when there is none."""
    remote = _valid_ip(str(request.META.get("REMOTE_ADDR") or ""))
    header = str(getattr(settings, "TRUSTED_PROXY_HEADER", "") or "")
    if not header:
        return remote
    trusted = list(getattr(settings, "TRUSTED_PROXY_IPS", []) or [])
    if trusted and remote not in {_valid_ip(t) for t in trusted}:
        return remote
    meta_key = "HTTP_" + header.upper().replace("-", "_")
    hops = [h for h in str(request.META.get(meta_key) or "").split(",") if h.strip()]
    count = max(1, int(getattr(settings, "TRUSTED_PROXY_COUNT", 1)))
    if len(hops) < count:
        return remote
    return _valid_ip(hops[-count]) or remote


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX]


def via_of(request: HttpRequest) -> str:
    path = request.path
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "portal"


def lockout_parameters(request: Any, credentials: dict[str, Any] | None) -> list[Any]:
    """django-axes: failures count per user name and address together, and per address (also
    across user names: spraying). Per user name alone they only delay logins from addresses
    the user never logged in from (connect.throttling), so nobody can lock a user out.

    A failure without a user name (a wrong API token) counts for the address only.
    """
    if credentials and credentials.get("username"):
        return [["username", "ip_address"], "ip_address"]
    return ["ip_address"]


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    user_agent: str
    via: str
    request: HttpRequest | None = None


def current_user() -> Any:
    """The logged-in user of the current request, or None (CLI, beat, anonymous)."""
    context = _current.get()
    request = context.request if context else None
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


_current: ContextVar[RequestContext | None] = ContextVar("connect_request", default=None)


def current_context() -> RequestContext | None:
    return _current.get()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(
            RequestContext(
                ip_address=client_ip(request),
                user_agent=user_agent(request),
                via=via_of(request),
                request=request,
            )
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
