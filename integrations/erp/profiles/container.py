"""An export in the customer's own layout, seen through an import profile as ERP export v1.

``ProfileContainer`` wraps the export's container (a directory or .zip). For each file of export
v1 that the profile maps, it produces the v1 CSV on the fly, one row per source row, while the
source is read in one streaming pass: CSV with the standard library's ``csv`` module (delimiter
and encoding from the profile or detected), XLSX with openpyxl in read-only mode. Every other
name (document files) is passed through. So the validator and reader of export v1 do all the
checking and reading, and memory stays flat in the export's size.

The physical source line of every produced row is remembered (4 bytes a row), and the report is
translated back: a finding names the customer's file (or "Arbeitsmappe > Blatt"), its line and
its column, never the v1 file the customer has never seen.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import IO, TYPE_CHECKING, BinaryIO, cast

from integrations.erp.file import format as fmt
from integrations.erp.file.container import ContainerError, ExportContainer
from integrations.erp.file.limits import (
    BoundedLines,
    ExportLimits,
    LimitExceeded,
    too_many_cells,
)
from integrations.erp.file.report import (
    EMPTY_FILE,
    MISSING_COLUMN,
    MISSING_FILE,
    Finding,
    ValidationReport,
)
from integrations.erp.profiles.profile import (
    DELIMITERS,
    EntityMapping,
    FieldRule,
    ImportProfile,
    cell_text,
)

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

_SNIFF_BYTES = 64 * 1024


class _GeneratedStream(io.RawIOBase):
    """A read-only binary stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class _Source:
    """Where one v1 file comes from, and what the report says about it."""

    def __init__(self, label: str, mapping: EntityMapping) -> None:
        self.label = label
        self.mapping = mapping
        self.lines = array("I")  # v1 data row n (0-based) -> physical source line
        self.groups = array("B")  # v1 data row n -> its column group (mappings with groups)
        self.header_line = 1
        self.missing: list[str] = []  # source columns the header lacks


