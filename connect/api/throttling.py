"""DRF request throttles that identify clients by the address connect.request_context trusts
(DRF's own reads X-Forwarded-For whenever it is sent)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from connect.request_context import client_ip


class AnonThrottle(AnonRateThrottle):
    def get_ident(self, request: Request) -> str:
        return client_ip(request._request) or "unknown"


class UserThrottle(UserRateThrottle):
    def get_ident(self, request: Request) -> str:
        return client_ip(request._request) or "unknown"
