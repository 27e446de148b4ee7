"""Errors raised by services, with a message a person can read."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class UseCaseNotActive(ApplicationError):
    """A run was asked for a use case the customer has not activated (a conflict: 409)."""


class ServiceUnavailable(ApplicationError):
    """facilioo (or another system the answer needs) cannot be reached now: try again later."""

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after
