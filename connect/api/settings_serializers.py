"""The API's settings serializers, derived from each use case's settings schema.

Every field of a ``sync.schema.SettingsSchema`` becomes a typed DRF field (a wrong type is
refused per field) that runs the schema's own check (choices, minimum, maximum; the German
messages of the schema). What needs the customer (the Mandanten of its ERP, the facilioo
projects of its account) the activation service checks with the same schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from integrations.sync.schema import Checks, Choice, Field, Refused, SettingsSchema

_SERIALIZERS: dict[int, type[serializers.Serializer[Any]]] = {}


def _schema_check(field: Field) -> Any:
    def check(value: Any) -> None:
        try:
            field.clean(value, True, Checks())
        except Refused as refused:
            raise serializers.ValidationError(refused.messages) from None

    return check


def drf_field(field: Field) -> serializers.Field[Any, Any, Any, Any]:
    """The DRF field of one setting: its type, and the schema's check. Nothing is required:
    the activation names every missing value in German."""
    common: dict[str, Any] = {
        "required": False,
        "help_text": field.help,
        "label": field.label,
        "validators": [_schema_check(field)],
    }
    if field.kind == "mandanten":
        return serializers.ListField(
            child=serializers.CharField(max_length=50), max_length=500, **common
        )
    if field.kind == "text_list":
        return serializers.ListField(
            child=serializers.CharField(max_length=200), max_length=500, **common
        )
    if field.kind in {"integer"}:
        return serializers.IntegerField(**common)
    if field.kind == "tenant":
        return serializers.IntegerField(allow_null=True, **common)
    if field.kind == "tenant_map":
        return serializers.DictField(child=serializers.IntegerField(), **common)
    if field.kind == "boolean":
        return serializers.BooleanField(**common)
    if field.kind == "date":
        return serializers.CharField(max_length=20, allow_null=True, allow_blank=True, **common)
    if isinstance(field, Choice):
        common["help_text"] = f"{field.help} ({', '.join(field.values)})"
        return serializers.CharField(
            max_length=max(len(v) for v in field.values),
            allow_blank=True,
            trim_whitespace=False,
            **common,
        )
    return serializers.CharField(max_length=200, allow_blank=True, **common)


def settings_description(schema: SettingsSchema) -> str:
    """The settings of a schema for the API's documentation: name, kind, default, bounds."""
    parts = []
    for field in schema.fields:
        facts = [field.kind]
        if isinstance(field, Choice):
            facts.append("one of: " + " ".join(field.values))
        minimum, maximum = getattr(field, "minimum", None), getattr(field, "maximum", None)
        if minimum is not None or maximum is not None:
            facts.append(f"{minimum}..{maximum}")
        if field.default not in (None, [], {}):
            facts.append(f"default {field.default}")
        parts.append(f"{field.name} ({', '.join(facts)})")
    return ", ".join(parts)


def settings_serializer(schema: SettingsSchema) -> type[serializers.Serializer[Any]]:
    """The serializer of a schema's settings (built once per schema)."""
    known = _SERIALIZERS.get(id(schema))
    if known is None:
        attrs: dict[str, Any] = {f.name: drf_field(f) for f in schema.fields}
        name = schema.settings_type.__name__.removesuffix("Settings") + "SettingsSerializer"
        known = type(name, (serializers.Serializer,), attrs)
        _SERIALIZERS[id(schema)] = known
    return known
