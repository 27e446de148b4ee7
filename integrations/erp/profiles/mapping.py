"""The mapping screen's model: a profile as a form of selects (pure: no models, no requests).

Per file of export v1 (Stammdaten) the form holds the source (a file or sheet of the sample, or
none: the file is declared empty), the header row (a line number, or found automatically), a row
filter (any number of conditions, added and removed on the page), and per field a column of that
source, an optional second column joined to it, a constant, a transform, a split into parts and
a code table (one "Code = Wert" per line). For the whole profile it holds the encoding and
delimiter of CSV files and the Mandant number for every file no column names it in (an export of
one company rarely carries its own number: it is asked once, not per file). A suggestion shows
its confidence per field. ``blocks`` turns a profile draft and the sample's columns into what
the page shows; ``profile_from_form`` turns the posted form back into a profile definition, with
a German message per field that is wrong.
"""

from __future__ import annotations

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


MANDANT_FIELD = "mandant_nr"
MANDANT_MAX = 40


@dataclass
class FormSettings:
    """What the mapping form sets for the whole profile: encoding and delimiter of CSV files,
    and the Mandant number of every file whose ``mandant_nr`` has neither column nor value."""

    encoding: str = "auto"
    delimiter: str = ""
    mandant: str = ""
    mandant_max: int = MANDANT_MAX
    encodings: list[tuple[str, str]] = field(default_factory=list)
    delimiters: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.encodings = [(value, str(ENCODING_LABELS[value])) for value in ENCODINGS]
        self.delimiters = [(value, str(DELIMITER_LABELS[value])) for value in ("", *DELIMITERS)]


def shared_mandant(definition: Mapping[str, Any]) -> str:
    """The Mandant number every mapped file of a definition sets as the same fixed value, or
    "" (a column names it somewhere, or the files differ)."""
    entities: Mapping[str, Any] = definition.get("entities") or {}
    values = {
        str(((entity.get("fields") or {}).get(MANDANT_FIELD) or {}).get("constant") or "")
        for entity in entities.values()
        if isinstance(entity, Mapping) and not entity.get("empty") and entity.get("source")
    }
    return values.pop() if len(values) == 1 else ""


def settings_from_definition(definition: Mapping[str, Any]) -> FormSettings:
    encoding = str(definition.get("encoding") or "auto")
    delimiter = str(definition.get("delimiter") or "")
    return FormSettings(
        encoding=encoding if encoding in ENCODINGS else "auto",
        delimiter=delimiter if delimiter in DELIMITERS else "",
        mandant=shared_mandant(definition),
    )


def settings_from_form(data: Mapping[str, str]) -> FormSettings:
    form = settings_from_definition(
        {"encoding": data.get("encoding", ""), "delimiter": data.get("delimiter", "")}
    )
    form.mandant = data.get("mandant", "").strip()[:MANDANT_MAX]
    return form


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
    # Split into parts: no separator, no split (a space is a separator, so it is not trimmed).
    split_separator: str = ""
    split_part: str = "1"
    split_parts: str = "2"
    split_right: bool = False
    split_whole: bool = False
    # Code table: one "Code = Wert" per line.
    codes: str = ""

    @property
    def has_rules(self) -> bool:
        """Whether a split or a code table is set (the page then shows them open)."""
        return bool(self.split_separator or self.codes.strip())

    @property
    def confidence_percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)


@dataclass
class ConditionRow:
    """One condition of a row filter as the form shows it."""

    column: str = ""
    op: str = "equals"
    value: str = ""
    error: str = ""


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
    # Row filter: its conditions (all have to hold); the page always offers one more, blank.
    conditions: list[ConditionRow] = field(default_factory=list)
    # The header's line as typed ("" finds it automatically).
    header_row: str = ""
    header_error: str = ""
    filter_ops: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.filter_ops = [(op, str(FILTER_LABELS[op])) for op in FILTER_OPS]


def _condition_row(condition: Mapping[str, Any]) -> ConditionRow:
    column = str(condition.get("column") or "")
    if condition.get("empty"):
        return ConditionRow(column, "empty")
    if condition.get("not_empty"):
        return ConditionRow(column, "not_empty")
    if "one_of" in condition:
        return ConditionRow(column, "one_of", ", ".join(str(v) for v in condition["one_of"]))
    return ConditionRow(column, "equals", str(condition.get("equals") or ""))


def _codes_text(codes: Mapping[str, Any]) -> str:
    return "\n".join(f"{code} = {value}" for code, value in codes.items())


