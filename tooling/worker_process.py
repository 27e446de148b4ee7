"""A real Celery worker process of this project, started for a benchmark or a test.

One worker consumes the given queues with the solo pool (one task at a time), without gossip,
mingle and heartbeat, and writes its log to a file. :func:`worker_start` returns once the
worker reports ``ready.``; :func:`worker_stop` ends it (SIGTERM, then SIGKILL);
:func:`celery_worker` does both around a block.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 90.0


def worker_command(queue: str, name: str) -> list[str]:
    """The command line of one worker consuming ``queue`` (comma-separated for several)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "connect",
        "worker",
        "-Q",
        queue,
        "--pool",
        "solo",
        "-l",
        "INFO",
        "-n",
        f"{name}-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def worker_start(
    env: Mapping[str, str],
    *,
    queue: str,
    log: Path,
    name: str = "worker",
    ready_timeout: float = READY_TIMEOUT_S,
) -> subprocess.Popen[bytes]:
    """Start a worker and wait until it is ready to consume.

    Its environment is this process's, with ``DJANGO_SETTINGS_MODULE`` set to the base
    settings, then ``env`` on top. A worker that exits or is not ready within
    ``ready_timeout`` seconds is stopped and reported with the end of its log.
    """
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "connect.settings.base", **env}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            worker_command(queue, name),
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + ready_timeout
    while b"ready." not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            worker_stop(proc)
            raise RuntimeError("Celery worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    return proc


def worker_stop(proc: subprocess.Popen[bytes], *, timeout: float = 30.0) -> None:
    """Ask the worker to stop (SIGTERM); kill it when it has not ended within ``timeout``."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def celery_worker(
    env: Mapping[str, str], *, queue: str, log: Path, name: str = "worker"
) -> Iterator[subprocess.Popen[bytes]]:
    """A worker consuming ``queue`` for the duration of the block, stopped afterwards."""
    proc = worker_start(env, queue=queue, log=log, name=name)
    try:
        yield proc
    finally:
        worker_stop(proc)
