"""Freshness of a customer's ERP data: which export a run reads, "unverändert" runs, the age of
the data and the alert "ERP-Daten veraltet".

Every run of a file-source customer records the fingerprint (SHA-256) of the export it reads
and when that export was written. A scheduled run whose export is the one the last successful
run read (and whose settings did not change since) finishes at once as "unverändert": it reads
nothing and sends no request to facilioo.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from connect.models import (
    Alert,
    AlertKind,
    Customer,
    ErpExport,
    RunStatus,
    SyncRun,
    Trigger,
    UseCaseActivation,
)
from connect.models.customers import ErpSource
from connect.selectors.erp_exports import erp_export_current
from connect.services.alerts import _close, _notify_opened, _notify_resolved, _open_or_update
from connect.services.erp_watch import erp_watch_collect
from integrations.phrases import phrase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportIdentity:
    fingerprint: str
    exported_at: datetime
    export: ErpExport | None = None


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def erp_export_identity(*, customer: Customer) -> ExportIdentity | None:
    """The export a file-source customer's runs read now, or None (demo data, no export)."""
    if customer.erp_source != ErpSource.FILE:
        return None
    current = erp_export_current(customer=customer)
    if current is not None:
        if not current.sha256:
            current.sha256 = _file_sha256(Path(current.file.path))
            ErpExport.objects.filter(pk=current.pk).update(sha256=current.sha256)
        return ExportIdentity(current.sha256, current.data_time, current)
    if customer.erp_path:
        path = Path(customer.erp_path)
        if not path.exists():
            return None
        marks: list[object] = [str(path)]
        newest = path.stat().st_mtime
        if path.is_dir():
            for entry in sorted(path.iterdir()):
                if entry.is_file():
                    status = entry.stat()
                    marks.append((entry.name, status.st_size, status.st_mtime_ns))
                    newest = max(newest, status.st_mtime)
        else:
            status = path.stat()
            marks.append((status.st_size, status.st_mtime_ns))
        fingerprint = hashlib.sha256(repr(marks).encode()).hexdigest()
        return ExportIdentity(fingerprint, datetime.fromtimestamp(newest, tz=UTC))
    return None


def erp_data_time(*, customer: Customer) -> datetime | None:
    """When the ERP data a file-source customer's runs read was written."""
    try:
        identity = erp_export_identity(customer=customer)
    except OSError:
        return None
    return identity.exported_at if identity is not None else None


def erp_run_before_read(*, run: SyncRun) -> bool:
    """The runner's hook before it reads: take a watched folder's newest export, record the
    export on the run, and say whether the run is "unverändert" (True: finish it at once)."""

    customer = run.customer
    if customer.erp_source != ErpSource.FILE:
        return False
    if customer.erp_watch_folder:
        try:
            erp_watch_collect(customer=customer)
        except Exception:
            logger.exception("watched folder not collected", extra={"customer": customer.pk})
    identity = erp_export_identity(customer=customer)
    if identity is None:
        return False
    SyncRun.objects.filter(pk=run.pk).update(
        erp_fingerprint=identity.fingerprint, erp_exported_at=identity.exported_at
    )
    run.erp_fingerprint, run.erp_exported_at = identity.fingerprint, identity.exported_at
    if run.trigger != Trigger.SCHEDULE or run.dry_run:
        return False
    last = (
        SyncRun.objects.filter(
            customer=customer,
            use_case=run.use_case,
            dry_run=False,
            status__in=(RunStatus.SUCCEEDED, RunStatus.WARNING),
        )
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-id")
        .first()
    )
    if last is None or last.erp_fingerprint != identity.fingerprint:
        return False
    activation = UseCaseActivation.objects.filter(customer=customer, use_case=run.use_case).first()
    since = last.started_at or last.created_at
    if activation is not None and activation.updated_at > since:
        return False  # the settings changed: the same export may give other records
    SyncRun.objects.filter(pk=run.pk).update(unchanged=True)
    run.unchanged = True
    return True


def alerts_check_erp_stale(*, now: datetime | None = None) -> tuple[list[Alert], list[Alert]]:
    """Open (once) the alert "ERP-Daten veraltet" for every active file-source customer whose
    ERP data is older than ERP_STALE_AFTER_DAYS; close it when fresh data arrived.
    Returns (opened, closed)."""

    now = now or timezone.now()
    limit = timedelta(days=int(settings.ERP_STALE_AFTER_DAYS))
    opened: list[Alert] = []
    closed: list[Alert] = []
    customers = Customer.objects.filter(is_active=True).filter(
        Q(erp_source=ErpSource.FILE) | Q(alerts__kind=AlertKind.ERP_STALE)
    )
    for customer in customers.distinct():
        try:
            data_time = erp_data_time(customer=customer)
            if (
                customer.erp_source != ErpSource.FILE
                or data_time is None
                or now - data_time <= limit
            ):
                resolved = _close(
                    customer=customer, use_case="", kinds=[AlertKind.ERP_STALE], now=now
                )
                _notify_resolved(customer=customer, use_case="", alerts=resolved, run=None)
                closed += resolved
                continue
            days = (now - data_time).days
            message = phrase(
                gettext_noop(
                    "Die ERP-Daten sind %(days)s Tage alt (vom %(when)s). Es ist kein neuerer "
                    "ERP-Export angekommen; bitte prüfen Sie den Export Ihres ERP-Systems."
                ),
                days=days,
                when=timezone.localtime(data_time).strftime("%d.%m.%Y %H:%M"),
            )
            alert, is_new = _open_or_update(
                customer=customer, use_case="", kind=AlertKind.ERP_STALE, message=message, run=None
            )
            alert.customer = customer
            if is_new or alert.notified_at is None:
                _notify_opened(alert)
            if is_new:
                opened.append(alert)
        except Exception:
            logger.exception("stale check failed", extra={"customer": customer.pk})
    return opened, closed
