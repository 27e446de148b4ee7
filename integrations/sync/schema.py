"""Typed settings schemas: each setting of a use case declared once.

A ``SettingsSchema`` lists a use case's ``Field``s in the order the settings page shows them and
names the typed settings the engine reads (``types.StammdatenSettings``, ...). Each field
declares its kind (what kind of value it holds), default, German label and help (translatable),
its constraints (choices, minimum, maximum, Mandanten of the ERP, facilioo projects of the
account) and the German message a person reads when a value is refused.

Everything else is derived from the schema:

- ``validate``: what a person entered (portal form, API body, command line) becomes the stored,
  normalised settings, or ``SettingsInvalid`` names every problem in German, field by field;
- ``from_stored``: the stored settings become the typed settings of the engine;
- ``defaults``: what a fresh activation starts with;
- in ``connect``: the fields of the portal's settings form, the API's settings serializer and the
  options of ``manage.py usecase enable`` (see docs/use-cases.md, "Adding a use case").
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class SettingsInvalid(ValueError):
    """Settings a person entered were refused; ``errors`` holds one German message each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors
        self.message = " ".join(errors)


@dataclass(frozen=True)
class Checks:
    """What a validation checks against besides the values (None: not checked)."""

    known_mandanten: Collection[str] | None = None
    tenants: list[dict[str, Any]] | None = None

    @property
    def tenant_ids(self) -> set[int] | None:
        return None if self.tenants is None else {int(t["id"]) for t in self.tenants}


class Refused(Exception):
    """One value refused: its German messages."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


def text_list(value: Any) -> list[str]:
    """A list setting from a list or a comma-separated text: stripped, empties and repeats gone."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    seen: list[str] = []
    for item in (str(i).strip() for i in items):
        if item and item not in seen:
            seen.append(item)
    return seen


def optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True, kw_only=True)
class Field:
    """One setting. ``kind`` tells the portal, the API and the command line its shape."""

    kind: ClassVar[str] = "text"

    name: str
    label: StrPromise | str
    help: StrPromise | str = ""
    default: Any = None
    # The German message of a refused value; formatted with ``message_args``.
    message: StrPromise | str = ""
    # The attribute of the typed settings (default: ``name``) and its conversion.
    attr: str = ""
    typed: Callable[[Any], Any] | None = None
    # The option of ``manage.py usecase enable`` (default: ``--<name>`` with dashes).
    cli: str = ""
    # A value must be given (the default is only what a fresh activation starts with).
    required: bool = False

    @property
    def attribute(self) -> str:
        return self.attr or self.name

    @property
    def option(self) -> str:
        return self.cli or "--" + self.name.replace("_", "-")

    def message_args(self) -> dict[str, Any]:
        return {}

    def refused(self) -> Refused:
        return Refused(str(self.message) % self.message_args())

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        """The stored value, or ``Refused``; ``present``: the input names the field."""
        return str(value) if present else self.default

    def to_typed(self, stored: Any) -> Any:
        return self.typed(stored) if self.typed is not None else stored


@dataclass(frozen=True, kw_only=True)
class Text(Field):
    """A text of at most ``max_length`` characters (stripped); blank means the default."""

    kind: ClassVar[str] = "text"
    max_length: int = 200

    def message_args(self) -> dict[str, Any]:
        return {"max": self.max_length}

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        text = str(value).strip() if present and value is not None else ""
        if not text:
            if self.required:
                raise self.refused()
            return self.default
        if len(text) > self.max_length:
            raise self.refused()
        return text


@dataclass(frozen=True, kw_only=True)
class Choice(Field):
    """One of ``choices`` (value, German label)."""

    kind: ClassVar[str] = "choice"
    choices: tuple[tuple[str, StrPromise | str], ...] = ()

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.choices)

    def message_args(self) -> dict[str, Any]:
        return {"s": " ".join(self.values)}

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        if not present:
            if self.required:
                raise self.refused()
            return self.default
        text = str(value if value is not None else "")
        if text not in self.values:
            raise self.refused()
        return text


@dataclass(frozen=True, kw_only=True)
class Integer(Field):
    """A whole number from ``minimum`` to ``maximum``; blank means the default if allowed."""

    kind: ClassVar[str] = "integer"
    minimum: int | None = None
    maximum: int | None = None
    blank_is_default: bool = False
    unit: StrPromise | str = ""

    def message_args(self) -> dict[str, Any]:
        return {"min": self.minimum, "max": self.maximum}

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        if not present or (self.blank_is_default and _blank(value)):
            return self.default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self.refused() from None
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            raise self.refused()
        return number

    def to_typed(self, stored: Any) -> Any:
        return self.typed(stored) if self.typed is not None else int(stored)


