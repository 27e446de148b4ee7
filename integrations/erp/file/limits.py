"""Limits of an export a validation accepts: unpacked size, number of files, number of rows.

A .zip is judged by its central directory before a single member is unpacked. The entry count
comes from the end-of-central-directory record (a few bytes at the end of the file), so an
archive announcing millions of entries is refused without building a ``ZipInfo`` for each.
Python's ``zipfile`` never yields more bytes of a member than its header declares, so the sum
of the declared sizes bounds what a validation can ever unpack.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from integrations.erp.file.report import TOO_LARGE, Finding

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
    return None


def too_many_rows(file: str, line: int, limit: int) -> Finding:
    return Finding(
        file,
        line,
        None,
        TOO_LARGE,
        f"Der ERP-Export hat mehr als {german_number(limit)} Zeilen; mehr werden nicht "
        "geprüft. Die Prüfung wurde hier abgebrochen.",
    )
