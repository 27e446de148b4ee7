"""Which ERP connector serves a customer: the demo portfolio or an ERP export file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from integrations.erp.base import ErpConnector
from integrations.erp.demo import DemoConnector
from integrations.erp.file import FileConnector

if TYPE_CHECKING:
    from connect.models import Customer

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


class NoValidExport(Exception):
    """The customer reads an ERP export file, but there is no valid one to read."""

    def __init__(self) -> None:
        self.message = _(
            "Es liegt kein gültiger ERP-Export vor. Bitte laden Sie einen Export hoch."
        )
        super().__init__(self.message)


def export_path_for_customer(customer: Customer) -> Path:
    """The export a file-source customer's syncs read: the newest valid upload, else the
    export path set on the command line, else ``NoValidExport``."""
    from connect.selectors.erp_exports import erp_export_current

    current = erp_export_current(customer=customer)
    if current is not None:
        return Path(current.file.path)
    if customer.erp_path:
        return Path(customer.erp_path)
    raise NoValidExport


def connector_for_customer(customer: Customer) -> ErpConnector:
    """The connector of a customer's ERP source: the demo portfolio (``demo_units``,
    ``demo_seed``) or the export file (see ``export_path_for_customer``), read through the
    import profile it was validated with (if any)."""
    if customer.erp_source == FILE:
        from connect.selectors.erp_exports import erp_export_current
        from connect.services.erp_profiles import import_profile

        current = erp_export_current(customer=customer)
        if current is not None:
            return FileConnector(Path(current.file.path), profile=import_profile(current.profile))
        return FileConnector(export_path_for_customer(customer))
    return connector_for(
        source=customer.erp_source, units=customer.demo_units, seed=customer.demo_seed
    )
