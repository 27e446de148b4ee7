"""Suggestions for a mapping (by column name, German and English synonyms) and a preview of
the first rows as the product reads them through a profile."""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import IO

from django.utils.translation import gettext_noop

from integrations.erp.file import format as fmt
from integrations.erp.file.container import single_file_kind
from integrations.erp.file.limits import ExportLimits
from integrations.erp.file.table import Row, Table
from integrations.erp.profiles.container import open_export
from integrations.erp.profiles.profile import ImportProfile, unique_headers
from integrations.erp.profiles.workbook import Workbook
from integrations.phrases import Phrase

# v1 field -> names an ERP report may give its column (compared without case, spaces, dots).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "mandant_nr": ("mandant", "mandantnr", "mandantennummer", "firma nr", "client", "company"),
    "name": ("name", "firmenname", "mandantenname", "company name"),
    "we_nr": (
        "we",
        "we-nr",
        "wenr",
        "wirtschaftseinheit",
        "objekt",
        "objektnr",
        "property",
        "estate",
    ),
    "gebaeude_nr": ("gebaeude", "gebäude", "haus", "building"),
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
    "vertrag_nr": (
        "vertrag",
        "vertrags-nr",
        "vertragsnr",
        "vertragsnummer",
        "contract",
        "contract no",
    ),
    "person_nrs": ("vertragspartner", "personen", "mieter", "partner", "persons"),
    "beginn": ("beginn", "vertragsbeginn", "mietbeginn", "start", "start date", "von"),
    "ende": ("ende", "vertragsende", "mietende", "end", "end date", "bis"),
}


def _normal(text: str) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return re.sub(r"[^a-z0-9-]", "", text)


