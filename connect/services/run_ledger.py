"""A run's ledger in PostgreSQL: the engine's ``RunLedger`` over a ``SyncRun`` row and its log."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from connect.models import RunStatus, SyncRun, SyncRunItem
from connect.services.sync_logs import sync_run_items_record, sync_run_journal, sync_run_progress
from integrations.sync.links import ItemRecord


class OrmRunLedger:
    """A ``SyncRun`` row and its log rows (``connect.services.sync_logs``)."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.run_id: int = int(run.pk)
        self.customer_id: int = int(run.customer_id)
        self.dry_run: bool = bool(run.dry_run)
        self.resumed: bool = run.attempts > 1
        self.counts: Mapping[str, Mapping[str, int]] = run.counts or {}
        self.progress_done: int = int(run.progress_done or 0)
        self.journal: Sequence[tuple[str, str]] = [
            (str(e), str(nk)) for e, nk in (run.write_journal or ())
        ]

    def progress(
        self,
        *,
        phase: str | None = None,
        done: int | None = None,
        total: int | None = None,
        counts: Mapping[str, Mapping[str, int]] | None = None,
        clear_journal: bool = False,
    ) -> bool:
        return sync_run_progress(
            run=self.run,
            phase=phase,
            done=done,
            total=total,
            counts=counts,
            clear_journal=clear_journal,
        )

    def record_items(self, items: Sequence[ItemRecord]) -> None:
        sync_run_items_record(run=self.run, items=items)

    def record_journal(self, creates: Sequence[tuple[str, str]]) -> None:
        sync_run_journal(run=self.run, creates=creates)

    def previous_total(self) -> int | None:
        previous = (
            SyncRun.objects.filter(
                customer_id=self.run.customer_id,
                use_case=self.run.use_case,
                status__in=(RunStatus.SUCCEEDED, RunStatus.WARNING),
                progress_done__gt=0,
            )
            .exclude(pk=self.run_id)
            .order_by("-id")
            .values_list("progress_done", flat=True)
            .first()
        )
        return int(previous) if previous else None

    def skipped_for(self, reasons: Collection[str]) -> int:
        return SyncRunItem.objects.filter(
            run_id=self.run_id, action="skipped", reason__in=list(reasons)
        ).count()
