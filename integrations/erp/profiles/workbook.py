"""Reading an Excel workbook (.xlsx) of a customer's export: rows of cell texts per sheet.

The cells are read with ``python-calamine`` (Rust's calamine): a sheet is parsed in native code
and held there compactly, and its rows become Python values only while they are iterated, so
a 20,000-unit workbook reads in a fraction of the time openpyxl needs.

calamine gives a number cell's value, not its number format. A key such as ``0001`` kept as the
number 1 with the format ``0000`` would lose its zeros, so the formats that pad with zeros are
looked up separately: the style sheet (``xl/styles.xml``, small) says which cell styles pad; only
when one does, the sheet's XML is scanned for the cells that carry such a style (the ``s``
attribute of a ``<c>`` element), and their numbers are padded as Excel shows them.

calamine gives a formula's error (``#N/A``, German Excel's ``#NV``) as an empty cell. So that no
such cell passes as "no value", ``error_cells`` finds them in the sheet's XML (a search in C for
``t="e"``, which only sheets with errors go on from).
"""

from __future__ import annotations

import posixpath
import re
import resource
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException, ElementTree
from python_calamine import CalamineWorkbook

from integrations.erp.file.limits import memory_ceiling_mb

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Zero-padding number formats: "0000", "00000" (also "\"\"0000" or "0000;@" variants).
_PADDED = re.compile(r'^(?:"[^"]*")?(0{2,})(?:;.*)?$')
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_S_BEFORE_R = re.compile(rb'<c\s[^>]*?\bs="\d+"[^>]*?\br="')  # a cell written style first
_ERROR_CELL = re.compile(rb'<c\s([^>]*?\bt="e"[^>]*)>(.*?)</c>', re.DOTALL)
_VALUE = re.compile(rb"<v>([^<]*)</v>")
# A piece of a sheet's XML is cut before its last cell, unless none ends in this much text.
_PIECE_LIMIT = 16 * 1024 * 1024
# Excel's error values as the file stores them, and as German Excel shows them.
EXCEL_ERRORS_DE = {
    "#N/A": "#NV",
    "#VALUE!": "#WERT!",
    "#REF!": "#BEZUG!",
    "#NUM!": "#ZAHL!",
    "#DIV/0!": "#DIV/0!",
    "#NAME?": "#NAME?",
    "#NULL!": "#NULL!",
}


class WorkbookError(ValueError):
    """The workbook cannot be read; the message is German, for people."""


def _hostile(name: str) -> WorkbookError:
    return WorkbookError(
        f"Die Datei „{name}“ enthält eine Arbeitsmappe mit XML-Entitäten oder einer DTD; solche "
        "Dateien werden aus Sicherheitsgründen nicht gelesen."
    )


def _xml(data: bytes, name: str) -> Element:
    """A workbook part's XML, parsed without entity expansion or DTDs (defusedxml)."""
    try:
        root: Element = ElementTree.fromstring(data)
    except DefusedXmlException as exc:
        raise _hostile(name) from exc
    return root


# A DTD (and with it any entity declaration) stands in an XML document's prolog, before its
# root element: the first bytes of each part tell.
_PROLOG_BYTES = 4096


# calamine holds the shared strings and one parsed sheet in native memory, about twice the size
# of their XML. A native allocation beyond the worker's ceiling would abort the worker instead
# of raising MemoryError, so the need is estimated before reading.
NATIVE_FACTOR = 2


def _check_memory(handle: IO[bytes]) -> None:
    """MemoryError (a German finding for the caller) when reading would pass the ceiling."""
    ceiling = memory_ceiling_mb()
    if ceiling is None:
        return
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            parts = [
                info.file_size
                for info in archive.infolist()
                if info.filename.startswith("xl/worksheets/")
                or info.filename == "xl/sharedStrings.xml"
            ]
    except zipfile.BadZipFile:
        return  # the reader says it cannot read it
    finally:
        handle.seek(0)
    strings_and_largest_sheet = sum(sorted(parts)[-2:]) if parts else 0
    if strings_and_largest_sheet * NATIVE_FACTOR > ceiling * 1024 * 1024 - _resident_bytes():
        raise MemoryError