# Abbreviations of German housing ERPs' column names, and words that say nothing of the field
# (units, "privat"): a column name is compared as the concatenation of its expanded words.
ABBREVIATIONS: dict[str, str] = {
    "obj": "objekt",
    "mand": "mandant",
    "nr": "nummer",
    "no": "nummer",
    "num": "nummer",
    "geb": "gebaeude",
    "me": "einheit",
    "mieteinheit": "einheit",
    "einheiten": "einheit",
    "se": "sondereigentum",
    "ne": "nutzeinheit",
    "prop": "property",
    "bldg": "building",
    "desc": "description",
    "descr": "description",
    "addr": "address",
    "adr": "adresse",
    "anz": "anzahl",
    "wohnfl": "wohnflaeche",
    "nutzfl": "nutzflaeche",
    "whg": "wohnung",
    "pers": "person",
    "personen": "person",
    "vertr": "vertrag",
    "vertrags": "vertrag",
    "hs": "haus",
    "hnr": "hausnummer",
    "hausnr": "hausnummer",
    "zi": "zimmer",
    "bj": "baujahr",
    "wfl": "wohnflaeche",
    "tel": "telefon",
    "str": "strasse",
    "bez": "bezeichnung",
    "bezeichn": "bezeichnung",
    "m2": "",
    "qm": "",
    "sqm": "",
    "m": "",
    "in": "",
    "privat": "",
    "priv": "",
    "geschaeftlich": "",
    "geschaeftl": "",
    "dienstl": "",
    "gesch": "",
    "dienstlich": "",
    "the": "",
}
# v1 field -> its names, expanded (German and English).
CONCEPTS: dict[str, tuple[str, ...]] = {
    "mandant_nr": (
        "mandant",
        "mandantnummer",
        "mandantennummer",
        "client",
        "clientnummer",
        "buchungskreis",
        "companycode",
    ),
    "name": (
        "name",
        "firmenname",
        "mandantenname",
        "mandantname",
        "companyname",
        "firmenbezeichnung",
        "mandantbezeichnung",
        "mandantenbezeichnung",
    ),
    "we_nr": (
        "wenummer",
        "objektnummer",
        "objekt",
        "wirtschaftseinheit",
        "wirtschaftseinheitnummer",
        "liegenschaft",
        "liegenschaftnummer",
        "propertynummer",
        "property",
        "propertyid",
        "estate",
    ),
    "gebaeude_nr": ("gebaeudenummer", "gebaeude", "building", "buildingnummer", "buildingid"),
    "einheit_nr": (
        "einheitnummer",
        "einheit",
        "wohnung",
        "wohnungnummer",
        "wohnungsnummer",
        "mietobjekt",
        "mietobjektnummer",
        "nutzeinheit",
        "nutzeinheitnummer",
        "topnummer",
        "sondereigentum",
        "sondereigentumnummer",
        "unit",
        "unitnummer",
        "unitid",
    ),
    "bezeichnung": ("bezeichnung", "beschreibung", "description", "kurzbezeichnung"),
    "strasse": (
        "strasse",
        "street",
        "anschrift",
        "adresse",
        "strassehausnummer",
        "strasseundhausnummer",
        "address",
        "addressline1",
        "adresszeile1",
    ),
    "hausnummer": ("hausnummer", "housenummer", "hausnr"),
    "plz": ("plz", "postleitzahl", "zip", "zipcode", "postcode", "postalcode"),
    "ort": ("ort", "stadt", "city", "town", "wohnort"),
    "baujahr": ("baujahr", "yearbuilt", "constructionyear", "errichtet"),
    "nutzungsart": (
        "nutzungsart",
        "nutzung",
        "art",
        "usage",
        "usagetype",
        "use",
        "usetype",
        "einheitart",
    ),
    "lage": ("lage", "geschoss", "etage", "floor", "stockwerk", "position"),
    "wohnflaeche": ("wohnflaeche", "flaeche", "area", "livingarea", "wohnflaecheqm"),
    "zimmer": (
        "zimmer",
        "raeume",
        "rooms",
        "zimmeranzahl",
        "anzahlzimmer",
        "zimmerzahl",
        "anzahlraeume",
        "raumanzahl",
        "numberofrooms",
        "roomcount",
    ),
    "person_nr": (
        "personnummer",
        "person",
        "personid",
        "mieternummer",
        "eigentuemernummer",
        "kundennummer",
        "adressnummer",
        "kontaktnummer",
        "mitgliednummer",
        "geschaeftspartner",
        "geschaeftspartnernummer",
        "partnernummer",
        "businesspartner",
    ),
    "anrede": ("anrede", "salutation"),
    "titel": ("titel", "title", "akadgrad", "akademischergrad", "akadtitel", "akademischertitel"),
    "vorname": ("vorname", "firstname", "givenname"),
    "nachname": (
        "nachname",
        "name",
        "familienname",
        "zuname",
        "namevorname",
        "nachnamevorname",
        "lastname",
        "surname",
    ),
    "firma": ("firma", "company", "unternehmen", "firmenname", "firmenbezeichnung", "companyname"),
    "email": ("email", "emailadresse", "mail", "mailadresse", "eadresse"),
    "telefon": ("telefon", "telefonnummer", "phone", "phonenummer", "festnetz"),
    "mobil": (
        "mobil",
        "mobiltelefon",
        "handy",
        "mobile",
        "mobilnummer",
        "handynummer",
        "telefonmobil",
        "mobilfunk",
        "mobilfunknummer",
        "mobilephone",
        "mobilenummer",
        "cellphone",
        "natel",
        "natelnummer",
    ),
    "vertrag_nr": (
        "vertragnummer",
        "vertragsnummer",
        "vertrag",
        "mietvertragnummer",
        "contract",
        "contractnummer",
        "contractid",
        "leaseid",
        "leasenummer",
        "mietvertrag",
        "nutzungsvertrag",
        "nutzungsvertragnummer",
        "dauernutzungsvertrag",
    ),
    "person_nrs": (
        "vertragspartner",
        "partner",
        "mieter",
        "eigentuemer",
        "person",
        "persons",
        "personnummer",
        "personennummer",
        "personid",
        "mieternummer",
        "eigentuemernummer",
        "kontaktnummer",
        "kundennummer",
        "adressnummer",
        "tenantid",
        "tenantnummer",
        "tenantcode",
        "mitgliednummer",
        "ownerid",
        "ownernummer",
        "geschaeftspartner",
        "geschaeftspartnernummer",
        "partnernummer",
        "businesspartner",
    ),
    "beginn": (
        "beginn",
        "vertragbeginn",
        "vertragsbeginn",
        "mietbeginn",
        "start",
        "startdate",
        "von",
        "seit",
        "mieterseit",
        "gueltigab",
        "einzug",
        "einzugsdatum",
        "beginndatum",
        "startdatum",
    ),
    "ende": (
        "ende",
        "vertragende",
        "vertragsende",
        "mietende",
        "end",
        "enddate",
        "bis",
        "gueltigbis",
        "auszug",
        "auszugsdatum",
        "enddatum",
        "endedatum",
        "befristetbis",
        "mieterbis",
    ),
}
# The words that name an entity in front of its column ("Objektbezeichnung", "ME-Nr.").
ENTITY_WORDS: dict[str, tuple[str, ...]] = {
    "wirtschaftseinheiten.csv": (
        "objekt",
        "we",
        "wirtschaftseinheit",
        "liegenschaft",
        "property",
        "estate",
    ),
    "gebaeude.csv": ("gebaeude", "haus", "building"),
    "einheiten.csv": (
        "einheit",
        "wohnung",
        "mietobjekt",
        "nutzeinheit",
        "sondereigentum",
        "unit",
    ),
    "mieter.csv": ("mieter", "tenant", "person"),
    "eigentuemer.csv": ("eigentuemer", "owner", "person"),
    "mietvertraege.csv": (
        "vertrag",
        "mietvertrag",
        "miet",
        "nutzungsvertrag",
        "mietverhaeltnis",
        "nutzung",
        "lease",
        "tenancy",
        "contract",
    ),
    "eigentuemervertraege.csv": ("vertrag", "eigentuemervertrag", "eigentum", "contract"),
}
# Names that may mean the field, where no surer column does: "Nutzfläche" is the flat's area
# where no "Wohnfläche" is given (as in Austria), and nothing where one is.
WEAKER_CONCEPTS: dict[str, tuple[str, ...]] = {
    "wohnflaeche": ("nutzflaeche",),
    "nutzungsart": ("objektart", "objekttyp"),  # a unit list's "Objektart" (Swiss: the unit)
}
# Names read two ways: "Objekt-Nr." is the WE in Germany and the rented unit in Switzerland, so
# a surer WE column ("Liegenschaft-Nr.") leaves it to the unit.
SECOND_READINGS: dict[str, dict[str, float]] = {
    "objektnummer": {"we_nr": 0.93, "einheit_nr": 0.8},
}
# A remark in brackets says nothing of the field: "Anrede (Code)", "Beginn (TT.MM.JJJJ)".
_REMARK = re.compile(r"\s*[(\[][^)\]]*[)\]]")
# Names that say the field only after the entity's word: "Objektname" and "Unit Name" are the
# name of the WE or the unit (a plain "Name" is a person's), "ME-Typ" and "Unit Type" its usage.
QUALIFIED_CONCEPTS: dict[str, tuple[str, ...]] = {
    "bezeichnung": ("name", "bez"),
    "nutzungsart": ("typ", "type"),
}
# The letters German puts between the entity's word and the rest ("Einheitenbezeichnung").
_LINKING = ("en", "es", "s", "n")
# "Haus-Nr." names the building next to a house number column ("Hausnr."), the house number
# next to a building number column ("Gebäude-Nr."): a little less sure than either, for both.
_HOUSE_NO = "haus-nr"
_HOUSE_NO_SCORES = {"gebaeude_nr": 0.9, "hausnummer": 0.85}
_ENTITY_KEY = {
    "wirtschaftseinheiten.csv": "we_nr",
    "gebaeude.csv": "gebaeude_nr",
    "einheiten.csv": "einheit_nr",
    "mieter.csv": "person_nr",
    "eigentuemer.csv": "person_nr",
    "mietvertraege.csv": "vertrag_nr",
    "eigentuemervertraege.csv": "vertrag_nr",
}
_KEY_WORDS = ("nummer", "id", "schluessel", "kennung", "code", "ref", "reference", "referenz")


