"""URL converters: ``<id:…>`` is ``<int:…>`` bounded to what a database id can hold.

A path with a 30-digit number is then a plain 404, never a database overflow (500).
"""

from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def small_int(text: object, *, maximum: int = 2**31 - 1) -> int | None:
    """A non-negative whole number from form input, or None (letters, ², 5,000 digits, …)."""
    value = str(text).strip() if text is not None else ""
    if not value or len(value) > 18 or not value.isascii() or not value.isdecimal():
        return None
    number = int(value)
    return number if number <= maximum else None
