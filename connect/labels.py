"""Readable names for the codes the product stores, the same on every page, mail and in the API.

One table per kind of code (entities, actions, reasons, record kinds, roles); every template
shows a code only through these (the ``portal`` template filters call them). German here, the
English in the English catalog. ``value_text`` writes a stored value as a person reads it:
"Ja"/"Nein", dates as 07.12.2026, lists as "a, b".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _g
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

# First part of an ERP key in the run log ("einheit 1000/0001/01/003") -> label.
KIND_LABELS = {
    "we": _("Wirtschaftseinheit"),
    "gebaeude": _("Gebäude"),
    "eingang": _("Eingang"),
    "einheit": _("Einheit"),
    "person": _("Person"),
    "vertrag": _("Vertrag"),
    "vertrag_nr": _("Vertrag"),
    "unit_contract": _("Vertrag"),
    "ordner": _("Ordner"),
    "dokument": _("Dokument"),
    "datei": _("Datei"),
}

# Why a record was skipped or failed (the run log's reason codes) -> short label.
REASON_LABELS = {
    "no_email": _("keine E-Mail-Adresse"),
    "invalid_email": _("ungültige E-Mail-Adresse"),
    "mandant_filtered": _("Mandant nicht ausgewählt"),
    "no_facilioo_tenant": _("kein facilioo-Projekt zugeordnet"),
    "ambiguous_key": _("Nummer nicht eindeutig"),
    "missing_reference": _("Verweis fehlt"),
    "too_large": _("Dokument zu groß"),
    "filtered_archive": _("Archiv nicht ausgewählt"),
    "facilioo_rejected": _("von facilioo abgelehnt"),
    "not_released": _("nicht freigegeben"),
    "filtered_keyword": _("Stichwort fehlt"),
    "filtered_date": _("zu alt oder ohne Datum"),
    "we_only": _("nur der Wirtschaftseinheit zugeordnet"),
    "missing_in_erp": _("fehlt im ERP"),
    "ended_contract": _("Vertrag beendet"),
    "missing_name": _("ohne Namen"),
    "foreign_match": _("fremder Datensatz in facilioo"),
    "number_taken": _("Nummer in facilioo vergeben"),
}

ROLE_LABELS = {
    "admin": _("Administrator"),
    "viewer": _("Betrachter"),
    "support": _("Support"),
}

# Actions of the run log beyond ItemAction's choices.
EXTRA_ACTIONS = {
    "unchanged": _("unverändert"),
    "skipped_mandant": _("anderer Mandant"),
}


def _label(table: Mapping[str, Any], code: str) -> str:
    return str(table.get(code, code))


def entity_label(code: str) -> str:
    return _label(ENTITY_LABELS, code)


def reason_label(code: str) -> str:
    return _label(REASON_LABELS, code) if code else ""


def role_label(code: str) -> str:
    return _label(ROLE_LABELS, code)


def action_label(code: str) -> str:
    from connect.models import ItemAction

    if code in ItemAction.values:
        return str(ItemAction(code).label)
    return _label(EXTRA_ACTIONS, code)


def erp_key_label(erp_key: str) -> str:
    """The run log's ``einheit 1000/0001/01/003`` as ``Einheit 1000/0001/01/003``."""
    kind, _sep, rest = erp_key.partition(" ")
    if not rest or kind not in KIND_LABELS:
        return erp_key
    return f"{KIND_LABELS[kind]} {rest}"


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def value_text(value: Any) -> str:
    """A stored value (a request body's, an ERP field's) as a person reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _g("Ja") if value else _g("Nein")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "d.m.Y H:i")
    if isinstance(value, date):
        return formats.date_format(value, "d.m.Y")
    if isinstance(value, str):
        if ISO_DATE.match(value) and (day := parse_date(value)) is not None:
            return formats.date_format(day, "d.m.Y")
        if ISO_DATETIME.match(value):
            try:
                moment = parse_datetime(value)
            except ValueError:
                moment = None
            if moment is not None:
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                return formats.date_format(moment, "d.m.Y H:i")
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    return str(value)
