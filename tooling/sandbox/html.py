"""The sandbox's read-only overview page: what a sync delivered, table by table (German)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from tooling.sandbox.store import FILE_UPLOAD_FIELDS, SPECS

if TYPE_CHECKING:
    from tooling.sandbox.app import SandboxApp

MAX_ROWS = 200

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#333;
background:#f8f8f8}
header{background:#417690;color:#fff;padding:12px 24px}
header h1{margin:0;font-size:20px;font-weight:400}
main{padding:16px 24px}
nav a{margin-right:12px;color:#447e9b}
section{background:#fff;border:1px solid #ddd;margin:16px 0;padding:8px 16px;overflow-x:auto}
h2{font-size:16px;color:#417690;margin:8px 0}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;white-space:nowrap}
th{background:#f2f2f2}
tr.deleted td{color:#999;text-decoration:line-through}
p.note{color:#666;font-size:12px}
"""

_TABLES = [
    ("tenants", "Mandanten (Projekte)"),
    *[(name, spec.label) for name, spec in SPECS.items()],
]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    text = str(value)
    if len(text) > 48:
        text = text[:47] + "…"
    return html.escape(text)


def render_overview(app: SandboxApp) -> bytes:
    store = app.store
    counters = app.counters()
    parts = [
        "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>",
        "<title>facilioo-Sandbox</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<header><h1>facilioo-Sandbox · Nur-Lese-Ansicht</h1></header><main>",
        "<p class='note'>Diese Seite zeigt, was in der Sandbox angekommen ist. "
        f"Bisher {counters['total']} API-Anfragen. Je Tabelle werden höchstens {MAX_ROWS} "
        "Einträge gezeigt, die neuesten zuerst.</p><nav>",
    ]
    sections = []
    for table, label in _TABLES:
        rows = store.records(table)
        if table == "tenants":
            rows = [row for row in rows if row["id"] in store.visible_tenants]
        deleted = sum(1 for row in rows if row.get("deleted"))
        parts.append(f"<a href='#{table}'>{html.escape(label)} ({len(rows)})</a>")
        columns = ["id", *(SPECS[table].fields if table in SPECS else ["name", "externalId"])]
        if table == "parties":
            columns.append("externalIdsByOwner")  # owner company -> its ids
        if table == "units":
            columns.insert(2, "propertyId")
        if table == "files":
            columns += list(FILE_UPLOAD_FIELDS)
        columns += ["lastModified", "deleted"]
        title = f"{html.escape(label)}: {len(rows)}"
        if deleted:
            title += f", davon {deleted} gelöscht"
        body = [
            f"<section id='{table}'><h2>{title}</h2>",
            "<table><thead><tr>",
            *(f"<th>{html.escape(column)}</th>" for column in columns),
            "</tr></thead><tbody>",
        ]
        for row in sorted(rows, key=lambda r: r["id"], reverse=True)[:MAX_ROWS]:
            css = " class='deleted'" if row.get("deleted") else ""
            body.append(
                f"<tr{css}>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>"
            )
        if not rows:
            body.append(f"<tr><td colspan='{len(columns)}'>Keine Einträge.</td></tr>")
        body.append("</tbody></table></section>")
        sections.append("".join(body))
    parts.append("</nav>")
    parts.extend(sections)
    parts.append("</main></body></html>")
    return "".join(parts).encode("utf-8")
