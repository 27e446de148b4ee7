"""The portal's settings form, derived from a use case's settings schema (``sync.schema``).

``form_data`` reads a posted form into the raw settings the schema validates (with the German
messages of values a form field cannot even hold); ``form_fields`` describes each field for the
generic settings page (``connect/usecase_settings.html``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from connect.converters import small_int
from integrations.sync.schema import Boolean, Field, Integer, SettingsSchema

TENANT_OVERRIDE_PREFIX = "tenant_override__"


def form_data(schema: SettingsSchema, post: QueryDict) -> tuple[dict[str, Any], list[str]]:
    """The raw settings of a posted settings form, and the problems of unreadable values."""
    data: dict[str, Any] = {}
    errors: list[str] = []
    for field in schema.fields:
        if field.kind == "mandanten":
            data[field.name] = post.getlist(field.name)
        elif field.kind == "boolean":
            data[field.name] = post.get(field.name) == "1"
        elif field.kind == "tenant":
            text = post.get(field.name, "").strip()
            data[field.name] = small_int(text)
            if text and data[field.name] is None:
                errors.insert(0, _("Das Standard-Projekt muss eine facilioo-Projektnummer sein."))
        elif field.kind == "tenant_map":
            data[field.name] = _tenant_overrides(post, errors)
        elif field.kind == "date":
            data[field.name] = post.get(field.name, "").strip() or None
        elif isinstance(field, Integer) and field.blank_is_default:
            data[field.name] = post.get(field.name, "").strip() or field.default
        elif field.name in post or field.required:
            data[field.name] = post.get(field.name, "")
        else:
            data[field.name] = field.default
    return data, errors


def _tenant_overrides(post: QueryDict, errors: list[str]) -> dict[str, int]:
    """``tenant_override__<Mandant>/<WE>`` fields → ``{"M/W": id}``; empty means "default"."""
    overrides: dict[str, int] = {}
    for name, value in post.items():
        if not name.startswith(TENANT_OVERRIDE_PREFIX) or not str(value).strip():
            continue
        we = name.removeprefix(TENANT_OVERRIDE_PREFIX)
        project = small_int(value)
        if project is not None:
            overrides[we] = project
        else:
            errors.append(_("Ungültiges facilioo-Projekt für WE %(we)s.") % {"we": we})
    return overrides


@dataclass(frozen=True)
class FormField:
    """One field of the generic settings page."""

    field: Field
    value: Any

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def kind(self) -> str:
        return self.field.kind

    @property
    def checked(self) -> bool:
        return bool(self.value)

    @property
    def text(self) -> str:
        if isinstance(self.value, list | tuple):
            return ", ".join(str(v) for v in self.value)
        return "" if self.value is None else str(self.value)


def form_fields(schema: SettingsSchema, current: dict[str, Any]) -> list[FormField]:
    """The fields of the generic page with their current values (defaults for a fresh one)."""
    rows = []
    for field in schema.fields:
        value = current.get(field.name, field.default)
        if isinstance(field, Boolean) and field.name not in current:
            value = field.default
        rows.append(FormField(field=field, value=value))
    return rows
