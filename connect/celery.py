"""The Celery application: configured from Django's settings (CELERY_ namespace)."""

import os
from typing import Any

from celery import Celery
from celery.signals import celeryd_after_setup
from django.conf import settings

from connect.worker_limits import worker_memory_ceiling_set

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings.base")

app = Celery("connect")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_after_setup.connect
def _large_workers_yield_the_cpu(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A worker of the large-runs queue alone runs at a lower CPU priority (see
    connect.routing); the queues from ``-Q`` are known here, the pool not started yet."""
    # Imported when the worker starts: this module loads with the package, before Django's
    # apps, and routing uses models.
    from connect.routing import worker_priority_set  # noqa: PLC0415

    worker_priority_set(instance.app.amqp.queues.consume_from)


@celeryd_after_setup.connect
def _worker_memory_ceiling(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Cap the worker's memory before its pool starts (the children inherit the ceiling)."""
    worker_memory_ceiling_set(megabytes=int(getattr(settings, "WORKER_MEMORY_CEILING_MB", 0)))
