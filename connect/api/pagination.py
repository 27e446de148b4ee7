"""Pages of the API. Cursor pages by id: no COUNT, no OFFSET; a page costs the same however far
back it is. Paging parameters are checked: a wrong one is a 400 naming it, never silently
replaced by the default (and never echoed into the next page's address)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
from rest_framework.request import Request

from connect.api.problems import QueryValidationError


def _whole_number(request: Request, name: str, *, minimum: int, maximum: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        if maximum is None:
            message = _("Bitte eine ganze Zahl ab %(min)d angeben.") % {"min": minimum}
        else:
            message = _("Bitte eine ganze Zahl von %(min)d bis %(max)d angeben.") % {
                "min": minimum,
                "max": maximum,
            }
        raise QueryValidationError({name: [message]})
    return value


def _schema_bounds(parameters: list[dict[str, Any]], name: str, **bounds: int) -> None:
    for parameter in parameters:
        if parameter["name"] == name:
            parameter["schema"] = {"type": "integer", **bounds}


class CheckedCursorPagination(CursorPagination):
    def get_page_size(self, request: Request) -> int:
        size = _whole_number(
            request, self.page_size_query_param or "", minimum=1, maximum=self.max_page_size
        )
        return size if size is not None else int(self.page_size or 1)

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise QueryValidationError(
                {self.cursor_query_param: [_("Dieser Cursor ist ungültig.")]}
            ) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        _schema_bounds(parameters, "page_size", minimum=1, maximum=int(self.max_page_size or 1))
        return parameters


class RunCursorPagination(CheckedCursorPagination):
    """Runs, newest first."""

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


class ItemCursorPagination(CheckedCursorPagination):
    """A run's record log in the order it was written."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CheckedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = 500

    def get_limit(self, request: Request) -> int | None:
        limit = _whole_number(request, self.limit_query_param, minimum=1, maximum=self.max_limit)
        return limit if limit is not None else self.default_limit

    def get_offset(self, request: Request) -> int:
        offset = _whole_number(request, self.offset_query_param, minimum=0, maximum=None)
        return offset or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        _schema_bounds(parameters, "limit", minimum=1, maximum=int(self.max_limit))
        _schema_bounds(parameters, "offset", minimum=0)
        return parameters
