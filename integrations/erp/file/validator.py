"""Validation of an ERP export v1: every rule of docs/erp-export-v1.md, with a report.

The files are read one after the other in dependency order, each in one streaming pass. What
stays in memory are the key sets needed for duplicate and reference checks (key -> line), and
they are dropped as soon as no later file refers to them.

Errors make the export invalid. A broken reference (a row whose Gebäude, Einheit, person,
folder or document file does not exist in the same Mandant) is a finding of severity
``record``: that row is skipped on reading, unless more than half of a file's rows are
broken, which makes the file invalid. A reference to a row that is itself broken counts as
broken too (a unit under a building that is skipped cannot be synced either). References into
a file that has errors are not checked: its rows cannot be trusted as targets, and the errors
already make the export invalid.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from integrations.erp.file import format as fmt
from integrations.erp.file.container import ContainerError, ExportContainer
from integrations.erp.file.format import FileSpec, ValueProblem
from integrations.erp.file.limits import (
    ExportLimits,
    LimitExceeded,
    check_zip,
    memory_ceiling_mb,
    out_of_memory,
    too_many_rows,
)
from integrations.erp.file.report import (
    DUPLICATE_KEY,
    ERROR,
    MISSING_FILE,
    MISSING_REFERENCE,
    NAME_MISSING,
    RECORD,
    REQUIRED_VALUE,
    TOO_MANY_BROKEN,
    UNREADABLE,
    FileSummary,
    Finding,
    ValidationReport,
)
from integrations.erp.file.table import Row, Table
from integrations.erp.profiles.container import open_export
from integrations.usecases import UseCase

if TYPE_CHECKING:
    from integrations.erp.profiles.profile import ImportProfile

# Listed findings per file; further ones are counted (a report of 100,000 identical lines
# helps nobody, and the report is stored with an upload).
MAX_FINDINGS_PER_FILE = 200

Key = tuple[str, ...]

# How the messages name what a reference points to: (nominative, accusative).
_NOUNS = {
    fmt.MANDANTEN.name: ("Der Mandant", "Den Mandanten"),
    fmt.WIRTSCHAFTSEINHEITEN.name: ("Die Wirtschaftseinheit", "Die Wirtschaftseinheit"),
    fmt.GEBAEUDE.name: ("Das Gebäude", "Das Gebäude"),
    fmt.EINHEITEN.name: ("Die Einheit", "Die Einheit"),
    fmt.MIETER.name: ("Der Mieter", "Den Mieter"),
    fmt.EIGENTUEMER.name: ("Der Eigentümer", "Den Eigentümer"),
    fmt.ORDNER.name: ("Der Ordner", "Den Ordner"),
}


# The files whose keys later files refer to (the others' key sets end with their file).
_REFERRED_TO = frozenset(_NOUNS)


@dataclass
class ReadPlan:
    """What reading a valid export needs to know from its validation."""

    fingerprint: tuple[object, ...]
    use_cases: frozenset[UseCase]
    # file -> line -> German message, for every row with a broken reference (never capped)
    broken: dict[str, dict[int, str]] = field(default_factory=dict)
    # ordner.csv names every parent before its children: one pass keeps the order
    folders_in_order: bool = True


def export_use_cases(container: ExportContainer) -> set[UseCase]:
    """The use cases an export is checked for when none are named: Stammdaten always
    (its files are required), Dokumente when ordner.csv or dokumente.csv is there."""
    use_cases = {UseCase.STAMMDATEN}
    if container.has(fmt.ORDNER.name) or container.has(fmt.DOKUMENTE.name):
        use_cases.add(UseCase.DOKUMENTE)
    return use_cases


def validate_export(
    path: Path | str,
    use_cases: Collection[UseCase] | None = None,
    *,
    limits: ExportLimits | None = None,
    profile: ImportProfile | None = None,
) -> ValidationReport:
    """Validate the export at ``path`` (a directory or a .zip) and report what is wrong.

    ``use_cases``: the use cases whose files are required; by default Stammdaten, plus
    Dokumente when the export has ordner.csv or dokumente.csv. ``limits``: a .zip beyond the
    unpacked size or file count is refused before anything is unpacked; beyond the row limit
    the validation stops with a finding. ``profile``: the export is in the customer's own
    layout, read through this import profile (the report names its files and columns).
    """
    path = Path(path)
    try:
        container = open_export(path, profile=profile, limits=limits)
    except ContainerError as exc:
        return unreadable_report(path, exc)
    if limits is not None and path.is_file() and zipfile.is_zipfile(path):
        try:
            refused = check_zip(path, limits)
        except (OSError, zipfile.BadZipFile):
            container.close()
            return unreadable_report(
                path, ContainerError(f"{path.name} kann nicht als ZIP-Archiv gelesen werden.")
            )
        if refused is not None:
            container.close()
            return ValidationReport(findings=[refused])
    try:
        report, _plan = check_export(container, use_cases, limits=limits)
    except ContainerError as exc:
        return unreadable_report(path, exc)
    except MemoryError:
        # Beyond the worker's memory ceiling (connect.worker_limits): a finding, not a crash.
        return ValidationReport(findings=[out_of_memory(path.name, memory_ceiling_mb())])
    finally:
        container.close()
    return report


def unreadable_report(path: Path, exc: ContainerError) -> ValidationReport:
    return ValidationReport(findings=[Finding(path.name, None, None, UNREADABLE, str(exc))])


def check_export(
    container: ExportContainer,
    use_cases: Collection[UseCase] | None = None,
    *,
    limits: ExportLimits | None = None,
) -> tuple[ValidationReport, ReadPlan]:
    chosen = set(use_cases) if use_cases is not None else export_use_cases(container)
    checker = _Checker(
        container,
        chosen,
        max_rows=limits.max_rows if limits else None,
        max_line_chars=limits.max_line_chars if limits else None,
    )
    try:
        checker.run()
    except LimitExceeded as exc:
        checker.add(exc.finding, always=True)
    return _in_source_terms(container, checker.report()), checker.plan


def _in_source_terms(container: ExportContainer, report: ValidationReport) -> ValidationReport:
    """An export read through an import profile reports its own files, lines and columns."""
    translate = getattr(container, "translate_report", None)
    return translate(report) if translate is not None else report


def check_mandanten(container: ExportContainer) -> tuple[ValidationReport, list[Row]]:
    """Only mandanten.csv: enough to offer the export's Mandanten."""
    checker = _Checker(container, set())
    rows = checker.check_file(fmt.MANDANTEN, keep_rows=True)
    return _in_source_terms(container, checker.report()), rows