def expanded(header: str) -> str:
    """A column name as compared: lower case, umlauts spelled out, punctuation and units
    dropped, abbreviations expanded (``Obj.-Nr.`` -> ``objektnummer``)."""
    text = header.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("ß", "ss").replace("²", "2").replace("³", "3")
    words = re.findall(r"[a-z0-9]+", text)
    return "".join(_expanded_word(word) for word in words)


def _expanded_word(word: str) -> str:
    if word in ABBREVIATIONS:
        return ABBREVIATIONS[word]
    if word.endswith("nr") and len(word) > 4:  # "Mandantennr", "Liegenschaftsnr"
        return word[:-2] + "nummer"
    return word


def _variants(text: str) -> list[str]:
    """``text``, and a compound on "nummer" without the letters German joins it with
    ("liegenschaftsnummer" ~ liegenschaftnummer, "mandantennummer" ~ mandantnummer)."""
    found = [text]
    stem = text.removesuffix("nummer")
    if stem != text:
        found += [
            stem.removesuffix(link) + "nummer"
            for link in _LINKING
            if stem.endswith(link) and len(stem) > len(link) + 2
        ]
    return found


def _score(target: str, field_name: str, header: str, *, flat: bool = False) -> float:
    """How surely ``header`` names ``field_name`` of the v1 file ``target`` (0: not at all).
    ``flat``: in a report of several entities a column with the entity's word ("Objekt-PLZ"
    for the WE) is surer than a plain one ("PLZ", the building's)."""
    score = _read_score(target, field_name, header, flat=flat)
    return min(score, 0.95) if flat and score != 0.97 else score


def _read_score(target: str, field_name: str, header: str, *, flat: bool) -> float:
    """The name as it stands; else without a remark in brackets that names no field; else, for
    two names joined by "/" ("Etage/Lage"), when both name the field (not so "PLZ/Ort")."""
    score = _plain_score(target, field_name, header, flat=flat)
    if score:
        return score
    remarks = _REMARK.findall(header)
    bare = _REMARK.sub("", header).strip()
    # "Name (Firma)" is a company's name: a remark that names a field is no mere remark.
    if bare and remarks and not any(expanded(remark) in _ALL_CONCEPTS for remark in remarks):
        return min(_plain_score(target, field_name, bare, flat=flat), 0.9)
    parts = [part for part in header.split("/") if part.strip()]
    if len(parts) == 2:
        both = [_plain_score(target, field_name, part, flat=flat) for part in parts]
        return min(*both, 0.9) if all(both) else 0.0
    return 0.0


def _plain_score(target: str, field_name: str, header: str, *, flat: bool) -> float:
    normal = _normal(header)
    if normal == _HOUSE_NO:
        return _HOUSE_NO_SCORES.get(field_name, 0.0)
    if normal in {_normal(name) for name in (field_name, *SYNONYMS.get(field_name, ()))}:
        return 1.0
    text = expanded(header)
    if not text:
        return 0.0
    if text in SECOND_READINGS:
        return SECOND_READINGS[text].get(field_name, 0.0)
    concepts = CONCEPTS.get(field_name, ())
    if any(variant in concepts for variant in _variants(text)):
        return 0.95
    if text in WEAKER_CONCEPTS.get(field_name, ()):
        return 0.6
    after_entity = (*concepts, *QUALIFIED_CONCEPTS.get(field_name, ()))
    for word in ENTITY_WORDS.get(target, ()):
        rest = text.removeprefix(word)
        if rest == text or not rest:
            continue
        rests = [rest] + [
            rest.removeprefix(link) for link in _LINKING if rest.startswith(link) and rest != link
        ]
        # In a flat report "Objekt-PLZ" is the WE's, more surely than a plain "PLZ".
        if any(part in after_entity for part in rests):
            return 0.97 if flat else 0.9
        if _ENTITY_KEY.get(target) == field_name and any(part in _KEY_WORDS for part in rests):
            return 0.97 if flat else 0.9
    for word in ENTITY_WORDS.get(target, ()):
        # The entity's word after the name: "Bezeichnung WE", "Bezeichnung Gebäude".
        rest = text.removesuffix(word)
        if rest != text and rest in after_entity:
            return 0.97 if flat else 0.9
    best = max(
        (difflib.SequenceMatcher(None, text, concept).ratio() for concept in concepts),
        default=0.0,
    )
    return round(0.7 * best, 2) if best >= 0.88 else 0.0


