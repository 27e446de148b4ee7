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
from django.utils.translation import gettext_noop

from connect.models import ItemAction, Trigger
from integrations import registry
from integrations.facilioo.entity import Entity

# facilioo entity (path name) -> label, in German with an English translation.
ENTITY_LABELS: dict[str, Any] = {
    Entity.PROPERTIES: _("Gebäude (Liegenschaften)"),
    Entity.ENTRANCES: _("Eingänge"),
    Entity.UNITS: _("Einheiten"),
    Entity.PARTIES: _("Parteien (Mieter, Eigentümer)"),
    Entity.UNIT_CONTRACTS: _("Verträge"),
    Entity.DOCUMENT_GROUPS: _("Dokumentenordner"),
    Entity.FILES: _("Dateien"),
    Entity.DOCUMENTS: _("Dokumente"),
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


# What a run is doing now (SyncRun.phase).
PHASE_LABELS = {
    "waiting": _("wartet"),
    "resuming": _("wird fortgesetzt"),
    "counting": _("zählt"),
    "reading": _("liest"),
    "writing": _("schreibt"),
    "removing": _("entfernt"),
    "done": _("fertig"),
}

# Audit entries: the kind of object (the action's first part) and what was done (its last).
AUDIT_OBJECT_LABELS = {
    "auth": _("Anmeldung"),
    "customer": _("Kunde"),
    "user": _("Benutzer"),
    "membership": _("Mitgliedschaft"),
    "token": _("API-Token"),
    "facilioo_connection": _("facilioo-Verbindung"),
    "usecase": _("Datenbereich"),
    "run": _("Lauf"),
    "reconciliation": _("Abgleich"),
    "record": _("Datensatz"),
    "existing_data": _("Vorhandene Daten"),
    "erp_export": _("ERP-Export"),
    "erp_profile": _("Importprofil"),
    "erp_push_token": _("Übermittlungs-Token"),
    "useractivation": _("Datenbereich"),
    "usecaseactivation": _("Datenbereich"),
    "faciliooconnection": _("facilioo-Verbindung"),
}
AUDIT_VERB_LABELS = {
    "create": _("angelegt"),
    "update": _("geändert"),
    "delete": _("gelöscht"),
    "enable": _("aktiviert"),
    "pause": _("pausiert"),
    "resume": _("fortgesetzt"),
    "start": _("gestartet"),
    "cancel": _("abgebrochen"),
    "set": _("gespeichert"),
    "shared": _("mit einem anderen Kunden geteilt"),
    "probe": _("Schnittstelle geprüft"),
    "hold": _("facilioo behält Felder"),
    "inspect": _("erklärt"),
    "confirm": _("entschieden"),
    "upload": _("hochgeladen"),
    "check": _("geprüft"),
    "retention": _("aufgeräumt"),
    "save": _("gespeichert"),
    "deactivate": _("deaktiviert"),
    "revoke": _("widerrufen"),
    "login": _("angemeldet"),
    "login_failed": _("fehlgeschlagen"),
    "logout": _("abgemeldet"),
    "logout_everywhere": _("überall abgemeldet"),
}

# Fields named in audit entries' changes.
FIELD_LABELS = {
    "use_case": _("Datenbereich"),
    "dry_run": _("Vorschau"),
    "enabled": _("aktiviert"),
    "paused": _("pausiert"),
    "mandanten": _("Mandanten"),
    "separator": _("Trennzeichen"),
    "schedule": _("Zeitplan"),
    "settings": _("Einstellungen"),
    "default_tenant_id": _("Standard-Projekt"),
    "tenant_overrides": _("Zuordnung je Wirtschaftseinheit"),
    "safety_brake_percent": _("Sicherheitsbremse (%)"),
    "former_contract_months": _("beendete Verträge (Monate)"),
    "username": _("Benutzername"),
    "email": _("E-Mail"),
    "first_name": _("Vorname"),
    "last_name": _("Nachname"),
    "is_active": _("aktiv"),
    "is_staff": _("Zugang zur Administration"),
    "is_superuser": _("Betreiber"),
    "is_support": _("Support"),
    "role": _("Rolle"),
    "name": _("Name"),
    "slug": _("Kürzel"),
    "environment": _("Umgebung"),
    "password": _("Passwort"),
    "fields": _("Felder"),
    "decision": _("Entscheidung"),
    "status": _("Status"),
    "reason": _("Begründung"),
    "file_name": _("Dateiname"),
    "max_mb": _("Höchstgröße (MB)"),
    "archives": _("Archive"),
    "keywords": _("Stichwörter"),
    "dated_from": _("Dokumente ab"),
}


# Columns of the ERP standard export v1 (the import profile's fields) -> label.
ERP_FIELD_LABELS = {
    "mandant_nr": _("Mandanten-Nr."),
    "name": _("Name"),
    "we_nr": _("WE-Nr."),
    "bezeichnung": _("Bezeichnung"),
    "strasse": _("Straße"),
    "hausnummer": _("Hausnummer"),
    "plz": _("PLZ"),
    "ort": _("Ort"),
    "gebaeude_nr": _("Gebäude-Nr."),
    "baujahr": _("Baujahr"),
    "einheit_nr": _("Einheit-Nr."),
    "nutzungsart": _("Nutzungsart"),
    "lage": _("Lage"),
    "wohnflaeche": _("Wohnfläche (m²)"),
    "zimmer": _("Zimmer"),
    "person_nr": _("Personen-Nr."),
    "anrede": _("Anrede"),
    "titel": _("Titel"),
    "vorname": _("Vorname"),
    "nachname": _("Nachname"),
    "firma": _("Firma"),
    "email": _("E-Mail"),
    "telefon": _("Telefon"),
    "mobil": _("Mobil"),
    "vertrag_nr": _("Vertrags-Nr."),
    "person_nrs": _("Personen-Nr. (mehrere mit Komma)"),
    "beginn": _("Vertragsbeginn"),
    "ende": _("Vertragsende"),
    "ordner_id": _("Ordner-ID"),
    "parent_id": _("übergeordneter Ordner"),
    "dokument_id": _("Dokument-ID"),
    "datei": _("Datei (Pfad im Export)"),
    "dateiname": _("Dateiname"),
    "mime_type": _("Dateityp"),
    "datum": _("Datum"),
    "archiv": _("Archiv"),
    "bemerkung": _("Bemerkung"),
    "freigegeben": _("freigegeben"),
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

    if code in ItemAction.values:
        return str(ItemAction(code).label)
    return _label(EXTRA_ACTIONS, code)


def erp_field_label(code: str) -> str:
    return _label(ERP_FIELD_LABELS, code)


def phase_label(code: str) -> str:
    return _label(PHASE_LABELS, code) if code else ""


def trigger_label(code: str) -> str:
    """Who started a run or reconciliation (the run's trigger choices)."""

    return str(Trigger(code).label) if code in Trigger.values else code


def field_label(code: str) -> str | None:
    """The label of a field named in an audit entry; None if the table has none (the page then
    shows the code marked as a technical name)."""
    label = FIELD_LABELS.get(code)
    return str(label) if label is not None else None


def audit_object_label(code: str) -> str:
    return _label(AUDIT_OBJECT_LABELS, code)


def audit_action_label(action: str) -> str:
    """``usecase.dokumente.enable`` -> "Datenbereich Dokumente: aktiviert"."""

    parts = action.split(".")
    if len(parts) < 2 or parts[0] not in AUDIT_OBJECT_LABELS:
        return action
    what = str(AUDIT_OBJECT_LABELS[parts[0]])
    middle = parts[1:-1]
    if middle:
        names = [registry.label(m) for m in middle]
        what = f"{what} {' '.join(names)}"
    verb = AUDIT_VERB_LABELS.get(parts[-1])
    return f"{what}: {verb}" if verb is not None else action


def erp_key_label(erp_key: str) -> str:
    """The run log's ``einheit 1000/0001/01/003`` as ``Einheit 1000/0001/01/003``."""
    kind, _sep, rest = erp_key.partition(" ")
    if not rest or kind not in KIND_LABELS:
        return erp_key
    return f"{KIND_LABELS[kind]} {rest}"


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


# What the audit trail stores for a secret that changed (its value is never stored).
SECRET_CHANGED = gettext_noop("••• (geändert)")


def value_text(value: Any) -> str:
    """A stored value (a request body's, an ERP field's) as a person reads it."""
    if value is None:
        return ""
    if value == SECRET_CHANGED:
        return _g(SECRET_CHANGED)
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


# Actions of a preview that write a record: one without a facilioo id would be created.
_PREVIEW_WRITES = frozenset({"created", "updated", "adopted"})
NEW_RECORD = _("neu")


def facilioo_id_text(facilioo_id: int | None, action: str, *, dry_run: bool) -> str:
    """A facilioo id as a run log shows it: a preview's new record is "neu", never an id."""
    if facilioo_id is not None and facilioo_id > 0:
        return str(facilioo_id)
    if (facilioo_id is not None and facilioo_id < 0) or (dry_run and action in _PREVIEW_WRITES):
        return str(NEW_RECORD)
    return ""
