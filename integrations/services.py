"""Requesting runs: create the run row, then enqueue its task once the transaction commits."""

from __future__ import annotations

from django.db import transaction

from connect.models import Customer, SyncRun, User
from connect.services.sync_logs import sync_run_create


def sync_run_request(
    *,
    customer: Customer,
    use_case: str,
    trigger: str,
    dry_run: bool = False,
    actor: User | None = None,
    reason: str = "",
) -> SyncRun:
    """A queued run (refused with RunAlreadyActive while one is active) and its Celery task."""
    from integrations.tasks import sync_run as sync_run_task

    run = sync_run_create(
        customer=customer, use_case=use_case, trigger=trigger, dry_run=dry_run, requested_by=actor
    )
    if actor is not None:
        from connect.services.audit import audit_record

        audit_record(
            customer=customer,
            actor=actor,
            action="run.start",
            obj=run,
            changes={"use_case": [None, use_case], "dry_run": [None, dry_run]},
            reason=reason,
        )
    transaction.on_commit(lambda: sync_run_task.delay(run.pk))
    return run
