"""Reading one CSV file of an export: rows with their physical line, or structural findings.

Streaming: csv.reader over a text wrapper of the file (``newline=""`` so that quoted line
breaks survive, ``utf-8-sig`` so that a byte-order mark is allowed). Values are trimmed and an
empty field is ``None``. Problems of the file's structure come out as findings in the stream;
after one that makes the rest unreadable (no header, a missing column, broken quoting, bytes
that are not UTF-8) the iteration ends and ``usable`` is False.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from integrations.erp.file.container import ExportContainer
from integrations.erp.file.format import DELIMITER, QUOTECHAR, FileSpec
from integrations.erp.file.limits import BoundedLines, german_number
from integrations.erp.file.report import (
    CSV_SYNTAX,
    DUPLICATE_COLUMN,
    EMPTY_FILE,
    FIELD_COUNT,
    MISSING_COLUMN,
    NOT_UTF8,
    TOO_LARGE,
    Finding,
)


@dataclass(slots=True)
class Row:
    line: int  # physical line where the record starts
    values: dict[str, str | None]  # the format's columns; unknown columns are left out


class Table:
    def __init__(
        self, spec: FileSpec, container: ExportContainer, *, max_line_chars: int | None = None
    ) -> None:
        self.spec = spec
        self.container = container
        self.usable = True
        # A longer record ends the reading with LimitExceeded (limits.BoundedLines).
        self.max_line_chars = max_line_chars

    def _finding(self, line: int | None, code: str, message: str) -> Finding:
        return Finding(self.spec.name, line, None, code, message)

    def rows(self) -> Iterator[Row | Finding]:
        self.usable = True
        with self.container.open(self.spec.name) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            lines = (
                BoundedLines(text, max_chars=self.max_line_chars, file=self.spec.name)
                if self.max_line_chars is not None
                else None
            )
            reader = csv.reader(
                lines or text, delimiter=DELIMITER, quotechar=QUOTECHAR, strict=True
            )
            end = 0
            columns: list[tuple[str, int]] | None = None
            width = 0
            try:
                for fields in reader:
                    if lines is not None:
                        lines.record_done()
                    start, end = end + 1, reader.line_num
                    if not any(field.strip() for field in fields):
                        continue  # a blank line, or one of empty fields only
                    if columns is None:
                        columns, problems = self._header(fields, start)
                        width = len(fields)
                        yield from problems
                        if not self.usable:
                            return
                        continue
                    # Extra fields that are all empty (a trailing ";") are harmless.
                    if len(fields) < width or any(field.strip() for field in fields[width:]):
                        yield self._finding(
                            start,
                            FIELD_COUNT,
                            f"Die Zeile hat {len(fields)} Felder, die Kopfzeile {width}.",
                        )
                        continue
                    yield Row(
                        start, {name: fields[index].strip() or None for name, index in columns}
                    )
            except UnicodeDecodeError:
                self.usable = False
                yield self._finding(
                    self._first_line_not_utf8(),
                    NOT_UTF8,
                    "Die Zeile ist nicht in UTF-8 kodiert; "
                    "bitte die Datei als UTF-8 speichern (z. B. nicht als Windows-1252/ANSI).",
                )
                return
            except csv.Error as exc:
                self.usable = False
                if "field larger than field limit" in str(exc):
                    # The csv module's own bound on one field (csv.field_size_limit()).
                    yield self._finding(
                        end + 1,
                        TOO_LARGE,
                        f"Ein Feld ist länger als {german_number(csv.field_size_limit())} "
                        "Zeichen; so lange Felder werden nicht gelesen. Die Prüfung wurde hier "
                        "abgebrochen.",
                    )
                    return
                yield self._finding(
                    end + 1,
                    CSV_SYNTAX,
                    "Ab dieser Zeile ist die Datei kein gültiges CSV: ein Anführungszeichen "
                    "ist nicht geschlossen oder ein Feld geht nach dem schließenden "
                    "Anführungszeichen weiter.",
                )
                return
        if columns is None:
            self.usable = False
            yield self._finding(1, EMPTY_FILE, "Die Datei ist leer; es fehlt die Kopfzeile.")

    def _header(self, fields: list[str], line: int) -> tuple[list[tuple[str, int]], list[Finding]]:
        known = set(self.spec.column_names)
        names = [field.strip().lower() for field in fields]
        problems: list[Finding] = []
        columns: list[tuple[str, int]] = []
        seen: set[str] = set()
        for index, name in enumerate(names):
            if name not in known:
                continue  # unknown columns are ignored
            if name in seen:
                problems.append(
                    self._finding(
                        line,
                        DUPLICATE_COLUMN,
                        f"Die Spalte „{name}“ steht mehrmals in der Kopfzeile.",
                    )
                )
                continue
            seen.add(name)
            columns.append((name, index))
        for column in self.spec.columns:
            if column.required and column.name not in seen:
                problems.append(
                    self._finding(line, MISSING_COLUMN, f"Die Pflichtspalte „{column.name}“ fehlt.")
                )
        if problems:
            self.usable = False
        return columns, problems

    def _first_line_not_utf8(self) -> int:
        # Each physical line on its own: UTF-8 never puts a line break inside a character.
        with self.container.open(self.spec.name) as raw:
            text = io.TextIOWrapper(raw, encoding="latin-1", newline="")
            for number, line in enumerate(text, start=1):
                try:
                    line.encode("latin-1").decode("utf-8")
                except UnicodeDecodeError:
                    return number
        return 1  # pragma: no cover - only called after a decode error
