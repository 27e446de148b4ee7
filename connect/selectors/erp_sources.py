"""Which ERP connector serves a customer (the demo portfolio or an ERP export file, read
through its import profile), and the Mandanten it offers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils.translation import gettext_noop

from connect.exceptions import ApplicationError
from connect.models import Customer, ErpImportProfile
from connect.selectors.erp_exports import erp_export_current, erp_profile_active
from integrations.erp.base import ErpConnector
from integrations.erp.demo import DemoConnector
from integrations.erp.file.reader import FileConnector
from integrations.erp.file.report import InvalidExport
from integrations.erp.profiles import ImportProfile
from integrations.erp.records import Mandant
from integrations.phrases import phrase

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
        # A stored phrase (a run's error), and the sentence in the active language.
        self.sentence = phrase(
            gettext_noop(
                "Es liegt kein gültiger ERP-Export vor. Bitte laden Sie einen Export hoch."
            )
        )
        self.message = str(self.sentence)
        super().__init__(self.message)


def export_path_for_customer(customer: Customer) -> Path:
    """The export a file-source customer's syncs read: the newest valid upload, else the
    export path set on the command line, else ``NoValidExport``."""
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
        current = erp_export_current(customer=customer)
        if current is not None:
            path, profile = current.file.path, import_profile(current.profile)
        else:
            # The export path of the command line, in the layout of the active profile.
            path = str(export_path_for_customer(customer))
            profile = import_profile(erp_profile_active(customer=customer))
    return connector_for(
        source=customer.erp_source,
        path=path,
        profile=profile,
        units=customer.demo_units,
        seed=customer.demo_seed,
    )


def import_profile(row: ErpImportProfile | None) -> ImportProfile | None:
    """The profile a stored version describes (None: ERP export v1)."""
    if row is None:
        return None
    return ImportProfile.from_dict(row.definition, version=row.version)


def erp_mandanten(*, customer: Customer) -> list[Mandant]:
    """The Mandanten the customer's ERP source offers; ApplicationError (German) if unreadable."""
    try:
        connector = connector_for_customer(customer)
    except NoValidExport as exc:
        raise ApplicationError(exc.message) from exc
    try:
        return connector.list_mandanten()
    except InvalidExport as exc:
        raise ApplicationError(str(exc)) from exc
    finally:
        close = getattr(connector, "close", None)
        if close is not None:
            close()


def erp_mandant_choices(*, customer: Customer) -> tuple[list[Mandant], str]:
    """For pages: the Mandanten, or none and the reason a person reads."""
    try:
        return erp_mandanten(customer=customer), ""
    except ApplicationError as exc:
        return [], exc.message
