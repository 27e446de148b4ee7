"""Fair routing of runs on shared workers.

Two rules keep one customer's big run from starving the others:

- **Queues.** A run that is expected to write many new records (an initial sync of a large
  portfolio) goes to the large-runs queue (``SYNC_LARGE_QUEUE``), which its own worker
  consumes. Every other run, and all housekeeping, stays on the default queue. Whether a run
  is large is decided when it is enqueued, from what is already known: the size of the ERP
  portfolio (the demo portfolio's units, or the rows of ``einheiten.csv`` in the export in
  use) minus the units the customer already has in facilioo (its links). At least
  ``SYNC_LARGE_RUN_UNITS`` new units make a run large; dry runs write nothing and are never
  large.
- **A limit per customer.** At most ``SYNC_MAX_RUNS_PER_CUSTOMER`` runs of one customer
  execute at the same time, across all workers (see
  ``connect.services.sync_logs.sync_run_start_within_limit``). A run over the limit waits as
  queued (phase ``waiting``) without holding a worker, and is handed on when the customer's
  running run ends.
- **Large workers yield the CPU.** A worker that consumes only the large-runs queue lowers its
  CPU priority by ``SYNC_LARGE_WORKER_NICE`` (``os.nice``, inherited by its pool's child
  processes) when it starts, so on shared cores a big initial sync takes what the small runs
  leave and does not slow them down. A worker that also consumes other queues keeps its
  priority.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from connect import jobs
from connect.models import SyncRun
from connect.selectors.erp_exports import erp_export_current
from connect.selectors.erp_sources import FILE
from integrations.facilioo.entity import Entity
from integrations.models import ExternalLink
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSize:
    """What routing knows about a run before it starts."""

    erp_units: int  # units of the ERP portfolio the run reads
    linked_units: int  # units the customer already has in facilioo (for the use case)
    dry_run: bool

    @property
    def new_units(self) -> int:
        return max(0, self.erp_units - self.linked_units)

    @property
    def large(self) -> bool:
        threshold = int(settings.SYNC_LARGE_RUN_UNITS)
        return threshold > 0 and not self.dry_run and self.new_units >= threshold


def erp_units(customer: Any) -> int:
    """Units in the customer's ERP portfolio, without reading it: the demo size, or the row
    count the validation stored for ``einheiten.csv`` of the export in use (directly, or for
    the source an import profile reads it from; 0 if unknown)."""

    if customer.erp_source != FILE:
        return int(customer.demo_units)

    export = erp_export_current(customer=customer)
    if export is None:
        return _units_in_directory(customer.erp_path)
    files = (export.report or {}).get("files") or {}
    # Export v1 names the file; through an import profile the report names the customer's
    # source and says which file of export v1 it stands for.
    return sum(
        int(summary.get("rows") or 0)
        for name, summary in files.items()
        if (summary.get("export_file") or name) == "einheiten.csv"
    )


def _units_in_directory(path: str) -> int:
    """Data rows of ``einheiten.csv`` in an export directory set on the command line (a
    ``.zip`` there, or no path, counts 0): a line count, without parsing."""

    units = Path(path or "") / "einheiten.csv"
    if not path or not units.is_file():
        return 0
    with units.open("rb") as lines:
        return max(0, sum(1 for line in lines if line.strip()) - 1)


def run_size(run: Any) -> RunSize:

    # Documents hang on units: a customer without a single document link syncs every unit's
    # documents for the first time; one with links only what changed.
    entity = Entity.DOCUMENTS if run.use_case == UseCase.DOKUMENTE else Entity.UNITS
    links = ExternalLink.objects.filter(customer_id=run.customer_id, entity=entity, deleted=False)
    units = erp_units(run.customer)
    linked = (units if links.exists() else 0) if entity == Entity.DOCUMENTS else links.count()
    return RunSize(erp_units=units, linked_units=linked, dry_run=bool(run.dry_run))


def run_queue(run_id: int) -> str | None:
    """The queue of a run's task: the large-runs queue, or None for the default queue."""

    run = SyncRun.objects.select_related("customer").filter(pk=run_id).first()
    if run is None:
        return None
    size = run_size(run)
    if size.large:
        logger.info(
            "run routed to the large-runs queue",
            extra={"run": run.pk, "new_units": size.new_units},
        )
        return str(settings.SYNC_LARGE_QUEUE)
    return None


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any
) -> dict[str, str] | None:
    """Celery router (``task_routes``): sync runs by size, everything else to the default.

    Every way a run is enqueued goes through here: a request, beat's schedule, the resume of
    an orphaned run and the hand-on of a waiting one. A retry keeps its original queue.
    """
    if name != jobs.SYNC_RUN:
        return None
    run_id = (args or [None])[0] if args else (kwargs or {}).get("run_id")
    if run_id is None:
        return None
    try:
        queue = run_queue(int(run_id))
    except Exception:  # routing must never lose a run: the default queue takes it
        logger.exception("routing a run failed", extra={"run": run_id})
        return None
    return {"queue": queue} if queue else None


def large_worker_nice(queues: Iterable[str]) -> int:
    """How far a worker consuming ``queues`` lowers its CPU priority: ``SYNC_LARGE_WORKER_NICE``
    for a worker of the large-runs queue alone, 0 for every other worker."""
    consumed = set(queues)
    if consumed != {str(settings.SYNC_LARGE_QUEUE)}:
        return 0
    return max(0, int(settings.SYNC_LARGE_WORKER_NICE))


def worker_priority_set(queues: Iterable[str]) -> int:
    """Lower this worker process's CPU priority if it is a large-runs worker (see
    :func:`large_worker_nice`); returns the increment applied. Called once at worker start,
    before the pool starts its processes (they inherit it)."""
    increment = large_worker_nice(queues)
    if increment:
        os.nice(increment)
        logger.info("large-runs worker: CPU priority lowered", extra={"nice": increment})
    return increment