def _split_fields(rule: Mapping[str, Any]) -> dict[str, Any]:
    split = rule.get("split")
    if not isinstance(split, dict) or not split.get("separator"):
        return {}
    return {
        "split_separator": str(split["separator"]),
        "split_part": str(split.get("part", 1)),
        "split_parts": str(split.get("parts", 2)),
        "split_right": bool(split.get("from_right")),
        "split_whole": bool(split.get("whole_in_first")),
    }


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
    shared = shared_mandant(definition)  # shown once, above the files
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
            if shared and column.name == MANDANT_FIELD and rule.get("constant") == shared:
                rule = {}
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
                    codes=_codes_text(rule.get("codes") or {}),
                    **_split_fields(rule),
                )
            )
        conditions = [_condition_row(c) for c in mapping.get("filter") or [] if isinstance(c, dict)]
        header_row = mapping.get("header_row")
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
                conditions=conditions or [ConditionRow()],
                header_row="" if header_row in (None, "", "auto") else str(header_row),
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
                    # The separator as typed: a space is a separator.
                    split_separator=data.get(f"split-sep-{key}-{column.name}", ""),
                    split_part=data.get(f"split-part-{key}-{column.name}", "1").strip(),
                    split_parts=data.get(f"split-parts-{key}-{column.name}", "2").strip(),
                    split_right=data.get(f"split-right-{key}-{column.name}") == "1",
                    split_whole=data.get(f"split-whole-{key}-{column.name}") == "1",
                    codes=data.get(f"codes-{key}-{column.name}", "").replace("\r\n", "\n"),
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
                conditions=_conditions_from_form(data, key),
                header_row=data.get(f"header-{key}", "").strip(),
            )
        )
    return blocks


def _conditions_from_form(data: Mapping[str, str], key: str) -> list[ConditionRow]:
    count_text = data.get(f"filters-{key}", "1").strip()
    count = min(int(count_text), MAX_CONDITIONS) if count_text.isdigit() else 1
    rows = [
        ConditionRow(
            column=data.get(f"filter-col-{key}-{position}", "").strip(),
            op=data.get(f"filter-op-{key}-{position}", "equals"),
            value=data.get(f"filter-value-{key}-{position}", "").strip(),
        )
        for position in range(count)
    ]
    return rows or [ConditionRow()]


MAX_CONDITIONS = 20


def apply_edit(blocks: list[EntityBlock], action: str) -> bool:
    """An edit of the form posted with one of its buttons (nothing saved, nothing lost):
    ``filter_add:KEY`` adds a blank condition to a file's filter, ``filter_remove:KEY:N``
    removes condition N. Returns whether ``action`` was such an edit."""
    verb, _sep, rest = action.partition(":")
    if verb not in ("filter_add", "filter_remove"):
        return False
    key, _sep, position = rest.partition(":")
    for block in blocks:
        if block.key != key:
            continue
        if verb == "filter_add" and len(block.conditions) < MAX_CONDITIONS:
            block.conditions.append(ConditionRow())
        elif verb == "filter_remove" and position.isdigit():
            if int(position) < len(block.conditions):
                del block.conditions[int(position)]
            if not block.conditions:
                block.conditions.append(ConditionRow())
    return True


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
    column the chosen source does not have, a transform the field does not take. The form's
    one Mandant number fills every file's ``mandant_nr`` that has neither column nor value."""
    shared = settings.mandant if settings else ""
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
            constant = row.constant
            if row.name == MANDANT_FIELD and not (row.column or row.join or constant):
                constant = shared
            if row.required and not (row.column or constant):
                row.error = (
                    _(
                        "Pflichtfeld: Bitte wählen Sie eine Spalte oder einen festen Wert, oder "
                        "tragen Sie oben die Mandantennummer für alle Dateien ein."
                    )
                    if row.name == MANDANT_FIELD
                    else _("Pflichtfeld: Bitte wählen Sie eine Spalte oder einen festen Wert.")
                )
            split, codes = _split_rule(row), _code_table(row)
            if (split or codes) and row.constant and not row.error:
                row.error = _(
                    "Aufteilen und Codetabelle gelten für eine Spalte, nicht für einen festen Wert."
                )
            if row.error:
                complete = False
                continue
            rule: dict[str, Any] = {}
            if constant:
                rule["constant"] = constant
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
            if split:
                rule["split"] = split
            if codes:
                rule["codes"] = codes
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
        conditions = _filter_rule(block)
        if conditions is None:
            complete = False
        elif conditions:
            entity["filter"] = conditions
        header_row = _header_rule(block)
        if block.header_error:
            complete = False
        elif header_row is not None:
            entity["header_row"] = header_row
        entities[block.file] = entity
    definition: dict[str, Any] = {"name": name, "format": kind, "entities": entities}
    if workbook:
        definition["workbook"] = workbook
    if settings is not None and kind == "csv":
        definition["encoding"] = settings.encoding
        if settings.delimiter:
            definition["delimiter"] = settings.delimiter
    return definition, complete


