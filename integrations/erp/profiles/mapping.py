"""The mapping screen's model: a profile as a form of selects (pure: no models, no requests).

Per file of export v1 (Stammdaten) the form holds the source (a file or sheet of the sample, or
none: the file is declared empty), a row filter (one condition; more are kept from the JSON),
and per field a column of that source, an optional second column joined to it, a constant, and
a transform; a split or code table set in the JSON is kept. For the whole profile it holds the
encoding and delimiter of CSV files. A suggestion shows its confidence per field. ``blocks``
turns a profile draft and the sample's columns into what the page shows;
``profile_from_form`` turns the posted form back into a profile definition, with a German
message per field that is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.erp.file import format as fmt
from integrations.erp.profiles.examples import STAMMDATEN_FILES
from integrations.erp.profiles.profile import DELIMITERS, ENCODINGS, FILTER_OPS
from integrations.erp.profiles.suggest import group_patterns, suggest_scored

# Transform choices: value -> label (German, translated where the page shows it).
DATE_TRANSFORMS: dict[str, Any] = {
    "%d.%m.%Y": gettext_lazy("Datum TT.MM.JJJJ"),
    "%d.%m.%y": gettext_lazy("Datum TT.MM.JJ"),
    "%Y%m%d": gettext_lazy("Datum JJJJMMTT"),
    "%d/%m/%Y": gettext_lazy("Datum TT/MM/JJJJ"),
}
DECIMAL_COMMA = "decimal_comma"
ENCODING_LABELS: dict[str, Any] = {
    "auto": gettext_lazy("automatisch (UTF-8, sonst Windows-1252)"),
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252 (ANSI)",
    "iso-8859-15": "ISO-8859-15",
    "utf-16": "UTF-16",
}
DELIMITER_LABELS: dict[str, Any] = {
    "": gettext_lazy("automatisch"),
    ";": gettext_lazy("Semikolon (;)"),
    ",": gettext_lazy("Komma (,)"),
    "\t": gettext_lazy("Tabulator"),
    "|": gettext_lazy("senkrechter Strich (|)"),
}
FILTER_LABELS: dict[str, Any] = {
    "equals": gettext_lazy("ist gleich"),
    "one_of": gettext_lazy("ist eines von (durch Komma getrennt)"),
    "empty": gettext_lazy("ist leer"),
    "not_empty": gettext_lazy("ist nicht leer"),
}


@dataclass
class FormSettings:
    """What the mapping form sets for the whole profile: encoding and delimiter of CSV files."""

    encoding: str = "auto"
    delimiter: str = ""
    encodings: list[tuple[str, str]] = field(default_factory=list)
    delimiters: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.encodings = [(value, str(ENCODING_LABELS[value])) for value in ENCODINGS]
        self.delimiters = [(value, str(DELIMITER_LABELS[value])) for value in ("", *DELIMITERS)]


def settings_from_definition(definition: Mapping[str, Any]) -> FormSettings:
    encoding = str(definition.get("encoding") or "auto")
    delimiter = str(definition.get("delimiter") or "")
    return FormSettings(
        encoding=encoding if encoding in ENCODINGS else "auto",
        delimiter=delimiter if delimiter in DELIMITERS else "",
    )


def settings_from_form(data: Mapping[str, str]) -> FormSettings:
    return settings_from_definition(
        {"encoding": data.get("encoding", ""), "delimiter": data.get("delimiter", "")}
    )


def form_key(file_name: str) -> str:
    """The form's name of a v1 file: ``einheiten.csv`` -> ``einheiten``."""
    return file_name.removesuffix(".csv")


@dataclass
class FieldRow:
    name: str
    required: bool
    kind: str
    column: str = ""
    join: str = ""
    constant: str = ""
    transform: str = ""
    error: str = ""
    transforms: list[tuple[str, str]] = field(default_factory=list)
    confidence: float | None = None  # how sure the suggestion is (0..1), None: not suggested
    # Rules the form has no controls for (split, code table), kept as they were (JSON).
    extra: str = ""

    @property
    def confidence_percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)


