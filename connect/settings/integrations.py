"""Settings of the external systems: facilioo environments and HTTP behaviour, ERP uploads."""

from __future__ import annotations

from connect.settings.env import env

FACILIOO_PRODUCTION_URL = env.str("FACILIOO_PRODUCTION_URL", default="https://api.facilioo.de")
# The staging host reported on facilioo's quick-start page; override it when it moves.
FACILIOO_STAGING_URL = env.str("FACILIOO_STAGING_URL", default="https://staging-api.facilioo.de")
FACILIOO_SANDBOX_URL = env.str("FACILIOO_SANDBOX_URL", default="http://127.0.0.1:8025")
FACILIOO_HTTP_TIMEOUT = env.float("FACILIOO_HTTP_TIMEOUT", default=30.0)
FACILIOO_MAX_RETRIES = env.int("FACILIOO_MAX_RETRIES", default=5)
FACILIOO_WRITE_WORKERS = env.int("FACILIOO_WRITE_WORKERS", default=8)
FACILIOO_REQUESTS_PER_SECOND = env.float("FACILIOO_REQUESTS_PER_SECOND", default=50.0)

ERP_UPLOAD_MAX_BYTES = env.int("ERP_UPLOAD_MAX_BYTES", default=512 * 1024 * 1024)
# Checked by the validation task before and while unpacking (zip bombs, key floods).
ERP_UPLOAD_MAX_UNPACKED_BYTES = env.int(
    "ERP_UPLOAD_MAX_UNPACKED_BYTES", default=4 * 1024 * 1024 * 1024
)
ERP_UPLOAD_MAX_FILES = env.int("ERP_UPLOAD_MAX_FILES", default=200_000)
ERP_UPLOAD_MAX_ROWS = env.int("ERP_UPLOAD_MAX_ROWS", default=3_000_000)
# What one CSV record (a line, or the lines of one quoted record) may hold, in characters; the
# cells a workbook's sheets may yield (empty ones included); and the size of a workbook's shared
# strings (xl/sharedStrings.xml), which a reader holds in memory whole (docs/security-parsing.md).
ERP_UPLOAD_MAX_LINE_CHARS = env.int("ERP_UPLOAD_MAX_LINE_CHARS", default=1_000_000)
ERP_UPLOAD_MAX_CELLS = env.int("ERP_UPLOAD_MAX_CELLS", default=100_000_000)
ERP_UPLOAD_MAX_SHARED_STRINGS_BYTES = env.int(
    "ERP_UPLOAD_MAX_SHARED_STRINGS_BYTES", default=64 * 1024 * 1024
)
# Deliveries of a reading task (validation, sample) whose worker died while reading: after this
# many the export fails with a German message and an alert, instead of being delivered forever.
ERP_PARSE_MAX_ATTEMPTS = env.int("ERP_PARSE_MAX_ATTEMPTS", default=2)
# Sample exports of the ERP page are deleted after this many hours (they count against the quota).
ERP_SAMPLE_KEEP_HOURS = env.int("ERP_SAMPLE_KEEP_HOURS", default=24)
# Storage per customer, and how many uploads are kept (the newest valid one always).
ERP_UPLOAD_QUOTA_BYTES = env.int("ERP_UPLOAD_QUOTA_BYTES", default=5 * 1024 * 1024 * 1024)
ERP_UPLOAD_KEEP = env.int("ERP_UPLOAD_KEEP", default=10)
# Watched folders: a file younger than this may still be being written and is left alone.
ERP_WATCH_SETTLE_SECONDS = env.int("ERP_WATCH_SETTLE_SECONDS", default=60)
# Freshness: ERP data older than this raises the alert "ERP-Daten veraltet".
ERP_STALE_AFTER_DAYS = env.int("ERP_STALE_AFTER_DAYS", default=7)
# Pushes per Übermittlungs-Token (or per user pushing with a login): DRF's rate syntax.
ERP_PUSH_RATE = env.str("ERP_PUSH_RATE", default="60/hour")
