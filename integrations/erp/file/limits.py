"""Limits of an export a validation accepts: unpacked size, number of files, number of rows,
the length of one CSV record, the cells of a workbook and the size of its shared strings.

A .zip is judged by its central directory before a single member is unpacked. The entry count
comes from the end-of-central-directory record (a few bytes at the end of the file), so an
archive announcing millions of entries is refused without building a ``ZipInfo`` for each.
Python's ``zipfile`` never yields more bytes of a member than its header declares, so the sum
of the declared sizes bounds what a validation can ever unpack. A workbook (.xlsx) in the
export is a .zip itself, compressed a second time: its parts are counted too, by the workbook's
own central directory, before a reader opens it.
"""

from __future__ import annotations

import resource
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from integrations.erp.file.report import TOO_LARGE, UNREADABLE, Finding

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_MAX_COMMENT = 0xFFFF


@dataclass(frozen=True, slots=True)
class ExportLimits:
    """What one export may contain; ``None`` means no limit."""

    max_unpacked_bytes: int | None = None
    max_files: int | None = None
    max_rows: int | None = None
    max_line_chars: int | None = None  # one CSV record, in characters
    max_cells: int | None = None  # cells read from a workbook's sheets, empty ones included
    max_shared_strings_bytes: int | None = None  # a workbook's xl/sharedStrings.xml, unpacked


class LimitExceeded(Exception):
    """The export is larger than a limit allows; ``finding`` says so in German."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message_de)
        self.finding = finding


def german_megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def german_number(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def declared_entries(path: Path) -> int | None:
    """The number of entries a .zip declares in its end record, or None if unreadable."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        tail_size = min(size, _EOCD_SIZE + _MAX_COMMENT + 20)
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
        position = tail.rfind(_EOCD)
        if position < 0 or len(tail) - position < _EOCD_SIZE:
            return None
        (total,) = struct.unpack("<H", tail[position + 10 : position + 12])
        if total != 0xFFFF:
            return int(total)
        # ZIP64: the locator sits right before the end record and points at the real count.
        locator = tail[position - 20 : position] if position >= 20 else b""
        if not locator.startswith(_EOCD64_LOCATOR):
            return int(total)
        (offset,) = struct.unpack("<Q", locator[8:16])
        handle.seek(offset)
        record = handle.read(56)
        if not record.startswith(_EOCD64) or len(record) < 56:
            return None
        (total64,) = struct.unpack("<Q", record[32:40])
        return int(total64)


def check_zip(path: Path, limits: ExportLimits) -> Finding | None:
    """A finding when the .zip at ``path`` exceeds the file-count or unpacked-size limit."""
    if limits.max_files is not None:
        entries = declared_entries(path)
        if entries is not None and entries > limits.max_files:
            return Finding(
                path.name,
                None,
                None,
                TOO_LARGE,
                f"Das Archiv enthält {german_number(entries)} Dateien; erlaubt sind höchstens "
                f"{german_number(limits.max_files)}. Es wurde nicht entpackt.",
            )
    if limits.max_unpacked_bytes is not None or limits.max_files is not None:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
        if limits.max_files is not None and len(infos) > limits.max_files:
            return Finding(
                path.name,
                None,
                None,
                TOO_LARGE,
                f"Das Archiv enthält {german_number(len(infos))} Dateien; erlaubt sind "
                f"höchstens {german_number(limits.max_files)}. Es wurde nicht entpackt.",
            )
        unpacked = sum(info.file_size for info in infos)
        if limits.max_unpacked_bytes is not None and unpacked > limits.max_unpacked_bytes:
            return Finding(
                path.name,
                None,
                None,
                TOO_LARGE,
                f"Das Archiv ist entpackt {german_megabytes(unpacked)} MB groß; erlaubt sind "
                f"höchstens {german_megabytes(limits.max_unpacked_bytes)} MB. Es wurde nicht "
                "entpackt (Schutz vor ZIP-Bomben).",
            )
    return check_workbooks(path, limits)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SHARED_STRINGS = "xl/sharedStrings.xml"


