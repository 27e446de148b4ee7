"""Import profiles: how a customer's own ERP export (CSV or XLSX, one file or sheet per entity)
maps onto the files and columns of ERP export v1.

A profile is plain data (JSON), kept versioned by the portal. For each file of export v1 it
names a source (a CSV file of the export, or a sheet of the XLSX workbook) and, for each column,
a rule: a source column, two or more columns joined, or a constant; plus transforms (trimming
always, a date format such as ``%d.%m.%Y``, a decimal comma).

Flat reports (one row per contract carrying the WE, building, unit and tenant columns) are read
by several mappings over the same source: ``distinct`` derives each entity once per key (a
repeated row with the same values is skipped; a repeated key with other values is passed on, so
the check reports the duplicate with both lines), ``groups`` reads numbered column groups such
as ``Mieter1_Name``, ``Mieter2_Name`` (a column name with ``{n}``; a group whose columns are all
empty gives no row), and ``empty`` declares an entity the export does not carry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from integrations.erp.file import format as fmt

Format = Literal["csv", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "xlsx")
# Encodings a German ERP writes; "auto" takes UTF-8 when the start decodes as such, else cp1252.
ENCODINGS: tuple[str, ...] = ("auto", "utf-8", "cp1252", "iso-8859-15", "utf-16")
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")


class ProfileError(Exception):
    """A profile that cannot be used; the message is German, for people."""


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one column of export v1 is filled from a row of the source."""

    column: str | None = None
    join: tuple[str, ...] = ()
    separator: str = " "
    constant: str | None = None
    date_format: str | None = None  # strptime format of the source, e.g. "%d.%m.%Y"
    decimal_comma: bool = False  # "1.234,5" -> "1234.5"

    @property
    def source_columns(self) -> tuple[str, ...]:
        if self.constant is not None:
            return ()
        return self.join or ((self.column,) if self.column else ())

    def describe(self) -> str:
        """How the report names the source of this field."""
        if self.constant is not None:
            return f"(fest: {self.constant})"
        return " + ".join(self.source_columns)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.column:
            data["column"] = self.column
        if self.join:
            data["join"] = list(self.join)
            data["separator"] = self.separator
        if self.constant is not None:
            data["constant"] = self.constant
        if self.date_format:
            data["date_format"] = self.date_format
        if self.decimal_comma:
            data["decimal_comma"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldRule:
        return cls(
            column=data.get("column") or None,
            join=tuple(data.get("join") or ()),
            separator=str(data.get("separator", " ")),
            constant=data.get("constant"),
            date_format=data.get("date_format") or None,
            decimal_comma=bool(data.get("decimal_comma", False)),
        )

    def for_group(self, number: int) -> FieldRule:
        """This rule for numbered column group ``number`` ("{n}" in a column name)."""
        if self.constant is not None:
            return self
        return replace(
            self,
            column=self.column.replace("{n}", str(number)) if self.column else None,
            join=tuple(name.replace("{n}", str(number)) for name in self.join),
        )

    @property
    def grouped(self) -> bool:
        return any("{n}" in name for name in self.source_columns)

    def value(self, row: dict[str, str]) -> str:
        """The v1 text of this field for a source row (values already trimmed)."""
        if self.constant is not None:
            return self.constant
        if self.join:
            text = self.separator.join(part for c in self.join if (part := row.get(c, "")))
        else:
            text = row.get(self.column or "", "")
        text = " ".join(text.split()) if ("\n" in text or "\r" in text) else text.strip()
        if not text:
            return ""
        if self.date_format:
            try:
                parsed = datetime.strptime(text, self.date_format)  # noqa: DTZ007 - a date
                return parsed.date().isoformat()
            except ValueError:
                return text  # left as it is: the check reports it, in the source's terms
        if self.decimal_comma:
            candidate = text.replace(".", "").replace(",", ".")
            try:
                Decimal(candidate)
            except InvalidOperation:
                return text
            return candidate
        return text


@dataclass(frozen=True, slots=True)
class EntityMapping:
    """One file of export v1 from one source: a CSV file of the export or a sheet.

    ``distinct``: one row per key of the v1 file (flat reports repeat a building on every
    contract row); ``groups``: up to this many numbered column groups per source row ("{n}" in
    the column names, 1, 2, ...); ``empty``: the export does not carry this entity.
    """

    source: str = ""
    fields: dict[str, FieldRule] = field(default_factory=dict)
    distinct: bool = False
    groups: int = 0
    empty: bool = False

    def to_dict(self) -> dict[str, Any]:
        if self.empty:
            return {"empty": True}
        data: dict[str, Any] = {
            "source": self.source,
            "fields": {name: rule.to_dict() for name, rule in self.fields.items()},
        }
        if self.distinct:
            data["distinct"] = True
        if self.groups:
            data["groups"] = self.groups
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityMapping:
        if data.get("empty"):
            return cls(empty=True)
        return cls(
            source=str(data["source"]),
            fields={name: FieldRule.from_dict(rule) for name, rule in dict(data["fields"]).items()},
            distinct=bool(data.get("distinct", False)),
            groups=int(data.get("groups") or 0),
        )


@dataclass(frozen=True, slots=True)
class ImportProfile:
    name: str
    format: str = "csv"
    delimiter: str | None = None  # None: detected per file
    encoding: str = "auto"
    workbook: str | None = None  # XLSX: the workbook's name in the export (None: the only one)
    entities: dict[str, EntityMapping] = field(default_factory=dict)  # v1 file name -> mapping
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "delimiter": self.delimiter,
            "encoding": self.encoding,
            "workbook": self.workbook,
            "entities": {name: mapping.to_dict() for name, mapping in self.entities.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, version: int = 1) -> ImportProfile:
        try:
            profile = cls(
                name=str(data["name"]),
                format=str(data.get("format", "csv")),
                delimiter=data.get("delimiter") or None,
                encoding=str(data.get("encoding") or "auto"),
                workbook=data.get("workbook") or None,
                entities={
                    name: EntityMapping.from_dict(mapping)
                    for name, mapping in dict(data["entities"]).items()
                },
                version=version,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProfileError(f"Das Importprofil ist unvollständig: {exc}") from exc
        problems = profile.problems()
        if problems:
            raise ProfileError(" ".join(problems))
        return profile

    @classmethod
    def from_json(cls, text: str, *, version: int = 1) -> ImportProfile:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProfileError(f"Das Importprofil ist kein gültiges JSON: {exc.msg}.") from exc
        if not isinstance(data, dict):
            raise ProfileError("Das Importprofil muss ein JSON-Objekt sein.")
        return cls.from_dict(data, version=version)

    def problems(self) -> list[str]:
        """What makes the profile unusable (German), checked when it is saved."""
        found: list[str] = []
        if self.format not in FORMATS:
            found.append(f"Unbekanntes Format „{self.format}“; erlaubt sind csv und xlsx.")
        if self.encoding not in ENCODINGS:
            found.append(f"Unbekannte Zeichenkodierung „{self.encoding}“.")
        if self.delimiter is not None and self.delimiter not in DELIMITERS:
            found.append(f"Unbekanntes Trennzeichen „{self.delimiter}“.")
        if fmt.MANDANTEN.name not in self.entities:
            found.append("Das Profil braucht eine Zuordnung für mandanten.csv.")
        for name, mapping in self.entities.items():
            spec = fmt.FILES_BY_NAME.get(name)
            if spec is None:
                found.append(f"„{name}“ ist keine Datei des ERP-Exports v1.")
                continue
            if mapping.empty:
                continue
            if not mapping.source.strip():
                found.append(f"{name}: Die Quelle (Datei oder Tabellenblatt) fehlt.")
            grouped = any(rule.grouped for rule in mapping.fields.values())
            if mapping.groups < 0 or mapping.groups > 99:
                found.append(f"{name}: Die Zahl der Spaltengruppen muss zwischen 1 und 99 liegen.")
            elif mapping.groups and not grouped:
                found.append(
                    f"{name}: Spaltengruppen brauchen Spaltennamen mit {{n}}, "
                    "z. B. „Mieter{n}_Name“."
                )
            elif grouped and not mapping.groups:
                found.append(
                    f"{name}: Spaltennamen mit {{n}} brauchen eine Zahl von Spaltengruppen."
                )
            for column in spec.columns:
                rule = mapping.fields.get(column.name)
                if column.required and (rule is None or not (rule.source_columns or rule.constant)):
                    found.append(f"{name}: Das Pflichtfeld „{column.name}“ ist nicht zugeordnet.")
            for extra in set(mapping.fields) - set(spec.column_names):
                found.append(f"{name}: „{extra}“ ist kein Feld dieser Datei.")
        return found


def cell_text(value: object) -> str:
    """An XLSX cell as text: dates as JJJJ-MM-TT, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
