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