def _filter_rule(block: EntityBlock) -> list[dict[str, Any]] | None:
    """The filter's conditions (blank ones left out), or None when one is wrong (its message
    set on it)."""
    conditions: list[dict[str, Any]] = []
    wrong = False
    for row in block.conditions:
        row.error = ""
        if not row.column:
            if row.value and row.op in ("equals", "one_of"):
                row.error = _("Bitte wählen Sie die Spalte, deren Wert die Bedingung prüft.")
                wrong = True
            continue
        if row.column not in block.columns:
            row.error = _("Die Spalte „%(column)s“ gibt es in „%(source)s“ nicht.") % {
                "column": row.column,
                "source": block.source,
            }
        elif row.op not in FILTER_OPS:
            row.error = _("Bitte wählen Sie eine Bedingung aus der Liste.")
        elif row.op in ("empty", "not_empty"):
            conditions.append({"column": row.column, row.op: True})
        elif row.op == "one_of":
            values = [v.strip() for v in row.value.split(",") if v.strip()]
            if values:
                conditions.append({"column": row.column, "one_of": values})
            else:
                row.error = _(
                    "Bitte nennen Sie mindestens einen Wert (mehrere durch Komma getrennt)."
                )
        else:
            conditions.append({"column": row.column, "equals": row.value})
        wrong = wrong or bool(row.error)
    return None if wrong else conditions


HEADER_ROW_MAX = 1000


def _header_rule(block: EntityBlock) -> int | None:
    """The header's line (None: found automatically); a message on the block when wrong."""
    block.header_error = ""
    text = block.header_row.strip()
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) <= HEADER_ROW_MAX:
        return int(text)
    block.header_error = _(
        "Die Kopfzeile ist eine Zeilennummer von 1 bis %(max)s; lassen Sie das Feld leer, "
        "wird sie automatisch gefunden."
    ) % {"max": HEADER_ROW_MAX}
    return None


def _split_rule(row: FieldRow) -> dict[str, Any] | None:
    """The field's split as a profile writes it (None: no split); a message on the row when
    the split is wrong."""
    if not row.split_separator:
        return None
    if not (row.split_part.isdigit() and row.split_parts.isdigit()):
        row.error = row.error or _(
            "Aufteilen: Teil und Anzahl der Teile sind ganze Zahlen (z. B. Teil 1 von 2)."
        )
        return None
    part, parts = int(row.split_part), int(row.split_parts)
    if not 2 <= parts <= 20:
        row.error = row.error or _("Aufteilen: Ein Wert lässt sich in 2 bis 20 Teile trennen.")
        return None
    if not 1 <= part <= parts:
        row.error = row.error or _(
            "Aufteilen: Teil %(part)s gibt es bei %(parts)s Teilen nicht."
        ) % {"part": part, "parts": parts}
        return None
    split: dict[str, Any] = {"separator": row.split_separator, "part": part}
    if parts != 2:
        split["parts"] = parts
    if row.split_right:
        split["from_right"] = True
    if row.split_whole:
        split["whole_in_first"] = True
    return split


def _code_table(row: FieldRow) -> dict[str, str] | None:
    """The field's code table from its lines "Code = Wert" (None: none); a message naming the
    line on the row when a line is wrong."""
    codes: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for number, line in enumerate(row.codes.split("\n"), start=1):
        if not line.strip():
            continue
        code, equals, value = line.partition("=")
        code, value = code.strip(), value.strip()
        problem = ""
        if not equals:
            problem = _(
                "Codetabelle, Zeile %(line)s: „%(text)s“ hat kein „=“. Bitte schreiben Sie je "
                "Zeile „Code = Wert“, z. B. „WO = Wohnung“."
            ) % {"line": number, "text": line.strip()}
        elif not code:
            problem = _("Codetabelle, Zeile %(line)s: Vor dem „=“ fehlt der Code.") % {
                "line": number
            }
        elif code in first_line:
            problem = _(
                "Codetabelle, Zeile %(line)s: Den Code „%(code)s“ gibt es schon in Zeile %(first)s."
            ) % {"line": number, "code": code, "first": first_line[code]}
        if problem:
            row.error = row.error or problem
            return None
        first_line[code] = number
        codes[code] = value
    return codes or None
