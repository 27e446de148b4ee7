"""Every refused API request as problem details (connect.api.problems), in German."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from connect.api import problems
from connect.exceptions import ApplicationError, ServiceUnavailable, UseCaseNotActive
from connect.services.sync_logs import RunAlreadyActive

CONFLICTS = (RunAlreadyActive, UseCaseNotActive)


def _application_error(exc: ApplicationError) -> Response:
    """A service's refusal: 409 for a state that conflicts, 503 when facilioo is away, else 400."""
    # an active reconciliation is a conflict like an active run
    code: int
    if isinstance(exc, CONFLICTS) or exc.extra.get("reconciliation_id") is not None:
        code = status.HTTP_409_CONFLICT
    elif isinstance(exc, ServiceUnavailable):
        code = status.HTTP_503_SERVICE_UNAVAILABLE
    else:
        code = status.HTTP_400_BAD_REQUEST
    members: dict[str, Any] = {}
    errors = exc.extra.get("errors")
    if errors:
        members["errors"] = [{"pointer": "#", "detail": str(e)} for e in errors]
    for member in ("run_id", "reconciliation_id"):
        if exc.extra.get(member) is not None:
            members[member] = exc.extra[member]
    answer = Response(
        problems.problem(code, str(exc.message), **members),
        status=code,
        content_type=problems.CONTENT_TYPE,
    )
    if isinstance(exc, ServiceUnavailable):
        answer["Retry-After"] = str(exc.retry_after)
    return answer


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, headers such as WWW-Authenticate and Retry-After), its body
    rewritten as problem details."""
    if isinstance(exc, ApplicationError):
        return _application_error(exc)
    if isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound()  # its German text, not the model's English name
    if isinstance(exc, exceptions.UnsupportedMediaType):
        exc = exceptions.UnsupportedMediaType(
            "",
            detail=_(
                "Die API nimmt nur JSON an. Bitte senden Sie den Inhalt mit "
                "„Content-Type: application/json“."
            ),
        )
    answer = drf_exception_handler(exc, context)
    if answer is None:
        return None
    code = answer.status_code
    members: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        member = "parameter" if isinstance(exc, problems.QueryValidationError) else "pointer"
        errors = problems.field_errors(exc.detail, member=member)
        members["errors"] = errors
        detail = problems.summary(errors)
    else:
        data = answer.data
        detail = str(data.get("detail", "")) if isinstance(data, dict) else str(data)
        detail = detail or problems.title(code)
    answer.data = problems.problem(code, detail, **members)
    answer.content_type = problems.CONTENT_TYPE
    return answer
