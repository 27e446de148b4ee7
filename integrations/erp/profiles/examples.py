"""Two example import profiles, and how their sample exports are made from the same data as an
ERP export v1 (tests and the demo use them; ``manage.py erp_profile examples`` rewrites them).

- ``csv-je-datei``: one CSV per entity as many ERPs write them: Windows-1252, comma-separated,
  German column names, dates as TT.MM.JJJJ, decimal commas, the Wirtschaftseinheit's name in two
  columns, no Mandant column (one Mandant per export: a constant). Only Mandant 1000.
- ``xlsx-blaetter``: one Excel workbook with a sheet per entity, real date and number cells.
- ``flach-mietvertraege``: one flat CSV report, one row per rental contract carrying its
  Mandant, WE, building and unit columns and up to three tenants as numbered column groups
  (``Mieter1_Name``, ``Mieter2_Name``, ...); UTF-8 with byte-order mark, semicolons, dates as
  TT.MM.JJJJ. WEs, buildings, units and tenants are derived once per key; owners are declared
  empty. It carries what such a report carries: let units and owners are not in it.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from integrations.erp.base import ErpConnector
from integrations.erp.file import format as fmt
from integrations.erp.file.writer import write_export
from integrations.erp.profiles.profile import FieldRule, ImportProfile
from integrations.usecases import UseCase

EXAMPLES_DIR = Path(__file__).parent / "examples"
STAMMDATEN_FILES = tuple(spec.name for spec in fmt.USE_CASE_FILES[UseCase.STAMMDATEN])

# v1 column -> the customer's column name (German, as ERP reports name them).
_GERMAN = {
    "mandant_nr": "Mandant",
    "name": "Firmenname",
    "we_nr": "WE-Nr.",
    "bezeichnung": "Bezeichnung",
    "strasse": "Straße",
    "hausnummer": "Hausnr.",
    "plz": "PLZ",
    "ort": "Ort",
    "gebaeude_nr": "Haus-Nr.",
    "baujahr": "Baujahr",
    "einheit_nr": "Einheit",
    "nutzungsart": "Nutzungsart",
    "lage": "Lage",
    "wohnflaeche": "Wohnfläche m²",
    "zimmer": "Zimmer",
    "person_nr": "Personen-Nr.",
    "anrede": "Anrede",
    "titel": "Titel",
    "vorname": "Vorname",
    "nachname": "Name",
    "firma": "Firma",
    "email": "E-Mail",
    "telefon": "Telefon",
    "mobil": "Mobil",
    "vertrag_nr": "Vertrags-Nr.",
    "person_nrs": "Vertragspartner",
    "beginn": "Vertragsbeginn",
    "ende": "Vertragsende",
}
_CSV_FILES = {
    "mandanten.csv": "firma.csv",
    "wirtschaftseinheiten.csv": "objekte.csv",
    "gebaeude.csv": "haeuser.csv",
    "einheiten.csv": "einheiten.csv",
    "mieter.csv": "mieter.csv",
    "eigentuemer.csv": "eigentuemer.csv",
    "mietvertraege.csv": "mietvertraege.csv",
    "eigentuemervertraege.csv": "eigentumsvertraege.csv",
}
_SHEETS = {
    "mandanten.csv": "Mandanten",
    "wirtschaftseinheiten.csv": "Objekte",
    "gebaeude.csv": "Gebäude",
    "einheiten.csv": "Einheiten",
    "mieter.csv": "Mieter",
    "eigentuemer.csv": "Eigentümer",
    "mietvertraege.csv": "Mietverträge",
    "eigentuemervertraege.csv": "Eigentümerverträge",
}
CSV_MANDANT = "1000"
EXAMPLE_NAMES = (
    "csv-je-datei",
    "xlsx-blaetter",
    "flach-mietvertraege",
    "personen-vertraege",
    "flach-vertragsbericht",
)


def _rows(directory: Path, name: str) -> Iterator[dict[str, str]]:
    with (directory / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=fmt.DELIMITER)


def csv_profile(*, mandant_column: bool = False) -> ImportProfile:
    """The CSV example; ``mandant_column``: every Mandant, from a column "Mandant" (bench)."""
    entities: dict[str, dict[str, object]] = {}
    for name in STAMMDATEN_FILES:
        spec = fmt.FILES_BY_NAME[name]
        fields: dict[str, dict[str, object]] = {}
        for column in spec.columns:
            if column.name == "mandant_nr" and mandant_column:
                fields[column.name] = {"column": _GERMAN[column.name]}
            elif column.name == "mandant_nr":
                fields[column.name] = {"constant": CSV_MANDANT}
            elif name == "wirtschaftseinheiten.csv" and column.name == "bezeichnung":
                fields[column.name] = {"join": ["Bezeichnung 1", "Bezeichnung 2"], "separator": " "}
            elif column.kind is fmt.Kind.DATE:
                fields[column.name] = {"column": _GERMAN[column.name], "date_format": "%d.%m.%Y"}
            elif column.kind is fmt.Kind.DECIMAL:
                fields[column.name] = {"column": _GERMAN[column.name], "decimal_comma": True}
            else:
                fields[column.name] = {"column": _GERMAN[column.name]}
        entities[name] = {"source": _CSV_FILES[name], "fields": fields}
    return ImportProfile.from_dict(
        {
            "name": "csv-je-datei",
            "format": "csv",
            "delimiter": ",",
            "encoding": "cp1252",
            "entities": entities,
        }
    )


def xlsx_profile() -> ImportProfile:
    entities = {
        name: {
            "source": _SHEETS[name],
            "fields": {
                column.name: {"column": _GERMAN[column.name]}
                for column in fmt.FILES_BY_NAME[name].columns
            },
        }
        for name in STAMMDATEN_FILES
    }
    return ImportProfile.from_dict(
        {
            "name": "xlsx-blaetter",
            "format": "xlsx",
            "workbook": "bestand.xlsx",
            "entities": entities,
        }
    )


def _german_date(text: str) -> str:
    return date.fromisoformat(text).strftime("%d.%m.%Y") if text else ""


def write_csv_sample(v1: Path, target: Path) -> None:
    """The v1 export at ``v1`` (Mandant 1000 only) in the layout of ``csv_profile``, zipped."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in STAMMDATEN_FILES:
            out = io.StringIO()
            _write_csv_layout(v1, name, out, mandant_column=False)
            archive.writestr(_CSV_FILES[name], out.getvalue().encode("cp1252", errors="replace"))