def suggest_scored(
    target: str, headers: Iterable[str], *, flat: bool = False
) -> dict[str, tuple[str, float]]:
    """For the v1 file ``target``: field -> (the source column that fits best, confidence
    0..1). Each column is taken once, the surest pairs first. ``flat``: the source carries
    several entities, so a column named with the entity's word wins."""
    spec = fmt.FILES_BY_NAME[target]
    columns = list(dict.fromkeys(header for header in headers if header and header.strip()))
    pairs = [
        (score, -position, column.name, header)
        for position, header in enumerate(columns)
        for column in spec.columns
        if (score := _score(target, column.name, header, flat=flat)) > 0
    ]
    pairs.sort(key=lambda pair: (-pair[0], -pair[1]))
    suggestion: dict[str, tuple[str, float]] = {}
    taken: set[str] = set()
    for score, _position, field_name, header in pairs:
        if field_name in suggestion or header in taken:
            continue
        suggestion[field_name] = (header, score)
        taken.add(header)
    order = spec.column_names
    return {name: suggestion[name] for name in order if name in suggestion}


def suggest_fields(target: str, headers: Iterable[str]) -> dict[str, str]:
    """For the v1 file ``target``: field -> the source column whose name fits best."""
    return {name: column for name, (column, _score) in suggest_scored(target, headers).items()}


_NUMBERED = re.compile(r"^(\D*?)(\d+)(.*)$")


def group_patterns(headers: Iterable[str]) -> dict[str, list[str]]:
    """Numbered column groups of a header: ``Mieter{n}_Name`` -> [Mieter1_Name, Mieter2_Name]
    (a pattern counts when its group 1 is there)."""
    found: dict[str, dict[int, str]] = {}
    for header in headers:
        match = _NUMBERED.match(header)
        if match is None:
            continue
        prefix, number, suffix = match.groups()
        found.setdefault(f"{prefix}{{n}}{suffix}", {})[int(number)] = header
    return {
        pattern: [numbered[n] for n in sorted(numbered)]
        for pattern, numbered in found.items()
        if 1 in numbered
    }


# In a flat report, the columns of an entity may carry its name: "WE-Ort", "Haus-Straße",
# "Mieter2_Name" (compared like column names).
ENTITY_PREFIXES: dict[str, tuple[str, ...]] = {
    "wirtschaftseinheiten.csv": ("we", "objekt", "wirtschaftseinheit", "liegenschaft"),
    "gebaeude.csv": ("haus", "gebaeude", "gebäude", "building"),
    "einheiten.csv": ("einheit", "wohnung", "mieteinheit", "unit"),
    "mieter.csv": ("mieter", "tenant"),
    "eigentuemer.csv": ("eigentuemer", "eigentümer", "owner"),
}
_NUMBER_NAMES = ("nr", "nummer", "no", "id")


def suggest_grouped(target: str, headers: Iterable[str]) -> tuple[dict[str, str], int]:
    """For a v1 file read from numbered column groups: field -> pattern (``Mieter{n}_Name``),
    matched by the part after the number, and the number of groups (0: none fit). Only groups
    named after the entity count (``Mieter`` for tenants, ``Eigentümer`` for owners)."""
    prefixes = tuple(_normal(p) for p in ENTITY_PREFIXES.get(target, ()))
    patterns = {
        pattern: columns
        for pattern, columns in group_patterns(headers).items()
        if _normal(pattern.split("{n}", 1)[0]) in prefixes
    }
    by_rest = {pattern.split("{n}", 1)[1].lstrip("_- .") or "Name": pattern for pattern in patterns}
    chosen = suggest_fields(target, by_rest)
    suggestion = {name: by_rest[rest] for name, rest in chosen.items()}
    if "person_nr" not in suggestion:
        numbers = [rest for rest in by_rest if _normal(rest) in _NUMBER_NAMES]
        if numbers and by_rest[numbers[0]] not in suggestion.values():
            suggestion["person_nr"] = by_rest[numbers[0]]
    groups = max((len(patterns[p]) for p in suggestion.values()), default=0)
    return suggestion, groups


def preview(
    path: Path, profile: ImportProfile, *, rows: int = 5, limits: ExportLimits | None = None
) -> dict[str, list[dict[str, str]]]:
    """The first ``rows`` rows of each mapped v1 file, as the product reads them (within
    ``limits``: record length, cells)."""
    container = open_export(path, profile=profile, limits=limits)
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


