"""Readable labels for the codes the run log stores (entity names, actions)."""

from __future__ import annotations

from django import template

from connect import labels
from connect.services.inspector import KIND_OF_ENTITY
from integrations import registry

register = template.Library()


@register.filter
def entity_label(code: str) -> str:
    return labels.entity_label(code)


@register.filter
def action_label(code: str) -> str:
    return labels.action_label(code)


@register.filter
def role_label(code: str) -> str:
    return labels.role_label(code)


@register.filter
def reason_label(code: str) -> str:
    return labels.reason_label(code)


@register.filter
def erp_key_label(erp_key: str) -> str:
    return labels.erp_key_label(erp_key)


@register.filter
def erp_field_label(code: str) -> str:
    return labels.erp_field_label(code)


@register.filter
def phase_label(code: str) -> str:
    return labels.phase_label(code)


@register.filter
def trigger_label(code: str) -> str:
    return labels.trigger_label(code)


@register.filter
def audit_action_label(action: str) -> str:
    return labels.audit_action_label(action)


@register.filter
def audit_object_label(code: str) -> str:
    return labels.audit_object_label(code)


@register.filter
def field_label(code: str) -> str | None:
    return labels.field_label(code)


@register.filter
def value_text(value: object) -> str:
    return labels.value_text(value)


@register.filter
def facilioo_id_text(item: object, dry_run: bool = False) -> str:
    """A run-log row's facilioo id; a preview's record that facilioo does not have yet is
    "neu" (older previews stored made-up negative ids for them)."""
    return labels.facilioo_id_text(
        getattr(item, "facilioo_id", None), getattr(item, "action", ""), dry_run=bool(dry_run)
    )


@register.filter
def explainable(entity: str) -> bool:
    """Whether the record inspector explains records of this entity (Stammdaten ones)."""

    return entity in KIND_OF_ENTITY or any(entity in e.streams for e in registry.ENTRIES.values())


@register.filter
def use_case_label(code: str) -> str:
    """The German (or English) name of a use case, e.g. "Dokumente"."""

    return registry.label(code)


@register.filter
def record_key(erp_key_label: str) -> str:
    """The run log's ``einheit 1000/0001/01/003`` as the inspector's URL part."""
    return erp_key_label.partition(" ")[2]


@register.simple_tag
def reason_choices() -> list[tuple[str, str]]:
    """(code, label) of every reason, for the run log's filter."""
    return sorted(
        ((code, str(label)) for code, label in labels.REASON_LABELS.items()),
        key=lambda pair: pair[1].casefold(),
    )
