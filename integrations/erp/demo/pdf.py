"""A tiny valid PDF (one A4 page with a title line), built in memory, a few hundred bytes."""

from __future__ import annotations


def _pdf_string(text: str) -> bytes:
    # WinAnsiEncoding covers German umlauts and ß; anything else becomes "?".
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def tiny_pdf(title: str, subtitle: str = "") -> bytes:
    """Return the bytes of a one-page PDF showing ``title`` (and ``subtitle`` below it)."""
    lines = b"BT /F1 16 Tf 72 770 Td " + _pdf_string(title) + b" Tj"
    if subtitle:
        lines += b" /F1 10 Tf 0 -24 Td " + _pdf_string(subtitle) + b" Tj"
    lines += b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(lines), lines),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)
