"""Which ERP connector serves a customer: the demo portfolio or an ERP export file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from integrations.erp.base import ErpConnector
from integrations.erp.demo import DemoConnector
from integrations.erp.file import FileConnector

if TYPE_CHECKING:
    from connect.models import Customer
    from integrations.erp.profiles import ImportProfile

DEMO = "demo"
FILE = "file"


def _demo(
    *, path: str | None, profile: ImportProfile | None, units: int, seed: int
) -> ErpConnector:
    return DemoConnector(units=units, seed=seed)


def _file(
    *, path: str | None, profile: ImportProfile | None, units: int, seed: int
) -> ErpConnector:
    if not path:
        raise ValueError("the file source needs the path of an ERP export")
    return FileConnector(Path(path), profile=profile)


# The ERP connector registry: source name → factory. A second ERP is one more entry here (and
# a connector that implements ``ErpConnector``, ``close()`` included).
CONNECTORS: dict[str, Callable[..., ErpConnector]] = {DEMO: _demo, FILE: _file}


def connector_for(
    *,
    source: str,
    path: str | None = None,
    profile: ImportProfile | None = None,
    units: int = 200,
    seed: int = 1,
) -> ErpConnector:
    """The connector for an ERP source: ``"demo"`` (``units``, ``seed``) or ``"file"``
    (``path`` of an export directory or .zip, read through ``profile`` when the export is in
    a customer's own layout). The caller closes it."""
    factory = CONNECTORS.get(source)
    if factory is None:
        raise ValueError(f"unknown ERP source {source!r}")
    return factory(path=path, profile=profile, units=units, seed=seed)


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
    path: str | None = None
    profile: ImportProfile | None = None
    if customer.erp_source == FILE:
        from connect.selectors.erp_exports import erp_export_current
        from connect.services.erp_profiles import import_profile

        current = erp_export_current(customer=customer)
        if current is not None:
            path, profile = current.file.path, import_profile(current.profile)
        else:
            # The export path of the command line, in the layout of the active profile.
            from connect.selectors.erp_exports import erp_profile_active

            path = str(export_path_for_customer(customer))
            profile = import_profile(erp_profile_active(customer=customer))
    return connector_for(
        source=customer.erp_source,
        path=path,
        profile=profile,
        units=customer.demo_units,
        seed=customer.demo_seed,
    )
