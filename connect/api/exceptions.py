"""Service errors as API answers: the German message of the service goes to the client as is."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from connect.exceptions import ApplicationError
from connect.services.sync_logs import RunAlreadyActive


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus ApplicationError → 400 (409 for an active run) and DoesNotExist → 404."""
    if isinstance(exc, ApplicationError):
        code = status.HTTP_409_CONFLICT if isinstance(exc, RunAlreadyActive) else 400
        body: dict[str, Any] = {"detail": exc.message}
        errors = exc.extra.get("errors")
        body["errors"] = list(errors) if errors else [exc.message]
        if exc.extra.get("run_id") is not None:
            body["run_id"] = exc.extra["run_id"]
        return Response(body, status=code)
    if isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.UnsupportedMediaType):
        exc = exceptions.UnsupportedMediaType(
            "",
            detail=_(
                "Die API nimmt nur JSON an. Bitte senden Sie den Inhalt mit "
                "„Content-Type: application/json“."
            ),
        )
    return drf_exception_handler(exc, context)