# v1 file -> names an ERP gives the file or sheet (compared like column names, without suffix).
SOURCE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "mandanten.csv": ("mandanten", "mandant", "firma", "firmen", "clients", "companies"),
    "wirtschaftseinheiten.csv": (
        "wirtschaftseinheiten",
        "objekte",
        "we",
        "liegenschaften",
        "properties",
    ),
    "gebaeude.csv": ("gebaeude", "gebäude", "haeuser", "häuser", "buildings"),
    "einheiten.csv": ("einheiten", "wohnungen", "mieteinheiten", "units"),
    "mieter.csv": (
        "mieter",
        "tenants",
        "personen",
        "adressen",
        "persons",
        "kontakte",
        "mitglieder",
    ),
    "eigentuemer.csv": ("eigentuemer", "eigentümer", "owners", "personen", "adressen", "persons"),
    "mietvertraege.csv": (
        "mietvertraege",
        "mietverträge",
        "mietverhaeltnisse",
        "nutzungsvertraege",
        "leases",
        "tenancies",
        "vertraege",
    ),
    "eigentuemervertraege.csv": (
        "eigentuemervertraege",
        "eigentümerverträge",
        "eigentumsvertraege",
        "ownerships",
        "vertraege",
    ),
}
# The column that says whether a row of a shared list is a tenant or an owner (a rental or an
# owner's contract), and how its values are recognised.
ROLE_COLUMNS = ("rolle", "funktion", "personenart", "personentyp", "art", "typ", "beziehung")
TYPE_COLUMNS = ("vertragsart", "vertragstyp", "art", "typ")
ROLE_VALUES: dict[str, tuple[str, ...]] = {
    "mieter.csv": ("miet", "tenant"),
    "eigentuemer.csv": ("eigent", "owner"),
    "mietvertraege.csv": ("miet", "lease", "rental"),
    "eigentuemervertraege.csv": ("eigent", "weg", "owner"),
}
# Code tables an ERP commonly uses for fields with fixed values.
KNOWN_CODES: dict[str, dict[str, str]] = {
    "nutzungsart": {
        "WO": "Wohnung",
        "WHG": "Wohnung",
        "W": "Wohnung",
        "GE": "Gewerbe",
        "GEW": "Gewerbe",
        "G": "Gewerbe",
        "STP": "Stellplatz",
        "SP": "Stellplatz",
        "GA": "Garage",
        "GAR": "Garage",
        "LA": "Lager",
        "LAG": "Lager",
        "SO": "Sonstiges",
        "SON": "Sonstiges",
    },
    "anrede": {
        "1": "Herr",
        "2": "Frau",
        "3": "Firma",
        "4": "Divers",
        "Hr.": "Herr",
        "Hr": "Herr",
        "Herrn": "Herr",
        "Fr.": "Frau",
        "Fr": "Frau",
        "Fa.": "Firma",
        "Fa": "Firma",
    },
}
_FIXED_VALUES: dict[str, tuple[str, ...]] = {
    "nutzungsart": fmt.NUTZUNGSARTEN,
    "anrede": fmt.ANREDEN,
}
_GERMAN_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")
_STREET_WITH_NUMBER = re.compile(r"^\D+\s\d+\s?[a-zA-Z]?(?:-\d+[a-zA-Z]?)?$")
_SAMPLE_ROWS = 200
_DISTINCT = 30
_HEADER_ROWS = 30


class Sample:
    """What the first rows of one source (file or sheet) show: its header, the line of the
    header, and per column up to 30 distinct values."""

    def __init__(self, rows: list[list[str]]) -> None:
        self.header_line, self.header = _find_header(rows)
        width = len(self.header)
        self.values: dict[str, list[str]] = {name: [] for name in self.header if name}
        for row in rows[self.header_line : self.header_line + _SAMPLE_ROWS]:
            for position, value in enumerate(row[:width]):
                name = self.header[position]
                text = value.strip()
                seen = self.values.get(name)
                if seen is not None and text and text not in seen and len(seen) < _DISTINCT:
                    seen.append(text)

    def first(self, column: str) -> str:
        values = self.values.get(column.replace("{n}", "1")) or [""]
        return values[0]


def _find_header(rows: list[list[str]]) -> tuple[int, list[str]]:
    """(physical line, names) of the header: of the first rows, the one most of whose cells
    name a field of export v1 (title rows above it name none); else the first non-empty."""
    best: tuple[float, int] = (0.0, -1)
    first = -1
    for position, row in enumerate(rows[:_HEADER_ROWS]):
        cells = [value.strip() for value in row if value.strip()]
        if not cells:
            continue
        if first < 0:
            first = position
        known = sum(
            1 for cell in cells if expanded(cell) in _ALL_CONCEPTS or _normal(cell) in _ALL_SYNONYMS
        )
        score = known + 0.01 * len(cells)
        if known and score > best[0]:
            best = (score, position)
    chosen = best[1] if best[1] >= 0 else max(first, 0)
    header = unique_headers(rows[chosen]) if rows else []
    return chosen + 1, header


_ALL_CONCEPTS = {concept for concepts in CONCEPTS.values() for concept in concepts}
_ALL_SYNONYMS = {_normal(name) for names in SYNONYMS.values() for name in names} | {
    _normal(column.name) for spec in fmt.FILES for column in spec.columns
}


def _decode(data: bytes) -> str:
    """Text of a CSV sample: UTF-8 when it decodes, else Windows-1252 (a sample only)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8-sig")
        return data.decode("cp1252", errors="replace")


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    lines = [line for line in text.splitlines()[:_HEADER_ROWS] if line.strip()]
    counts = {d: max((line.count(d) for line in lines), default=0) for d in ";,\t|"}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"
    return list(
        islice(csv.reader(io.StringIO(text), delimiter=delimiter), _SAMPLE_ROWS + _HEADER_ROWS)
    )


def csv_headers(data: bytes) -> list[str]:
    """The header of a CSV sample (any common delimiter and encoding; title rows skipped)."""
    return Sample(_csv_rows(data)).header


def _workbook_samples(handle: IO[bytes], name: str) -> dict[str, Sample]:

    workbook = Workbook(handle, name)
    try:
        return {
            sheet: Sample(
                [
                    values
                    for _line, values in islice(workbook.rows(sheet), _SAMPLE_ROWS + _HEADER_ROWS)
                ]
            )
            for sheet in workbook.sheet_names
        }
    finally:
        workbook.close()


def _sources(path: Path) -> tuple[str, str | None, dict[str, Sample]]:
    """Format, workbook and per source (file or sheet) what its first rows show. ``path`` is
    a .zip of CSV files or of one workbook, one workbook, or one CSV file."""

    single = single_file_kind(path)
    if single == "xlsx":
        with path.open("rb") as handle:
            return "xlsx", path.name, _workbook_samples(handle, path.name)
    if single == "csv":
        with path.open("rb") as handle:
            return "csv", None, {path.name: Sample(_csv_rows(handle.read(256 * 1024)))}
    found: dict[str, Sample] = {}
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist() if not name.endswith("/")]
        workbooks = [name for name in names if name.lower().endswith(".xlsx")]
        if workbooks:
            with tempfile.TemporaryFile() as handle:
                with archive.open(workbooks[0]) as member:
                    shutil.copyfileobj(member, handle, 1024 * 1024)
                handle.seek(0)
                return "xlsx", workbooks[0], _workbook_samples(handle, workbooks[0])
        for name in names:
            if not name.lower().endswith(".csv"):
                continue
            with archive.open(name) as member:
                data = member.read(256 * 1024)
            found[name] = Sample(_csv_rows(data))
    return "csv", None, found


def sample_sources(path: Path) -> tuple[str, str | None, dict[str, list[str]]]:
    """Format, workbook and the columns of each source (file or sheet) of a sample export."""
    kind, workbook, sources = _sources(path)
    return (
        kind,
        workbook,
        {name: [h for h in sample.header if h] for name, sample in sources.items()},
    )


def _role_filter(target: str, sample: Sample, names: tuple[str, ...]) -> list[dict[str, object]]:
    """A filter on the source's role (or contract type) column for ``target``: the column's
    value that names the target's kind ("Mieter", "Eigentümer", "Mietvertrag")."""
    for column in sample.header:
        if _normal(column) not in names:
            continue
        wanted = ROLE_VALUES[target]
        matching = [
            v for v in sample.values.get(column, []) if any(w in _normal(v) for w in wanted)
        ]
        if target.startswith("miet"):  # "Mieter" is no owner, "Eigentümer" no tenant
            matching = [v for v in matching if "eigent" not in _normal(v)]
        if len(matching) == 1:
            return [{"column": column, "equals": matching[0]}]
        if matching:
            return [{"column": column, "one_of": matching}]
    return []


