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
    "gebaeude_nr": ("gebaeude", "gebäude", "haus-nr", "haus", "building"),
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


def suggest_prefixed(target: str, headers: Iterable[str]) -> dict[str, str]:
    """Field -> column of a flat report whose name is the entity's prefix and the field's name
    (``Haus-Straße`` for the building's strasse)."""
    prefixes = tuple(_normal(p) for p in ENTITY_PREFIXES.get(target, ()))
    by_rest: dict[str, str] = {}
    for header in headers:
        match = re.match(r"^([^-_ ]+)[-_ ](.+)$", header)
        if match is not None and _normal(match.group(1)) in prefixes:
            by_rest.setdefault(match.group(2), header)
    return {name: by_rest[rest] for name, rest in suggest_fields(target, by_rest).items()}


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
    by_rest = {pattern.split("{n}", 1)[1].lstrip("_- ."): pattern for pattern in patterns}
    chosen = suggest_fields(target, by_rest)
    suggestion = {name: by_rest[rest] for name, rest in chosen.items()}
    if "person_nr" not in suggestion:
        numbers = [rest for rest in by_rest if _normal(rest) in _NUMBER_NAMES]
        if numbers and by_rest[numbers[0]] not in suggestion.values():
            suggestion["person_nr"] = by_rest[numbers[0]]
    groups = max((len(patterns[p]) for p in suggestion.values()), default=0)
    return suggestion, groups


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
    "mieter.csv": ("mieter", "tenants"),
    "eigentuemer.csv": ("eigentuemer", "eigentümer", "owners"),
    "mietvertraege.csv": ("mietvertraege", "mietverträge", "leases", "tenancies"),
    "eigentuemervertraege.csv": (
        "eigentuemervertraege",
        "eigentümerverträge",
        "eigentumsvertraege",
        "ownerships",
    ),
}
_GERMAN_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")


_SAMPLE_ROWS = 50


def _first_values(rows: list[list[str]], width: int) -> list[str]:
    """Per column, the first non-empty value of the rows (a date column is often empty at first)."""
    found = [""] * width
    for row in rows:
        for position, value in enumerate(row[:width]):
            if not found[position] and value.strip():
                found[position] = value
    return found


def _sources(path: Path) -> tuple[str, str | None, dict[str, tuple[list[str], list[str]]]]:
    """Format, workbook and per source (file or sheet): header and, per column, the first
    non-empty value of the first rows."""
    import zipfile

    from openpyxl import load_workbook

    from integrations.erp.profiles.workbook import cell_text

    found: dict[str, tuple[list[str], list[str]]] = {}
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist() if not name.endswith("/")]
        workbooks = [name for name in names if name.lower().endswith(".xlsx")]
        if workbooks:
            with archive.open(workbooks[0]) as member:
                workbook = load_workbook(io.BytesIO(member.read()), read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    rows = list(islice(sheet.iter_rows(values_only=True), _SAMPLE_ROWS + 1))
                    cells = [[cell_text(value) for value in row] for row in rows]
                    header = cells[0] if cells else []
                    found[sheet.title] = (header, _first_values(cells[1:], len(header)))
            finally:
                workbook.close()
            return "xlsx", workbooks[0], found
        for name in names:
            if not name.lower().endswith(".csv"):
                continue
            with archive.open(name) as member:
                data = member.read(65536)
            headers = csv_headers(data)
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
            lines = text.splitlines()
            delimiter = max(";,\t|", key=lines[0].count) if lines else ";"
            rows = list(
                islice(csv.reader(io.StringIO(text), delimiter=delimiter), _SAMPLE_ROWS + 1)
            )
            found[name] = (headers, _first_values(rows[1:], len(headers)))
    return "csv", None, found


def sample_sources(path: Path) -> tuple[str, str | None, dict[str, list[str]]]:
    """Format, workbook and the columns of each source (file or sheet) of a sample export."""
    kind, workbook, sources = _sources(path)
    return (
        kind,
        workbook,
        {
            name: [h.strip() for h in header if h.strip()]
            for name, (header, _first) in sources.items()
        },
    )


def draft_profile(path: Path, name: str = "Vorschlag") -> tuple[dict[str, object], list[str]]:
    """A profile suggested for a sample export (.zip of CSV files or of one workbook): sources
    by file or sheet name, columns by name, date formats and decimal commas by the first rows.
    Returns the draft and what is still missing (German)."""
    kind, workbook, sources = _sources(path)
    by_name = {
        _normal(Path(source).stem if kind == "csv" else source): source for source in sources
    }
    entities: dict[str, object] = {}
    missing: list[str] = []
    single = next(iter(sources)) if len(sources) == 1 else None
    for target, synonyms in SOURCE_SYNONYMS.items():
        source = next((by_name[n] for n in map(_normal, synonyms) if n in by_name), None)
        flat = source is None and single is not None
        if flat:
            source = single  # one report for everything: a flat report
        if source is None:
            missing.append(f"{target}: keine passende Datei und kein passendes Tabellenblatt.")
            continue
        headers, first = sources[source]
        sample = dict(zip(headers, first, strict=False))
        fields: dict[str, dict[str, object]] = {}
        suggested = suggest_fields(target, headers)
        groups = 0
        if flat:  # "Haus-Straße" is more specific than a plain match
            suggested |= suggest_prefixed(target, headers)
        persons = {"mieter.csv": "mieter.csv", "mietvertraege.csv": "mieter.csv"}
        persons |= {"eigentuemer.csv": "eigentuemer.csv"}
        persons |= {"eigentuemervertraege.csv": "eigentuemer.csv"}
        if flat and target in persons:
            grouped, count = suggest_grouped(persons[target], headers)
            if "person_nr" not in grouped:
                entities[target] = {"empty": True}  # the report does not carry them
                continue
            if target in ("mieter.csv", "eigentuemer.csv"):
                suggested = {**suggested, **grouped}
                groups = count
            else:
                suggested["person_nrs"] = grouped["person_nr"]
        for field_name, column in suggested.items():
            rule: dict[str, object] = {"column": column}
            if "{n}" in column and not groups:  # every group's column, joined
                rule = {"join": group_patterns(headers)[column], "separator": ","}
            kind_of = next(
                c.kind for c in fmt.FILES_BY_NAME[target].columns if c.name == field_name
            )
            value = sample.get(column, "").strip()
            if "{n}" in column:
                value = sample.get(column.replace("{n}", "1"), "").strip()
            if kind_of is fmt.Kind.DATE and _GERMAN_DATE.match(value):
                rule["date_format"] = "%d.%m.%Y"
            if kind_of is fmt.Kind.DECIMAL and "," in value:
                rule["decimal_comma"] = True
            fields[field_name] = rule
        for spec_column in fmt.FILES_BY_NAME[target].columns:
            if spec_column.required and spec_column.name not in fields:
                missing.append(
                    f"{target}: Das Pflichtfeld „{spec_column.name}“ ist nicht zugeordnet."
                )
        entity: dict[str, object] = {"source": source, "fields": fields}
        if flat and not target.endswith("vertraege.csv"):
            entity["distinct"] = True
        if groups:
            entity["groups"] = groups
        entities[target] = entity
    draft: dict[str, object] = {"name": name, "format": kind, "entities": entities}
    if workbook:
        draft["workbook"] = workbook
    return draft, missing