class _Checker:
    def __init__(
        self,
        container: ExportContainer,
        use_cases: set[UseCase],
        max_rows: int | None = None,
        max_line_chars: int | None = None,
    ) -> None:
        self.container = container
        self.max_rows = max_rows
        self.max_line_chars = max_line_chars
        self.total_rows = 0
        self.use_cases = use_cases
        self.findings: list[Finding] = []
        self.listed: dict[str, int] = {}
        self.omitted: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.summaries: dict[str, FileSummary] = {}
        # file -> key -> line, for the files in _REFERRED_TO
        self.keys: dict[str, dict[Key, int]] = {}
        # file -> key -> line of the rows with a broken reference
        self.broken_keys: dict[str, dict[Key, int]] = {}
        self.unusable: set[str] = set()  # missing files or files with errors: not referred to
        self.plan = ReadPlan(container.fingerprint(), frozenset(use_cases))
        self._strings: dict[str, str] = {}

    # --- the run -----------------------------------------------------------------------

    def run(self) -> None:
        needed = {spec for use_case in self.use_cases for spec in fmt.USE_CASE_FILES[use_case]}
        # Drop each key set after the last file that refers to it.
        last_use = {
            fmt.WIRTSCHAFTSEINHEITEN.name: fmt.GEBAEUDE.name,
            fmt.GEBAEUDE.name: fmt.EINHEITEN.name,
            fmt.EINHEITEN.name: fmt.EIGENTUEMERVERTRAEGE.name,
            fmt.MIETER.name: fmt.MIETVERTRAEGE.name,
            fmt.EIGENTUEMER.name: fmt.EIGENTUEMERVERTRAEGE.name,
            fmt.ORDNER.name: fmt.DOKUMENTE.name,
        }
        for spec in fmt.FILES:
            if spec not in needed:
                continue
            if spec is fmt.ORDNER:
                self.check_folders()
            else:
                self.check_file(spec)
            for name, last in last_use.items():
                if last == spec.name:
                    self.keys.pop(name, None)
                    self.broken_keys.pop(name, None)

    def report(self) -> ValidationReport:
        order = {spec.name: index for index, spec in enumerate(fmt.FILES)}
        findings = sorted(
            self.findings,
            key=lambda finding: (order.get(finding.file, -1), finding.line or 0),
        )
        return ValidationReport(
            findings=findings,
            files=dict(sorted(self.summaries.items(), key=lambda item: order[item[0]])),
            use_cases=[use_case.value for use_case in UseCase if use_case in self.use_cases],
            omitted=self.omitted,
        )

    # --- findings ------------------------------------------------------------------------

    def add(self, finding: Finding, *, always: bool = False) -> None:
        if finding.severity == ERROR:
            self.errors[finding.file] = self.errors.get(finding.file, 0) + 1
        if always or self.listed.get(finding.file, 0) < MAX_FINDINGS_PER_FILE:
            self.listed[finding.file] = self.listed.get(finding.file, 0) + 1
            self.findings.append(finding)
        else:
            self.omitted[finding.file] = self.omitted.get(finding.file, 0) + 1

    def _count_row(self, spec: FileSpec, line: int) -> None:
        self.total_rows += 1
        if self.max_rows is not None and self.total_rows > self.max_rows:
            raise LimitExceeded(too_many_rows(spec.name, line, self.max_rows))

    def _intern(self, text: str) -> str:
        # Mandant and WE numbers repeat in every row: keep one string object of each.
        return self._strings.setdefault(text, text)

    # --- one file ------------------------------------------------------------------------

    def check_file(self, spec: FileSpec, *, keep_rows: bool = False) -> list[Row]:
        """Check a file; returns its rows only when ``keep_rows`` (for mandanten.csv)."""
        kept: list[Row] = []
        if not self.container.has(spec.name):
            self._missing(spec)
            return kept
        keys: dict[Key, int] = {}
        broken: dict[int, str] = {}
        broken_keys: dict[Key, int] = {}
        rows = 0
        table = Table(spec, self.container, max_line_chars=self.max_line_chars)
        for item in table.rows():
            if isinstance(item, Finding):
                self.add(item)
                continue
            rows += 1
            self._count_row(spec, item.line)
            self._check_values(spec, item)
            key = self._key(spec, item)
            if key is not None:
                first = keys.get(key)
                if first is not None:
                    self._duplicate(spec, key, item.line, first)
                else:
                    keys[key] = item.line
            problems = self._references(spec, item)
            if problems:
                broken[item.line] = " ".join(message for _, message in problems)
                if key is not None:
                    broken_keys[key] = item.line
                for column, message in problems:
                    self.add(
                        Finding(
                            spec.name,
                            item.line,
                            column,
                            MISSING_REFERENCE,
                            message,
                            severity=RECORD,
                        )
                    )
            if keep_rows:
                kept.append(item)
        self._finish(spec, table.usable, rows, keys, broken, broken_keys)
        return kept

    def _missing(self, spec: FileSpec) -> None:
        needed_by = [
            label
            for use_case, label in (
                (UseCase.STAMMDATEN, "Stammdaten"),
                (UseCase.DOKUMENTE, "Dokumente"),
            )
            if use_case in self.use_cases and spec in fmt.USE_CASE_FILES[use_case]
        ]
        reason = f"; sie wird für {' und '.join(needed_by)} gebraucht" if needed_by else ""
        self.add(Finding(spec.name, None, None, MISSING_FILE, f"Die Datei fehlt{reason}."))
        self.summaries[spec.name] = FileSummary(present=False, errors=1)
        self.unusable.add(spec.name)

    def _finish(
        self,
        spec: FileSpec,
        usable: bool,
        rows: int,
        keys: dict[Key, int],
        broken: dict[int, str],
        broken_keys: dict[Key, int],
    ) -> None:
        if broken and len(broken) * 2 > rows:
            self.add(
                Finding(
                    spec.name,
                    None,
                    None,
                    TOO_MANY_BROKEN,
                    f"{len(broken)} von {rows} Zeilen verweisen auf etwas, das es nicht gibt; "
                    "bei mehr als der Hälfte ist die Datei ungültig.",
                ),
                always=True,
            )
        if not usable or self.errors.get(spec.name):
            # Rows of a file with errors cannot be trusted as targets: checking references
            # into it would only repeat its errors as broken references elsewhere.
            self.unusable.add(spec.name)
        if spec.name in _REFERRED_TO:
            self.keys[spec.name] = keys
            self.broken_keys[spec.name] = broken_keys
        self.plan.broken[spec.name] = broken
        self.summaries[spec.name] = FileSummary(
            present=True, rows=rows, errors=self.errors.get(spec.name, 0), broken=len(broken)
        )

    def _key(self, spec: FileSpec, row: Row) -> Key | None:
        parts = [part for name in spec.key if (part := row.values.get(name)) is not None]
        if len(parts) < len(spec.key):
            return None  # an empty key field is reported as an empty required field
        *head, last = parts
        return (*map(self._intern, head), last)

    def _duplicate(self, spec: FileSpec, key: Key, line: int, first: int) -> None:
        self.add(
            Finding(
                spec.name,
                line,
                None,
                DUPLICATE_KEY,
                f"Der Schlüssel {'/'.join(key)} kommt doppelt vor.",
                other_line=first,
            )
        )

    # --- values --------------------------------------------------------------------------

    def _check_values(self, spec: FileSpec, row: Row) -> None:
        for column in spec.columns:
            text = row.values.get(column.name)
            if text is None:
                if column.required:
                    self.add(
                        Finding(
                            spec.name,
                            row.line,
                            column.name,
                            REQUIRED_VALUE,
                            "Das Pflichtfeld ist leer.",
                        )
                    )
                continue
            if column.kind is fmt.Kind.TEXT:
                continue
            try:
                fmt.parse_value(column.kind, text)
            except ValueProblem as problem:
                self.add(Finding(spec.name, row.line, column.name, problem.code, problem.message))
        if (
            spec.rolle is not None
            and not row.values.get("nachname")
            and not row.values.get("firma")
        ):
            self.add(
                Finding(
                    spec.name,
                    row.line,
                    "nachname",
                    NAME_MISSING,
                    "Nachname oder Firma muss gesetzt sein.",
                )
            )

    # --- references ----------------------------------------------------------------------

    def _ref(self, file: str, key: Key, column: str) -> tuple[str, str] | None:
        """None if ``key`` exists in ``file`` (or ``file`` cannot be checked), else the
        column and message of the broken reference."""
        if file in self.unusable or file not in self.keys:
            return None
        nominative, accusative = _NOUNS[file]
        shown = "/".join(key)
        if key not in self.keys[file]:
            return column, f"{accusative} {shown} gibt es nicht in {file}."
        line = self.broken_keys.get(file, {}).get(key)
        if line is not None:
            return column, f"{nominative} {shown} wird selbst übersprungen ({file}, Zeile {line})."
        return None

    def _references(self, spec: FileSpec, row: Row) -> list[tuple[str, str]]:
        v = row.values
        m = v.get("mandant_nr")
        if m is None or spec is fmt.MANDANTEN:
            return []
        checks: list[tuple[str, Key, str]] = [(fmt.MANDANTEN.name, (m,), "mandant_nr")]
        we, geb, einheit = v.get("we_nr"), v.get("gebaeude_nr"), v.get("einheit_nr")
        if spec is fmt.GEBAEUDE and we:
            checks.append((fmt.WIRTSCHAFTSEINHEITEN.name, (m, we), "we_nr"))
        elif spec is fmt.EINHEITEN and we and geb:
            checks.append((fmt.GEBAEUDE.name, (m, we, geb), "gebaeude_nr"))
        elif spec.art is not None:
            if we and geb and einheit:
                checks.append((fmt.EINHEITEN.name, (m, we, geb, einheit), "einheit_nr"))
            persons = fmt.MIETER if spec is fmt.MIETVERTRAEGE else fmt.EIGENTUEMER
            for nr in _person_nrs(v.get("person_nrs")):
                checks.append((persons.name, (m, nr), "person_nrs"))
        elif spec is fmt.DOKUMENTE and (ordner_id := v.get("ordner_id")):
            checks.append((fmt.ORDNER.name, (m, ordner_id), "ordner_id"))
        problems = [problem for check in checks if (problem := self._ref(*check))]
        if spec is fmt.DOKUMENTE:
            datei = v.get("datei")
            if datei and fmt.is_safe_path(datei) and self.container.size(datei) is None:
                problems.append(("datei", f"Die Datei {datei} gibt es nicht im Export."))
        return problems

    # --- folders -------------------------------------------------------------------------

    def check_folders(self) -> None:
        """ordner.csv: a parent may stand before or after its children, so the parent
        references are resolved after the pass, with the folder tree's keys in memory."""
        spec = fmt.ORDNER
        if not self.container.has(spec.name):
            self._missing(spec)
            return
        keys: dict[Key, int] = {}
        parents: dict[Key, str | None] = {}
        problems: dict[int, list[tuple[str, str]]] = {}
        rows = 0
        table = Table(spec, self.container, max_line_chars=self.max_line_chars)
        for item in table.rows():
            if isinstance(item, Finding):
                self.add(item)
                continue
            rows += 1
            self._count_row(spec, item.line)
            self._check_values(spec, item)
            key = self._key(spec, item)
            if key is None:
                continue
            first = keys.get(key)
            if first is not None:
                self._duplicate(spec, key, item.line, first)
                continue
            keys[key] = item.line
            parents[key] = item.values.get("parent_id")
            if own := self._references(spec, item):
                problems[item.line] = own
        own_broken = {key for key, line in keys.items() if line in problems}
        broken_keys = {key: keys[key] for key in own_broken}
        for key, message in _resolve_tree(keys, parents, own_broken).items():
            problems.setdefault(keys[key], []).append(("parent_id", message))
            broken_keys[key] = keys[key]
        broken: dict[int, str] = {}
        for line in sorted(problems):
            broken[line] = " ".join(message for _, message in problems[line])
            for column, message in problems[line]:
                self.add(
                    Finding(spec.name, line, column, MISSING_REFERENCE, message, severity=RECORD)
                )
        self.plan.folders_in_order = all(
            parent is None or keys.get((key[0], parent), 0) < keys[key]
            for key, parent in parents.items()
        )
        self._finish(spec, table.usable, rows, keys, broken, broken_keys)


