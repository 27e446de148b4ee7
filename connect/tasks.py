"""Thin Celery tasks: load by id, call the service, end in a known state.

Every task's name comes from ``connect.jobs``, where services find it to enqueue one.
"""

from __future__ import annotations

import logging
import socket
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.db import transaction
from django.utils.translation import gettext_noop

from connect import jobs
from connect.models import ErpExport, ErpSample, SyncRun, Trigger, UseCaseActivation
from connect.services import erp_exports, erp_samples, reconciliations, retention, runner
from connect.services.alerts import alerts_check_overdue as overdue_check
from connect.services.erp_freshness import alerts_check_erp_stale
from connect.services.sync_logs import (
    RunAlreadyActive,
    sync_run_claim_orphans,
    sync_run_reap_stale,
    sync_run_request,
)
from integrations.facilioo.errors import FaciliooTransientError
from integrations.phrases import phrase

logger = logging.getLogger(__name__)


@shared_task(name=jobs.PING)
def ping(value: str) -> dict[str, str]:
    """Round-trip check: answers with the value and the worker's host (used by tests and health)."""
    return {"pong": value, "host": socket.gethostname()}


@shared_task(name=jobs.ALERTS_CHECK_OVERDUE)
def alerts_check_overdue() -> dict[str, int]:
    """Beat, every 5 minutes: open an alert for each scheduled run that did not start, and
    "ERP-Daten veraltet" for ERP data older than ERP_STALE_AFTER_DAYS."""
    result = overdue_check()
    stale_opened, stale_closed = alerts_check_erp_stale()
    return {
        "opened": len(result.opened),
        "closed": len(result.closed),
        "erp_stale_opened": len(stale_opened),
        "erp_stale_closed": len(stale_closed),
    }


@shared_task(name=jobs.RETENTION_CLEANUP)
def retention_cleanup() -> dict[str, int]:
    """Beat, daily: delete old record-log rows and runs in batches."""
    return retention.retention_cleanup().as_dict()


@shared_task(name=jobs.ERP_EXPORT_VALIDATE, acks_late=True)
def erp_export_validate(export_id: int) -> dict[str, object]:
    """After an upload: validate the stored export, start requested runs, apply retention."""
    try:
        export = erp_exports.erp_export_validate(export_id=export_id)
    except ErpExport.DoesNotExist:
        return {"export": export_id, "status": "gone"}
    return {"export": export.pk, "status": export.status}


@shared_task(name=jobs.ERP_SAMPLE_PROCESS, acks_late=True)
def erp_sample_process(sample_id: int) -> dict[str, object]:
    """A sample export of the ERP page: read it (suggestion, preview) and store the result."""
    try:
        sample = erp_samples.erp_sample_process(sample_id=sample_id)
    except ErpSample.DoesNotExist:
        return {"sample": sample_id, "status": "gone"}
    return {"sample": sample.pk, "status": sample.status}


def _sync_run_failure(
    self: Any,
    exc: BaseException,
    task_id: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    einfo: Any,
) -> None:
    runner.sync_run_fail(
        run_id=int(args[0]),
        message=phrase(
            gettext_noop("Der Lauf ist mit einem Fehler abgebrochen: %(error)s"),
            error=getattr(exc, "sentence", None)
            or getattr(exc, "message", None)
            or type(exc).__name__,
        ),
    )


@shared_task(
    bind=True,
    name=jobs.SYNC_RUN,
    autoretry_for=(FaciliooTransientError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
    reject_on_worker_lost=True,
    on_failure=_sync_run_failure,
)
def sync_run(self: Any, run_id: int) -> None:
    runner.sync_run_execute(run_id=run_id)


@shared_task(name=jobs.SYNC_REAP_STALE)
def sync_reap_stale() -> list[int]:
    reaped = sync_run_reap_stale(older_than=runner.STALE_AFTER)
    # A reaped run failed like any other: it opens (or updates) its alert.
    for run in SyncRun.objects.filter(pk__in=reaped):
        runner.run_alerts(run)
    return reaped


@shared_task(name=jobs.SYNC_RESUME_ORPHANED)
def sync_resume_orphaned(older_than_seconds: float | None = None) -> list[int]:
    """Hand runs whose worker died to a new task (before the reaper would fail them).

    Neither broker gives an unacknowledged task back soon after its worker was killed: the
    file-system transport removed the message file when the worker fetched it, and Redis
    restores it only after the visibility timeout (hours). So beat runs this every minute,
    and every worker runs it once when it starts. A claimed run is enqueued again and resumes
    after its last committed batch; see connect.services.runner for the limits.
    """
    older_than = (
        timedelta(seconds=older_than_seconds)
        if older_than_seconds is not None
        else runner.RESUME_AFTER
    )
    with transaction.atomic():
        claimed = sync_run_claim_orphans(older_than=older_than, max_attempts=runner.MAX_ATTEMPTS)
        for run_id in claimed:
            jobs.enqueue(jobs.SYNC_RUN, run_id)
    if claimed:
        logger.warning("resuming orphaned runs", extra={"runs": claimed})
    return claimed


@worker_ready.connect
def _resume_orphans_on_worker_start(sender: Any = None, **kwargs: Any) -> None:
    try:
        sync_resume_orphaned()
    except Exception:  # the database or broker may not be reachable yet; beat tries again
        logger.exception("could not resume orphaned runs at worker start")


@shared_task(name=jobs.SYNC_SCHEDULED)
def sync_scheduled(activation_id: int) -> int | None:
    """Beat's entry: start the scheduled run of one activation (skipped while one is active)."""
    activation = (
        UseCaseActivation.objects.select_related("customer").filter(pk=activation_id).first()
    )
    if (
        activation is None
        or not activation.enabled
        or activation.paused
        or not activation.customer.is_active
    ):
        return None
    try:
        run = sync_run_request(
            customer=activation.customer, use_case=activation.use_case, trigger=Trigger.SCHEDULE
        )
    except RunAlreadyActive:
        return None
    return run.pk


@shared_task(name=jobs.RECONCILE, acks_late=True)
def reconcile(reconciliation_id: int) -> None:
    reconciliations.reconciliation_execute(reconciliation_id=reconciliation_id)


@shared_task(name=jobs.RECONCILE_DUE)
def reconcile_due() -> list[int]:
    """Beat's entry (daily): a reconciliation for each active Stammdaten activation whose last
    one is older than RECONCILE_EVERY_DAYS (default 7: weekly)."""
    return reconciliations.reconciliation_request_due()
