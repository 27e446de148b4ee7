"""Runs and their per-record log: the only writer of SyncRun and SyncRunItem."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from connect import jobs
from connect.exceptions import ApplicationError
from connect.models import Customer, RunStatus, SyncRun, SyncRunItem, User
from connect.models.sync_logs import ACTIVE_STATUSES
from connect.services.audit import audit_record
from integrations import registry
from integrations.phrases import Phrase, phrase, to_data
from integrations.sync.links import ItemRecord


class RunAlreadyActive(ApplicationError):
    pass


# The executing worker holds this cache lock (see connect.services.runner); every heartbeat
# renews it, so it outlives its holder by at most RUN_LOCK_TTL seconds.
RUN_LOCK_TTL = 15 * 60


def run_lock_key(run_id: int) -> str:
    return f"sync-run-executing:{run_id}"


def sync_run_request(
    *,
    customer: Customer,
    use_case: str,
    trigger: str,
    dry_run: bool = False,
    actor: User | None = None,
    reason: str = "",
) -> SyncRun:
    """A queued run (refused with RunAlreadyActive while one is active) and its Celery task,
    sent once the transaction commits."""
    run = sync_run_create(
        customer=customer, use_case=use_case, trigger=trigger, dry_run=dry_run, requested_by=actor
    )
    if actor is not None:
        audit_record(
            customer=customer,
            actor=actor,
            action="run.start",
            obj=run,
            changes={"use_case": [None, use_case], "dry_run": [None, dry_run]},
            reason=reason,
        )
    jobs.enqueue(jobs.SYNC_RUN, run.pk)
    return run


def sync_run_create(
    *,
    customer: Customer,
    use_case: str,
    trigger: str,
    dry_run: bool = False,
    requested_by: User | None = None,
) -> SyncRun:
    """A new queued run; refused while another run of this customer and use case is active."""
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                customer=customer,
                use_case=use_case,
                trigger=trigger,
                dry_run=dry_run,
                requested_by=requested_by if requested_by and requested_by.pk else None,
            )
    except IntegrityError as exc:
        active = SyncRun.objects.filter(
            customer=customer, use_case=use_case, status__in=ACTIVE_STATUSES
        ).first()
        raise RunAlreadyActive(
            _(
                "Für %(uc)s läuft bereits ein Lauf (#%(id)s, %(status)s). Bitte warten Sie, "
                "bis er beendet ist, oder brechen Sie ihn ab."
            )
            % {
                "uc": registry.label(use_case),
                "id": active.pk if active else "?",
                "status": active.get_status_display() if active else "",
            },
            extra={"run_id": active.pk if active else None},
        ) from exc


def sync_run_start(*, run: SyncRun) -> bool:
    """Mark the run running (also when a redelivered task picks it up again).

    Returns False when the run is already final (cancelled before it started, or done).
    """
    now = timezone.now()
    updated = SyncRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
        status=RunStatus.RUNNING,
        started_at=run.started_at or now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    run.refresh_from_db()
    return bool(updated)


def sync_run_progress(
    *,
    run: SyncRun,
    phase: str | None = None,
    done: int | None = None,
    total: int | None = None,
    counts: Mapping[str, Mapping[str, int]] | None = None,
    clear_journal: bool = False,
) -> bool:
    """Heartbeat plus progress. Returns True if a cancellation was requested.

    ``clear_journal`` empties the run's write journal: the batch it described is committed.
    """
    fields: dict[str, object] = {"heartbeat_at": timezone.now()}
    if clear_journal:
        fields["write_journal"] = []
    if phase is not None:
        fields["phase"] = phase
    if done is not None:
        fields["progress_done"] = done
    if total is not None:
        fields["progress_total"] = total
    if counts is not None:
        fields["counts"] = {k: dict(v) for k, v in counts.items()}
    SyncRun.objects.filter(pk=run.pk).update(**fields)
    cache.touch(run_lock_key(run.pk), RUN_LOCK_TTL)
    return SyncRun.objects.filter(pk=run.pk, cancel_requested=True).exists()


def sync_run_journal(*, run: SyncRun, creates: Iterable[tuple[str, str]]) -> None:
    """Before a batch's requests: the records it is about to create (see ``write_journal``)."""
    SyncRun.objects.filter(pk=run.pk).update(
        write_journal=[[entity, key] for entity, key in creates]
    )


def sync_run_items_record(*, run: SyncRun, items: Iterable[ItemRecord]) -> int:
    rows = [
        SyncRunItem(
            run=run,
            customer_id=run.customer_id,
            entity=i.entity,
            action=i.action,
            reason=i.reason,
            message=str(i.message)[:500],
            message_data=to_data(i.message),
            erp_key=i.erp_key[:200],
            external_id=i.external_id[:200],
            facilioo_id=i.facilioo_id,
            http_status=i.http_status,
        )
        for i in items
    ]
    SyncRunItem.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def sync_run_finish(
    *,
    run: SyncRun,
    status: str,
    counts: Mapping[str, Mapping[str, int]] | None = None,
    error_message: str | Phrase = "",
) -> SyncRun:
    """A run's end. ``error_message`` is best a phrase: read later in the reader's language."""
    now = timezone.now()
    fields: dict[str, object] = {
        "status": status,
        "finished_at": now,
        "heartbeat_at": now,
        **_error_fields(error_message),
    }
    if counts is not None:
        fields["counts"] = {k: dict(v) for k, v in counts.items()}
    if status in (RunStatus.SUCCEEDED, RunStatus.WARNING):
        fields["phase"] = "done"
    SyncRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(**fields)
    run.refresh_from_db()
    return run


