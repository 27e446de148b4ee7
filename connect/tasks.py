"""Small tasks of the portal side."""

from __future__ import annotations

import socket

from celery import shared_task


@shared_task(name="connect.ping")
def ping(value: str) -> dict[str, str]:
    """Round-trip check: answers with the value and the worker's host (used by tests and health)."""
    return {"pong": value, "host": socket.gethostname()}
