"""Where an export's files live: a directory or a .zip, behind one small interface."""

from __future__ import annotations

import os
import stat
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from integrations.erp.file.format import MANDANTEN, is_safe_path

# Names of spreadsheet files: only an .xlsx that is one is read, never as text.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


class ContainerError(Exception):
    """The export cannot be opened at all; the message is German, for people."""


class ExportContainer(Protocol):
    label: str  # the export's name in messages

    def has(self, name: str) -> bool: ...

    def open(self, name: str) -> BinaryIO: ...

    def size(self, name: str) -> int | None:
        """Size of a file of the export in bytes, or None if there is no such file."""
        ...

    def opener(self, name: str) -> Callable[[], BinaryIO]: ...

    def fingerprint(self) -> tuple[object, ...]:
        """Changes when the export's CSV files change."""
        ...

    def close(self) -> None: ...


def open_container(path: Path) -> ExportContainer:
    """The export v1 at ``path``: a directory or a ZIP archive (with an import profile, see
    ``integrations.erp.profiles.container.open_export``)."""
    if path.is_dir():
        return DirectoryContainer(path)
    if not path.exists():
        raise ContainerError(f"Den ERP-Export {path} gibt es nicht.")
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            raise ContainerError(
                f"{path.name} ist keine Excel-Arbeitsmappe im Format .xlsx (sie ist beschädigt "
                "oder in einem anderen Format gespeichert, etwa im alten Format .xls). Bitte "
                "speichern Sie sie in Excel als „Excel-Arbeitsmappe (.xlsx)“."
            )
        raise ContainerError(
            f"{path.name} ist weder ein Verzeichnis noch ein ZIP-Archiv; "
            "ein ERP-Export ist eines von beiden."
        )
    return ZipContainer(path)


def single_file_kind(path: Path) -> str | None:
    """ "xlsx" or "csv" when ``path`` is one file of a customer's export (no .zip around it):
    a workbook (itself a zip of ``xl/`` parts) or a text file; None otherwise."""
    if not path.is_file():
        return None
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                return "xlsx" if "xl/workbook.xml" in archive.namelist() else None
        except (zipfile.BadZipFile, OSError):
            return None
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return None  # named a workbook but none that is read: never taken as text
    with path.open("rb") as handle:
        start = handle.read(4096)
    if path.suffix.lower() in (".csv", ".txt") or (start and b"\x00" not in start[:1024]):
        return "csv"
    return None


class SingleFileContainer:
    """One CSV file or workbook taken as the whole export: it stands for the source(s) of the
    profile (a flat report, or a workbook with all sheets) under any of their names."""

    def __init__(self, path: Path, kind: str, sources: frozenset[str]) -> None:
        self.path = path
        self.kind = kind
        self.label = path.name
        # A CSV file stands for the profile's one CSV source; a workbook for its workbook.
        self._names = sources if len(sources) == 1 or kind == "xlsx" else frozenset()

    def has(self, name: str) -> bool:
        return name == self.path.name or name in self._names

    def open(self, name: str) -> BinaryIO:
        if not self.has(name):
            raise FileNotFoundError(name)
        return self.path.open("rb")

    def size(self, name: str) -> int | None:
        return self.path.stat().st_size if self.has(name) else None

    def opener(self, name: str) -> Callable[[], BinaryIO]:
        return lambda: self.open(name)

    def fingerprint(self) -> tuple[object, ...]:
        status = self.path.stat()
        return (str(self.path), status.st_size, status.st_mtime_ns)

    def close(self) -> None:
        pass


class DirectoryContainer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = root.name

    def _path(self, name: str) -> Path | None:
        return self.root / name if is_safe_path(name) else None

    def has(self, name: str) -> bool:
        path = self._path(name)
        return path is not None and path.is_file()

    def open(self, name: str) -> BinaryIO:
        path = self._path(name)
        if path is None:
            raise FileNotFoundError(name)
        return path.open("rb")

    def size(self, name: str) -> int | None:
        path = self._path(name)
        if path is None:
            return None
        try:
            status = os.stat(path)
        except OSError:
            return None
        return status.st_size if stat.S_ISREG(status.st_mode) else None

    def opener(self, name: str) -> Callable[[], BinaryIO]:
        return lambda: self.open(name)

    def fingerprint(self) -> tuple[object, ...]:
        marks: list[object] = [str(self.root)]
        for entry in sorted(os.scandir(self.root), key=lambda entry: entry.name):
            if entry.name.endswith(".csv") and entry.is_file():
                status = entry.stat()
                marks.append((entry.name, status.st_size, status.st_mtime_ns))
        return tuple(marks)

    def close(self) -> None:
        pass


class ZipContainer:
    """A .zip export. One archive handle is shared (zipfile reads members thread-safely);
    a zip whose files sit in one top-level folder is read from inside that folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        self._lock = threading.Lock()

    def _archive(self) -> zipfile.ZipFile:
        with self._lock:
            if self._zip is None:
                try:
                    archive = zipfile.ZipFile(self.path)
                except (zipfile.BadZipFile, OSError) as exc:
                    raise ContainerError(
                        f"{self.path.name} kann nicht als ZIP-Archiv gelesen werden."
                    ) from exc
                self._prefix = _single_folder(archive)
                self._zip = archive
            return self._zip

    def _info(self, name: str) -> zipfile.ZipInfo | None:
        if not is_safe_path(name):
            return None
        try:
            info = self._archive().getinfo(self._prefix + name)
        except KeyError:
            return None
        return None if info.is_dir() else info

    def has(self, name: str) -> bool:
        return self._info(name) is not None

    def open(self, name: str) -> BinaryIO:
        info = self._info(name)
        if info is None:
            raise FileNotFoundError(name)
        return cast("BinaryIO", self._archive().open(info))

    def size(self, name: str) -> int | None:
        info = self._info(name)
        return None if info is None else info.file_size

    def opener(self, name: str) -> Callable[[], BinaryIO]:
        return lambda: self.open(name)

    def fingerprint(self) -> tuple[object, ...]:
        status = self.path.stat()
        return (str(self.path), status.st_size, status.st_mtime_ns)

    def close(self) -> None:
        with self._lock:
            if self._zip is not None:
                self._zip.close()
                self._zip = None


def _single_folder(archive: zipfile.ZipFile) -> str:
    """ "export/" when every entry sits in the folder export/ and mandanten.csv is in there:
    people zip the folder, not its contents."""
    names = archive.namelist()
    if MANDANTEN.name in names:
        return ""
    # macOS adds a __MACOSX/ folder of resource forks to the archives it makes.
    tops = {name.split("/", 1)[0] for name in names if not name.startswith("__MACOSX/")}
    if len(tops) == 1:
        top = f"{tops.pop()}/"
        if top + MANDANTEN.name in names:
            return top
    return ""
