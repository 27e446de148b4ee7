"""What the fleet benchmark (``manage.py bench_fleet``) is built from.

- :func:`fleet_logins`: one sandbox account (a property-management company with tenants of
  its own) per fleet customer;
- :func:`write_fleet_export`: a customer's own ERP export (its own Mandant numbers, so the
  externalIds of the fleet never collide in one sandbox);
- :class:`WorkerPool`: real Celery worker processes on the benchmark's own queues, with their
  memory and CPU time read from ``/proc``;
- :func:`run_round`: fire one run per customer at once and measure waits and durations.
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from connect.models import SyncRun, Trigger
from connect.services.sync_logs import sync_run_request
from tooling.sandbox.app import account_email
from tooling.worker_process import worker_start, worker_stop

# -- facilioo logins of the fleet ---------------------------------------------------------------


@dataclass(frozen=True)
class FleetLogin:
    email: str
    password: str
    tenant_id: int


def fleet_logins(sandbox: Any, count: int) -> list[FleetLogin]:
    """One sandbox account of its own per fleet customer, with the first of its tenants.

    The sandbox must run in this process and serve at least ``count + 1`` accounts
    (``running_sandbox(accounts=count + 1)``): account 1, the seeded one, stays out of the
    fleet; customer ``n`` gets account ``n + 1``, a property-management company of its own
    (its own rate-limit budget) that sees only its two tenants and the records it wrote, so
    one customer's first sync neither lists nor adopts another's properties, units and
    contracts. Parties stay shared, as in facilioo. The accounts and their tenants survive
    ``sandbox.reset()``.
    """

    server = sandbox.server
    if server is None:
        raise ValueError("fleet logins need a sandbox running in this process")
    accounts = server.app.accounts
    logins = []
    for number in range(2, count + 2):
        account = accounts.get(account_email(number))
        if account is None:
            raise ValueError(
                f"the sandbox serves {len(server.app.logins())} accounts; "
                f"a fleet of {count} needs {count + 1} (running_sandbox(accounts={count + 1}))"
            )
        logins.append(
            FleetLogin(
                email=account.email, password=account.password, tenant_id=min(account.tenants)
            )
        )
    return logins


# -- ERP exports of the fleet -------------------------------------------------------------------


def write_fleet_export(template: Path, target: Path, prefix: str) -> list[str]:
    """Copy an ERP export v1 directory, each Mandant number prefixed (``1000`` → ``71000``).

    Returns the new Mandant numbers. Document files are linked, not copied.
    """
    target.mkdir(parents=True, exist_ok=True)
    mandanten: list[str] = []
    for source in sorted(template.glob("*.csv")):
        with source.open(encoding="utf-8", newline="") as inp:
            rows = list(csv.reader(inp, delimiter=";"))
        header, body = rows[0], rows[1:]
        column = header.index("mandant_nr") if "mandant_nr" in header else None
        if column is not None:
            for row in body:
                if row:
                    row[column] = prefix + row[column]
                    if source.name == "mandanten.csv":
                        mandanten.append(row[column])
        with (target / source.name).open("w", encoding="utf-8", newline="") as out:
            csv.writer(out, delimiter=";", lineterminator="\n").writerows([header, *body])
    documents = template / "dokumente"
    if documents.exists() and not (target / "dokumente").exists():
        (target / "dokumente").symlink_to(documents.resolve())
    return mandanten


# -- worker processes ---------------------------------------------------------------------------


def _proc_status(pid: int, field_name: str) -> float:
    """A ``/proc/<pid>/status`` memory figure in MB (0 when unknown)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process and its waited-for children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class WorkerPool:
    """Real Celery worker processes, each executing one run at a time (solo pool)."""

    env: dict[str, str]
    log_dir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def start(self, queue: str, count: int, label: str) -> None:
        for n in range(count):
            name = f"{label}{n + 1}"
            log = self.log_dir / f"worker-{name}-{uuid.uuid4().hex[:6]}.log"
            self.procs.append(worker_start(self.env, queue=queue, log=log, name=f"bench-{name}"))
            self.names.append(name)

    def memory(self) -> dict[str, dict[str, float]]:
        return {
            name: {"rss_mb": _proc_status(p.pid, "VmRSS"), "peak_mb": _proc_status(p.pid, "VmHWM")}
            for name, p in zip(self.names, self.procs, strict=True)
        }

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def stop(self) -> None:
        for proc in self.procs:
            worker_stop(proc)
        self.procs, self.names = [], []


@contextmanager
def worker_pool(env: dict[str, str], log_dir: Path) -> Iterator[WorkerPool]:
    pool = WorkerPool(env=env, log_dir=log_dir)
    try:
        yield pool
    finally:
        pool.stop()


# -- rounds -------------------------------------------------------------------------------------


def percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
    }


@dataclass
class RoundResult:
    makespan_s: float
    runs: int
    statuses: dict[str, int]
    wait_s: dict[str, float]
    duration_s: dict[str, float]
    facilioo_requests: int
    requests_by_method: dict[str, int]
    per_customer: dict[str, dict[str, float]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "makespan_s": self.makespan_s,
            "runs": self.runs,
            "statuses": self.statuses,
            "wait_s": self.wait_s,
            "duration_s": self.duration_s,
            "facilioo_requests": self.facilioo_requests,
            "requests_by_method": self.requests_by_method,
        }


def run_round(customers: Sequence[Any], sandbox: Any, *, timeout: float) -> RoundResult:
    """Request one Stammdaten run per customer in one transaction, so all are queued at once,
    and wait until every run has ended."""

    sandbox.reset_counters()
    started = time.time()
    with transaction.atomic():
        runs = [
            sync_run_request(customer=c, use_case="stammdaten", trigger=Trigger.SCHEDULE)
            for c in customers
        ]
    ids = [r.pk for r in runs]
    deadline = time.monotonic() + timeout
    while SyncRun.objects.filter(pk__in=ids, status__in=("queued", "running")).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"runs not finished after {timeout:.0f} s")
        time.sleep(0.5)
    done = list(SyncRun.objects.filter(pk__in=ids).select_related("customer"))
    counters = sandbox.counters()
    finished = max(r.finished_at.timestamp() for r in done if r.finished_at)
    waits: list[float] = []
    durations: list[float] = []
    statuses: dict[str, int] = {}
    per_customer: dict[str, dict[str, float]] = {}
    for r in done:
        statuses[r.status] = statuses.get(r.status, 0) + 1
        if r.started_at and r.finished_at:
            wait = (r.started_at - r.created_at).total_seconds()
            duration = (r.finished_at - r.started_at).total_seconds()
            waits.append(wait)
            durations.append(duration)
            per_customer[r.customer.slug] = {"wait_s": wait, "duration_s": duration}
    return RoundResult(
        makespan_s=round(finished - started, 2),
        runs=len(done),
        statuses=statuses,
        wait_s=percentiles(waits),
        duration_s=percentiles(durations),
        facilioo_requests=int(counters.get("total", 0)),
        requests_by_method=dict(counters.get("by_method", {})),
        per_customer=per_customer,
    )
