"""Readable labels for the codes the run log stores (entity names, actions)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from connect.labels import ENTITY_LABELS
from connect.models import ItemAction

register = template.Library()

EXTRA_ACTIONS = {
    "unchanged": _("unverändert"),
    "skipped_mandant": _("anderer Mandant"),
}


@register.filter
def entity_label(code: str) -> str:
    return str(ENTITY_LABELS.get(code, code))


@register.filter
def action_label(code: str) -> str:
    if code in ItemAction.values:
        return str(ItemAction(code).label)
    return str(EXTRA_ACTIONS.get(code, code))


ROLE_LABELS = {
    "admin": _("Administrator"),
    "viewer": _("Betrachter"),
    "support": _("Support"),
}


@register.filter
def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))


@register.filter
def explainable(entity: str) -> bool:
    """Whether the record inspector explains records of this entity (Stammdaten ones)."""
    from integrations.drift.inspector import KIND_OF_ENTITY

    return entity in KIND_OF_ENTITY


@register.filter
def use_case_label(code: str) -> str:
    """The German (or English) name of a use case, e.g. "Dokumente"."""
    from integrations.usecases import UseCase

    try:
        return str(UseCase(code).label)
    except ValueError:
        return code


@register.filter
def record_key(erp_key_label: str) -> str:
    """The run log's ``einheit 1000/0001/01/003`` as the inspector's URL part."""
    return erp_key_label.partition(" ")[2]
