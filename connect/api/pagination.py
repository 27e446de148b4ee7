"""Cursor pages by id: no COUNT, no OFFSET; a page costs the same however far back it is."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class RunCursorPagination(CursorPagination):
    """Runs, newest first."""

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


class ItemCursorPagination(CursorPagination):
    """A run's record log in the order it was written."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
