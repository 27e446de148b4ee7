"""ERP export v1 (docs/erp-export-v1.md): its files, columns, value types and keys.

One table describes the format; the validator, the reader and the writer all work from it.
Column names equal the field names of the canonical records, so a row and a record map onto
each other by name.
"""

from __future__ import annotations

import enum
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.erp.records import (
    Anrede,
    Dokument,
    Einheit,
    Gebaeude,
    Mandant,
    NaturalKey,
    Nutzungsart,
    Ordner,
    Person,
    PersonRolle,
    Record,
    Vertrag,
    VertragsArt,
    Wirtschaftseinheit,
)
from integrations.usecases import UseCase

DELIMITER = ";"
QUOTECHAR = '"'
DOCUMENTS_FOLDER = "dokumente"


class Kind(enum.Enum):
    TEXT = "text"
    DATE = "date"
    DECIMAL = "decimal"
    YEAR = "year"
    NUTZUNGSART = "nutzungsart"
    ANREDE = "anrede"
    FLAG = "flag"
    PERSON_NRS = "person_nrs"
    PATH = "path"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False


def _req(name: str, kind: Kind = Kind.TEXT) -> Column:
    return Column(name, kind, required=True)


def _opt(name: str, kind: Kind = Kind.TEXT) -> Column:
    return Column(name, kind)


@dataclass(frozen=True, slots=True)
class FileSpec:
    name: str  # "einheiten.csv"
    entity: str  # first element of the records' natural key, e.g. "einheit"
    record_type: type[Record]
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the columns that identify a row within the file
    rolle: PersonRolle | None = None
    art: VertragsArt | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def natural_key(self, values: Mapping[str, str | None]) -> NaturalKey:
        """The record's natural key (as records.py builds it) from a row's raw values."""
        parts = tuple(values.get(name) or "" for name in self.key)
        if self.art is not None:
            return (self.entity, parts[0], self.art.value, *parts[1:])
        return (self.entity, *parts)


_PERSON_COLUMNS = (
    _req("mandant_nr"),
    _req("person_nr"),
    _opt("anrede", Kind.ANREDE),
    _opt("titel"),
    _opt("vorname"),
    _opt("nachname"),
    _opt("firma"),
    _opt("email"),
    _opt("telefon"),
    _opt("mobil"),
    _opt("strasse"),
    _opt("hausnummer"),
    _opt("plz"),
    _opt("ort"),
)
_CONTRACT_COLUMNS = (
    _req("mandant_nr"),
    _req("vertrag_nr"),
    _req("we_nr"),
    _req("gebaeude_nr"),
    _req("einheit_nr"),
    _req("person_nrs", Kind.PERSON_NRS),
    _req("beginn", Kind.DATE),
    _opt("ende", Kind.DATE),
)

MANDANTEN = FileSpec(
    "mandanten.csv", "mandant", Mandant, (_req("mandant_nr"), _req("name")), ("mandant_nr",)
)
WIRTSCHAFTSEINHEITEN = FileSpec(
    "wirtschaftseinheiten.csv",
    "we",
    Wirtschaftseinheit,
    (
        _req("mandant_nr"),
        _req("we_nr"),
        _req("bezeichnung"),
        _opt("strasse"),
        _opt("hausnummer"),
        _opt("plz"),
        _opt("ort"),
    ),
    ("mandant_nr", "we_nr"),
)
GEBAEUDE = FileSpec(
    "gebaeude.csv",
    "gebaeude",
    Gebaeude,
    (
        _req("mandant_nr"),
        _req("we_nr"),
        _req("gebaeude_nr"),
        _opt("bezeichnung"),
        _req("strasse"),
        _req("hausnummer"),
        _req("plz"),
        _req("ort"),
        _opt("baujahr", Kind.YEAR),
    ),
    ("mandant_nr", "we_nr", "gebaeude_nr"),
)
EINHEITEN = FileSpec(
    "einheiten.csv",
    "einheit",
    Einheit,
    (
        _req("mandant_nr"),
        _req("we_nr"),
        _req("gebaeude_nr"),
        _req("einheit_nr"),
        _opt("bezeichnung"),
        _req("nutzungsart", Kind.NUTZUNGSART),
        _opt("lage"),
        _opt("wohnflaeche", Kind.DECIMAL),
        _opt("zimmer", Kind.DECIMAL),
    ),
    ("mandant_nr", "we_nr", "gebaeude_nr", "einheit_nr"),
)
MIETER = FileSpec(
    "mieter.csv",
    "person",
    Person,
    _PERSON_COLUMNS,
    ("mandant_nr", "person_nr"),
    rolle=PersonRolle.MIETER,
)
EIGENTUEMER = FileSpec(
    "eigentuemer.csv",
    "person",
    Person,
    _PERSON_COLUMNS,
    ("mandant_nr", "person_nr"),
    rolle=PersonRolle.EIGENTUEMER,
)
MIETVERTRAEGE = FileSpec(
    "mietvertraege.csv",
    "vertrag",
    Vertrag,
    _CONTRACT_COLUMNS,
    ("mandant_nr", "vertrag_nr"),
    art=VertragsArt.MIETVERTRAG,
)
EIGENTUEMERVERTRAEGE = FileSpec(
    "eigentuemervertraege.csv",
    "vertrag",
    Vertrag,
    _CONTRACT_COLUMNS,
    ("mandant_nr", "vertrag_nr"),
    art=VertragsArt.EIGENTUEMERVERTRAG,
)
ORDNER = FileSpec(
    "ordner.csv",
    "ordner",
    Ordner,
    (_req("mandant_nr"), _req("ordner_id"), _opt("parent_id"), _req("name")),
    ("mandant_nr", "ordner_id"),
)
DOKUMENTE = FileSpec(
    "dokumente.csv",
    "dokument",
    Dokument,
    (
        _req("mandant_nr"),
        _req("dokument_id"),
        _req("ordner_id"),
        _req("titel"),
        _req("datei", Kind.PATH),
        _opt("dateiname"),
        _opt("mime_type"),
        _opt("datum", Kind.DATE),
        _opt("archiv"),
        _opt("bemerkung"),
        _opt("freigegeben", Kind.FLAG),
        _opt("we_nr"),
        _opt("gebaeude_nr"),
        _opt("einheit_nr"),
        _opt("vertrag_nr"),
        _opt("person_nr"),
    ),
    ("mandant_nr", "dokument_id"),
)