@dataclass
class EntityBlock:
    file: str
    key: str
    source: str
    sources: list[str]
    columns: list[str]
    fields: list[FieldRow]
    distinct: bool = False
    groups: int = 0
    error: str = ""
    # Numbered column groups of the source: "Mieter{n}_Name" -> [Mieter1_Name, Mieter2_Name].
    patterns: dict[str, list[str]] = field(default_factory=dict)
    # Row filter: one condition on the form; further conditions and the header row kept (JSON).
    filter_column: str = ""
    filter_op: str = "equals"
    filter_value: str = ""
    extra: str = ""
    filter_ops: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.filter_ops = [(op, str(FILTER_LABELS[op])) for op in FILTER_OPS]


_FIELD_EXTRAS = ("split", "codes")


def _field_extra(rule: Mapping[str, Any]) -> str:
    kept = {key: rule[key] for key in _FIELD_EXTRAS if rule.get(key)}
    return json.dumps(kept, ensure_ascii=False) if kept else ""


def _loads(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _filter_fields(mapping: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """The first filter condition as the form shows it, and the rest (and the header row)."""
    conditions = list(mapping.get("filter") or [])
    column = op = value = ""
    if conditions and isinstance(conditions[0], dict):
        first = conditions.pop(0)
        column = str(first.get("column") or "")
        if first.get("empty"):
            op = "empty"
        elif first.get("not_empty"):
            op = "not_empty"
        elif "one_of" in first:
            op, value = "one_of", ", ".join(str(v) for v in first["one_of"])
        else:
            op, value = "equals", str(first.get("equals") or "")
    kept: dict[str, Any] = {}
    if conditions:
        kept["filter"] = conditions
    if mapping.get("header_row"):
        kept["header_row"] = mapping["header_row"]
    return column, op or "equals", value, json.dumps(kept, ensure_ascii=False) if kept else ""


def _columns(
    sources: Mapping[str, list[str]], source: str
) -> tuple[list[str], dict[str, list[str]]]:
    """A source's columns as the selects offer them (numbered groups also as one pattern)."""
    headers = list(sources.get(source, []))
    patterns = group_patterns(headers)
    return headers + list(patterns), patterns


def _transforms(kind: fmt.Kind) -> list[tuple[str, str]]:
    if kind is fmt.Kind.DATE:
        return [(value, str(label)) for value, label in DATE_TRANSFORMS.items()]
    if kind is fmt.Kind.DECIMAL:
        return [(DECIMAL_COMMA, str(gettext_lazy("Dezimalkomma (1.234,5)")))]
    return []


def blocks_from_definition(
    definition: Mapping[str, Any],
    sources: Mapping[str, list[str]],
    confidence: Mapping[str, Mapping[str, float]] | None = None,
) -> list[EntityBlock]:
    """The form's initial state from a profile definition (a draft or a saved profile), with
    the suggestion's confidence per field where it is a draft."""
    entities: Mapping[str, Any] = definition.get("entities") or {}
    blocks: list[EntityBlock] = []
    for file_name in STAMMDATEN_FILES:
        spec = fmt.FILES_BY_NAME[file_name]
        mapping = entities.get(file_name) or {}
        source = "" if mapping.get("empty") else str(mapping.get("source") or "")
        if source not in sources:
            source = ""
        rules: Mapping[str, Any] = mapping.get("fields") or {}
        columns, patterns = _columns(sources, source)
        rows: list[FieldRow] = []
        for column in spec.columns:
            rule = rules.get(column.name) or {}
            join = list(rule.get("join") or [])
            for pattern, numbered in patterns.items():
                if len(join) > 2 and join == numbered[: len(join)]:
                    rule, join = {**rule, "column": pattern}, []  # every group, joined
            transform = ""
            if rule.get("date_format"):
                transform = str(rule["date_format"])
            elif rule.get("decimal_comma"):
                transform = DECIMAL_COMMA
            rows.append(
                FieldRow(
                    name=column.name,
                    required=column.required,
                    kind=column.kind.value,
                    column=str(rule.get("column") or (join[0] if join else "")),
                    join=str(join[1]) if len(join) > 1 else "",
                    constant=str(rule.get("constant") or ""),
                    transform=transform,
                    transforms=_transforms(column.kind),
                    confidence=((confidence or {}).get(file_name) or {}).get(column.name),
                    extra=_field_extra(rule),
                )
            )
        filter_column, filter_op, filter_value, extra = _filter_fields(mapping)
        blocks.append(
            EntityBlock(
                file=file_name,
                key=form_key(file_name),
                source=source,
                sources=list(sources),
                columns=columns,
                fields=rows,
                distinct=bool(mapping.get("distinct")),
                groups=int(mapping.get("groups") or 0),
                patterns=patterns,
                filter_column=filter_column,
                filter_op=filter_op,
                filter_value=filter_value,
                extra=extra,
            )
        )
    return blocks


def blocks_from_form(
    data: Mapping[str, str], sources: Mapping[str, list[str]]
) -> list[EntityBlock]:
    """The form's state as posted (unknown sources are dropped)."""
    blocks: list[EntityBlock] = []
    for file_name in STAMMDATEN_FILES:
        spec = fmt.FILES_BY_NAME[file_name]
        key = form_key(file_name)
        source = data.get(f"source-{key}", "")
        if source not in sources:
            source = ""
        columns, patterns = _columns(sources, source)
        groups_text = data.get(f"groups-{key}", "").strip() or "0"
        groups = int(groups_text) if groups_text.isdigit() else -1
        if source and data.get(f"shown-source-{key}", "") != source:
            # A source chosen since the page was shown: its columns suggested by name.
            suggested = suggest_scored(file_name, sources[source])
            rows = [
                FieldRow(
                    name=column.name,
                    required=column.required,
                    kind=column.kind.value,
                    column=suggested[column.name][0] if column.name in suggested else "",
                    transforms=_transforms(column.kind),
                    confidence=suggested[column.name][1] if column.name in suggested else None,
                )
                for column in spec.columns
            ]
            groups = max(groups, 0)
        else:
            rows = [
                FieldRow(
                    name=column.name,
                    required=column.required,
                    kind=column.kind.value,
                    column=data.get(f"col-{key}-{column.name}", "").strip(),
                    join=data.get(f"join-{key}-{column.name}", "").strip(),
                    constant=data.get(f"const-{key}-{column.name}", "").strip(),
                    transform=data.get(f"transform-{key}-{column.name}", ""),
                    transforms=_transforms(column.kind),
                    extra=data.get(f"extra-{key}-{column.name}", ""),
                )
                for column in spec.columns
            ]
        blocks.append(
            EntityBlock(
                file=file_name,
                key=key,
                source=source,
                sources=list(sources),
                columns=columns,
                fields=rows,
                distinct=data.get(f"distinct-{key}") == "1",
                groups=groups,
                patterns=patterns,
                filter_column=data.get(f"filter-col-{key}", "").strip(),
                filter_op=data.get(f"filter-op-{key}", "equals"),
                filter_value=data.get(f"filter-value-{key}", "").strip(),
                extra=data.get(f"extra-{key}", ""),
            )
        )
    return blocks


def profile_from_blocks(
    blocks: list[EntityBlock],
    *,
    name: str,
    kind: str,
    workbook: str | None,
    settings: FormSettings | None = None,
) -> tuple[dict[str, Any], bool]:
    """The profile definition of the form, and whether it is complete. Sets a German message
    on every field (and file) that is wrong: a required field without a column or constant, a
    column the chosen source does not have, a transform the field does not take."""
    entities: dict[str, Any] = {}
    complete = True
    for block in blocks:
        if not block.source:
            if block.file == fmt.MANDANTEN.name:
                block.error = _("Bitte wählen Sie die Quelle der Mandanten.")
                complete = False
            entities[block.file] = {"empty": True}
            continue
        if not 0 <= block.groups <= 99:
            block.error = _("Die Zahl der Spaltengruppen muss eine ganze Zahl von 0 bis 99 sein.")
            block.groups = 0
            complete = False
        grouped = False
        fields: dict[str, Any] = {}
        for row in block.fields:
            allowed = {value for value, _label in row.transforms}
            if row.transform and row.transform not in allowed:
                row.error = _("Diese Umwandlung passt nicht zu dem Feld.")
            for chosen in (row.column, row.join):
                if chosen and chosen not in block.columns:
                    row.error = _("Die Spalte „%(column)s“ gibt es in „%(source)s“ nicht.") % {
                        "column": chosen,
                        "source": block.source,
                    }
            if row.constant and (row.column or row.join):
                row.error = _("Bitte wählen Sie entweder eine Spalte oder einen festen Wert.")
            if row.join and not row.column:
                row.error = _("Bitte wählen Sie zuerst die erste Spalte.")
            if row.join in block.patterns or (row.join and row.column in block.patterns):
                row.error = _("Spaltengruppen ({n}) lassen sich nicht mit einer Spalte verbinden.")
            if row.required and not (row.column or row.constant):
                row.error = _("Pflichtfeld: Bitte wählen Sie eine Spalte oder einen festen Wert.")
            if row.error:
                complete = False
                continue
            rule: dict[str, Any] = {}
            if row.constant:
                rule["constant"] = row.constant
            elif row.join:
                rule["join"] = [row.column, row.join]
                rule["separator"] = "," if row.name == "person_nrs" else " "
            elif row.column in block.patterns and not block.groups:
                # Every group's column, joined (the tenants' numbers of a contract).
                rule["join"] = block.patterns[row.column]
                rule["separator"] = ","
            elif row.column:
                rule["column"] = row.column
                grouped = grouped or row.column in block.patterns
            else:
                continue
            if row.transform == DECIMAL_COMMA:
                rule["decimal_comma"] = True
            elif row.transform:
                rule["date_format"] = row.transform
            if "constant" not in rule:
                extra = _loads(row.extra)
                rule |= {key: extra[key] for key in _FIELD_EXTRAS if extra.get(key)}
            fields[row.name] = rule
        if block.groups and not grouped and not block.error:
            block.error = _(
                "Mit Spaltengruppen wählen Sie bitte Spalten mit {n}, z. B. „Mieter{n}_Name“."
            )
            complete = False
        entity: dict[str, Any] = {"source": block.source, "fields": fields}
        if block.distinct:
            entity["distinct"] = True
        if block.groups:
            entity["groups"] = block.groups
        extra = _loads(block.extra)
        conditions = [c for c in extra.get("filter") or [] if isinstance(c, dict)]
        if block.filter_column:
            if block.filter_column not in block.columns:
                block.error = _("Die Spalte „%(column)s“ gibt es in „%(source)s“ nicht.") % {
                    "column": block.filter_column,
                    "source": block.source,
                }
                complete = False
            elif block.filter_op in ("empty", "not_empty"):
                conditions.insert(0, {"column": block.filter_column, block.filter_op: True})
            elif block.filter_op == "one_of":
                values = [v.strip() for v in block.filter_value.split(",") if v.strip()]
                conditions.insert(0, {"column": block.filter_column, "one_of": values})
            else:
                conditions.insert(0, {"column": block.filter_column, "equals": block.filter_value})
        if conditions:
            entity["filter"] = conditions
        if isinstance(extra.get("header_row"), int):
            entity["header_row"] = extra["header_row"]
        entities[block.file] = entity
    definition: dict[str, Any] = {"name": name, "format": kind, "entities": entities}
    if workbook:
        definition["workbook"] = workbook
    if settings is not None and kind == "csv":
        definition["encoding"] = settings.encoding
        if settings.delimiter:
            definition["delimiter"] = settings.delimiter
    return definition, complete
