"""Thin Celery tasks: load by id, call the service, end in a known state."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from integrations.facilioo.errors import FaciliooTransientError


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
