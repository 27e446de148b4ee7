"""One error format for the whole API: problem details (RFC 9457), ``application/problem+json``.

Every refused request answers with ``type`` (``about:blank``: the status says what happened),
``title`` (the status in words), ``status``, ``detail`` (one German sentence a person can act
on) and, where single inputs are wrong, ``errors``: one entry per problem with its ``detail``
and either a ``pointer`` (RFC 6901, into the request body: ``#/settings/separator``) or a
``parameter`` (the query parameter). A 409 for an active run adds ``run_id``; 429 and 503 carry
``Retry-After``. The schema documents this shape as the ``Problem`` component on every
operation's error answers (``document_problems``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request

CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: gettext_lazy("Ungültige Anfrage"),
    401: gettext_lazy("Nicht angemeldet"),
    403: gettext_lazy("Keine Berechtigung"),
    404: gettext_lazy("Nicht gefunden"),
    405: gettext_lazy("Methode nicht erlaubt"),
    406: gettext_lazy("Antwortformat nicht verfügbar"),
    409: gettext_lazy("Konflikt"),
    413: gettext_lazy("Anfrage zu groß"),
    415: gettext_lazy("Format nicht unterstützt"),
    429: gettext_lazy("Zu viele Anfragen"),
    500: gettext_lazy("Interner Fehler"),
    503: gettext_lazy("Vorübergehend nicht verfügbar"),
}


def title(status: int) -> str:
    return str(TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400]))


def problem(status: int, detail: str, **members: Any) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": title(status),
        "status": status,
        "detail": detail,
        **members,
    }


class QueryValidationError(ValidationError):
    """Query parameters that are wrong: their errors name the ``parameter``."""


def validate_query(serializer: serializers.Serializer[Any], request: Request) -> dict[str, Any]:
    """The serializer's fields read from the query string; an empty value is an error too (DRF
    would treat ``?status=`` as absent and answer as if unfiltered)."""
    empty: dict[str, Any] = {
        name: [_("Bitte geben Sie einen Wert an oder lassen Sie den Parameter weg.")]
        for name in serializer.fields.keys()  # noqa: SIM118 (keys, typed as such)
        if name in request.query_params and request.query_params.get(name, "") == ""
    }
    if empty:
        raise QueryValidationError(empty)
    if not serializer.is_valid():
        raise QueryValidationError(serializer.errors)
    return dict(serializer.validated_data)


def _escape(part: str) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def field_errors(detail: Any, *, member: str = "pointer") -> list[dict[str, str]]:
    """A DRF error tree flattened: ``[{"pointer": "#/settings/separator", "detail": "…"}]``."""
    found: list[dict[str, str]] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, path if key == "non_field_errors" else [*path, str(key)])
        elif isinstance(node, list | tuple):
            if all(isinstance(v, str | ErrorDetail) for v in node):
                for message in node:
                    walk(message, path)
            else:
                for index, value in enumerate(node):
                    walk(value, [*path, str(index)])
        else:
            if member == "parameter":
                where = path[0] if path else ""
            else:
                where = "#" + "".join(f"/{_escape(p)}" for p in path)
            found.append({member: where, "detail": str(node)})

    walk(detail, [])
    return found


def summary(errors: list[dict[str, str]]) -> str:
    """One sentence naming each wrong input, for ``detail``."""
    parts = []
    for error in errors:
        where = error.get("parameter") or error.get("pointer", "#")[2:].replace("/", ".")
        parts.append(f"{where}: {error['detail']}" if where else error["detail"])
    return " ".join(parts) if parts else _("Die Anfrage ist ungültig.")


def response(status: int, detail: str, **members: Any) -> JsonResponse:
    """A problem answer outside DRF (unknown addresses under /api/, server errors)."""
    return JsonResponse(
        problem(status, detail, **members), status=status, content_type=CONTENT_TYPE
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return response(404, _("Unter dieser Adresse gibt es nichts."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return response(
            500, _("Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.")
        )
    return defaults.server_error(request)


# ------------------------------------------------------------------------------------------
# The schema: the Problem component on every operation's error answers
# ------------------------------------------------------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Problem details (RFC 9457). Every error of this API has this shape.",
    "properties": {
        "type": {"type": "string", "description": "Always about:blank: see status."},
        "title": {"type": "string", "description": "The status in words."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, in German."},
        "errors": {
            "type": "array",
            "description": "One entry per wrong input: a JSON pointer into the request body "
            "(RFC 6901) or the name of a query parameter, and what is wrong with it.",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "example": "#/settings/separator"},
                    "parameter": {"type": "string", "example": "page_size"},
                    "detail": {"type": "string"},
                },
                "required": ["detail"],
            },
        },
        "run_id": {"type": "integer", "description": "The active run (409)."},
        "reconciliation_id": {
            "type": "integer",
            "description": "The active reconciliation (409).",
        },
    },
    "required": ["type", "title", "status", "detail"],
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before trying again.",
    }
}
DESCRIPTIONS = {
    "400": "Invalid input: the body or a query parameter (see errors).",
    "401": "Not authenticated (no or an expired token).",
    "403": "Authenticated, but the role or the second factor does not allow it.",
    "404": "No such object for this customer.",
    "409": "Conflicts with the current state (see detail).",
    "415": "The body is not JSON.",
    "429": "Too many requests: see Retry-After.",
    "503": "facilioo cannot be reached right now: try again after Retry-After.",
}


def _secured(operation: Mapping[str, Any], default: list[Any]) -> bool:
    security = operation.get("security", default)
    return bool(security) and {} not in security


def document_problems(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing: error answers documented as Problem, every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components.pop("Error", None)
    ref = {"$ref": "#/components/schemas/Problem"}
    default_security = result.get("security", [])
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = operation["responses"]
            codes = {"429"}
            if _secured(operation, default_security):
                codes |= {"401", "403"}
            if "{" in path:
                codes.add("404")
            if "requestBody" in operation:
                codes |= {"400", "415"}
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                codes.add("400")
            for code in codes:
                answers.setdefault(code, {})
            for code, answer in answers.items():
                if not code.startswith(("4", "5")):
                    continue
                answer["content"] = {CONTENT_TYPE: {"schema": ref}}
                answer["description"] = answer.get("description") or DESCRIPTIONS.get(code, "")
                if code in {"429", "503"}:
                    answer["headers"] = RETRY_AFTER
    return result