def _rule(target: str, field_name: str, column: str, sample: Sample) -> dict[str, object]:
    """The rule for a suggested column, with the transforms its first values ask for."""
    rule: dict[str, object] = {"column": column}
    spec_column = next(c for c in fmt.FILES_BY_NAME[target].columns if c.name == field_name)
    value = sample.first(column)
    values = sample.values.get(column.replace("{n}", "1"), [])
    if spec_column.kind is fmt.Kind.DATE and _GERMAN_DATE.match(value):
        rule["date_format"] = "%d.%m.%Y"
    if spec_column.kind is fmt.Kind.DECIMAL and "," in value:
        rule["decimal_comma"] = True
    fixed = _FIXED_VALUES.get(field_name)
    if fixed and values and not all(v in fixed for v in values):
        known = KNOWN_CODES[field_name]
        if all(v in known or v in fixed for v in values):
            rule["codes"] = dict(known)
    return rule


_NUMBERED_PART = re.compile(r"^(.*?)([ _-]?)1$")


def _joined_parts(fields: dict[str, dict[str, object]], target: str, headers: list[str]) -> None:
    """A text field suggested from "Bezeichnung 1" also takes "Bezeichnung 2" (and so on),
    joined with a space, when no field took those."""
    taken = {str(rule.get("column")) for rule in fields.values()}
    kinds = {column.name: column.kind for column in fmt.FILES_BY_NAME[target].columns}
    for field_name, rule in fields.items():
        match = _NUMBERED_PART.match(str(rule.get("column") or ""))
        if match is None or kinds.get(field_name) is not fmt.Kind.TEXT or len(rule) != 1:
            continue
        stem, separator = match.groups()
        parts = [f"{stem}{separator}1"]
        while (following := f"{stem}{separator}{len(parts) + 1}") in headers:
            if following in taken:
                break
            parts.append(following)
        if len(parts) > 1:
            fields[field_name] = {"join": parts, "separator": " "}


def _same_date_format(entities: dict[str, object]) -> None:
    """A date column without values in the sample (no owners' contracts yet) is read like the
    export's other date columns, when they all agree."""
    formats: set[object] = set()
    empty: list[dict[str, object]] = []
    for target, entity in entities.items():
        if not isinstance(entity, dict) or entity.get("empty"):
            continue
        kinds = {column.name: column.kind for column in fmt.FILES_BY_NAME[target].columns}
        for field_name, rule in entity["fields"].items():
            if kinds.get(field_name) is not fmt.Kind.DATE or "column" not in rule:
                continue
            if "date_format" in rule:
                formats.add(rule["date_format"])
            elif not entity.get("_values", {}).get(field_name):
                empty.append(rule)
    if len(formats) == 1:
        for rule in empty:
            rule["date_format"] = next(iter(formats))


def _combined(fields: dict[str, dict[str, object]], sample: Sample) -> None:
    """Street with number in one column ("Lindenstraße 12a") and names as "Nachname, Vorname":
    one column split into two fields."""
    street = fields.get("strasse")
    if street is not None and "hausnummer" not in fields and "column" in street:
        values = sample.values.get(str(street["column"]).replace("{n}", "1"), [])
        if values and sum(bool(_STREET_WITH_NUMBER.match(v)) for v in values) * 2 > len(values):
            split = {"separator": " ", "parts": 2, "from_right": True, "whole_in_first": True}
            street["split"] = {**split, "part": 1}
            fields["hausnummer"] = {"column": street["column"], "split": {**split, "part": 2}}
    name = fields.get("nachname")
    if name is not None and "vorname" not in fields and "column" in name:
        values = sample.values.get(str(name["column"]).replace("{n}", "1"), [])
        if values and sum(", " in v or "," in v for v in values) * 2 > len(values):
            split = {"separator": ",", "whole_in_first": True}
            name["split"] = {**split, "part": 1}
            fields["vorname"] = {"column": name["column"], "split": {**split, "part": 2}}


