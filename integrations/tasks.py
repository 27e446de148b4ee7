"""Thin Celery tasks: load by id, call the service, end in a known state."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from integrations.facilioo.errors import FaciliooTransientError

logger = logging.getLogger(__name__)


def _sync_run_failure(
    self: Any,
    exc: BaseException,
    task_id: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    einfo: Any,
) -> None:
    from django.utils.translation import gettext as _

    from integrations.sync.runner import sync_run_fail

    sync_run_fail(
        run_id=int(args[0]),
        message=_("Der Lauf ist mit einem Fehler abgebrochen: %(error)s")
        % {"error": getattr(exc, "message", None) or type(exc).__name__},
    )


@shared_task(
    bind=True,
    name="integrations.sync_run",
    autoretry_for=(FaciliooTransientError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
    reject_on_worker_lost=True,
    on_failure=_sync_run_failure,
)
def sync_run(self: Any, run_id: int) -> None:
    from integrations.sync.runner import sync_run_execute

    sync_run_execute(run_id=run_id)


@shared_task(name="integrations.sync_reap_stale")
def sync_reap_stale() -> list[int]:
    from connect.models import SyncRun
    from connect.services.sync_logs import sync_run_reap_stale
    from integrations.sync.runner import STALE_AFTER, run_alerts

    reaped = sync_run_reap_stale(older_than=STALE_AFTER)
    # A reaped run failed like any other: it opens (or updates) its alert.
    for run in SyncRun.objects.filter(pk__in=reaped):
        run_alerts(run)
    return reaped


@shared_task(name="integrations.sync_resume_orphaned")
def sync_resume_orphaned(older_than_seconds: float | None = None) -> list[int]:
    """Hand runs whose worker died to a new task (before the reaper would fail them).

    Neither broker gives an unacknowledged task back soon after its worker was killed: the
    file-system transport removed the message file when the worker fetched it, and Redis
    restores it only after the visibility timeout (hours). So beat runs this every minute,
    and every worker runs it once when it starts. A claimed run is enqueued again and resumes
    after its last committed batch; see integrations.sync.runner for the limits.
    """
    from datetime import timedelta

    from django.db import transaction

    from connect.services.sync_logs import sync_run_claim_orphans
    from integrations.sync.runner import MAX_ATTEMPTS, RESUME_AFTER

    older_than = (
        timedelta(seconds=older_than_seconds) if older_than_seconds is not None else RESUME_AFTER
    )
    with transaction.atomic():
        claimed = sync_run_claim_orphans(older_than=older_than, max_attempts=MAX_ATTEMPTS)
        for run_id in claimed:
            transaction.on_commit(partial(sync_run.delay, run_id))
    if claimed:
        logger.warning("resuming orphaned runs", extra={"runs": claimed})
    return claimed


@worker_ready.connect
def _resume_orphans_on_worker_start(sender: Any = None, **kwargs: Any) -> None:
    try:
        sync_resume_orphaned()
    except Exception:  # the database or broker may not be reachable yet; beat tries again
        logger.exception("could not resume orphaned runs at worker start")


@shared_task(name="integrations.sync_scheduled")
def sync_scheduled(activation_id: int) -> int | None:
    """Beat's entry: start the scheduled run of one activation (skipped while one is active)."""
    from connect.models import Trigger, UseCaseActivation
    from connect.services.sync_logs import RunAlreadyActive
    from integrations.services import sync_run_request

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


@shared_task(name="integrations.reconcile", acks_late=True)
def reconcile(reconciliation_id: int) -> None:
    from integrations.drift.reconcile import reconciliation_execute

    reconciliation_execute(reconciliation_id=reconciliation_id)


@shared_task(name="integrations.reconcile_due")
def reconcile_due() -> list[int]:
    """Beat's entry (daily): a reconciliation for each active Stammdaten activation whose last
    one is older than RECONCILE_EVERY_DAYS (default 7: weekly)."""
    from integrations.drift.services import reconciliation_request_due

    return reconciliation_request_due()
