"""Test settings: the same settings, with a fast password hasher and a local mail outbox.

The database and Redis come from DATABASE_URL / REDIS_URL when set (CI sets both to the
machine's PostgreSQL and Redis); otherwise SQLite and the file-system broker are used.
"""

from __future__ import annotations

import os
import socket
import tempfile
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

# Each test session gets its own state folder, so parallel runs never share a broker or a key.
os.environ.setdefault("CONNECT_VAR_DIR", tempfile.mkdtemp(prefix="connect-test-"))

from connect.settings.base import *

# CI (REQUIRE_SERVICES=1) runs the suite on PostgreSQL: a missing or unreachable database is an
# error there, never a silent fall-back to SQLite.
if os.environ.get("REQUIRE_SERVICES") == "1":
    if "postgresql" not in DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(
            "REQUIRE_SERVICES=1 needs DATABASE_URL pointing at PostgreSQL "
            f"(got the {DATABASES['default']['ENGINE']} backend)."
        )
    _db = urlparse(os.environ["DATABASE_URL"])
    try:
        with socket.create_connection((_db.hostname or "127.0.0.1", _db.port or 5432), 3):
            pass
    except OSError as _exc:
        raise ImproperlyConfigured(
            f"REQUIRE_SERVICES=1: PostgreSQL is not reachable at {_db.hostname}:{_db.port} "
            f"({_exc.strerror or _exc})."
        ) from _exc

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
AXES_FAILURE_LIMIT = 3
LANGUAGE_CODE = "de"

# SQLite tests use a database file in the state folder, not memory: a Celery worker started by
# a test (tests/integrations/test_worker_runs.py) opens the same database as the test.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

# Scheduled runs start exactly at their crontab time in tests; the tests of the spread
# (tests/integrations/test_schedule_spread.py) set their own window.
SYNC_SCHEDULE_SPREAD_MINUTES = 0
