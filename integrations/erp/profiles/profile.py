"""Import profiles: how a customer's own ERP export (CSV or XLSX, one file or sheet per entity)
maps onto the files and columns of ERP export v1.

A profile is plain data (JSON), kept versioned by the portal. For each file of export v1 it
names a source (a CSV file of the export, or a sheet of the XLSX workbook) and, for each column,
a rule: a source column, two or more columns joined, or a constant; plus transforms (trimming
always, a split into parts, a code table, a date format such as ``%d.%m.%Y``, a decimal comma).
Per file a row filter (conditions on source columns) and the header's line (else found below
title rows). One source feeding both person files or both contract files needs filters that
separate them; otherwise the profile is refused when saved.

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
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from integrations.erp.file import format as fmt

Format = Literal["csv", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "xlsx")
# Encodings a German ERP writes; "auto" takes UTF-8 when the start decodes as such, else cp1252.
ENCODINGS: tuple[str, ...] = ("auto", "utf-8", "cp1252", "iso-8859-15", "utf-16")
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
PERSON_FILES: tuple[str, ...] = ("mieter.csv", "eigentuemer.csv")


class ProfileError(Exception):
    """A profile that cannot be used; the message is German, for people."""


@dataclass(frozen=True, slots=True)
class Split:
    """One part of a value split at a separator: "Weiß, Jürgen" at "," into 2 parts, part 2 is
    "Jürgen". ``parts``: into how many parts the value is split (at most ``parts - 1``
    separators count, from the left or, with ``from_right``, from the right: "Am Markt 12a" at
    " " from the right into 2 parts gives "Am Markt" and "12a"). A value with fewer parts is a
    finding, unless ``whole_in_first``: then it is part 1 as a whole ("Rheinblick eG" as the
    name, no first name)."""

    separator: str
    part: int = 1
    parts: int = 2
    from_right: bool = False
    whole_in_first: bool = False

    def part_of(self, text: str) -> tuple[str, str | None]:
        pieces = (
            text.rsplit(self.separator, self.parts - 1)
            if self.from_right
            else text.split(self.separator, self.parts - 1)
        )
        if len(pieces) < self.parts:
            if self.whole_in_first:
                return (text if self.part == 1 else ""), None
            return "", (
                f"„{text}“ lässt sich nicht am Trennzeichen „{self.separator}“ in "
                f"{self.parts} Teile trennen."
            )
        return pieces[self.part - 1].strip(), None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"separator": self.separator, "part": self.part}
        if self.parts != 2:
            data["parts"] = self.parts
        if self.from_right:
            data["from_right"] = True
        if self.whole_in_first:
            data["whole_in_first"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Split:
        return cls(
            separator=str(data["separator"]),
            part=int(data.get("part", 1)),
            parts=int(data.get("parts", 2)),
            from_right=bool(data.get("from_right", False)),
            whole_in_first=bool(data.get("whole_in_first", False)),
        )

    def problems(self) -> list[str]:
        found = []
        if not self.separator:
            found.append("Das Trennzeichen fehlt.")
        if not 2 <= self.parts <= 20:
            found.append("Ein Wert lässt sich in 2 bis 20 Teile trennen.")
        elif not 1 <= self.part <= self.parts:
            found.append(f"Teil {self.part} gibt es bei {self.parts} Teilen nicht.")
        return found


FilterOp = Literal["equals", "one_of", "empty", "not_empty"]
FILTER_OPS: tuple[str, ...] = ("equals", "one_of", "empty", "not_empty")


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of a row filter on a source column (compared trimmed, without case)."""

    column: str
    op: str = "equals"
    values: tuple[str, ...] = ()
    # The values trimmed and case-folded, made once (a filter is checked on every row).
    folded: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded = frozenset(value.strip().casefold() for value in self.values)
        object.__setattr__(self, "folded", folded)

    def holds(self, row: dict[str, str]) -> bool:
        return self.holds_value(row.get(self.column, ""))

    def holds_value(self, value: str) -> bool:
        """Whether the condition holds for its column's value in a row."""
        value = value.strip()
        if self.op == "empty":
            return not value
        if self.op == "not_empty":
            return bool(value)
        return value.casefold() in self.folded

    def excludes(self, other: Condition) -> bool:
        """No value of the column satisfies both conditions."""
        if self.column != other.column:
            return False
        kinds = {self.op, other.op}
        if kinds == {"empty", "not_empty"}:
            return True
        if self.op in ("equals", "one_of") and other.op in ("equals", "one_of"):
            return not (self.folded & other.folded)
        if "empty" in kinds and kinds & {"equals", "one_of"}:
            listed = self if self.op in ("equals", "one_of") else other
            return "" not in listed.folded
        return False

    def describe(self) -> str:
        if self.op == "empty":
            return f"„{self.column}“ ist leer"
        if self.op == "not_empty":
            return f"„{self.column}“ ist nicht leer"
        shown = ", ".join(f"„{value}“" for value in self.values)
        if self.op == "equals":
            return f"„{self.column}“ = {shown}"
        return f"„{self.column}“ ist eines von {shown}"

    def to_dict(self) -> dict[str, Any]:
        if self.op in ("empty", "not_empty"):
            return {"column": self.column, self.op: True}
        if self.op == "equals":
            return {"column": self.column, "equals": self.values[0] if self.values else ""}
        return {"column": self.column, "one_of": list(self.values)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Condition:
        column = str(data["column"])
        if data.get("empty"):
            return cls(column, "empty")
        if data.get("not_empty"):
            return cls(column, "not_empty")
        if "one_of" in data:
            return cls(column, "one_of", tuple(str(value) for value in data["one_of"]))
        if "equals" in data:
            return cls(column, "equals", (str(data["equals"]),))
        raise ValueError(f"Bedingung ohne Vergleich für Spalte „{column}“")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one column of export v1 is filled from a row of the source."""

    column: str | None = None
    join: tuple[str, ...] = ()
    separator: str = " "
    constant: str | None = None
    date_format: str | None = None  # strptime format of the source, e.g. "%d.%m.%Y"
    decimal_comma: bool = False  # "1.234,5" -> "1234.5"
    split: Split | None = None  # one part of the value ("Nachname, Vorname")
    codes: dict[str, str] = field(default_factory=dict)  # code table: source value -> v1 value

    @property
    def source_columns(self) -> tuple[str, ...]:
        if self.constant is not None:
            return ()
        return self.join or ((self.column,) if self.column else ())

    def describe(self) -> str:
        """How the report names the source of this field."""
        if self.constant is not None:
            return f"(fest: {self.constant})"
        text = " + ".join(self.source_columns)
        if self.split is not None:
            text += f" (Teil {self.split.part})"
        return text

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
        if self.split is not None:
            data["split"] = self.split.to_dict()
        if self.codes:
            data["codes"] = dict(self.codes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldRule:
        split = data.get("split")
        return cls(
            column=data.get("column") or None,
            join=tuple(data.get("join") or ()),
            separator=str(data.get("separator", " ")),
            constant=data.get("constant"),
            date_format=data.get("date_format") or None,
            decimal_comma=bool(data.get("decimal_comma", False)),
            split=Split.from_dict(dict(split)) if split else None,
            codes={
                str(code).strip(): str(value)
                for code, value in dict(data.get("codes") or {}).items()
            },
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
    def plain_column(self) -> str | None:
        """The source column when the rule takes it as it is (no transform), else None."""
        if (
            self.column
            and self.constant is None
            and not self.join
            and self.split is None
            and not self.codes
            and not self.date_format
            and not self.decimal_comma
        ):
            return self.column
        return None

    @property
    def grouped(self) -> bool:
        return any("{n}" in name for name in self.source_columns)

    def value(self, row: dict[str, str]) -> str:
        """The v1 text of this field for a source row (values already trimmed)."""
        return self.produce(row)[0]

    def produce(self, row: dict[str, str]) -> tuple[str, str | None]:
        """The v1 text of this field for a source row, and what is wrong with the source value
        (German, None when nothing is): a value that does not split, a code the table lacks."""
        if self.constant is not None:
            return self.constant, None
        if self.join:
            text = self.separator.join(part for c in self.join if (part := row.get(c, "")))
        else:
            text = row.get(self.column or "", "")
        text = " ".join(text.split()) if ("\n" in text or "\r" in text) else text.strip()
        if not text:
            return "", None
        if self.split is not None:
            text, problem = self.split.part_of(text)
            if problem is not None:
                return "", problem
            if not text:
                return "", None
        if self.codes:
            coded = self.codes.get(text)
            if coded is None:
                coded = _casefolded(self.codes).get(text.casefold())
            if coded is None:
                known = ", ".join(f"„{code}“" for code in list(self.codes)[:8])
                return text, (
                    f"Der Code „{text}“ steht nicht in der Codetabelle des Importprofils "
                    f"(bekannt: {known})."
                )
            text = coded
            if not text:
                return "", None
        if self.date_format:
            try:
                parsed = datetime.strptime(text, self.date_format)  # noqa: DTZ007 - a date
                return parsed.date().isoformat(), None
            except ValueError:
                return text, None  # left as it is: the check reports it, in the source's terms
        if self.decimal_comma:
            candidate = text.replace(".", "").replace(",", ".")
            try:
                Decimal(candidate)
            except InvalidOperation:
                return text, None
            return candidate, None
        return text, None


def unique_headers(cells: list[str]) -> list[str]:
    """A header's column names, stripped; a name the header repeats is numbered from its second
    occurrence on ("Straße", …, "Straße (2)"), so that each column is chosen by a name of its
    own (a flat report names the tenant's street and the building's alike). A number never
    takes a name the header has itself."""
    names = [cell.strip() for cell in cells]
    taken = set(names)
    counts: dict[str, int] = {}
    unique: list[str] = []
    for name in names:
        counts[name] = counts.get(name, 0) + 1
        if not name or counts[name] == 1:
            unique.append(name)
            continue
        numbered = f"{name} ({counts[name]})"
        while numbered in taken:
            counts[name] += 1
            numbered = f"{name} ({counts[name]})"
        taken.add(numbered)
        unique.append(numbered)
    return unique


def _casefolded(codes: dict[str, str]) -> dict[str, str]:
    return {code.casefold(): value for code, value in codes.items()}


@dataclass(frozen=True, slots=True)
class EntityMapping:
    """One file of export v1 from one source: a CSV file of the export or a sheet.

    ``distinct``: one row per key of the v1 file (flat reports repeat a building on every
    contract row); ``groups``: up to this many numbered column groups per source row ("{n}" in
    the column names, 1, 2, ...); ``empty``: the export does not carry this entity.
    ``filter``: only the source rows for which every condition holds (one person list with a
    role column feeds tenants and owners). ``header_row``: the physical line of the header
    (None: found, the first row that carries the mapped columns, below title rows).
    """

    source: str = ""
    fields: dict[str, FieldRule] = field(default_factory=dict)
    distinct: bool = False
    groups: int = 0
    empty: bool = False
    filter: tuple[Condition, ...] = ()
    header_row: int | None = None

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
        if self.filter:
            data["filter"] = [condition.to_dict() for condition in self.filter]
        if self.header_row is not None:
            data["header_row"] = self.header_row
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityMapping:
        if data.get("empty"):
            return cls(empty=True)
        conditions = data.get("filter") or []
        if isinstance(conditions, dict):
            conditions = [conditions]
        header_row = data.get("header_row")
        return cls(
            source=str(data["source"]),
            fields={name: FieldRule.from_dict(rule) for name, rule in dict(data["fields"]).items()},
            distinct=bool(data.get("distinct", False)),
            groups=int(data.get("groups") or 0),
            filter=tuple(Condition.from_dict(dict(c)) for c in conditions),
            header_row=int(header_row) if header_row not in (None, "", "auto") else None,
        )

    def keeps(self, row: dict[str, str]) -> bool:
        """Whether a source row passes the filter."""
        return all(condition.holds(row) for condition in self.filter)

    def separated_from(self, other: EntityMapping) -> bool:
        """Whether no source row can feed both mappings: their filters exclude each other."""
        return any(mine.excludes(theirs) for mine in self.filter for theirs in other.filter)

    def key_columns(self, name: str) -> tuple[str, ...]:
        """The source columns of the key field of a person or contract file."""
        key = "person_nr" if name in PERSON_FILES else "vertrag_nr"
        rule = self.fields.get(key)
        return rule.source_columns if rule is not None else ()


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

    def sources(self) -> frozenset[str]:
        """The files of the export the profile reads (for XLSX: the workbook)."""
        if self.format == "xlsx":
            return frozenset({self.workbook} if self.workbook else ())
        return frozenset(m.source for m in self.entities.values() if not m.empty and m.source)

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
            for field_name, rule in mapping.fields.items():
                if rule.split is not None:
                    found += [f"{name}, Feld {field_name}: {p}" for p in rule.split.problems()]
            if mapping.header_row is not None and not 1 <= mapping.header_row <= 1000:
                found.append(f"{name}: Die Kopfzeile muss in Zeile 1 bis 1000 stehen.")
        found += self._unseparated()
        return found

    def _unseparated(self) -> list[str]:
        """Two files of one kind (persons, contracts) fed by the same rows of one source."""
        found: list[str] = []
        for first, second, kind in (
            (fmt.MIETER.name, fmt.EIGENTUEMER.name, "Personen"),
            (fmt.MIETVERTRAEGE.name, fmt.EIGENTUEMERVERTRAEGE.name, "Verträge"),
        ):
            one, other = self.entities.get(first), self.entities.get(second)
            if one is None or other is None or one.empty or other.empty:
                continue
            if one.source != other.source or one.separated_from(other):
                continue
            if one.key_columns(first) != other.key_columns(second):
                continue  # other columns: "Mieter{n}_Nr" and "Eigentümer{n}_Nr"
            found.append(
                f"{first} und {second} lesen dieselben {kind} aus „{one.source}“: Ohne einen "
                "Zeilenfilter, der beide trennt (z. B. Spalte „Rolle“ = „Mieter“ bzw. "
                "„Eigentümer“), würde jede Zeile zu beidem. Bitte legen Sie für beide Dateien "
                "einen Zeilenfilter an."
            )
        return found
