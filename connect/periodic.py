"""The periodic tasks of the product, defined in code and written into django-celery-beat.

Per-activation sync schedules are kept by the activation services; this list holds the
housekeeping that runs for everyone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from connect import jobs


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    every_seconds: int


PERIODIC_TASKS: list[PeriodicTaskSpec] = [
    # Fail runs whose worker is gone for good (no heartbeat); see connect.services.runner.
    PeriodicTaskSpec("Hängende Läufe beenden", jobs.SYNC_REAP_STALE, 300),
    # Hand runs whose worker died to a new task, well before the reaper fails them.
    PeriodicTaskSpec("Verwaiste Läufe fortsetzen", jobs.SYNC_RESUME_ORPHANED, 60),
    # Alert when a scheduled run did not start (beat down or queue stuck); connect.services.alerts.
    PeriodicTaskSpec("Überfällige Läufe melden", jobs.ALERTS_CHECK_OVERDUE, 300),
    # Delete old record-log rows and runs in batches; connect.services.retention.
    PeriodicTaskSpec("Alte Protokolle löschen", jobs.RETENTION_CLEANUP, 24 * 3600),
    # Start the weekly reconciliation (Abgleich) of each active Stammdaten activation that is
    # due (RECONCILE_EVERY_DAYS); connect.services.reconciliations.
    PeriodicTaskSpec("Abgleich starten", jobs.RECONCILE_DUE, 24 * 3600),
]


def schedule_offset(customer_id: int) -> timedelta:
    """The deterministic delay of a customer's scheduled runs after their crontab time.

    Whole minutes in ``[0, SYNC_SCHEDULE_SPREAD_MINUTES)``, from a hash of the customer's id:
    the same customer always gets the same offset, and a hundred customers whose schedules
    fire at 02:00 start spread over the window instead of in the same second. A window of 0
    switches spreading off.
    """

    window = int(getattr(settings, "SYNC_SCHEDULE_SPREAD_MINUTES", 0))
    if window <= 0:
        return timedelta(0)
    digest = hashlib.sha256(f"connect-schedule-spread:{customer_id}".encode()).digest()
    return timedelta(minutes=int.from_bytes(digest[:8], "big") % window)
