"""Celery: Redis in production, the local file system in the embedded default."""

from __future__ import annotations

from connect.settings.env import PRODUCTION, VAR_DIR, env, mandatory, optional

_redis = mandatory("REDIS_URL") if PRODUCTION else (optional("REDIS_URL") or None)

if _redis:
    CELERY_BROKER_URL = optional("CELERY_BROKER_URL", _redis)
    CELERY_RESULT_BACKEND = optional("CELERY_RESULT_BACKEND", _redis)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # Longer than the longest run, so an unacknowledged run is not delivered twice.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600),
    }
else:
    _broker = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = optional("CELERY_BROKER_URL", "filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = optional(
        "CELERY_RESULT_BACKEND", f"db+sqlite:///{VAR_DIR / 'celery-results.sqlite3'}"
    )

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=4 * 3600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=4 * 3600 + 300)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "connect.beat:SpreadScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Memory of a worker (docs/security-parsing.md). WORKER_MEMORY_CEILING_MB caps the data memory
# of a worker process while a task runs (RLIMIT_DATA, set when the worker starts and inherited by
# its pool's children): a parser beyond it gets MemoryError, which a reading task turns into a
# German finding. A prefork child that has grown beyond WORKER_MAX_MEMORY_PER_CHILD_MB after a
# task is replaced. 0 switches either off.
WORKER_MEMORY_CEILING_MB = env.int("WORKER_MEMORY_CEILING_MB", default=1536)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = (
    env.int("WORKER_MAX_MEMORY_PER_CHILD_MB", default=768) * 1024 or None
)

# Fairness on shared workers (connect.routing): runs expected to write at least
# SYNC_LARGE_RUN_UNITS new units (0 = never) go to their own queue, which a separate worker
# consumes; at most SYNC_MAX_RUNS_PER_CUSTOMER runs of one customer execute at a time.
CELERY_TASK_ROUTES = ("connect.routing.route_task",)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="celery")
SYNC_LARGE_QUEUE = env.str("SYNC_LARGE_QUEUE", default="runs-large")
SYNC_LARGE_RUN_UNITS = env.int("SYNC_LARGE_RUN_UNITS", default=5000)
SYNC_MAX_RUNS_PER_CUSTOMER = env.int("SYNC_MAX_RUNS_PER_CUSTOMER", default=1)
# A worker of the large queue alone lowers its CPU priority by this much (os.nice; 0 = keep).
SYNC_LARGE_WORKER_NICE = env.int("SYNC_LARGE_WORKER_NICE", default=10)
if not 0 <= SYNC_LARGE_WORKER_NICE <= 19:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SYNC_LARGE_WORKER_NICE must be between 0 and 19")
# Scheduled runs that fire at the same minute start at a deterministic offset per customer
# within this window (connect.periodic), so facilioo and the ERPs are not hit all at once.
SYNC_SCHEDULE_SPREAD_MINUTES = env.int("SYNC_SCHEDULE_SPREAD_MINUTES", default=30)
if not 0 <= SYNC_SCHEDULE_SPREAD_MINUTES <= 120:
    # django-celery-beat loads crontab entries only within two hours of their hour.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SYNC_SCHEDULE_SPREAD_MINUTES must be between 0 and 120")