def _resident_bytes() -> int:
    """What this process holds in memory now (its peak where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _refuse_dtd(handle: IO[bytes], name: str) -> None:
    """Refuse a workbook whose XML parts declare a DTD or entities (billion laughs), before any
    reader sees them; reads only each part's first bytes."""
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            for info in archive.infolist():
                if not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(info) as part:
                    head = part.read(_PROLOG_BYTES)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise _hostile(name)
    except zipfile.BadZipFile as exc:
        raise WorkbookError(f"{name} kann nicht als Excel-Arbeitsmappe gelesen werden.") from exc
    finally:
        handle.seek(0)


def cell_text(value: object, pad: int = 0) -> str:
    """A cell as text: dates as JJJJ-MM-TT, whole numbers without ".0" (padded with zeros to
    ``pad`` digits when the cell's number format does so)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value)).zfill(pad) if pad else str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value).zfill(pad) if pad else str(value)
    return str(value)


def _pieces(member: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """A sheet's XML in chunks, as (text, end): ``text[:end]`` holds whole cells only, a cell
    cut at a chunk's end comes with the next piece."""
    tail = b""
    while True:
        chunk = member.read(4 * 1024 * 1024)
        text = tail + chunk
        if not chunk:
            if text:
                yield text, len(text)
            return
        cut = text.rfind(b"<c")
        if cut <= 0:
            cut = len(text) if len(text) > _PIECE_LIMIT else 0  # never hold a whole sheet
        if cut:
            yield text, cut
        tail = text[cut:]


def _collect_errors(
    text: bytes, end: int, first_column: int, found: dict[int, dict[int, str]]
) -> None:
    """The error cells of ``text[:end]``: row -> position in the row -> error value."""
    if text.find(b't="e"', 0, end) < 0:
        return
    for match in _ERROR_CELL.finditer(text, 0, end):
        ref = _REF.search(match.group(1))
        if ref is None:
            continue
        value = _VALUE.search(match.group(2))
        shown = value.group(1).decode("utf-8", "replace") if value else "#?"
        found.setdefault(int(ref.group(2)), {})[_column_number(ref.group(1)) - first_column] = shown


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1


class RowFilter:
    """The rows of a sheet a reader keeps, decided on the cells of the filter's columns
    before a row's other cells become text (a person list feeds tenants and owners, so each
    reading drops about half of its rows). The reader sets ``checks`` (position, test of the
    cell's text) once it has found the header; ``dropped_cells`` counts the cells of the rows
    dropped since the reader last looked (for the limit of cells read)."""

    __slots__ = ("checks", "dropped_cells")

    def __init__(self) -> None:
        self.checks: list[tuple[int, Callable[[str], bool]]] = []
        self.dropped_cells = 0


def _cell(values: list[Any], position: int, widths: dict[int, int] | None, first: int) -> str:
    """One cell of a row as text, as ``Workbook.rows`` gives it ("" outside the row)."""
    if not 0 <= position < len(values):
        return ""
    value = values[position]
    if type(value) is str:
        return value
    width = widths.get(position + first) if widths else None
    if width and type(value) in (int, float):
        return cell_text(value, width)
    return cell_text(value)