@dataclass(frozen=True, kw_only=True)
class Boolean(Field):
    kind: ClassVar[str] = "boolean"
    # On the command line the option switches the setting off (``--include-unreleased``).
    cli_negates: bool = False

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        return bool(value) if present else bool(self.default)


@dataclass(frozen=True, kw_only=True)
class Date(Field):
    """An optional date, stored as JJJJ-MM-TT."""

    kind: ClassVar[str] = "date"

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        if not present or not value:
            return None
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise self.refused() from None

    def to_typed(self, stored: Any) -> Any:
        return date.fromisoformat(stored) if stored else None


@dataclass(frozen=True, kw_only=True)
class TextList(Field):
    """A list of texts (in a form and on the command line: separated by commas)."""

    kind: ClassVar[str] = "text_list"
    max_length: int = 200

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        return text_list(value) if present else list(self.default or [])


@dataclass(frozen=True, kw_only=True)
class Mandanten(Field):
    """The Mandanten of the customer's ERP the use case reads: at least one, each known."""

    kind: ClassVar[str] = "mandanten"
    unknown_message: StrPromise | str = ""

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        mandanten = text_list(value)
        if not mandanten:
            raise self.refused()
        known = checks.known_mandanten
        unknown = [m for m in mandanten if known is not None and m not in known]
        if unknown:
            raise Refused(str(self.unknown_message) % {"m": ", ".join(unknown)})
        return mandanten

    def to_typed(self, stored: Any) -> Any:
        return frozenset(str(m) for m in stored or ())


@dataclass(frozen=True, kw_only=True)
class Tenant(Field):
    """An optional facilioo project (tenant) id the customer's account sees."""

    kind: ClassVar[str] = "tenant"
    invisible_message: StrPromise | str = ""

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        try:
            tenant = optional_int(value if present else self.default)
        except (TypeError, ValueError):
            raise self.refused() from None
        visible = checks.tenant_ids
        if tenant is not None and visible is not None and tenant not in visible:
            raise Refused(str(self.invisible_message) % {"id": tenant})
        return tenant

    def to_typed(self, stored: Any) -> Any:
        return optional_int(stored)


@dataclass(frozen=True, kw_only=True)
class TenantMap(Field):
    """facilioo projects by Wirtschaftseinheit ``{"Mandant/WE": id}``; set on the page only."""

    kind: ClassVar[str] = "tenant_map"
    invisible_message: StrPromise | str = ""

    def clean(self, value: Any, present: bool, checks: Checks) -> Any:
        overrides: dict[str, int] = {}
        messages: list[str] = []
        visible = checks.tenant_ids
        for we, tid in (value or {}).items():
            try:
                overrides[str(we)] = int(tid)
            except (TypeError, ValueError):
                messages.append(str(self.message) % {"we": we})
                continue
            if visible is not None and overrides[str(we)] not in visible:
                messages.append(str(self.invisible_message) % {"id": tid, "we": we})
        if messages:
            raise Refused(*messages)
        return overrides

    def to_typed(self, stored: Any) -> Any:
        overrides: dict[tuple[str, str], int] = {}
        for we, tenant in (stored or {}).items():
            mandant, _sep, we_nr = str(we).partition("/")
            overrides[(mandant, we_nr)] = int(tenant)
        return overrides


@dataclass(frozen=True)
class SettingsSchema:
    """The settings of one use case: its fields, in page order, and its typed settings."""

    settings_type: type
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def defaults(self) -> dict[str, Any]:
        """What a fresh activation starts with (Mandanten are chosen by a person)."""
        return {f.name: copy.deepcopy(f.default) for f in self.fields if f.kind != "mandanten"}

    def validate(
        self,
        raw: Mapping[str, Any],
        *,
        known_mandanten: Collection[str] | None,
        tenants: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Stored settings, or ``SettingsInvalid`` with every problem in German.

        ``known_mandanten``: the Mandanten of the customer's ERP; ``tenants``: the facilioo
        projects the account can see (None: not checked).
        """
        checks = Checks(known_mandanten=known_mandanten, tenants=tenants)
        errors: list[str] = []
        stored: dict[str, Any] = {}
        for f in self.fields:
            try:
                stored[f.name] = f.clean(raw.get(f.name), f.name in raw, checks)
            except Refused as refused:
                errors.extend(refused.messages)
        if errors:
            raise SettingsInvalid(errors)
        return stored

    def from_stored(self, stored: Mapping[str, Any]) -> Any:
        """The engine's typed settings from an activation's stored (validated) settings."""
        values: dict[str, Any] = {}
        for f in self.fields:
            value = stored.get(f.name)
            if value is None or value == "":
                value = f.default
            values[f.attribute] = f.to_typed(value)
        return self.settings_type(**values)
