"""The validation report of an ERP export: findings for people, a summary, JSON for storage."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "record"]
ERROR: Severity = "error"  # the export is invalid: nothing is synced from it
RECORD: Severity = "record"  # one record is skipped (a broken reference); the rest is synced

# Finding codes.
MISSING_FILE = "missing_file"
UNREADABLE = "unreadable"
NOT_UTF8 = "not_utf8"
CSV_SYNTAX = "csv_syntax"
EMPTY_FILE = "empty_file"
MISSING_COLUMN = "missing_column"
DUPLICATE_COLUMN = "duplicate_column"
FIELD_COUNT = "field_count"
REQUIRED_VALUE = "required_value"
NAME_MISSING = "name_missing"
DUPLICATE_KEY = "duplicate_key"
MISSING_REFERENCE = "missing_reference"
TOO_MANY_BROKEN = "too_many_broken"
TOO_LARGE = "too_large"  # beyond a limit of unpacked size, files or rows
# and from format.parse_value: invalid_date, invalid_number, invalid_value, invalid_path


def _german_number(number: int) -> str:
    return f"{number:,}".replace(",", ".")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem of the export, at a file and (where it has one) a line and a column.

    ``line`` is the physical line where the record starts (a quoted field may span lines).
    ``other_line`` names the first line of a duplicate key.
    """

    file: str
    line: int | None
    column: str | None
    problem_code: str
    message_de: str
    other_line: int | None = None
    severity: Severity = ERROR

    def render_de(self) -> str:
        where = [self.file]
        if self.line is not None and self.other_line is not None:
            first, second = sorted((self.other_line, self.line))
            where.append(f"Zeilen {first} und {second}")
        elif self.line is not None:
            where.append(f"Zeile {self.line}")
        if self.column and self.other_line is None:
            where.append(f"Spalte {self.column}")
        return f"{', '.join(where)}: {self.message_de}"


@dataclass(frozen=True, slots=True)
class FileSummary:
    present: bool
    rows: int = 0  # data rows, without the header and blank lines
    errors: int = 0
    broken: int = 0  # rows with a broken reference (skipped on reading)
    # The file of export v1 the rows stand for, when the report names the customer's own source
    # instead (an import profile: "bestand.xlsx > Einheiten" for einheiten.csv).
    export_file: str = ""

    @property
    def valid(self) -> bool:
        return self.present and self.errors == 0


@dataclass
class ValidationReport:
    """What the validation of an export found. ``valid`` is False when any error was found."""

    findings: list[Finding] = field(default_factory=list)
    files: dict[str, FileSummary] = field(default_factory=dict)
    use_cases: list[str] = field(default_factory=list)
    # Findings per file that were counted but not listed (a report stays readable).
    omitted: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not any(finding.severity == ERROR for finding in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == ERROR]

    @property
    def record_findings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == RECORD]

    def render_de(self) -> str:
        """The report as people read it, in German, one finding per line."""
        labels = {"stammdaten": "Stammdaten", "dokumente": "Dokumente"}
        scope = ", ".join(labels.get(use_case, use_case) for use_case in self.use_cases)
        scope = f" ({scope})" if scope else ""
        if self.valid:
            lines = [f"Der ERP-Export ist gültig{scope}."]
        else:
            count = sum(summary.errors for summary in self.files.values()) or len(self.errors)
            lines = [
                f"Der ERP-Export ist ungültig{scope}: {_german_number(count)} Fehler. "
                "Aus ihm wird nichts synchronisiert."
            ]
        if self.errors:
            lines += ["", "Fehler:"] + [f"- {finding.render_de()}" for finding in self.errors]
        if self.record_findings:
            lines += ["", "Datensätze mit fehlerhaften Verweisen (werden übersprungen):"]
            lines += [f"- {finding.render_de()}" for finding in self.record_findings]
        for name, count in self.omitted.items():
            lines.append(
                f"- {name}: {_german_number(count)} weitere Befunde, nicht einzeln aufgeführt."
            )
        if self.files:
            lines += ["", "Dateien:"]
        for name, summary in self.files.items():
            if not summary.present:
                lines.append(f"- {name}: fehlt")
                continue
            text = f"- {name}: {_german_number(summary.rows)} Zeilen"
            if summary.errors:
                text += f", {_german_number(summary.errors)} Fehler"
            if summary.broken:
                text += f", {_german_number(summary.broken)} mit fehlerhaften Verweisen"
            lines.append(text)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "use_cases": list(self.use_cases),
            "files": {name: asdict(summary) for name, summary in self.files.items()},
            "findings": [asdict(finding) for finding in self.findings],
            "omitted": dict(self.omitted),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        return cls(
            findings=[Finding(**finding) for finding in data["findings"]],
            files={name: FileSummary(**summary) for name, summary in data["files"].items()},
            use_cases=list(data["use_cases"]),
            omitted=dict(data.get("omitted", {})),
        )

    @classmethod
    def from_json(cls, text: str) -> ValidationReport:
        return cls.from_dict(json.loads(text))


class InvalidExport(Exception):
    """The export is invalid as a whole: nothing may be synced from it."""

    def __init__(self, report: ValidationReport) -> None:
        first = report.errors[0].render_de() if report.errors else ""
        super().__init__(f"Der ERP-Export ist ungültig. {first}".strip())
        self.report = report
