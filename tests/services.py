"""Access to the real services tests may need: PostgreSQL, Redis, a Celery worker, Chromium.

Without REQUIRE_SERVICES=1 a missing service skips the test with the reason; with it (as in CI)
the test fails, so nothing is silently left out there.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tooling import worker_process

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"required service missing (REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            pass
    except OSError:
        unavailable(f"Redis is not reachable at {parsed.hostname}:{parsed.port}")
    return url


def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        unavailable("the playwright package is not installed")
    return CHROMIUM


def celery_worker(
    env: Mapping[str, str], *, queue: str, log: Path
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """A real Celery worker process of this project, consuming one queue, stopped afterwards."""
    return worker_process.celery_worker(env, queue=queue, log=log, name="test")