def _choose_source(target: str, kind: str, sources: dict[str, Sample]) -> tuple[str | None, float]:
    """The source for ``target``: by its name, else by its columns (the one whose columns
    name the required fields best, when they name the entity's number, or else all of them,
    and describe no other file better; a source named for another file is not taken)."""
    names = {source: _normal(Path(source).stem if kind == "csv" else source) for source in sources}
    by_name = {normal: source for source, normal in names.items()}
    for synonym in map(_normal, SOURCE_SYNONYMS[target]):
        if synonym in by_name:
            return by_name[synonym], 1.0
    required = [c.name for c in fmt.FILES_BY_NAME[target].columns if c.required]
    others = {
        _normal(synonym)
        for other, synonyms in SOURCE_SYNONYMS.items()
        if other != target
        for synonym in synonyms
    }
    best: tuple[float, str | None] = (0.0, None)
    for source, sample in sources.items():
        if names[source] in others:  # "Eigentümer" holds no tenants, whatever its columns
            continue
        found = _found(target, tuple(sample.header))
        # A list that names the entity's own number (the units' "Top-Nr.") is the entity's
        # list even when a required column is missing: a person picks it and maps the rest.
        needed = [_ENTITY_KEY[target]] if target in _ENTITY_KEY else required
        if all(name in found for name in needed) and _fits_best(target, tuple(sample.header)):
            score = sum(found[name][1] for name in required if name in found) / len(required)
            if score > best[0]:
                best = (score, source)
    return best[1], round(best[0] * 0.9, 2)


@functools.lru_cache(maxsize=256)
def _found(target: str, header: tuple[str, ...]) -> dict[str, tuple[str, float]]:
    """``suggest_scored`` of a header, computed once for the same header (read, never changed)."""
    return suggest_scored(target, header)


def _fits_best(target: str, header: tuple[str, ...]) -> bool:
    """Whether the columns describe ``target`` at least as fully and surely as any other v1
    file whose own number they name: a list of tenants with a "Mand.-Nr." and a "Name" is no
    list of Mandanten, a list of buildings no list of WEs, a WE list with a "Baujahr" no list
    of buildings (the Mandant, which every file names, does not count)."""

    def fit(name: str) -> float:
        found = _found(name, header)
        if name in _ENTITY_KEY and _ENTITY_KEY[name] not in found:
            return 0.0  # without the entity's own number it is not the entity's list
        return sum(score for field, (_column, score) in found.items() if field != "mandant_nr")

    return fit(target) >= max(fit(other) for other in SOURCE_SYNONYMS)


def suggest_for_sample(target: str, path: Path) -> dict[str, str]:
    """Field -> column for the v1 file ``target`` from a sample (a .csv, an .xlsx or a .zip):
    from the source chosen by its name or its columns (the only one of a single file)."""
    kind, _workbook, sources = _sources(path)
    source, _confidence = _choose_source(target, kind, sources)
    if source is None and len(sources) == 1:
        source = next(iter(sources))
    if source is None:
        return {}
    return suggest_fields(target, [h for h in sources[source].header if h])


def draft_profile(
    path: Path, name: str = "Vorschlag", known_mandanten: Sequence[str] = ()
) -> tuple[dict[str, object], list[str]]:
    """A profile suggested for a sample export, and what is still missing (in the active
    language); see ``draft_with_confidence``."""
    draft, missing, _confidence = draft_with_confidence(path, name, known_mandanten)
    return draft, [str(point) for point in missing]


Confidence = dict[str, dict[str, float]]  # v1 file -> field (and "source") -> 0..1


