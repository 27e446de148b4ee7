"""The periodic tasks of the product, defined in code and written into django-celery-beat.

Per-activation sync schedules are kept by the activation services; this list holds the
housekeeping that runs for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    every_seconds: int


PERIODIC_TASKS: list[PeriodicTaskSpec] = [
    # Fail runs whose worker is gone for good (no heartbeat); see integrations.sync.runner.
    PeriodicTaskSpec("Hängende Läufe beenden", "integrations.sync_reap_stale", 300),
    # Hand runs whose worker died to a new task, well before the reaper fails them.
    PeriodicTaskSpec("Verwaiste Läufe fortsetzen", "integrations.sync_resume_orphaned", 60),
    # Alert when a scheduled run did not start (beat down or queue stuck); connect.services.alerts.
    PeriodicTaskSpec("Überfällige Läufe melden", "connect.alerts_check_overdue", 300),
    # Delete old record-log rows and runs in batches; connect.services.retention.
    PeriodicTaskSpec("Alte Protokolle löschen", "connect.retention_cleanup", 24 * 3600),
    # Start the weekly reconciliation (Abgleich) of each active Stammdaten activation that is
    # due (RECONCILE_EVERY_DAYS); integrations.drift.services.
    PeriodicTaskSpec("Abgleich starten", "integrations.reconcile_due", 24 * 3600),
]