def _error_fields(message: str | Phrase) -> dict[str, object]:
    """A run's error: the German text (for old readers and searches) and the phrase's codes."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
    return {"error_message": text[:5000], "error_data": to_data(message)}


def sync_run_cancel(
    *, customer: Customer, run: SyncRun, actor: User | None, reason: str = ""
) -> SyncRun:
    """A queued run is cancelled at once; a running one at its next batch boundary."""

    if run.customer_id != customer.pk:
        raise ApplicationError(_("Lauf nicht gefunden."))
    if not run.is_active:
        raise ApplicationError(_("Der Lauf ist bereits beendet."))
    with transaction.atomic():
        SyncRun.objects.filter(pk=run.pk).update(cancel_requested=True)
        SyncRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.CANCELLED,
            finished_at=timezone.now(),
            **_error_fields(phrase(gettext_noop("Vor dem Start abgebrochen."))),
        )
        audit_record(customer=customer, actor=actor, action="run.cancel", obj=run, reason=reason)
    run.refresh_from_db()
    return run


def sync_run_reap_stale(*, older_than: timedelta) -> list[int]:
    """Fail running runs whose heartbeat stopped (worker gone for good, not just redelivered)."""
    limit = timezone.now() - older_than
    stale = list(
        SyncRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=limit).values_list(
            "pk", flat=True
        )
    )
    for pk in stale:
        SyncRun.objects.filter(pk=pk, status=RunStatus.RUNNING, heartbeat_at__lt=limit).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            **_error_fields(
                phrase(
                    gettext_noop(
                        "Der Lauf hat sich seit über %(min)d Minuten nicht gemeldet und wurde "
                        "als fehlgeschlagen markiert."
                    ),
                    min=int(older_than.total_seconds() // 60),
                )
            ),
        )
    return stale


def sync_run_claim_orphans(*, older_than: timedelta, max_attempts: int) -> list[int]:
    """Runs whose worker is gone but which may still be resumed: claimed for a new task.

    A run counts as orphaned when it has been silent for ``older_than``: running with a stale
    heartbeat, or queued that long without ever starting (its message was lost with a worker).
    Claiming sets the heartbeat to now, so the reaper waits again and the next pass does not
    claim it twice; runs started ``max_attempts`` times are left to the reaper.
    """
    now = timezone.now()
    limit = now - older_than
    silent = Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit)
    candidates = list(
        SyncRun.objects.filter(silent, status__in=ACTIVE_STATUSES, cancel_requested=False)
        .filter(attempts__lt=max_attempts)
        .values_list("pk", flat=True)
    )
    claimed = []
    for pk in candidates:
        updated = (
            SyncRun.objects.filter(pk=pk, status__in=ACTIVE_STATUSES)
            .filter(silent)
            .update(heartbeat_at=now, phase="resuming")
        )
        if updated:
            cache.delete(run_lock_key(pk))  # its holder is gone
            claimed.append(pk)
    return claimed


WAITING_PHASE = "waiting"


def sync_run_start_within_limit(*, run: SyncRun, max_per_customer: int, fresh: timedelta) -> bool:
    """Start the run unless its customer already has ``max_per_customer`` runs executing.

    Counted across all workers in the database: running runs of the customer whose heartbeat
    is younger than ``fresh`` (a dead worker's run does not block its customer for good). The
    customer row is locked for the count, so two workers never both take the last slot. A run
    over the limit stays queued in phase "waiting" (its heartbeat set, so the resume pass
    picks it up only if nobody hands it on); returns False then, and when the run is final.
    """
    if max_per_customer <= 0:
        return sync_run_start(run=run)
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=run.customer_id).first()
        executing = (
            SyncRun.objects.filter(
                customer_id=run.customer_id,
                status=RunStatus.RUNNING,
                heartbeat_at__gte=timezone.now() - fresh,
            )
            .exclude(pk=run.pk)
            .count()
        )
        if executing >= max_per_customer:
            SyncRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
                phase=WAITING_PHASE, heartbeat_at=timezone.now()
            )
            run.refresh_from_db()
            return False
        return sync_run_start(run=run)


def sync_run_next_waiting(*, customer_id: int) -> list[int]:
    """The customer's waiting runs, oldest first, to hand on when one of its runs ended.

    Locks the customer row like the start does, so a run that is just being put to wait is
    either seen here or sees the slot free.
    """
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer_id).first()
        return list(
            SyncRun.objects.filter(
                customer_id=customer_id, status=RunStatus.QUEUED, phase=WAITING_PHASE
            )
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