class ProfileContainer:
    """An ``ExportContainer`` presenting a customer's export as ERP export v1."""

    def __init__(
        self, base: ExportContainer, profile: ImportProfile, limits: ExportLimits | None = None
    ) -> None:
        self.base = base
        self.profile = profile
        self.limits = limits or ExportLimits()
        self._cells = 0  # cells read from the workbook so far (limits.max_cells)
        self.label = base.label
        self._sources: dict[str, _Source] = {}
        self._workbook_path: str | None = None
        self._workbook_file: IO[bytes] | None = None
        self._workbook_obj: Workbook | None = None

    # --- the container protocol ----------------------------------------------------------

    def has(self, name: str) -> bool:
        mapping = self.profile.entities.get(name)
        if mapping is None:
            return name not in fmt.FILES_BY_NAME and self.base.has(name)
        return mapping.empty or self._source_exists(mapping)

    def open(self, name: str) -> BinaryIO:
        mapping = self.profile.entities.get(name)
        if mapping is None:
            if name in fmt.FILES_BY_NAME:
                raise FileNotFoundError(name)
            return self.base.open(name)
        spec = fmt.FILES_BY_NAME[name]
        if mapping.empty:  # declared empty: the header of the v1 file alone
            header = fmt.DELIMITER.join(spec.column_names) + "\r\n"
            return cast(BinaryIO, io.BytesIO(header.encode("utf-8")))
        source = _Source(self._source_label(mapping), mapping)
        self._sources[name] = source
        rows = (
            self._xlsx_rows(mapping) if self.profile.format == "xlsx" else self._csv_rows(mapping)
        )
        stream = _GeneratedStream(self._produce(spec, source, rows))
        return cast(BinaryIO, io.BufferedReader(stream, buffer_size=64 * 1024))

    def size(self, name: str) -> int | None:
        if name in fmt.FILES_BY_NAME:
            return 0 if self.has(name) else None
        return self.base.size(name)

    def opener(self, name: str) -> Callable[[], BinaryIO]:
        return lambda: self.open(name)

    def fingerprint(self) -> tuple[object, ...]:
        return (*self.base.fingerprint(), self.profile.name, self.profile.version)

    def close(self) -> None:
        if self._workbook_obj is not None:
            self._workbook_obj.close()
            self._workbook_obj = None
        if self._workbook_file is not None:
            self._workbook_file.close()
            self._workbook_file = None
        self.base.close()

    # --- sources -------------------------------------------------------------------------

    def _workbook_name(self) -> str:
        if self.profile.workbook:
            return self.profile.workbook
        raise ContainerError(
            "Das Importprofil nennt keine Arbeitsmappe (.xlsx) im Export; bitte ergänzen."
        )

    def _source_label(self, mapping: EntityMapping) -> str:
        if mapping.empty:
            return f"(leer laut Importprofil „{self.profile.name}“)"
        if self.profile.format == "xlsx":
            return f"{self._workbook_name()} > {mapping.source}"
        return mapping.source

    def _source_exists(self, mapping: EntityMapping) -> bool:
        if self.profile.format != "xlsx":
            return self.base.has(mapping.source)
        if not self.base.has(self._workbook_name()):
            return False
        return mapping.source in self._workbook().sheetnames

    def _workbook(self) -> Workbook:
        """The workbook, opened once (read-only: each sheet is parsed while it is iterated)."""
        from openpyxl import load_workbook

        if self._workbook_obj is None:
            # openpyxl needs a seekable file: a member of a .zip is copied to a temporary file.
            handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
            with self.base.open(self._workbook_name()) as member:
                shutil.copyfileobj(member, handle, 1024 * 1024)
            handle.seek(0)
            self._workbook_file = handle
            try:
                self._workbook_obj = load_workbook(handle, read_only=True, data_only=True)
            except MemoryError:
                raise
            except Exception as exc:  # openpyxl raises many kinds for a broken file
                raise ContainerError(
                    f"{self._workbook_name()} kann nicht als Excel-Arbeitsmappe gelesen werden."
                ) from exc
        return self._workbook_obj

    def _xlsx_rows(self, mapping: EntityMapping) -> Iterator[tuple[int, list[str]]]:
        sheet = self._workbook()[mapping.source]
        label = self._source_label(mapping)
        limit = self.limits.max_cells
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:
                number, values = next(rows)
            except StopIteration:
                return
            except MemoryError:
                raise
            except Exception as exc:  # a broken sheet: openpyxl raises XML and value errors
                raise ContainerError(
                    f"{label} kann nicht gelesen werden: die Arbeitsmappe ist beschädigt."
                ) from exc
            # A sheet's declared dimension pads every row, and gaps become empty rows.
            self._cells += len(values)
            if limit is not None and self._cells > limit:
                raise LimitExceeded(too_many_cells(label, number, limit))
            yield number, [cell_text(value) for value in values]

    def _encoding(self, sample: bytes) -> str:
        chosen = self.profile.encoding
        if chosen != "auto":
            return "utf-8-sig" if chosen == "utf-8" else chosen
        if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still UTF-8.
            if exc.start < len(sample) - 3:
                return "cp1252"
        return "utf-8-sig"

    def _delimiter(self, text_sample: str) -> str:
        if self.profile.delimiter:
            return self.profile.delimiter
        first = text_sample.splitlines()[0] if text_sample else ""
        counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ";"

    def _csv_rows(self, mapping: EntityMapping) -> Iterator[tuple[int, list[str]]]:
        with self.base.open(mapping.source) as raw:
            buffered = io.BufferedReader(cast(io.RawIOBase, raw), buffer_size=_SNIFF_BYTES)
            sample = buffered.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
            encoding = self._encoding(sample)
            text = io.TextIOWrapper(buffered, encoding=encoding, newline="", errors="replace")
            delimiter = self._delimiter(sample.decode(encoding, errors="replace").lstrip("\ufeff"))
            limit = self.limits.max_line_chars
            lines = (
                BoundedLines(text, max_chars=limit, file=mapping.source)
                if limit is not None
                else None
            )
            reader = csv.reader(lines or text, delimiter=delimiter, quotechar='"')
            end = 0
            for fields in reader:
                if lines is not None:
                    lines.record_done()
                start, end = end + 1, reader.line_num
                yield start, fields

    # --- producing v1 --------------------------------------------------------------------

    def _produce(
        self, spec: fmt.FileSpec, source: _Source, rows: Iterator[tuple[int, list[str]]]
    ) -> Iterator[bytes]:
        mapping = source.mapping
        header: list[str] | None = None
        index: dict[str, int] = {}
        names: list[str] = []
        # One list of rules per column group (a single "group" 0 without numbered groups).
        groups: list[tuple[int, list[FieldRule], list[str]]] = []
        key_positions: list[int] = []
        seen: dict[tuple[str, ...], int] = {}  # key -> hash of the row's values (distinct)
        out = io.StringIO()
        writer = csv.writer(
            out, delimiter=fmt.DELIMITER, quotechar=fmt.QUOTECHAR, lineterminator="\r\n"
        )
        for line, fields in rows:
            if header is None:
                if not any(value.strip() for value in fields):
                    continue
                header = [value.strip() for value in fields]
                source.header_line = line
                index = {name: position for position, name in enumerate(header) if name}
                names, groups = self._columns(spec, mapping, index, source)
                key_positions = [names.index(k) for k in spec.key if k in names]
                writer.writerow(names)
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
                continue
            if not any(value.strip() for value in fields):
                continue
            values = {
                name: fields[position].strip()
                for name, position in index.items()
                if position < len(fields)
            }
            for number, rules, grouped in groups:
                if number and not any(values.get(column) for column in grouped):
                    continue  # an unused column group (no second tenant)
                produced = [rule.value(values) for rule in rules]
                if mapping.distinct:
                    key = tuple(produced[position] for position in key_positions)
                    digest = hash(tuple(produced))
                    if seen.get(key) == digest:
                        continue  # the same entity repeated on another row
                    seen.setdefault(key, digest)
                writer.writerow(produced)
                source.lines.append(line)
                if mapping.groups:
                    source.groups.append(number)
            if out.tell() > 64 * 1024:
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
        if header is None:
            return  # an empty source: the v1 check reports an empty file
        yield out.getvalue().encode("utf-8")

    @staticmethod
    def _columns(
        spec: fmt.FileSpec, mapping: EntityMapping, index: dict[str, int], source: _Source
    ) -> tuple[list[str], list[tuple[int, list[FieldRule], list[str]]]]:
        """The v1 columns produced, and their rules per column group present in the header.

        A source column the header lacks leaves its field out of the v1 header, so the check
        reports it as a missing column. A numbered group beyond the first that the header lacks
        entirely is simply not there (a report with two tenant groups, not three).
        """
        numbers = list(range(1, mapping.groups + 1)) if mapping.groups else [0]
        present: list[int] = []
        for number in numbers:
            wanted = [
                column
                for rule in mapping.fields.values()
                if rule.grouped
                for column in rule.for_group(number).source_columns
            ]
            if number > 1 and not any(column in index for column in wanted):
                continue
            present.append(number)
        names: list[str] = []
        for column in spec.columns:
            rule = mapping.fields.get(column.name)
            if rule is None:
                continue
            absent = [
                c
                for number in present
                for c in rule.for_group(number).source_columns
                if c not in index
            ]
            if absent:
                source.missing += [c for c in absent if c not in source.missing]
                continue
            names.append(column.name)
        groups = []
        for number in present:
            rules = [mapping.fields[name].for_group(number) for name in names]
            grouped = [
                column
                for name in names
                if mapping.fields[name].grouped
                for column in mapping.fields[name].for_group(number).source_columns
            ]
            groups.append((number, rules, grouped))
        return names, groups

    # --- the report in the customer's terms -----------------------------------------------

    def _line(self, source: _Source, line: int | None) -> int | None:
        if line is None:
            return None
        if line <= 1:
            return source.header_line
        position = line - 2
        return source.lines[position] if position < len(source.lines) else line

    def translate(self, finding: Finding) -> Finding:
        name = finding.file
        mapping = self.profile.entities.get(name)
        if mapping is None:
            return finding
        source = self._sources.get(name)
        label = source.label if source is not None else self._source_label(mapping)
        if finding.problem_code == MISSING_FILE:
            what = "Das Tabellenblatt" if self.profile.format == "xlsx" else "Die Datei"
            return replace(
                finding,
                file=label,
                message_de=f"{what} fehlt (Importprofil „{self.profile.name}“, für {name}).",
            )
        if source is None:
            return replace(finding, file=label)
        rule = mapping.fields.get(finding.column or "")
        if rule is not None and mapping.groups:
            position = (finding.line or 0) - 2
            if 0 <= position < len(source.groups):
                rule = rule.for_group(source.groups[position])
        column = rule.describe() if rule is not None else finding.column
        message = finding.message_de
        if finding.problem_code == MISSING_COLUMN:
            wanted = message.split("„", 1)[-1].split("“", 1)[0]
            wanted_rule = mapping.fields.get(wanted)
            if wanted_rule is not None and source.missing:
                expanded = [
                    c
                    for number in range(1, max(mapping.groups, 1) + 1)
                    for c in wanted_rule.for_group(number).source_columns
                ]
                absent = [c for c in dict.fromkeys(expanded) if c in source.missing]
                shown = ", ".join(f"„{c}“" for c in absent) or wanted_rule.describe()
                message = (
                    f"Die Spalte {shown} fehlt (Importprofil „{self.profile.name}“, Feld {wanted})."
                )
                column = absent[0] if absent else None
            else:
                message = (
                    f"Das Importprofil „{self.profile.name}“ ordnet dem Pflichtfeld {wanted} "
                    "keine Spalte zu."
                )
        elif rule is not None and finding.problem_code == "invalid_date" and rule.date_format:
            shown = rule.date_format.replace("%d", "TT").replace("%m", "MM").replace("%Y", "JJJJ")
            value = message.split("„", 1)[-1].split("“", 1)[0]
            message = f"„{value}“ ist kein Datum im Format {shown}."
        elif finding.problem_code == EMPTY_FILE:
            message = "Die Quelle hat keine Kopfzeile und keine Daten."
        return replace(
            finding,
            file=label,
            line=self._line(source, finding.line),
            other_line=self._line(source, finding.other_line),
            column=column,
            message_de=message,
        )

    def translate_report(self, report: ValidationReport) -> ValidationReport:
        files = {}
        for name, summary in report.files.items():
            mapping = self.profile.entities.get(name)
            label = self._source_label(mapping) if mapping is not None else name
            files[label] = summary
        # Several entities read from one flat source report the same missing column once.
        findings = list(dict.fromkeys(self.translate(finding) for finding in report.findings))
        return ValidationReport(
            findings=findings,
            files=files,
            use_cases=list(report.use_cases),
            omitted={
                (
                    self._source_label(self.profile.entities[name])
                    if name in self.profile.entities
                    else name
                ): count
                for name, count in report.omitted.items()
            },
        )
