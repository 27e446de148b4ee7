"""Sentences that are stored and read later: kept as codes, written in the reader's language.

A run-log row, an alert or a connection result is read days after it was written, by people
who read German or English. So it is stored as a ``Phrase``: the German source text of a
catalog entry (marked with ``gettext_noop``) and its parameters; ``str()`` writes it in the
active language. A parameter is plain data (a number, a facilioo error text, a record key), a
phrase itself, or a code with a label table (``Phrase.reason``).

``Phrase.to_data`` is the stored form (JSON); ``stored_text`` renders it, and falls back to the
text a row stored before phrases existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop

from integrations.reasons import REASONS


@dataclass(frozen=True)
class Phrase:
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    # A code whose sentence comes from a table instead of ``msgid`` ("reason": REASONS).
    table: str = ""

    @classmethod
    def reason(cls, code: str) -> Phrase:
        """The sentence of a run-log reason code ("Mieter hat keine E-Mail-Adresse.")."""
        return cls(code, table="reason")

    @classmethod
    def reason_with(cls, code: str, detail: Any) -> Phrase:
        """A reason's sentence and a detail in brackets, or the sentence alone."""
        if detail in (None, ""):
            return cls.reason(code)
        return cls(
            gettext_noop("%(reason)s (%(detail)s)"), {"reason": cls.reason(code), "detail": detail}
        )

    def __str__(self) -> str:
        return self.render()

    def __bool__(self) -> bool:
        return bool(self.msgid)

    def render(self) -> str:
        if self.table == "reason":
            return str(REASONS[self.msgid]) if self.msgid in REASONS else self.msgid
        text = gettext(self.msgid)
        if not self.params:
            return text
        values = {name: _render(value) for name, value in self.params.items()}
        for template in (text, self.msgid):  # a translation that lost a parameter: German
            try:
                return template % values
            except (KeyError, TypeError, ValueError):
                continue
        return self.msgid

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"msgid": self.msgid}
        if self.table:
            data["table"] = self.table
        if self.params:
            data["params"] = {
                name: value.to_data() if isinstance(value, Phrase) else _plain(value)
                for name, value in self.params.items()
            }
        return data

    @classmethod
    def from_data(cls, data: Any) -> Phrase | None:
        if not isinstance(data, Mapping) or not isinstance(data.get("msgid"), str):
            return None
        params = data.get("params") or {}
        if not isinstance(params, Mapping):
            return None
        return cls(
            data["msgid"],
            {
                str(name): cls.from_data(value) if isinstance(value, Mapping) else value
                for name, value in params.items()
            },
            str(data.get("table") or ""),
        )


def _plain(value: Any) -> str | int | float:
    return value if isinstance(value, (int, float)) else str(value)


def _render(value: Any) -> Any:
    if isinstance(value, Phrase):
        return value.render()
    return "" if value is None else value


def phrase(msgid: str, **params: Any) -> Phrase:
    """A stored sentence: ``msgid`` must be marked for translation (``gettext_noop``)."""
    return Phrase(msgid, params)


def sentences(*parts: Phrase) -> Phrase:
    """Several stored sentences as one, separated by spaces."""
    first, *rest = parts
    if not rest:
        return first
    return Phrase(gettext_noop("%(first)s %(rest)s"), {"first": first, "rest": sentences(*rest)})


def to_data(text: str | Phrase | None) -> dict[str, Any] | None:
    """What a model stores next to the text: the phrase's codes, or nothing for plain text."""
    return text.to_data() if isinstance(text, Phrase) and text else None


def stored_text(data: Any, legacy: str = "") -> str:
    """A stored phrase in the active language; rows from before phrases show their text."""
    found = Phrase.from_data(data)
    return found.render() if found is not None else legacy
