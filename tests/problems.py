"""Reading the API's problem details (RFC 9457) in tests."""

from __future__ import annotations

from typing import Any


def errors_at(body: dict[str, Any], where: str) -> list[str]:
    """The messages of ``errors`` at a body field (``"settings/separator"``) or, with a leading
    ``?``, at a query parameter (``"?page_size"``)."""
    if where.startswith("?"):
        return [e["detail"] for e in body["errors"] if e.get("parameter") == where[1:]]
    return [e["detail"] for e in body["errors"] if e.get("pointer") == f"#/{where}"]


def messages(body: dict[str, Any]) -> list[str]:
    return [e["detail"] for e in body.get("errors", [])]