# Every file, in the order a reader needs them (dependencies first).
FILES = (
    MANDANTEN,
    WIRTSCHAFTSEINHEITEN,
    GEBAEUDE,
    EINHEITEN,
    MIETER,
    EIGENTUEMER,
    MIETVERTRAEGE,
    EIGENTUEMERVERTRAEGE,
    ORDNER,
    DOKUMENTE,
)
FILES_BY_NAME = {spec.name: spec for spec in FILES}
# The files each use case needs; mandanten.csv is needed by both.
USE_CASE_FILES: dict[UseCase, tuple[FileSpec, ...]] = {
    UseCase.STAMMDATEN: FILES[:8],
    UseCase.DOKUMENTE: (MANDANTEN, ORDNER, DOKUMENTE),
}


def spec_for(record: Record) -> FileSpec:
    """The file a record is written to."""
    if isinstance(record, Person):
        return MIETER if record.rolle is PersonRolle.MIETER else EIGENTUEMER
    if isinstance(record, Vertrag):
        return MIETVERTRAEGE if record.art is VertragsArt.MIETVERTRAG else EIGENTUEMERVERTRAEGE
    for spec in FILES:
        if isinstance(record, spec.record_type):
            return spec
    raise TypeError(f"no export file for {type(record).__name__}")


# --- values --------------------------------------------------------------------------------


class ValueProblem(ValueError):
    """A field whose text is not a value of its column's type; ``message`` is German."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_YEAR = re.compile(r"^\d{4}$")
NUTZUNGSARTEN = tuple(member.value for member in Nutzungsart)
ANREDEN = tuple(member.value for member in Anrede)


def parse_value(kind: Kind, text: str) -> Any:
    """Turn a field's (trimmed, non-empty) text into its value, or raise ``ValueProblem``."""
    if kind is Kind.TEXT:
        return text
    if kind is Kind.DATE:
        return _parse_date(text)
    if kind is Kind.DECIMAL:
        if not _DECIMAL.match(text):
            raise ValueProblem("invalid_number", f"„{text}“ ist keine Zahl.")
        try:
            return Decimal(text.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise ValueProblem("invalid_number", f"„{text}“ ist keine Zahl.") from None
    if kind is Kind.YEAR:
        if not _YEAR.match(text):
            raise ValueProblem("invalid_number", f"„{text}“ ist keine Jahreszahl.")
        return int(text)
    if kind is Kind.NUTZUNGSART:
        if text not in NUTZUNGSARTEN:
            raise ValueProblem(
                "invalid_value",
                f"„{text}“ ist keine erlaubte Nutzungsart; erlaubt sind "
                f"{', '.join(NUTZUNGSARTEN[:-1])} und {NUTZUNGSARTEN[-1]}.",
            )
        return Nutzungsart(text)
    if kind is Kind.ANREDE:
        if text not in ANREDEN:
            raise ValueProblem(
                "invalid_value",
                f"„{text}“ ist keine erlaubte Anrede; erlaubt sind "
                f"{', '.join(ANREDEN)} oder ein leeres Feld.",
            )
        return Anrede(text)
    if kind is Kind.FLAG:
        if text not in ("1", "0"):
            raise ValueProblem(
                "invalid_value", f"„{text}“ ist kein erlaubter Wert; erlaubt sind 1 und 0."
            )
        return text == "1"
    if kind is Kind.PERSON_NRS:
        numbers = tuple(part.strip() for part in text.split(","))
        if not all(numbers):
            raise ValueProblem(
                "invalid_value",
                f"„{text}“ ist keine Liste von Personennummern; "
                "die Nummern werden durch Kommas getrennt, keine darf leer sein.",
            )
        return numbers
    if kind is Kind.PATH:
        if not is_safe_path(text):
            raise ValueProblem(
                "invalid_path",
                f"„{text}“ ist kein Pfad innerhalb des Exports; "
                "erlaubt sind relative Pfade mit „/“ als Trennzeichen.",
            )
        return text
    raise AssertionError(kind)  # pragma: no cover


def _parse_date(text: str) -> date:
    problem = ValueProblem("invalid_date", f"„{text}“ ist kein Datum im Format JJJJ-MM-TT.")
    if not _DATE.match(text):
        raise problem
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise problem from None


def is_safe_path(path: str) -> bool:
    """A relative path inside the export: "/" separated, no "..", no drive, no backslash."""
    if not path or path.startswith("/") or "\\" in path or ":" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def format_value(kind: Kind, value: Any) -> str:
    """The field text of a value, as the writer puts it into the CSV."""
    if value is None:
        return ""
    if kind is Kind.DATE:
        return str(value.isoformat())
    if kind is Kind.DECIMAL:
        # German ERPs write a decimal comma; the format allows both marks.
        return format(value, "f").replace(".", ",")
    if kind is Kind.FLAG:
        return "1" if value else "0"
    if kind is Kind.PERSON_NRS:
        return ",".join(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def default_filename(datei: str) -> str:
    return posixpath.basename(datei)