class Workbook:
    """An open workbook. ``handle`` is a seekable binary file of the .xlsx."""

    def __init__(self, handle: IO[bytes], name: str) -> None:

        self.name = name
        self._handle = handle
        _refuse_dtd(handle, name)
        _check_memory(handle)
        try:
            self._book = CalamineWorkbook.from_filelike(handle)
        except Exception as exc:  # calamine raises several kinds for a broken file
            raise WorkbookError(
                f"{name} kann nicht als Excel-Arbeitsmappe gelesen werden."
            ) from exc
        self.sheet_names: list[str] = list(self._book.sheet_names)
        self._padded_styles: dict[int, int] | None = None
        self._sheets: dict[str, Any] = {}  # parsed once (a list feeds tenants and owners)
        self._paddings: dict[str, dict[int, dict[int, int]]] = {}
        self._errors: dict[str, dict[int, dict[int, str]]] = {}

    def close(self) -> None:
        self._book.close()

    def rows(
        self, sheet: str, row_filter: RowFilter | None = None
    ) -> Iterator[tuple[int, list[str]]]:
        """(physical row number, cell texts) of a sheet, from row 1 on; with ``row_filter``
        (once its checks are set) only the rows it keeps."""
        data = self._sheet(sheet)
        first_column = data.start[1] if data.start else 0
        padding = self._paddings.get(sheet)
        if padding is None:
            padding = self._paddings[sheet] = self._padding(sheet, first_column)
        for number, values in enumerate(data.iter_rows(), start=1):
            if row_filter is not None and row_filter.checks:
                widths = padding.get(number) if padding else None
                if not all(
                    check(_cell(values, position, widths, first_column))
                    for position, check in row_filter.checks
                ) and number not in self._errors.get(sheet, {}):
                    # A row the filter drops: its other cells are never converted (one that
                    # shows a formula's error goes on, for the reader to name it).
                    row_filter.dropped_cells += len(values)
                    continue
            # Most cells are text: taken as they are, without a call; so are whole numbers and
            # dates (a contract list has two date columns).
            texts = [
                v
                if type(v) is str
                else str(int(v))
                if type(v) is float and v.is_integer()
                else v.isoformat()
                if type(v) is date
                else cell_text(v)
                for v in values
            ]
            widths = padding.get(number) if padding else None
            if widths:
                for column, width in widths.items():
                    position = column - first_column
                    if 0 <= position < len(values) and type(values[position]) in (int, float):
                        texts[position] = cell_text(values[position], width)
            yield number, texts

    def _sheet(self, sheet: str) -> Any:
        data = self._sheets.get(sheet)
        if data is None:
            try:
                data = self._sheets[sheet] = self._book.get_sheet_by_name(sheet)
            except Exception as exc:
                raise WorkbookError(f"{self.name} > {sheet} kann nicht gelesen werden.") from exc
        return data

    def error_cells(self, sheet: str) -> dict[int, dict[int, str]]:
        """Row -> position in the row (as ``rows`` gives it) -> the error value ("#N/A") of
        the cells of ``sheet`` that show a formula's error."""
        found = self._errors.get(sheet)
        if found is not None:
            return found
        found = self._errors[sheet] = {}
        data = self._sheet(sheet)
        first_column = data.start[1] if data.start else 0
        self._handle.seek(0)
        try:
            with zipfile.ZipFile(self._handle) as archive:
                path = self._sheet_path(archive, sheet)
                if path is None:
                    return found
                with archive.open(path) as member:
                    for text, end in _pieces(member):
                        _collect_errors(text, end, first_column, found)
        except (KeyError, ElementTree.ParseError, zipfile.BadZipFile):
            return found
        return found

    # --- number formats that pad with zeros ---------------------------------------------

    def _styles(self) -> dict[int, int]:
        """Cell style index -> digits, for the styles whose number format pads with zeros."""
        if self._padded_styles is None:
            self._padded_styles = {}
            self._handle.seek(0)
            with zipfile.ZipFile(self._handle) as archive:
                try:
                    root = _xml(archive.read("xl/styles.xml"), self.name)
                except (KeyError, ElementTree.ParseError):
                    return self._padded_styles
            formats = {
                int(item.get("numFmtId", "0")): item.get("formatCode", "")
                for item in root.iter(f"{_MAIN}numFmt")
            }
            cell_xfs = root.find(f"{_MAIN}cellXfs")
            for index, xf in enumerate(cell_xfs if cell_xfs is not None else []):
                match = _PADDED.match(formats.get(int(xf.get("numFmtId", "0")), ""))
                if match is not None:
                    self._padded_styles[index] = len(match.group(1))
        return self._padded_styles

    def _sheet_path(self, archive: zipfile.ZipFile, sheet: str) -> str | None:
        book = _xml(archive.read("xl/workbook.xml"), self.name)
        rels = _xml(archive.read("xl/_rels/workbook.xml.rels"), self.name)
        targets = {
            rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PACKAGE_REL}Relationship")
        }
        for item in book.iter(f"{_MAIN}sheet"):
            if item.get("name") == sheet:
                target = targets.get(item.get(f"{_REL}id"), "")
                if target.startswith("/"):
                    return target.lstrip("/")
                return posixpath.normpath(posixpath.join("xl", target))
        return None

    @staticmethod
    def _scan(
        member: IO[bytes],
        pattern: re.Pattern[bytes],
        styles: dict[int, int],
        found: dict[int, dict[int, int]],
        *,
        ordered: bool,
        errors: dict[int, dict[int, str]] | None = None,
        first_column: int = 0,
    ) -> None:
        """Find the padded cells; with ``errors``, the error cells in the same pass."""
        columns: dict[bytes, int] = {}  # column letters -> number, converted once
        for text, cut in _pieces(member):
            if errors is not None:
                _collect_errors(text, cut, first_column, errors)
            for match in pattern.finditer(text, 0, cut):
                if ordered:
                    letters, row, style = match.groups()
                else:
                    start = text.rfind(b"<", 0, match.start())
                    if text[start : start + 3] not in (b"<c ", b"<c\t", b"<c\n"):
                        continue  # a style of another element (a row's)
                    ref = _REF.search(text, start, text.find(b">", match.end()))
                    if ref is None:
                        continue
                    letters, row, style = ref.group(1), ref.group(2), match.group(1)
                column = columns.get(letters)
                if column is None:
                    column = columns[letters] = _column_number(letters)
                cells = found.setdefault(int(row), {})
                cells[column] = styles[int(style)]

    @staticmethod
    def _writes_r_before_s(archive: zipfile.ZipFile, path: str) -> bool:
        """Whether the sheet's cells carry their reference before their style (as Excel and
        openpyxl write them): then the first scan saw every styled cell, and a sheet without
        padded cells (a person list) is not searched a second time."""
        with archive.open(path) as member:
            head = member.read(_PROLOG_BYTES * 16)
        return b'<c r="' in head and _S_BEFORE_R.search(head) is None

    def _padding(self, sheet: str, first_column: int) -> dict[int, dict[int, int]]:
        """Row -> column -> digits of the cells of ``sheet`` whose number format pads. The
        same pass over the sheet's XML finds its error cells (``error_cells``)."""
        styles = self._styles()
        if not styles:
            return {}
        found: dict[int, dict[int, int]] = {}
        self._handle.seek(0)
        with zipfile.ZipFile(self._handle) as archive:
            try:
                path = self._sheet_path(archive, sheet)
                if path is None:
                    return {}
                # One scan in C finds the cells with a padding style: first in the attribute
                # order Excel and openpyxl write (r, then s), else in any order.
                wanted = b"|".join(str(index).encode() for index in styles)
                ordered = re.compile(rb'<c r="([A-Z]{1,3})(\d+)" s="(' + wanted + rb')"')
                anywhere = re.compile(rb'\ss="(' + wanted + rb')"')
                errors: dict[int, dict[int, str]] = {}
                with archive.open(path) as member:
                    self._scan(
                        member,
                        ordered,
                        styles,
                        found,
                        ordered=True,
                        errors=errors,
                        first_column=first_column,
                    )
                self._errors[sheet] = errors
                if not found and not self._writes_r_before_s(archive, path):
                    with archive.open(path) as member:
                        self._scan(member, anywhere, styles, found, ordered=False)
            except (KeyError, ElementTree.ParseError, zipfile.BadZipFile):
                return found
        return found
