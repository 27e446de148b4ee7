"""Hostile exports for the security tests and the parsing benchmark.

Each function returns the bytes of an export (.zip) that is small on the wire and meant to
exhaust a parser that trusts it: an XML entity bomb inside a workbook, a workbook whose shared
strings unpack to hundreds of megabytes, a zip bomb inside the workbook, a CSV file of one
endless line. They are built in a streaming way, so building one costs little memory.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="einheiten" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    "</sheetData></worksheet>"
)
_SST_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    "<!DOCTYPE sst [\n"
    '<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + "]>\n"
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<si><t>wirtschaftseinheit_nr</t></si><si><t>&lol9;</t></si></sst>"
)


def _workbook(parts: dict[str, Iterator[bytes]]) -> bytes:
    """A workbook (.xlsx) of the fixed parts plus ``parts``, each written chunk by chunk."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", _SHEET)
        for name, chunks in parts.items():
            with book.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return buffer.getvalue()


def _export(name: str, data: bytes) -> bytes:
    """An export (.zip) holding one file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def billion_laughs_xlsx(name: str = "export.xlsx") -> bytes:
    """An export whose workbook's shared strings define nested XML entities (a billion laughs:
    a few hundred bytes that expand to gigabytes in a parser that expands entities)."""
    return _export(name, _workbook({"xl/sharedStrings.xml": iter([_LAUGHS.encode()])}))


def shared_strings_xlsx(
    unpacked_bytes: int = 200 * 1024 * 1024, padding: int = 0, name: str = "export.xlsx"
) -> bytes:
    """An export whose workbook holds one string of ``unpacked_bytes`` in its shared strings,
    plus ``padding`` bytes of incompressible noise (a picture, say) to reach a given size on the
    wire: ``padding=512 * 1024`` gives the 514 KB sample of 200 MB shared strings."""

    def chunks() -> Iterator[bytes]:
        yield (_SST_HEAD + "<si><t>wirtschaftseinheit_nr</t></si><si><t>").encode()
        block = b"A" * (1024 * 1024)
        for _ in range(unpacked_bytes // len(block)):
            yield block
        yield b"</t></si></sst>"

    parts = {"xl/sharedStrings.xml": chunks()}
    if padding:
        parts["xl/media/image1.bin"] = iter([random.Random(0).randbytes(padding)])  # noqa: S311 - noise, not a secret
    return _export(name, _workbook(parts))


def zip_bomb_xlsx(unpacked_bytes: int = 1024 * 1024 * 1024, name: str = "export.xlsx") -> bytes:
    """An export whose workbook carries a part of ``unpacked_bytes`` zeros (a zip bomb inside
    the zip: the outer archive only sees the small compressed workbook)."""

    def zeros() -> Iterator[bytes]:
        block = bytes(1024 * 1024)
        for _ in range(unpacked_bytes // len(block)):
            yield block

    strings = _SST_HEAD + "<si><t>wirtschaftseinheit_nr</t></si><si><t>1</t></si></sst>"
    parts = {"xl/sharedStrings.xml": iter([strings.encode()]), "xl/media/image1.bin": zeros()}
    return _export(name, _workbook(parts))


def long_line_csv(unpacked_bytes: int = 400 * 1024 * 1024) -> bytes:
    """An export whose mandanten.csv is one line of ``unpacked_bytes`` separators: millions of
    empty fields for a CSV reader that builds the line's list of fields."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("mandanten.csv", "w", force_zip64=True) as member,
    ):
        member.write(b"mandant_nr;name\r\n1;")
        block = b";" * (1024 * 1024)
        for _ in range(unpacked_bytes // len(block)):
            member.write(block)
        member.write(b"\r\n")
    return buffer.getvalue()


HOSTILE_EXPORTS = {
    "billion_laughs_xlsx": billion_laughs_xlsx,
    "shared_strings_xlsx": shared_strings_xlsx,
    "zip_bomb_xlsx": zip_bomb_xlsx,
    "long_line_csv": long_line_csv,
}
