"""Test settings: the same settings, with a fast password hasher and a local mail outbox.

The database and Redis come from DATABASE_URL / REDIS_URL when set (CI sets both to the
machine's PostgreSQL and Redis); otherwise SQLite and the file-system broker are used.
"""

from __future__ import annotations

import os
import tempfile

# Each test session gets its own state folder, so parallel runs never share a broker or a key.
os.environ.setdefault("CONNECT_VAR_DIR", tempfile.mkdtemp(prefix="connect-test-"))

from connect.settings.base import *

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