def write_csv_layout(v1: Path, directory: Path, *, mandant_column: bool = True) -> None:
    """The v1 export at ``v1`` in the CSV example's layout as files in ``directory``
    (streaming; with ``mandant_column`` every Mandant, as ``csv_profile(mandant_column=True)``
    reads it)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in STAMMDATEN_FILES:
        target = directory / _CSV_FILES[name]
        with target.open("w", encoding="cp1252", errors="replace", newline="") as handle:
            _write_csv_layout(v1, name, handle, mandant_column=mandant_column)


def _write_csv_layout(v1: Path, name: str, out: IO[str], *, mandant_column: bool) -> None:
    spec = fmt.FILES_BY_NAME[name]
    writer = csv.writer(out, delimiter=",", lineterminator="\r\n")
    header: list[str] = []
    for column in spec.columns:
        if column.name == "mandant_nr":
            if mandant_column:
                header.append(_GERMAN[column.name])
            continue
        if name == "wirtschaftseinheiten.csv" and column.name == "bezeichnung":
            header += ["Bezeichnung 1", "Bezeichnung 2"]
        else:
            header.append(_GERMAN[column.name])
    writer.writerow(header)
    for row in _rows(v1, name):
        if row["mandant_nr"] != CSV_MANDANT and not mandant_column:
            continue
        values: list[str] = []
        for column in spec.columns:
            value = row[column.name]
            if column.name == "mandant_nr":
                if mandant_column:
                    values.append(value)
                continue
            if name == "wirtschaftseinheiten.csv" and column.name == "bezeichnung":
                first, _, rest = value.partition(" ")
                values += [first, rest]
            elif column.kind is fmt.Kind.DATE:
                values.append(_german_date(value))
            elif column.name in ("nachname", "ort") and value:
                values.append(f" {value}  ")  # ERP reports pad: trimmed on reading
            else:
                values.append(value)
        writer.writerow(values)


def write_xlsx_workbook(v1: Path, target: Path) -> int:
    """The v1 export at ``v1`` as a workbook with a sheet per entity; returns the rows written.

    Written in openpyxl's write-only mode (streaming), so 100,000 units fit in little memory.
    """

    workbook = Workbook(write_only=True)
    rows = 0
    for name in STAMMDATEN_FILES:
        spec = fmt.FILES_BY_NAME[name]
        sheet = workbook.create_sheet(_SHEETS[name])
        sheet.append([_GERMAN[column.name] for column in spec.columns])
        for row in _rows(v1, name):
            cells: list[object] = []
            for column in spec.columns:
                value = row[column.name]
                if value and column.kind is fmt.Kind.DATE:
                    cells.append(date.fromisoformat(value))
                elif value and column.kind is fmt.Kind.DECIMAL:
                    cells.append(float(Decimal(value.replace(",", "."))))
                else:
                    cells.append(value or None)
            sheet.append(cells)
            rows += 1
    workbook.save(target)
    return rows


def _zip_workbook(write: Callable[[Path, Path], int], v1: Path, target: Path) -> None:
    """A sample export: the workbook ``write`` makes of export v1, as bestand.xlsx in a zip."""
    workbook = target.with_suffix(".xlsx.tmp")
    write(v1, workbook)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(workbook, "bestand.xlsx")
    workbook.unlink()


def write_xlsx_sample(v1: Path, target: Path) -> None:
    _zip_workbook(write_xlsx_workbook, v1, target)


FLAT_SOURCE = "mietvertraege_export.csv"
FLAT_GROUPS = 3
_FLAT_PERSON = {
    "person_nr": "Nr",
    "anrede": "Anrede",
    "titel": "Titel",
    "vorname": "Vorname",
    "nachname": "Name",
    "firma": "Firma",
    "email": "E-Mail",
    "telefon": "Telefon",
    "mobil": "Mobil",
    "strasse": "Straße",
    "hausnummer": "Hausnr.",
    "plz": "PLZ",
    "ort": "Ort",
}
# v1 file -> v1 column -> the flat report's column (persons: see _FLAT_PERSON).
_FLAT = {
    "mandanten.csv": {"mandant_nr": "Mandant", "name": "Mandantenname"},
    "wirtschaftseinheiten.csv": {
        "we_nr": "WE-Nr.",
        "bezeichnung": "WE-Bezeichnung",
        "strasse": "WE-Straße",
        "hausnummer": "WE-Hausnr.",
        "plz": "WE-PLZ",
        "ort": "WE-Ort",
    },
    "gebaeude.csv": {
        "we_nr": "WE-Nr.",
        "gebaeude_nr": "Haus-Nr.",
        "bezeichnung": "Haus-Bezeichnung",
        "strasse": "Haus-Straße",
        "hausnummer": "Haus-Hausnr.",
        "plz": "Haus-PLZ",
        "ort": "Haus-Ort",
        "baujahr": "Baujahr",
    },
    "einheiten.csv": {
        "we_nr": "WE-Nr.",
        "gebaeude_nr": "Haus-Nr.",
        "einheit_nr": "Einheit",
        "bezeichnung": "Einheit-Bezeichnung",
        "nutzungsart": "Nutzungsart",
        "lage": "Lage",
        "wohnflaeche": "Wohnfläche m²",
        "zimmer": "Zimmer",
    },
    "mietvertraege.csv": {
        "vertrag_nr": "Vertrags-Nr.",
        "we_nr": "WE-Nr.",
        "gebaeude_nr": "Haus-Nr.",
        "einheit_nr": "Einheit",
        "beginn": "Vertragsbeginn",
        "ende": "Vertragsende",
    },
}


def flat_profile() -> ImportProfile:
    """The flat example: every entity of Stammdaten from one report of rental contracts."""
    entities: dict[str, dict[str, object]] = {}
    for name, columns in _FLAT.items():
        spec = fmt.FILES_BY_NAME[name]
        fields: dict[str, dict[str, object]] = {"mandant_nr": {"column": "Mandant"}}
        for column in spec.columns:
            if column.name == "person_nrs":
                fields[column.name] = {
                    "join": [f"Mieter{n}_Nr" for n in range(1, FLAT_GROUPS + 1)],
                    "separator": ",",
                }
            elif column.name in columns:
                rule: dict[str, object] = {"column": columns[column.name]}
                if column.kind is fmt.Kind.DATE:
                    rule["date_format"] = "%d.%m.%Y"
                elif column.kind is fmt.Kind.DECIMAL:
                    rule["decimal_comma"] = True
                fields[column.name] = rule
        entities[name] = {"source": FLAT_SOURCE, "fields": fields}
        if name != "mietvertraege.csv":
            entities[name]["distinct"] = True
    entities["mieter.csv"] = {
        "source": FLAT_SOURCE,
        "distinct": True,
        "groups": FLAT_GROUPS,
        "fields": {
            "mandant_nr": {"column": "Mandant"},
            **{v1: {"column": f"Mieter{{n}}_{own}"} for v1, own in _FLAT_PERSON.items()},
        },
    }
    entities["eigentuemer.csv"] = {"empty": True}
    entities["eigentuemervertraege.csv"] = {"empty": True}
    ordered = {name: entities[name] for name in STAMMDATEN_FILES}
    return ImportProfile.from_dict(
        {
            "name": "flach-mietvertraege",
            "format": "csv",
            "delimiter": ";",
            "encoding": "utf-8",
            "entities": ordered,
        }
    )


def flat_header() -> list[str]:
    header = ["Mandant", "Mandantenname"]
    for columns in _FLAT.values():
        header += [c for c in columns.values() if c not in header]
    for number in range(1, FLAT_GROUPS + 1):
        header += [f"Mieter{number}_{own}" for own in _FLAT_PERSON.values()]
    return header


def write_flat_sample(v1: Path, target: Path) -> None:
    """The rental contracts of the v1 export at ``v1`` as one flat report, zipped."""

    def index(name: str) -> dict[tuple[str, ...], dict[str, str]]:
        spec = fmt.FILES_BY_NAME[name]
        return {tuple(row[k] for k in spec.key): row for row in _rows(v1, name)}

    mandanten = index("mandanten.csv")
    wes = index("wirtschaftseinheiten.csv")
    buildings = index("gebaeude.csv")
    units = index("einheiten.csv")
    tenants = index("mieter.csv")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(flat_header())
    for contract in _rows(v1, "mietvertraege.csv"):
        mandant, we, haus, einheit = (
            contract[k] for k in ("mandant_nr", "we_nr", "gebaeude_nr", "einheit_nr")
        )
        sources = {
            "mandanten.csv": mandanten[(mandant,)],
            "wirtschaftseinheiten.csv": wes[(mandant, we)],
            "gebaeude.csv": buildings[(mandant, we, haus)],
            "einheiten.csv": units[(mandant, we, haus, einheit)],
            "mietvertraege.csv": contract,
        }
        values: dict[str, str] = {}
        for name, columns in _FLAT.items():
            for v1_column, own in columns.items():
                value = sources[name][v1_column]
                if (
                    fmt.FILES_BY_NAME[name]
                    .columns[fmt.FILES_BY_NAME[name].column_names.index(v1_column)]
                    .kind
                    is fmt.Kind.DATE
                ):
                    value = _german_date(value)
                values[own] = value
        values["Mandant"] = mandant
        persons = contract["person_nrs"].split(",")
        if len(persons) > FLAT_GROUPS:
            raise ValueError(f"Vertrag {contract['vertrag_nr']}: mehr als {FLAT_GROUPS} Mieter")
        for number, person_nr in enumerate(persons, start=1):
            person = tenants[(mandant, person_nr)]
            for v1_column, own in _FLAT_PERSON.items():
                values[f"Mieter{number}_{own}"] = person[v1_column]
        writer.writerow([values.get(column, "") for column in flat_header()])
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(FLAT_SOURCE, "\ufeff".encode() + out.getvalue().encode("utf-8"))


# --- personen-vertraege: one person list with a role, one contract list with a type ---------

TITLE_ROWS: tuple[tuple[str, ...], ...] = (
    ("Musterstadt Wohnen GmbH",),
    ("Bestandsliste, Stand 01.12.2026",),
    (),
)
ROLE_COLUMN, TENANT_ROLE, OWNER_ROLE = "Rolle", "Mieter", "Eigentümer"
TYPE_COLUMN, RENTAL_TYPE, OWNER_TYPE = "Vertragsart", "Mietvertrag", "Eigentümervertrag"
# v1 column -> the column of the person/contract workbook (abbreviated, as ERP reports do).
_ABBREVIATED = {
    "mandant_nr": "Mandant",
    "name": "Firmenname",
    "we_nr": "Obj.-Nr.",
    "gebaeude_nr": "Geb.-Nr.",
    "einheit_nr": "ME-Nr.",
    "bezeichnung": "Bezeichnung",
    "strasse": "Straße",
    "hausnummer": "Hs.-Nr.",
    "plz": "PLZ",
    "ort": "Ort",
    "baujahr": "Bj.",
    "nutzungsart": "Nutzungsart",
    "lage": "Lage",
    "wohnflaeche": "Wfl. (m²)",
    "zimmer": "Zi.",
    "person_nr": "Pers.-Nr.",
    "anrede": "Anrede",
    "titel": "Titel",
    "vorname": "Vorname",
    "nachname": "Nachname",
    "firma": "Firma",
    "email": "E-Mail-Adresse",
    "telefon": "Tel. privat",
    "mobil": "Mobil",
    "vertrag_nr": "Vertr.-Nr.",
    "person_nrs": "Vertragspartner",
    "beginn": "Beginn",
    "ende": "Ende",
}
_WB_SHEETS = {
    "mandanten.csv": "Mandanten",
    "wirtschaftseinheiten.csv": "Objekte",
    "gebaeude.csv": "Gebäude",
    "einheiten.csv": "Einheiten",
    "mieter.csv": "Personen",
    "eigentuemer.csv": "Personen",
    "mietvertraege.csv": "Verträge",
    "eigentuemervertraege.csv": "Verträge",
}
# Keys kept as numbers whose format pads them with zeros (as an ERP's Excel export does).
_PADDED_KEYS = ("we_nr", "gebaeude_nr", "einheit_nr")


def _wb_columns(name: str) -> list[str]:
    """The v1 columns of a sheet of the workbook (WE's name as "Objektbezeichnung")."""
    return [column.name for column in fmt.FILES_BY_NAME[name].columns]


def _wb_header(name: str) -> list[str]:
    header = []
    for column in _wb_columns(name):
        if name == "wirtschaftseinheiten.csv" and column == "bezeichnung":
            header.append("Objektbezeichnung")
        else:
            header.append(_ABBREVIATED[column])
        if column == "person_nr":
            header.append(ROLE_COLUMN)
        if column == "vertrag_nr":
            header.append(TYPE_COLUMN)
    return header


def person_contract_profile() -> ImportProfile:
    entities: dict[str, dict[str, object]] = {}
    for name in STAMMDATEN_FILES:
        fields: dict[str, dict[str, object]] = {}
        for column, own in zip(
            _wb_columns(name),
            [h for h in _wb_header(name) if h not in (ROLE_COLUMN, TYPE_COLUMN)],
            strict=True,
        ):
            fields[column] = {"column": own}
        entity: dict[str, object] = {"source": _WB_SHEETS[name], "fields": fields}
        role = {
            "mieter.csv": (ROLE_COLUMN, TENANT_ROLE),
            "eigentuemer.csv": (ROLE_COLUMN, OWNER_ROLE),
            "mietvertraege.csv": (TYPE_COLUMN, RENTAL_TYPE),
            "eigentuemervertraege.csv": (TYPE_COLUMN, OWNER_TYPE),
        }.get(name)
        if role is not None:
            entity["filter"] = [{"column": role[0], "equals": role[1]}]
        entities[name] = entity
    return ImportProfile.from_dict(
        {
            "name": "personen-vertraege",
            "format": "xlsx",
            "workbook": "bestand.xlsx",
            "entities": entities,
        }
    )


def write_person_contract_workbook(v1: Path, target: Path) -> int:
    """The v1 export at ``v1`` as a workbook with title rows, one person list (with a role)
    and one contract list (with a type); keys as numbers formatted with their zeros."""

    workbook = Workbook(write_only=True)
    sheets: dict[str, Any] = {}
    rows = 0
    for name in STAMMDATEN_FILES:
        title = _WB_SHEETS[name]
        if title not in sheets:
            sheet = workbook.create_sheet(title)
            for title_row in TITLE_ROWS:
                sheet.append(list(title_row))
            sheet.append(_wb_header(name))
            sheets[title] = sheet
        sheet = sheets[title]
        for row in _rows(v1, name):
            cells: list[object] = []
            for column in fmt.FILES_BY_NAME[name].columns:
                value = row[column.name]
                kind = column.kind
                if value and kind is fmt.Kind.DATE:
                    cells.append(date.fromisoformat(value))
                elif value and kind is fmt.Kind.DECIMAL:
                    cells.append(float(Decimal(value.replace(",", "."))))
                elif value and column.name in _PADDED_KEYS and value.isdigit():
                    cell = WriteOnlyCell(sheet, value=int(value))
                    cell.number_format = "0" * len(value)
                    cells.append(cell)
                elif value and column.name in ("mandant_nr", "baujahr") and value.isdigit():
                    cells.append(int(value))
                else:
                    cells.append(value or None)
                if column.name == "person_nr":
                    cells.append(TENANT_ROLE if name == "mieter.csv" else OWNER_ROLE)
                if column.name == "vertrag_nr":
                    cells.append(RENTAL_TYPE if name == "mietvertraege.csv" else OWNER_TYPE)
            sheet.append(cells)
            rows += 1
    workbook.save(target)
    return rows


def write_person_contract_sample(v1: Path, target: Path) -> None:
    _zip_workbook(write_person_contract_workbook, v1, target)


# --- flach-vertragsbericht: a flat contract report with "Nachname, Vorname" and codes --------

REPORT_SOURCE = "vertragsbericht.csv"
REPORT_GROUPS = 3
USAGE_CODES = {
    "WO": "Wohnung",
    "GE": "Gewerbe",
    "STP": "Stellplatz",
    "GA": "Garage",
    "LA": "Lager",
    "SO": "Sonstiges",
}
SALUTATION_CODES = {"1": "Herr", "2": "Frau", "3": "Firma", "4": "Divers"}
# v1 file -> v1 column -> rule over the report's columns.
_STREET = {"separator": " ", "parts": 2, "from_right": True, "whole_in_first": True}
_REPORT: dict[str, dict[str, dict[str, object]]] = {
    "mandanten.csv": {
        "mandant_nr": {"column": "Mandant"},
        "name": {"column": "Mandantenname"},
    },
    "wirtschaftseinheiten.csv": {
        "mandant_nr": {"column": "Mandant"},
        "we_nr": {"column": "Objekt-Nr"},
        "bezeichnung": {"column": "Objektbezeichnung"},
        "strasse": {"column": "Objektanschrift", "split": {**_STREET, "part": 1}},
        "hausnummer": {"column": "Objektanschrift", "split": {**_STREET, "part": 2}},
        "plz": {"column": "Objekt-PLZ"},
        "ort": {"column": "Objekt-Ort"},
    },
    "gebaeude.csv": {
        "mandant_nr": {"column": "Mandant"},
        "we_nr": {"column": "Objekt-Nr"},
        "gebaeude_nr": {"column": "Geb.-Nr."},
        "bezeichnung": {"column": "Gebäudebezeichnung"},
        "strasse": {"column": "Anschrift", "split": {**_STREET, "part": 1}},
        "hausnummer": {"column": "Anschrift", "split": {**_STREET, "part": 2}},
        "plz": {"column": "PLZ"},
        "ort": {"column": "Ort"},
        "baujahr": {"column": "Bj."},
    },
    "einheiten.csv": {
        "mandant_nr": {"column": "Mandant"},
        "we_nr": {"column": "Objekt-Nr"},
        "gebaeude_nr": {"column": "Geb.-Nr."},
        "einheit_nr": {"column": "ME-Nr."},
        "bezeichnung": {"column": "ME-Bezeichnung"},
        "nutzungsart": {"column": "Nutzung", "codes": USAGE_CODES},
        "lage": {"column": "Lage"},
        "wohnflaeche": {"column": "Wfl. (m²)", "decimal_comma": True},
        "zimmer": {"column": "Zi.", "decimal_comma": True},
    },
    "mietvertraege.csv": {
        "mandant_nr": {"column": "Mandant"},
        "vertrag_nr": {"column": "Vertr.-Nr."},
        "we_nr": {"column": "Objekt-Nr"},
        "gebaeude_nr": {"column": "Geb.-Nr."},
        "einheit_nr": {"column": "ME-Nr."},
        "person_nrs": {
            "join": [f"Mieter{n}-Nr." for n in range(1, REPORT_GROUPS + 1)],
            "separator": ",",
        },
        "beginn": {"column": "Mietbeginn", "date_format": "%d.%m.%Y"},
        "ende": {"column": "Mietende", "date_format": "%d.%m.%Y"},
    },
}
_NAME = {"separator": ",", "whole_in_first": True}
_TENANT: dict[str, dict[str, object]] = {
    "mandant_nr": {"column": "Mandant"},
    "person_nr": {"column": "Mieter{n}-Nr."},
    "anrede": {"column": "Mieter{n}-Anrede", "codes": SALUTATION_CODES},
    "titel": {"column": "Mieter{n}-Titel"},
    "vorname": {"column": "Mieter{n}", "split": {**_NAME, "part": 2}},
    "nachname": {"column": "Mieter{n}", "split": {**_NAME, "part": 1}},
    "firma": {"column": "Mieter{n}-Firma"},
    "email": {"column": "Mieter{n}-E-Mail"},
    "telefon": {"column": "Mieter{n}-Telefon"},
    "mobil": {"column": "Mieter{n}-Mobil"},
    "strasse": {"column": "Mieter{n}-Anschrift", "split": {**_STREET, "part": 1}},
    "hausnummer": {"column": "Mieter{n}-Anschrift", "split": {**_STREET, "part": 2}},
    "plz": {"column": "Mieter{n}-PLZ"},
    "ort": {"column": "Mieter{n}-Ort"},
}


def contract_report_profile() -> ImportProfile:
    entities: dict[str, dict[str, object]] = {}
    for name in STAMMDATEN_FILES:
        if name in _REPORT:
            entities[name] = {"source": REPORT_SOURCE, "fields": _REPORT[name]}
            if name != "mietvertraege.csv":
                entities[name]["distinct"] = True
        elif name == "mieter.csv":
            entities[name] = {
                "source": REPORT_SOURCE,
                "fields": _TENANT,
                "distinct": True,
                "groups": REPORT_GROUPS,
            }
        else:
            entities[name] = {"empty": True}
    return ImportProfile.from_dict(
        {
            "name": "flach-vertragsbericht",
            "format": "csv",
            "delimiter": ";",
            "encoding": "cp1252",
            "entities": entities,
        }
    )


def report_header() -> list[str]:
    header: list[str] = []
    for rules in _REPORT.values():
        for rule in rules.values():
            for column in FieldRule.from_dict(rule).source_columns:
                if column not in header and not column.startswith("Mieter"):
                    header.append(column)
    for number in range(1, REPORT_GROUPS + 1):
        for rule in _TENANT.values():
            for column in FieldRule.from_dict(rule).for_group(number).source_columns:
                if column not in header:
                    header.append(column)
    return header


def _street(row: dict[str, str]) -> str:
    return " ".join(part for part in (row["strasse"], row["hausnummer"]) if part)


def write_contract_report_sample(v1: Path, target: Path) -> None:
    """The rental contracts of the v1 export at ``v1`` as one flat report (Windows-1252, a
    title line): names as "Nachname, Vorname", usage and salutation as codes, addresses as
    street with number."""

    def index(name: str) -> dict[tuple[str, ...], dict[str, str]]:
        spec = fmt.FILES_BY_NAME[name]
        return {tuple(row[k] for k in spec.key): row for row in _rows(v1, name)}

    mandanten = index("mandanten.csv")
    wes = index("wirtschaftseinheiten.csv")
    buildings = index("gebaeude.csv")
    units = index("einheiten.csv")
    tenants = index("mieter.csv")
    usage = {value: code for code, value in USAGE_CODES.items()}
    salutation = {value: code for code, value in SALUTATION_CODES.items()}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Mietvertragsbericht"])
    writer.writerow([])
    header = report_header()
    writer.writerow(header)
    for contract in _rows(v1, "mietvertraege.csv"):
        mandant, we, haus, einheit = (
            contract[k] for k in ("mandant_nr", "we_nr", "gebaeude_nr", "einheit_nr")
        )
        wirtschaftseinheit = wes[(mandant, we)]
        building = buildings[(mandant, we, haus)]
        unit = units[(mandant, we, haus, einheit)]
        values = {
            "Mandant": mandant,
            "Mandantenname": mandanten[(mandant,)]["name"],
            "Objekt-Nr": we,
            "Objektbezeichnung": wirtschaftseinheit["bezeichnung"],
            "Objektanschrift": _street(wirtschaftseinheit),
            "Objekt-PLZ": wirtschaftseinheit["plz"],
            "Objekt-Ort": wirtschaftseinheit["ort"],
            "Geb.-Nr.": haus,
            "Gebäudebezeichnung": building["bezeichnung"],
            "Anschrift": _street(building),
            "PLZ": building["plz"],
            "Ort": building["ort"],
            "Bj.": building["baujahr"],
            "ME-Nr.": einheit,
            "ME-Bezeichnung": unit["bezeichnung"],
            "Nutzung": usage[unit["nutzungsart"]],
            "Lage": unit["lage"],
            "Wfl. (m²)": unit["wohnflaeche"].replace(".", ","),
            "Zi.": unit["zimmer"].replace(".", ","),
            "Vertr.-Nr.": contract["vertrag_nr"],
            "Mietbeginn": _german_date(contract["beginn"]),
            "Mietende": _german_date(contract["ende"]),
        }
        persons = contract["person_nrs"].split(",")
        if len(persons) > REPORT_GROUPS:
            raise ValueError(f"Vertrag {contract['vertrag_nr']}: mehr als {REPORT_GROUPS} Mieter")
        for number, person_nr in enumerate(persons, start=1):
            person = tenants[(mandant, person_nr)]
            name = ", ".join(part for part in (person["nachname"], person["vorname"]) if part)
            prefix = f"Mieter{number}"
            values |= {
                f"{prefix}-Nr.": person_nr,
                f"{prefix}-Anrede": salutation.get(person["anrede"], ""),
                f"{prefix}-Titel": person["titel"],
                prefix: name,
                f"{prefix}-Firma": person["firma"],
                f"{prefix}-E-Mail": person["email"],
                f"{prefix}-Telefon": person["telefon"],
                f"{prefix}-Mobil": person["mobil"],
                f"{prefix}-Anschrift": _street(person),
                f"{prefix}-PLZ": person["plz"],
                f"{prefix}-Ort": person["ort"],
            }
        writer.writerow([values.get(column, "") for column in header])
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(REPORT_SOURCE, out.getvalue().encode("cp1252"))


EXAMPLE_UNITS = 20
EXAMPLE_SEED = 1


def write_examples(connector: ErpConnector, directory: Path = EXAMPLES_DIR) -> list[Path]:
    """Write every example (profile.json and sample.zip each) from ``connector``'s data."""

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        v1 = Path(scratch) / "v1"
        write_export(connector, v1)
        for profile, writer in (
            (csv_profile(), write_csv_sample),
            (xlsx_profile(), write_xlsx_sample),
            (flat_profile(), write_flat_sample),
            (person_contract_profile(), write_person_contract_sample),
            (contract_report_profile(), write_contract_report_sample),
        ):
            folder = directory / profile.name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "profile.json").write_text(profile.to_json() + "\n", encoding="utf-8")
            writer(v1, folder / "sample.zip")
            written += [folder / "profile.json", folder / "sample.zip"]
    return written


def example_profile(name: str) -> ImportProfile:
    text = (EXAMPLES_DIR / name / "profile.json").read_text(encoding="utf-8")
    return ImportProfile.from_dict(json.loads(text))


def example_sample(name: str) -> Path:
    return EXAMPLES_DIR / name / "sample.zip"
