"""Retention: old record-log rows and old runs are deleted in small batches.

Every DELETE names at most `batch_size` ids, each in its own short transaction, so the job never
holds long locks or builds one huge transaction on a table with millions of rows. Runs that are
still queued or running, and their log rows, are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from connect.models import SyncRun, SyncRunItem
from connect.models.sync_logs import ACTIVE_STATUSES
from connect.services.erp_samples import erp_sample_retention

DEFAULT_RECORD_LOG_DAYS = 90
DEFAULT_RUN_DAYS = 400
DEFAULT_BATCH_SIZE = 5000


@dataclass(frozen=True)
class RetentionResult:
    items_deleted: int
    runs_deleted: int
    batches: int
    samples_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "items_deleted": self.items_deleted,
            "runs_deleted": self.runs_deleted,
            "batches": self.batches,
            "samples_deleted": self.samples_deleted,
        }


def _delete_in_batches(queryset: QuerySet[Model], *, batch_size: int) -> tuple[int, int]:
    """Delete what the queryset matches, `batch_size` ids at a time. Returns (rows, batches).

    Each batch is its own DELETE ... WHERE id IN (...) in a short transaction; Django's
    collector still handles the rows that point at the deleted ones (SET NULL, CASCADE).
    """
    model = queryset.model
    label = model._meta.label
    deleted = batches = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted, batches
        with transaction.atomic():
            _total, per_model = model._base_manager.filter(pk__in=ids).delete()
        deleted += per_model.get(label, 0)
        batches += 1


def retention_cleanup(
    *, now: datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> RetentionResult:
    """Delete record-log rows older than RETENTION_RECORD_LOG_DAYS and runs older than
    RETENTION_RUN_DAYS (with their remaining log rows); active runs are kept. Sample exports
    of the ERP page older than ERP_SAMPLE_KEEP_HOURS go too, with their files."""

    now = now or timezone.now()
    item_days = getattr(settings, "RETENTION_RECORD_LOG_DAYS", DEFAULT_RECORD_LOG_DAYS)
    run_days = getattr(settings, "RETENTION_RUN_DAYS", DEFAULT_RUN_DAYS)
    item_limit = now - timedelta(days=item_days)
    run_limit = now - timedelta(days=run_days)

    active = SyncRun.objects.filter(status__in=ACTIVE_STATUSES).values("pk")
    items_deleted, item_batches = _delete_in_batches(
        SyncRunItem.objects.filter(created_at__lt=item_limit).exclude(run_id__in=active),
        batch_size=batch_size,
    )

    old_runs = SyncRun.objects.filter(created_at__lt=run_limit).exclude(status__in=ACTIVE_STATUSES)
    # A run's log never outlives the run: rows of an expiring run that are still within the
    # log limit (a shortened run limit) go first, in batches as well.
    more_items, more_item_batches = _delete_in_batches(
        SyncRunItem.objects.filter(run_id__in=old_runs.values("pk")), batch_size=batch_size
    )
    # Alerts that point at these runs keep their history; the link becomes empty (SET NULL).
    runs_deleted, run_batches = _delete_in_batches(old_runs, batch_size=batch_size)

    return RetentionResult(
        items_deleted=items_deleted + more_items,
        runs_deleted=runs_deleted,
        batches=item_batches + more_item_batches + run_batches,
        samples_deleted=erp_sample_retention(now=now),
    )