def _person_nrs(text: str | None) -> Iterator[str]:
    for part in (text or "").split(","):
        if part.strip():
            yield part.strip()


def _resolve_tree(
    keys: dict[Key, int], parents: dict[Key, str | None], own_broken: set[Key]
) -> dict[Key, str]:
    """Folders whose chain of parents does not reach the top, with the reason: a missing
    parent, a cycle, or a parent that is skipped itself. Folders in ``own_broken`` count as
    skipped but get no message here (theirs is already reported)."""
    skipped: dict[Key, bool] = dict.fromkeys(own_broken, True)
    messages: dict[Key, str] = {}
    for start in keys:
        path: list[Key] = []
        on_path: dict[Key, int] = {}
        key = start
        while key not in skipped:
            if key in on_path:  # a cycle: every folder on it is skipped
                cycle = path[on_path[key] :]
                for member in cycle:
                    skipped[member] = True
                    messages[member] = (
                        f"Der Ordner {'/'.join(member)} liegt über seine übergeordneten "
                        "Ordner in sich selbst."
                    )
                del path[on_path[key] :]
                break
            on_path[key] = len(path)
            path.append(key)
            parent = parents[key]
            if parent is None:
                skipped[key] = False
                path.pop()
                break
            parent_key = (key[0], parent)
            if parent_key not in keys:
                skipped[key] = True
                messages[key] = (
                    f"Den übergeordneten Ordner {'/'.join(parent_key)} gibt es nicht in "
                    f"{fmt.ORDNER.name}."
                )
                path.pop()
                break
            key = parent_key
        for member in reversed(path):  # each member's parent is decided by now
            parent_key = (member[0], parents[member] or "")
            skipped[member] = skipped[parent_key]
            if skipped[member]:
                messages[member] = (
                    f"Der übergeordnete Ordner {'/'.join(parent_key)} wird selbst "
                    f"übersprungen ({fmt.ORDNER.name}, Zeile {keys[parent_key]})."
                )
    return messages
