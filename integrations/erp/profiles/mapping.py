"""The mapping screen's model: a profile as a form of selects (pure: no models, no requests).

Per file of export v1 (Stammdaten) the form holds the source (a file or sheet of the sample, or
none: the file is declared empty) and per field a column of that source, an optional second
column joined to it, a constant, and a transform. ``blocks`` turns a profile draft and the
sample's columns into what the page shows; ``profile_from_form`` turns the posted form back into
a profile definition, with a German message per field that is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.erp.file import format as fmt
from integrations.erp.profiles.examples import STAMMDATEN_FILES
from integrations.erp.profiles.suggest import group_patterns, suggest_fields

# Transform choices: value -> label (German, translated where the page shows it).
DATE_TRANSFORMS: dict[str, Any] = {
    "%d.%m.%Y": gettext_lazy("Datum TT.MM.JJJJ"),
    "%d.%m.%y": gettext_lazy("Datum TT.MM.JJ"),
    "%Y%m%d": gettext_lazy("Datum JJJJMMTT"),
    "%d/%m/%Y": gettext_lazy("Datum TT/MM/JJJJ"),
}
DECIMAL_COMMA = "decimal_comma"


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
    definition: Mapping[str, Any], sources: Mapping[str, list[str]]
) -> list[EntityBlock]:
    """The form's initial state from a profile definition (a draft or a saved profile)."""
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
                )
            )
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
            suggested = suggest_fields(file_name, sources[source])
            rows = [
                FieldRow(
                    name=column.name,
                    required=column.required,
                    kind=column.kind.value,
                    column=suggested.get(column.name, ""),
                    transforms=_transforms(column.kind),
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
            )
        )
    return blocks


def profile_from_blocks(
    blocks: list[EntityBlock], *, name: str, kind: str, workbook: str | None
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
        entities[block.file] = entity
    definition: dict[str, Any] = {"name": name, "format": kind, "entities": entities}
    if workbook:
        definition["workbook"] = workbook
    return definition, complete