def draft_with_confidence(
    path: Path, name: str = "Vorschlag", known_mandanten: Sequence[str] = ()
) -> tuple[dict[str, object], list[Phrase], Confidence]:
    """A profile suggested for a sample export (a .zip of CSV files or of one workbook, one
    workbook, one CSV file): sources by file or sheet name or by their columns, columns by
    name (abbreviations, German and English), a role filter where one list feeds two files,
    date formats, decimal commas, code tables and splits by the first rows. Returns the draft,
    what is still missing (phrases, read later in the reader's language) and per file and field
    how sure the suggestion is (0..1).

    ``known_mandanten``: the Mandant numbers the customer already uses (its settings). When no
    column names the Mandant and the customer uses exactly one number, a person would write
    that number as a fixed value in every file: so does the draft, and says so."""
    kind, workbook, sources = _sources(path)
    entities: dict[str, object] = {}
    missing: list[Phrase] = []
    surety: Confidence = {}
    single = next(iter(sources)) if len(sources) == 1 else None
    for target in SOURCE_SYNONYMS:
        source, source_confidence = _choose_source(target, kind, sources)
        flat = single is not None and (source is None or len(sources) == 1)
        if flat:
            source = single  # one report for everything: a flat report
        if source is None:
            missing.append(Phrase(NO_SOURCE, {"file": target}))
            continue
        sample = sources[source]
        headers = [h for h in sample.header if h]
        scored = suggest_scored(target, headers, flat=flat)
        groups = 0
        persons = {
            "mieter.csv": "mieter.csv",
            "mietvertraege.csv": "mieter.csv",
            "eigentuemer.csv": "eigentuemer.csv",
            "eigentuemervertraege.csv": "eigentuemer.csv",
        }
        if flat and target in persons:
            grouped, count = suggest_grouped(persons[target], headers)
            if "person_nr" not in grouped:
                entities[target] = {"empty": True}  # the report does not carry them
                continue
            if target in ("mieter.csv", "eigentuemer.csv"):
                scored = {k: v for k, v in scored.items() if k == "mandant_nr"}
                scored |= {field_name: (column, 0.9) for field_name, column in grouped.items()}
                groups = count
            else:
                scored["person_nrs"] = (grouped["person_nr"], 0.9)
        fields: dict[str, dict[str, object]] = {}
        for field_name, (column, _confidence) in scored.items():
            rule = _rule(target, field_name, column, sample)
            if "{n}" in column and not groups:  # every group's column, joined
                rule = {"join": group_patterns(headers)[column], "separator": ","}
            fields[field_name] = rule
        _combined(fields, sample)
        _joined_parts(fields, target, headers)
        confidence = {
            field_name: scored[field_name][1] if field_name in scored else 0.8
            for field_name in fields
        }
        for spec_column in fmt.FILES_BY_NAME[target].columns:
            if spec_column.required and spec_column.name not in fields:
                missing.append(Phrase(UNMAPPED, {"file": target, "field": spec_column.name}))
        entity: dict[str, object] = {"source": source, "fields": fields}
        if flat and not target.endswith("vertraege.csv"):
            entity["distinct"] = True
        if groups:
            entity["groups"] = groups
        if target in ROLE_VALUES and not flat:
            names = ROLE_COLUMNS if target in ("mieter.csv", "eigentuemer.csv") else TYPE_COLUMNS
            role_filter = _role_filter(target, sample, names)
            if role_filter:
                entity["filter"] = role_filter
        surety[target] = {"source": 1.0 if flat else source_confidence, **confidence}
        entity["_values"] = {
            field_name: bool(sample.values.get(str(rule.get("column", "")).replace("{n}", "1")))
            for field_name, rule in fields.items()
        }
        entities[target] = entity
    _same_date_format(entities)
    for drafted in entities.values():
        if isinstance(drafted, dict):
            drafted.pop("_values", None)
    _drop_unseparated(entities, missing)
    without_mandant = [
        m for m in missing if m.msgid == UNMAPPED and m.params.get("field") == "mandant_nr"
    ]
    if without_mandant and len(without_mandant) == sum(
        isinstance(e, dict) and not e.get("empty") for e in entities.values()
    ):
        missing = [m for m in missing if m not in without_mandant]
        numbers = sorted({str(number).strip() for number in known_mandanten} - {""})
        if len(numbers) == 1:
            for target in with_mandant(entities, numbers[0]):
                surety.setdefault(target, {})["mandant_nr"] = 0.9
            missing.insert(0, Phrase(PROPOSED_MANDANT, {"number": numbers[0]}))
        else:
            missing.insert(0, Phrase(ASK_MANDANT))
    draft: dict[str, object] = {"name": name, "format": kind, "entities": entities}
    if workbook:
        draft["workbook"] = workbook
    return draft, missing, {k: v for k, v in surety.items() if k in entities}


# What a draft leaves open, as phrases: the portal shows them in its reader's language.
NO_SOURCE = gettext_noop("%(file)s: keine passende Datei und kein passendes Tabellenblatt.")
UNMAPPED = gettext_noop("%(file)s: Das Pflichtfeld „%(field)s“ ist nicht zugeordnet.")
ASK_MANDANT = gettext_noop(
    "Keine Spalte nennt den Mandanten: Bitte tragen Sie die Mandantennummer einmal als festen "
    "Wert ein (sie gilt dann für jede Datei)."
)
PROPOSED_MANDANT = gettext_noop(
    "Keine Spalte nennt den Mandanten: Vorgeschlagen ist Ihre Mandantennummer „%(number)s“ aus "
    "den Einstellungen, als fester Wert in jeder Datei. Bitte prüfen Sie sie."
)
UNSEPARATED = gettext_noop(
    "%(file)s: „%(source)s“ speist schon %(first)s; ohne eine Spalte wie „Rolle“ oder "
    "„Vertragsart“ lässt sich nicht trennen, welche Zeilen wohin gehören."
)


def with_mandant(entities: dict[str, object], number: str) -> list[str]:
    """Fill ``number`` as the fixed Mandant of every mapped file of a draft's ``entities``
    whose ``mandant_nr`` is not mapped; returns those files."""
    filled = []
    for target, entity in entities.items():
        if not isinstance(entity, dict) or entity.get("empty") or not entity.get("source"):
            continue
        fields = entity.get("fields") or {}
        if "mandant_nr" not in fields:
            entity["fields"] = {"mandant_nr": {"constant": number}} | dict(fields)
            filled.append(target)
    return filled


def without_filled_mandant(missing: list[Phrase], filled: list[str]) -> list[Phrase]:
    """What a draft leaves open once the Mandant of ``filled`` files is given."""
    return [
        point
        for point in missing
        if not (
            (point.msgid == ASK_MANDANT and filled)
            or (
                point.msgid == UNMAPPED
                and point.params.get("field") == "mandant_nr"
                and point.params.get("file") in filled
            )
        )
    ]


def _drop_unseparated(entities: dict[str, object], missing: list[Phrase]) -> None:
    """A shared list without a role column cannot feed both files: the second is left for a
    person to decide."""
    for first, second in (
        ("mieter.csv", "eigentuemer.csv"),
        ("mietvertraege.csv", "eigentuemervertraege.csv"),
    ):
        one, other = entities.get(first), entities.get(second)
        if not isinstance(one, dict) or not isinstance(other, dict):
            continue
        if one.get("empty") or other.get("empty") or one.get("source") != other.get("source"):
            continue
        if one.get("filter") and other.get("filter"):
            continue
        if one.get("groups") or other.get("groups"):
            continue
        del entities[second]
        missing.append(
            Phrase(UNSEPARATED, {"file": second, "source": str(one.get("source")), "first": first})
        )
