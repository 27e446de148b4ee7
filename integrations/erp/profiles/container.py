"""An export in the customer's own layout, seen through an import profile as ERP export v1.

``ProfileContainer`` wraps the export's container (a directory or .zip). For each file of export
v1 that the profile maps, it produces the v1 CSV on the fly, one row per source row, while the
source is read in one streaming pass: CSV with the standard library's ``csv`` module (delimiter
and encoding from the profile or detected), XLSX with python-calamine (see ``workbook``). Every
other name (document files) is passed through. So the validator and reader of export v1 do all
the checking and reading, and memory stays flat in the export's size.

What only the profile's rules can find (a value that does not split, a code the code table lacks,
a byte the encoding cannot decode, a filter column the source lacks) is a finding of the
container itself, in the customer's terms; ``translate_report`` adds these to the report.

Encodings are decided honestly: a file is decoded strictly, never with replacement characters.
With ``auto`` it is read as UTF-8 until a byte does not decode; if everything before was plain
ASCII (which UTF-8 and Windows-1252 share) reading switches to Windows-1252 from there, wherever
in the file the first umlaut is; otherwise the line is reported.

The physical source line of every produced row is remembered (4 bytes a row), and the report is
translated back: a finding names the customer's file (or "Arbeitsmappe > Blatt"), its line and
its column, never the v1 file the customer has never seen.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

from integrations.erp.file import format as fmt
from integrations.erp.file.container import (
    ContainerError,
    ExportContainer,
    SingleFileContainer,
    open_container,
    single_file_kind,
)
from integrations.erp.file.limits import (
    ExportLimits,
    LimitExceeded,
    too_long_line,
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
    unique_headers,
)
from integrations.erp.profiles.workbook import (
    EXCEL_ERRORS_DE,
    RowFilter,
    Workbook,
    WorkbookError,
)

if TYPE_CHECKING:
    from integrations.erp.profiles.workbook import Workbook

_SNIFF_BYTES = 64 * 1024
_HEADER_SEARCH_ROWS = 30  # title rows above a header: searched this far down

# Findings of the container (the profile's rules), besides those of the v1 check.
UNKNOWN_CODE = "unknown_code"
SPLIT_FAILED = "split_failed"
ENCODING = "encoding"
FILTER_COLUMN = "filter_column"
LOST_ZEROS = "lost_zeros"
EXCEL_ERROR = "excel_error"


class _Undecodable(Exception):
    """A byte the file's encoding cannot decode; ``message`` is German."""

    def __init__(self, message: str, line: int, prefix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.prefix = prefix  # the text before the byte, still read


class _StrictText:
    """Text of a binary stream, decoded strictly. ``auto``: UTF-8, switching to Windows-1252
    at the first byte that is not UTF-8 when everything before was plain ASCII."""

    def __init__(
        self,
        raw: IO[bytes],
        encoding: str,
        *,
        auto: bool,
        max_chars: int | None = None,
        file: str = "",
    ) -> None:

        # One record (a quoted one may span lines) at most ``max_chars`` characters: a longer
        # one ends the reading with ``LimitExceeded`` before it is held in memory.
        self.max_chars = max_chars
        self.file = file
        self._used = 0
        self._returned = 0
        self._raw = raw
        self._auto = auto
        self.encoding_used = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._ascii_so_far = True
        self._line_breaks = 0
        self._error: _Undecodable | None = None
        self._lines: list[str] = []
        self._position = 0
        self._partial = ""
        self._done = False

    def _decode(self, chunk: bytes, final: bool) -> str:
        """The text of ``chunk``. The decoder may hold the first bytes of a character from the
        chunk before (a UTF-8 lead byte at the end of a chunk, which in Windows-1252 is a
        whole "ß"): an error's offsets count from those held bytes (``exc.object``), and what
        was plain ASCII is judged by the text decoded, not by the bytes read."""
        try:
            text = self._decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            data = bytes(exc.object)  # the held bytes, then the chunk
            if self._auto and self._ascii_so_far and data[: exc.start].isascii():
                self.encoding_used = "cp1252"
                self._decoder = codecs.getincrementaldecoder("cp1252")(errors="strict")
                self._auto = False
                return self._decode(data, final)
            shown = data[exc.start : exc.start + 1].hex().upper()
            line = self._line_breaks + data[: exc.start].count(b"\n") + 1
            good = data[: exc.start]
            codec = "utf-8" if self.encoding_used.startswith("utf-8") else self.encoding_used
            prefix = good.decode(codec, errors="strict").lstrip("\ufeff")
            name = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}.get(
                self.encoding_used, self.encoding_used
            )
            clean_before = self._ascii_so_far and good.isascii()
            if self.encoding_used.startswith("utf-8") and not clean_before:
                raise _Undecodable(
                    f"Ab dieser Zeile ist die Datei nicht mehr {name} (Byte 0x{shown}); davor "
                    "steht UTF-8 mit Umlauten. Bitte speichern Sie die Datei in einer "
                    "Zeichenkodierung.",
                    line,
                    prefix,
                ) from exc
            raise _Undecodable(
                f"Die Zeile enthält ein Byte (0x{shown}), das in der Zeichenkodierung {name} "
                "kein Zeichen ist. Bitte prüfen Sie die Zeichenkodierung im Importprofil.",
                line,
                prefix,
            ) from exc
        if self._ascii_so_far and not text.isascii():
            self._ascii_so_far = False
        self._line_breaks += chunk.count(b"\n")
        return text

    def _fill(self) -> bool:
        """Decode the next chunk into whole lines; False at the end of the file."""
        while self._position >= len(self._lines):
            if self._error is not None:
                raise self._error
            if self._done:
                return False
            chunk = self._raw.read(_SNIFF_BYTES)
            self._done = not chunk
            try:
                text = self._partial + self._decode(chunk, self._done)
            except _Undecodable as exc:
                # The lines before the byte are read; the line with it is not.
                self._error = exc
                self._lines = [piece + "\n" for piece in (self._partial + exc.prefix).split("\n")]
                self._lines.pop()
                self._position = 0
                continue
            pieces = text.split("\n")
            tail = pieces.pop()  # after the last line break
            if self.max_chars is not None and len(tail) > self.max_chars:
                line = self._returned + len(pieces) + 1
                raise LimitExceeded(too_long_line(self.file, line, self.max_chars))
            self._lines = [piece + "\n" for piece in pieces]
            if self._done and tail:
                self._lines.append(tail)
            self._partial = "" if self._done else tail
            self._position = 0
        return True

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if not self._fill():
            raise StopIteration
        line = self._lines[self._position]
        self._position += 1
        self._returned += 1
        self._used += len(line)
        if self.max_chars is not None and self._used > self.max_chars:
            raise LimitExceeded(too_long_line(self.file, self._returned, self.max_chars))
        return line

    def record_done(self) -> None:
        self._used = 0


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
        self.findings: list[Finding] = []  # the profile's rules, in the customer's terms
        self.spreadsheet_rows = array("I")  # v1 data row n -> row as a spreadsheet shows it
        # Keys of a workbook: per key position the width of keys written with leading zeros,
        # and (a few) keys without zeros that are shorter (Excel dropped them from a number).
        self.zero_widths: dict[int, int] = {}
        self.short_keys: list[tuple[int, str, int]] = []
        # A workbook's rows the filter drops are dropped before their cells become text.
        self.row_filter = RowFilter()


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
            return cast("BinaryIO", io.BytesIO(header.encode("utf-8")))
        source = _Source(self._source_label(mapping), mapping)
        self._sources[name] = source
        rows = (
            self._xlsx_rows(mapping, source)
            if self.profile.format == "xlsx"
            else self._csv_rows(mapping, source)
        )
        stream = _GeneratedStream(self._produce(spec, source, rows))
        return cast("BinaryIO", io.BufferedReader(stream, buffer_size=64 * 1024))

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
        if isinstance(self.base, SingleFileContainer) and self.base.kind == "xlsx":
            return self.base.label
        raise ContainerError(
            "Das Importprofil nennt keine Arbeitsmappe (.xlsx) im Export; bitte ergänzen."
        )

    def _source_label(self, mapping: EntityMapping) -> str:
        if mapping.empty:
            return f"(leer laut Importprofil „{self.profile.name}“)"
        if self.profile.format == "xlsx":
            return f"{self._workbook_name()} > {mapping.source}"
        if isinstance(self.base, SingleFileContainer):
            return self.base.label  # the customer's file, whatever the profile calls it
        return mapping.source

    def _source_exists(self, mapping: EntityMapping) -> bool:
        if self.profile.format != "xlsx":
            return self.base.has(mapping.source)
        if not self.base.has(self._workbook_name()):
            return False
        return mapping.source in self._workbook().sheet_names

    def _workbook(self) -> Workbook:
        """The workbook, opened once."""

        if self._workbook_obj is None:
            # The reader needs a seekable file: a member of a .zip is copied to a temporary file.
            handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
            with self.base.open(self._workbook_name()) as member:
                shutil.copyfileobj(member, handle, 1024 * 1024)
            handle.seek(0)
            self._workbook_file = handle
            try:
                self._workbook_obj = Workbook(handle, self._workbook_name())
            except WorkbookError as exc:
                raise ContainerError(str(exc)) from exc
        return self._workbook_obj

    def _xlsx_rows(
        self, mapping: EntityMapping, source: _Source
    ) -> Iterator[tuple[int, int, list[str]]]:
        label = self._source_label(mapping)
        limit = self.limits.max_cells
        dropped = source.row_filter
        number = 0
        for number, values in self._workbook().rows(mapping.source, dropped):
            # A sheet's declared dimension pads every row, and gaps become empty rows.
            self._cells += len(values) + dropped.dropped_cells
            dropped.dropped_cells = 0
            if limit is not None and self._cells > limit:
                raise LimitExceeded(too_many_cells(label, number, limit))
            yield number, number, values
        self._cells += dropped.dropped_cells  # rows dropped after the last one kept
        dropped.dropped_cells = 0
        if limit is not None and self._cells > limit:
            raise LimitExceeded(too_many_cells(label, number, limit))

    def _encoding(self, sample: bytes) -> tuple[str, bool]:
        """The encoding to decode with, and whether it may still switch (``auto``)."""
        chosen = self.profile.encoding
        if chosen != "auto":
            return ("utf-8-sig" if chosen == "utf-8" else chosen), False
        if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16", False
        return "utf-8-sig", True

    def _delimiter(self, text_sample: str) -> str:
        if self.profile.delimiter:
            return self.profile.delimiter
        # The first line that has any delimiter: title rows above the header have none.
        for line in text_sample.splitlines()[:_HEADER_SEARCH_ROWS]:
            counts = {delimiter: line.count(delimiter) for delimiter in DELIMITERS}
            best = max(counts, key=lambda delimiter: counts[delimiter])
            if counts[best]:
                return best
        return ";"

    def _csv_rows(
        self, mapping: EntityMapping, source: _Source
    ) -> Iterator[tuple[int, int, list[str]]]:
        """(physical line, spreadsheet row, fields) of a CSV source; a byte the encoding cannot
        decode ends the file with a finding."""
        with self.base.open(mapping.source) as raw:
            buffered = io.BufferedReader(cast("io.RawIOBase", raw), buffer_size=_SNIFF_BYTES)
            sample = buffered.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
            encoding, auto = self._encoding(sample)
            text = _StrictText(
                buffered,
                encoding,
                auto=auto,
                max_chars=self.limits.max_line_chars,
                file=mapping.source,
            )
            delimiter = self._delimiter(
                sample.decode(encoding if not auto else "utf-8", errors="replace").lstrip("\ufeff")
            )
            reader = csv.reader(text, delimiter=delimiter, quotechar='"')
            end = 0
            try:
                for record, fields in enumerate(reader, start=1):
                    text.record_done()
                    start, end = end + 1, reader.line_num
                    yield start, record, fields
            except _Undecodable as exc:
                source.findings.append(Finding(source.label, exc.line, None, ENCODING, exc.message))
            except csv.Error as exc:
                source.findings.append(
                    Finding(
                        source.label,
                        end + 1,
                        None,
                        "csv_syntax",
                        f"Ab dieser Zeile ist die Datei kein lesbares CSV ({exc}).",
                    )
                )

    # --- producing v1 --------------------------------------------------------------------

    def _header(
        self, mapping: EntityMapping, rows: Iterator[tuple[int, int, list[str]]]
    ) -> tuple[tuple[int, int, list[str]] | None, list[tuple[int, int, list[str]]]]:
        """The header row and the rows read past it (to be produced). ``header_row``: that
        line; else the first row of the first rows that carries every mapped column, else the
        one that carries most of them, else the first non-empty row (title rows of a report
        stand above the header)."""
        if mapping.header_row is not None:
            for item in rows:
                if item[0] >= mapping.header_row:
                    return item, []
            return None, []
        wanted = {
            column
            for rule in mapping.fields.values()
            for column in (rule.for_group(1) if rule.grouped else rule).source_columns
        } | {condition.column for condition in mapping.filter}
        seen: list[tuple[int, int, list[str]]] = []
        for item in rows:
            if any(value.strip() for value in item[2]):
                seen.append(item)
            if len(seen) >= _HEADER_SEARCH_ROWS:
                break
        if not seen:
            return None, []
        scores = [len(wanted & set(unique_headers(item[2]))) for item in seen]
        best = max(range(len(seen)), key=lambda position: (scores[position], -position))
        chosen = best if scores[best] else 0
        return seen[chosen], seen[chosen + 1 :]

    def _produce(
        self, spec: fmt.FileSpec, source: _Source, rows: Iterator[tuple[int, int, list[str]]]
    ) -> Iterator[bytes]:
        mapping = source.mapping
        out = io.StringIO()
        writer = csv.writer(
            out, delimiter=fmt.DELIMITER, quotechar=fmt.QUOTECHAR, lineterminator="\r\n"
        )
        found, past = self._header(mapping, rows)
        if found is None:
            return  # an empty source: the v1 check reports an empty file
        header = unique_headers(found[2])
        source.header_line = found[0]
        index = {name: position for position, name in enumerate(header) if name}
        names, groups = self._columns(spec, mapping, index, source)
        for condition in mapping.filter:
            if condition.column not in index:
                source.findings.append(
                    Finding(
                        source.label,
                        found[0],
                        condition.column,
                        FILTER_COLUMN,
                        f"Die Spalte „{condition.column}“ des Zeilenfilters fehlt "
                        f"(Importprofil „{self.profile.name}“, für {spec.name}).",
                    )
                )
        key_positions = [names.index(k) for k in spec.key if k in names]
        seen: dict[tuple[str, ...], int] = {}  # key -> hash of the row's values (distinct)
        # Only the columns the rules and the filter read are taken from a row.
        used = {
            column
            for _number, rules, _grouped in groups
            for r in rules
            for column in r.source_columns
        }
        # The filter's conditions with their column's position (a column the source lacks
        # reads as empty, as it does in a row too short for it).
        checks = [(c, index.get(c.column, -1)) for c in mapping.filter]
        # The rows still to come from a workbook are filtered before they become text.
        source.row_filter.checks = [(position, c.holds_value) for c, position in checks]
        index = {name: position for name, position in index.items() if name in used}
        plains = {number: [r.plain_column for r in rules] for number, rules, _grouped in groups}
        writer.writerow(names)
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
        # A mapping of plain columns only (no group, no transform) is produced straight from
        # the row's fields, without a dictionary per row: the common case, and the fastest.
        found_positions = [index.get(plain) if plain else None for plain in plains[groups[0][0]]]
        positions = [position for position in found_positions if position is not None]
        straight = len(groups) == 1 and not groups[0][0] and len(positions) == len(found_positions)
        # Cells of a workbook that show a formula's error (calamine reads them as empty).
        errors = (
            self._workbook().error_cells(mapping.source) if self.profile.format == "xlsx" else {}
        )
        # A filter's column decides the row: its error is named whichever file the row was
        # meant for; a mapped column's only for the rows the filter keeps.
        filtered = {position: c.column for c, position in checks if position >= 0}
        mapped = {p: name for name, p in index.items() if p not in filtered}
        for line, record, fields in itertools.chain(past, rows):
            cells = errors.get(line)
            blank = not "".join(fields).strip()
            if blank and cells is None:
                continue  # a blank row
            if cells and filtered:
                self._excel_errors(spec, source, cells, filtered, line)
            if checks and not all(
                condition.holds_value(fields[position] if 0 <= position < len(fields) else "")
                for condition, position in checks
            ):
                continue
            if cells:
                self._excel_errors(spec, source, cells, mapped, line)
            if blank:
                continue
            if straight:
                width = len(fields)
                produced = [fields[p].strip() if p < width else "" for p in positions]
                for at, text in enumerate(produced):
                    if "\n" in text or "\r" in text:
                        produced[at] = " ".join(text.split())
                self._write(writer, produced, mapping, key_positions, seen, source, line, record, 0)
                if out.tell() > 64 * 1024:
                    yield out.getvalue().encode("utf-8")
                    out.seek(0)
                    out.truncate()
                continue
            values = {
                name: fields[position].strip()
                for name, position in index.items()
                if position < len(fields)
            }
            for number, rules, grouped in groups:
                if number and not any(values.get(column) for column in grouped):
                    continue  # an unused column group (no second tenant)
                produced = []
                for name, rule, plain in zip(names, rules, plains[number], strict=True):
                    if plain is not None:  # a column as it is: inline
                        text = values.get(plain, "")
                        if "\n" in text or "\r" in text:
                            text = " ".join(text.split())
                        produced.append(text)
                        continue
                    text, problem = rule.produce(values)
                    if problem is not None:
                        self._rule_finding(source, spec, name, rule, line, record, problem)
                    produced.append(text)
                self._write(
                    writer, produced, mapping, key_positions, seen, source, line, record, number
                )
            if out.tell() > 64 * 1024:
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode("utf-8")
        self._lost_zeros(spec, source, names, groups[0][1])

    def _lost_zeros(
        self, spec: fmt.FileSpec, source: _Source, names: list[str], rules: list[FieldRule]
    ) -> None:
        """A key column of a workbook with keys such as "0001" and, in other rows, "2": the
        second lost its zeros (a number cell without a format that pads)."""
        reported = 0
        for position, value, line in source.short_keys:
            width = source.zero_widths.get(position)
            if width is None or len(value) >= width or reported >= 20:
                continue
            reported += 1
            source.findings.append(
                Finding(
                    source.label,
                    line,
                    rules[position].describe(),
                    LOST_ZEROS,
                    f"Der Schlüssel „{value}“ hat vermutlich seine führenden Nullen verloren: "
                    f"andere Zeilen schreiben {names[position]} mit {width} Stellen (z. B. "
                    f"„{value.zfill(width)}“). Bitte formatieren Sie die Spalte in Excel als "
                    f"Text oder mit dem Zahlenformat „{'0' * width}“ (Importprofil "
                    f"„{self.profile.name}“, {spec.name}).",
                )
            )

    @staticmethod
    def _write(
        writer: Any,
        produced: list[str],
        mapping: EntityMapping,
        key_positions: list[int],
        seen: dict[tuple[str, ...], int],
        source: _Source,
        line: int,
        record: int,
        number: int,
    ) -> None:
        """One row of the v1 file (once per key with ``distinct``), and where it came from."""
        if mapping.distinct:
            key = tuple(produced[position] for position in key_positions)
            digest = hash(tuple(produced))
            if seen.get(key) == digest:
                return  # the same entity repeated on another row
            seen.setdefault(key, digest)
        writer.writerow(produced)
        source.lines.append(line)
        source.spreadsheet_rows.append(record)
        if mapping.groups:
            source.groups.append(number)
        if source.label.endswith(f" > {mapping.source}"):  # a sheet of a workbook
            for position in key_positions:
                value = produced[position]
                if not value.isdigit():
                    continue
                if value[0] == "0" and len(value) > 1:
                    known = source.zero_widths.get(position, 0)
                    source.zero_widths[position] = max(known, len(value))
                else:
                    width = source.zero_widths.get(position)
                    shorter = width is not None and len(value) < width
                    if shorter or (width is None and len(source.short_keys) < 200):
                        source.short_keys.append((position, value, line))

    def _excel_errors(
        self,
        spec: fmt.FileSpec,
        source: _Source,
        cells: dict[int, str],
        mapped: dict[int, str],
        line: int,
    ) -> None:
        """A mapped cell that shows a formula's error has no value: a finding, in the words
        German Excel shows ("#NV" for "#N/A")."""
        for position, error in sorted(cells.items()):
            column = mapped.get(position)
            if column is None or len(source.findings) >= 100:
                continue
            shown = EXCEL_ERRORS_DE.get(error, error)
            named = f"„{shown}“" if shown == error else f"„{shown}“ ({error})"
            source.findings.append(
                Finding(
                    source.label,
                    line,
                    column,
                    EXCEL_ERROR,
                    f"Die Zelle zeigt den Excel-Fehler {named} statt eines Werts. Bitte "
                    "korrigieren Sie die Formel in der Arbeitsmappe oder leeren Sie die Zelle "
                    f"(Importprofil „{self.profile.name}“, {spec.name}).",
                )
            )

    def _rule_finding(
        self,
        source: _Source,
        spec: fmt.FileSpec,
        name: str,
        rule: FieldRule,
        line: int,
        record: int,
        problem: str,
    ) -> None:
        code = SPLIT_FAILED if rule.split is not None and "trennen" in problem else UNKNOWN_CODE
        if len(source.findings) >= 100:  # a report stays readable
            return
        source.findings.append(
            Finding(
                source.label,
                line,
                rule.describe(),
                code,
                f"{problem} (Importprofil „{self.profile.name}“, Feld {name} von {spec.name})"
                + self._row_note(line, record),
            )
        )

    def _row_note(self, line: int, record: int) -> str:
        if self.profile.format == "csv" and record != line:
            return f"; in einer Tabellenkalkulation Zeile {record}"
        return ""

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
        elif finding.problem_code == "invalid_date" and self.profile.format == "xlsx":
            value = message.split("„", 1)[-1].split("“", 1)[0]
            message = (
                f"„{value}“ ist kein Datum: Die Zelle enthält Text. Bitte formatieren Sie sie als "
                "Datum oder geben Sie im Importprofil das Datumsformat an (z. B. TT.MM.JJJJ)."
            )
        elif finding.problem_code == EMPTY_FILE:
            message = "Die Quelle hat keine Kopfzeile und keine Daten."
        if finding.line is not None and finding.line > 1:
            position = finding.line - 2
            if position < len(source.lines):
                message += self._row_note(source.lines[position], source.spreadsheet_rows[position])
        return replace(
            finding,
            file=label,
            line=self._line(source, finding.line),
            other_line=self._line(source, finding.other_line),
            column=column,
            message_de=message,
        )

    def translate_report(self, report: ValidationReport) -> ValidationReport:
        labels = {
            name: self._source_label(mapping)
            for name, mapping in self.profile.entities.items()
            if not mapping.empty
        }
        shared = {label for label in labels.values() if list(labels.values()).count(label) > 1}
        files = {}
        for name, summary in report.files.items():
            mapping = self.profile.entities.get(name)
            if mapping is not None and mapping.empty:
                continue  # declared empty: no file of the customer's
            label = labels.get(name, name)
            if label in shared:
                label = f"{label} (für {name})"  # one source, several files of export v1
            files[label] = replace(summary, export_file=name)
        own = [finding for source in self._sources.values() for finding in source.findings]
        marked = {(finding.file, finding.line, finding.column) for finding in own}
        marked_lines = {(finding.file, finding.line) for finding in own}
        translated = []
        for finding in report.findings:
            shown = self.translate(finding)
            if (shown.file, shown.line, shown.column) in marked:
                continue  # the rule's finding says it better
            if finding.problem_code == "name_missing" and (shown.file, shown.line) in marked_lines:
                continue
            translated.append(shown)
        # Several entities read from one flat source report the same missing column once.
        findings = list(dict.fromkeys([*own, *translated]))
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


def open_export(
    path: Path, profile: ImportProfile | None = None, limits: ExportLimits | None = None
) -> ExportContainer:
    """The export at ``path``; with an import profile, seen through it as export v1 (its
    sources read within ``limits``: record length, cells). A single ``.csv`` or ``.xlsx`` of a
    profile is taken without a ZIP around it."""
    if profile is None:
        return open_container(path)
    single = single_file_kind(path)
    if single is not None:
        return ProfileContainer(
            SingleFileContainer(path, single, profile.sources()), profile, limits=limits
        )
    return ProfileContainer(open_container(path), profile, limits=limits)
