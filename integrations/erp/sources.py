"""Which ERP connector serves a customer: the demo portfolio or an ERP export file."""

from __future__ import annotations

from pathlib import Path

from integrations.erp.base import ErpConnector
from integrations.erp.demo import DemoConnector
from integrations.erp.file import FileConnector

DEMO = "demo"
FILE = "file"


def connector_for(
    *, source: str, path: str | None = None, units: int = 200, seed: int = 1
) -> ErpConnector:
    """The connector for an ERP source: ``"demo"`` (``units``, ``seed``) or ``"file"``
    (``path`` of an export directory or .zip)."""
    if source == DEMO:
        return DemoConnector(units=units, seed=seed)
    if source == FILE:
        if not path:
            raise ValueError("the file source needs the path of an ERP export")
        return FileConnector(Path(path))
    raise ValueError(f"unknown ERP source {source!r}")
