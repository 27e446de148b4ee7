"""What the benchmark commands share: a throwaway customer, runs, memory and request figures."""

from __future__ import annotations

import resource
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connect.models import Customer, RunStatus, SyncRun, SyncRunItem
from integrations.models import ExternalLink

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def is_write(route: str) -> bool:
    """A sandbox counter route ("POST /api/units") that changes facilioo (not search, not login)."""
    method = route.split()[0]
    return method in WRITE_METHODS and "/search" not in route and "/auth/" not in route


@contextmanager
def temporary_customer() -> Iterator[Any]:
    """A customer for one benchmark, removed with its runs, log and links afterwards."""

    slug = f"bench-{uuid.uuid4().hex[:10]}"
    customer = Customer.objects.create(name=f"Benchmark {slug}", slug=slug)
    try:
        yield customer
    finally:
        SyncRunItem.objects.filter(customer=customer).delete()
        SyncRun.objects.filter(customer=customer).delete()
        ExternalLink.objects.filter(customer=customer).delete()
        customer.delete()


def new_run(customer: Any, use_case: str) -> Any:

    return SyncRun.objects.create(
        customer=customer, use_case=use_case, trigger="cli", status="running", attempts=1
    )


def finish_run(run: Any) -> None:

    SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
