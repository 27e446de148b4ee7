"""Readable names for the codes the run log stores, the same on every page and in the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# facilioo entity (path name) -> label, in German with an English translation.
ENTITY_LABELS = {
    "properties": _("Gebäude (Liegenschaften)"),
    "entrances": _("Eingänge"),
    "units": _("Einheiten"),
    "parties": _("Parteien (Mieter, Eigentümer)"),
    "unit-contracts": _("Verträge"),
    "document-groups": _("Dokumentenordner"),
    "files": _("Dateien"),
    "documents": _("Dokumente"),
}


def entity_label(code: str) -> str:
    return str(ENTITY_LABELS.get(code, code))
