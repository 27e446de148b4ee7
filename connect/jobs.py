"""Background jobs: their Celery names, and how a service asks for one.

``connect.tasks`` declares each task under a name from this module; a service that starts a
job calls :func:`enqueue` with the same name. So services never import the tasks that call
them, and the import graph runs one way: tasks -> services -> jobs. The names are part of the
queue's contract (a deployed beat schedule and queued messages carry them), so they never change.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from celery import current_app
from django.db import transaction

SYNC_RUN = "integrations.sync_run"
SYNC_REAP_STALE = "integrations.sync_reap_stale"
SYNC_RESUME_ORPHANED = "integrations.sync_resume_orphaned"
SYNC_SCHEDULED = "integrations.sync_scheduled"
RECONCILE = "integrations.reconcile"
RECONCILE_DUE = "integrations.reconcile_due"
ERP_EXPORT_VALIDATE = "connect.erp_export_validate"
ERP_SAMPLE_PROCESS = "connect.erp_sample_process"
ALERTS_CHECK_OVERDUE = "connect.alerts_check_overdue"
RETENTION_CLEANUP = "connect.retention_cleanup"
PING = "connect.ping"


def enqueue(name: str, *args: Any) -> None:
    """Send the job ``name`` once the current transaction commits (at once outside of one).

    The task object is looked up in the app's registry, so ``task_always_eager`` and the task's
    own options (retries, acks) apply exactly as for ``task.delay``.
    """
    transaction.on_commit(partial(send, name, *args))


def send(name: str, *args: Any) -> Any:
    """Send the job ``name`` now, through the current Celery app (``connect.celery``, which
    the package loads first; not imported here, so the app's router can use these names).

    Every process knows the tasks: Celery's autodiscovery runs only in a worker, so
    ``ConnectConfig.ready()`` imports ``connect.tasks`` in every process (the portal, a
    management command) once Django's apps are ready.
    """
    return current_app.tasks[name].delay(*args)
