"""Keyset pagination: pages by id cursors, never with COUNT or OFFSET.

A page after a cursor reads `size + 1` rows through an index such as (run, id) and stops; the
cost of a page does not grow with the table or with how far back the reader has paged. The
price: there are no page numbers, only "next" and "previous".

The order is by primary key, ascending (record log) or descending (run list, newest first).
"after" moves along the order, "before" moves against it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    items: list[M]
    # Cursor for the next page (rows after the last one shown), None on the last page.
    next_after: int | None
    # Cursor for the previous page (rows before the first one shown), None on the first page.
    previous_before: int | None

    def __iter__(self) -> Iterator[M]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_next(self) -> bool:
        return self.next_after is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_before is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def parse_cursor(value: str | None) -> int | None:
    """A cursor from a query string; anything that is not a positive integer means "none"."""
    # isdigit() alone lets "²" through, and int() refuses more than 4,300 digits.
    if not value or len(value) > 19 or not value.isascii() or not value.isdecimal():
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


def keyset_page(
    queryset: QuerySet[M],
    *,
    size: int,
    after: int | None = None,
    before: int | None = None,
    descending: bool = False,
) -> KeysetPage[M]:
    """One page of `queryset` ordered by id (descending: newest first), with cursors.

    Exactly one query. `after` wins over `before` when both are given.
    """
    if size < 1:
        raise ValueError("size must be positive")
    forward_order = "-pk" if descending else "pk"
    backward_order = "pk" if descending else "-pk"
    # "Along the order" means a smaller id when the order is descending.
    along, against = ("pk__lt", "pk__gt") if descending else ("pk__gt", "pk__lt")

    if after is not None or before is None:
        rows = queryset.order_by(forward_order)
        if after is not None:
            rows = rows.filter(**{along: after})
        items = list(rows[: size + 1])
        more = len(items) > size
        items = items[:size]
        return KeysetPage(
            items=items,
            next_after=items[-1].pk if more else None,
            previous_before=items[0].pk if after is not None and items else None,
        )

    rows = queryset.order_by(backward_order).filter(**{against: before})
    items = list(rows[: size + 1])
    more = len(items) > size
    items = items[:size]
    items.reverse()
    return KeysetPage(
        items=items,
        next_after=items[-1].pk if items else None,
        previous_before=items[0].pk if more else None,
    )


def keyset_links(page: KeysetPage[Any], *, params: Mapping[str, str]) -> dict[str, str | None]:
    """Query strings for the next and previous page; the given filter params are kept."""
    kept = {k: v for k, v in params.items() if v}

    def link(key: str, cursor: int | None) -> str | None:
        return None if cursor is None else "?" + urlencode({**kept, key: cursor})

    return {
        "next": link("after", page.next_after),
        "previous": link("before", page.previous_before),
    }
