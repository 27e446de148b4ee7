"""Suggestions for a mapping (by column name, German and English synonyms) and a preview of
the first rows as the product reads them through a profile."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from integrations.erp.file import format as fmt
from integrations.erp.file.container import open_container
from integrations.erp.file.table import Row, Table
from integrations.erp.profiles.profile import ImportProfile

# v1 field -> names an ERP report may give its column (compared without case, spaces, dots).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "mandant_nr": ("mandant", "mandantnr", "mandantennummer", "firma nr", "client", "company"),
    "name": ("name", "firmenname", "mandantenname", "company name"),
    "we_nr": ("we", "wenr", "wirtschaftseinheit", "objekt", "objektnr", "property", "estate"),
    "gebaeude_nr": ("gebaeude", "gebäude", "haus", "hausnr intern", "building", "haus-nr"),
    "einheit_nr": ("einheit", "einheitnr", "wohnung", "mieteinheit", "unit", "unitno"),
    "bezeichnung": ("bezeichnung", "beschreibung", "description", "title", "titel"),
    "strasse": ("strasse", "straße", "str", "street", "adresse"),
    "hausnummer": ("hausnummer", "hausnr", "hnr", "housenumber", "house no"),
    "plz": ("plz", "postleitzahl", "zip", "zipcode", "postcode", "postal code"),
    "ort": ("ort", "stadt", "city", "town", "wohnort"),
    "baujahr": ("baujahr", "year built", "construction year"),
    "nutzungsart": ("nutzungsart", "art", "nutzung", "usage", "type"),
    "lage": ("lage", "geschoss", "etage", "floor", "position"),
    "wohnflaeche": ("wohnflaeche", "wohnfläche", "flaeche", "fläche", "wohnfläche m²", "area"),
    "zimmer": ("zimmer", "raeume", "räume", "rooms"),
    "person_nr": ("person", "personennr", "personen-nr", "mieternr", "kundennr", "person id"),
    "anrede": ("anrede", "salutation"),
    "titel": ("titel", "title", "akad grad"),
    "vorname": ("vorname", "first name", "firstname", "given name"),
    "nachname": ("nachname", "name", "familienname", "last name", "lastname", "surname"),
    "firma": ("firma", "company", "unternehmen"),
    "email": ("email", "e-mail", "mail", "emailadresse"),
    "telefon": ("telefon", "tel", "phone", "telefonnummer"),
    "mobil": ("mobil", "handy", "mobile", "mobilnummer"),
    "vertrag_nr": ("vertrag", "vertragsnr", "vertragsnummer", "contract", "contract no"),
    "person_nrs": ("vertragspartner", "personen", "mieter", "partner", "persons"),
    "beginn": ("beginn", "vertragsbeginn", "mietbeginn", "start", "start date", "von"),
    "ende": ("ende", "vertragsende", "mietende", "end", "end date", "bis"),
}


def _normal(text: str) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return re.sub(r"[^a-z0-9]", "", text)


def suggest_fields(target: str, headers: Iterable[str]) -> dict[str, str]:
    """For the v1 file ``target``: field -> the source column whose name fits best."""
    spec = fmt.FILES_BY_NAME[target]
    columns = [header for header in headers if header and header.strip()]
    normal = {_normal(header): header for header in columns}
    taken: set[str] = set()
    suggestion: dict[str, str] = {}
    for column in spec.columns:
        names = (column.name, *SYNONYMS.get(column.name, ()))
        for name in names:
            found = normal.get(_normal(name))
            if found is not None and found not in taken:
                suggestion[column.name] = found
                taken.add(found)
                break
    return suggestion


def csv_headers(data: bytes) -> list[str]:
    """The header of a CSV sample (any common delimiter and encoding)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.splitlines()[0] if text else ""
    delimiter = max(";,\t|", key=first.count)
    return next(csv.reader(io.StringIO(first), delimiter=delimiter), [])


def preview(
    path: Path, profile: ImportProfile, *, rows: int = 5
) -> dict[str, list[dict[str, str]]]:
    """The first ``rows`` rows of each mapped v1 file, as the product reads them."""
    container = open_container(path, profile=profile)
    shown: dict[str, list[dict[str, str]]] = {}
    try:
        for name in profile.entities:
            spec = fmt.FILES_BY_NAME[name]
            if not container.has(name):
                continue
            items = islice(
                (item for item in Table(spec, container).rows() if isinstance(item, Row)), rows
            )
            shown[name] = [
                {key: value or "" for key, value in item.values.items()} for item in items
            ]
    finally:
        container.close()
    return shown