def check_workbooks(path: Path, limits: ExportLimits) -> Finding | None:
    """A finding when a workbook inside the .zip at ``path`` unpacks beyond the limits: its
    parts count against the unpacked size together with the archive's other files, and its
    shared strings (which a reader holds in memory whole) against their own limit."""
    if limits.max_unpacked_bytes is None and limits.max_shared_strings_bytes is None:
        return None
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        total = sum(info.file_size for info in infos)
        for info in infos:
            if not info.filename.lower().endswith(WORKBOOK_SUFFIXES):
                continue
            label = info.filename.rsplit("/", 1)[-1]
            # The member is read through zipfile, which yields no more than its declared size
            # (checked above); the workbook's own central directory gives its parts' sizes.
            with archive.open(info) as member:
                try:
                    with zipfile.ZipFile(member) as workbook:
                        parts = workbook.infolist()
                except (zipfile.BadZipFile, OSError, EOFError):
                    return Finding(
                        label,
                        None,
                        None,
                        UNREADABLE,
                        f"{label} kann nicht als Excel-Arbeitsmappe gelesen werden "
                        "(kein gültiges ZIP-Archiv).",
                    )
            inner = sum(part.file_size for part in parts)
            total += inner
            if limits.max_unpacked_bytes is not None and total > limits.max_unpacked_bytes:
                return Finding(
                    label,
                    None,
                    None,
                    TOO_LARGE,
                    f"Die Arbeitsmappe {label} ist entpackt {german_megabytes(inner)} MB groß; "
                    "mit den übrigen Dateien des Archivs erlaubt sind höchstens "
                    f"{german_megabytes(limits.max_unpacked_bytes)} MB. Sie wurde nicht gelesen "
                    "(Schutz vor ZIP-Bomben).",
                )
            strings = sum(part.file_size for part in parts if part.filename == SHARED_STRINGS)
            limit = limits.max_shared_strings_bytes
            if limit is not None and strings > limit:
                return Finding(
                    label,
                    None,
                    None,
                    TOO_LARGE,
                    f"Die Texte der Arbeitsmappe {label} (xl/sharedStrings.xml) sind entpackt "
                    f"{german_megabytes(strings)} MB groß; erlaubt sind höchstens "
                    f"{german_megabytes(limit)} MB. Sie wurde nicht gelesen.",
                )
    return None


class BoundedLines:
    """The lines of a text stream for ``csv.reader``, with one record at most ``max_chars``
    characters long: a longer one ends the reading with ``LimitExceeded`` before it is held in
    memory or split into fields. The reader of the lines calls ``record_done`` after each
    record (a quoted record may span several lines)."""

    def __init__(self, text: TextIO, *, max_chars: int, file: str) -> None:
        self.text = text
        self.max_chars = max_chars
        self.file = file
        self.used = 0
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        room = self.max_chars - self.used
        line = self.text.readline(room + 1)
        if not line:
            raise StopIteration
        self.line += 1
        self.used += len(line)
        if self.used > self.max_chars:
            raise LimitExceeded(too_long_line(self.file, self.line, self.max_chars))
        return line

    def record_done(self) -> None:
        self.used = 0


def too_long_line(file: str, line: int, limit: int) -> Finding:
    return Finding(
        file,
        line,
        None,
        TOO_LARGE,
        f"Die Zeile ist länger als {german_number(limit)} Zeichen; so lange Zeilen werden "
        "nicht gelesen (Schutz vor Speicherüberlauf). Die Prüfung wurde hier abgebrochen.",
    )


def too_many_cells(file: str, line: int, limit: int) -> Finding:
    return Finding(
        file,
        line,
        None,
        TOO_LARGE,
        f"Die Arbeitsmappe hat mehr als {german_number(limit)} Zellen (leere mitgezählt); "
        "mehr werden nicht gelesen. Die Prüfung wurde hier abgebrochen.",
    )


def memory_ceiling_mb() -> int | None:
    """This process's data-memory ceiling in MB (a worker's memory limit), None if none."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_DATA)
    return None if soft == resource.RLIM_INFINITY else soft // (1024 * 1024)


def out_of_memory(file: str, limit_mb: int | None) -> Finding:
    within = f" (höchstens {german_number(limit_mb)} MB)" if limit_mb else ""
    return Finding(
        file,
        None,
        None,
        TOO_LARGE,
        "Das Lesen des Exports brauchte mehr Arbeitsspeicher, als einer Prüfung zusteht"
        f"{within}. Bitte teilen Sie den Export auf oder wenden Sie sich an den Support.",
    )


def too_many_rows(file: str, line: int, limit: int) -> Finding:
    return Finding(
        file,
        line,
        None,
        TOO_LARGE,
        f"Der ERP-Export hat mehr als {german_number(limit)} Zeilen; mehr werden nicht "
        "geprüft. Die Prüfung wurde hier abgebrochen.",
    )
