"""Runs executed by real Celery worker processes, against the sandbox in its own process.

The worker uses the test's database (DATABASE_URL built from the test connection), the test's
broker (the file-system folder of this session, or Redis) and its own cache folder, which the
test shares when it plays beat (sync_resume_orphaned).
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from connect.celery import app as celery_app
from connect.models import (
    Customer,
    FaciliooConnection,
    RunStatus,
    SyncRun,
    Trigger,
    UseCaseActivation,
)
from connect.services.credentials import facilioo_connection_set
from connect.services.sync_logs import RunAlreadyActive, sync_run_request
from connect.tasks import sync_resume_orphaned
from tests.factories import activate_stammdaten, connect_to_sandbox
from tests.services import celery_worker, redis_url
from tooling.sandbox.testing import SandboxHandle, sandbox_process

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ENTITIES = ("properties", "units", "parties", "unit-contracts")


def database_url() -> str:
    """The test database as a URL for the worker process."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        name = str(s["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail("the worker needs a database file (see connect/settings/test.py)")
        return f"sqlite:///{Path(name).resolve()}"
    if "postgresql" in s["ENGINE"]:
        user = quote(s.get("USER") or "", safe="")
        password = quote(s.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        return (
            f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"
        )
    pytest.skip(f"no worker database URL for {s['ENGINE']}")
    raise AssertionError  # unreachable


def use_default_queue(name: str) -> None:
    """Send this process's tasks to ``name``.

    Celery caches the default queue, the queue table and the router on first use, so they are
    dropped too; otherwise later tests would still send to a queue nobody consumes any more.
    """
    celery_app.conf.task_default_queue = name
    for cached in ("default_queue", "queues", "router"):
        celery_app.amqp.__dict__.pop(cached, None)


@pytest.fixture
def worker_setup(
    tmp_path: Path, settings: Any
) -> Iterator[Callable[..., AbstractContextManager[Any]]]:
    """Start workers on the queues of this test; the test process shares their cache.

    ``start(sandbox)`` consumes both the test's default queue and its large-runs queue;
    ``start(sandbox, queues="default")`` or ``queues="large"`` only one of them.
    """
    queue = f"runs-{uuid.uuid4().hex[:8]}"
    large_queue = f"{queue}-large"
    settings.SYNC_LARGE_QUEUE = large_queue
    var = tmp_path / "var"
    var.mkdir()
    session_var = Path(django_settings.VAR_DIR)
    env = {
        "CONNECT_VAR_DIR": str(var),
        "DATABASE_URL": database_url(),
        "FACILIOO_WRITE_WORKERS": "2",
        "SYNC_LARGE_QUEUE": large_queue,
        # Runs a worker enqueues itself (handed on, resumed) stay on this test's queues.
        "CELERY_DEFAULT_QUEUE": queue,
        # The worker decrypts what the test stored: the same keys, whatever the broker.
        "CREDENTIAL_ENCRYPTION_KEYS": ",".join(django_settings.CREDENTIAL_ENCRYPTION_KEYS),
        "SECRET_KEY": django_settings.SECRET_KEY,
    }
    redis = os.environ.get("REDIS_URL")
    if redis:
        url = redis_url()
        # The broker is the test's; the cache (run locks) a database of this test alone.
        cache_url = url.rsplit("/", 1)[0] + f"/{11 + hash(queue) % 4}"
        env.update({"REDIS_URL": cache_url, "CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url})
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": cache_url,
                "KEY_PREFIX": "",
            }
        }
    else:
        # The session's broker folder and keys, this test's own cache folder.
        for name in ("broker", "secret_key", "credential_key"):
            if (session_var / name).exists():
                (var / name).symlink_to(session_var / name)
        env.update({"REDIS_URL": "", "CELERY_BROKER_URL": "", "CELERY_RESULT_BACKEND": ""})
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(var / "cache"),
            }
        }
    default_queue = celery_app.conf.task_default_queue
    use_default_queue(queue)
    counter = iter(range(1, 100))

    consumed = {"both": f"{queue},{large_queue}", "default": queue, "large": large_queue}

    def start(
        sandbox: SandboxHandle, *, queues: str = "both", **extra_env: str
    ) -> AbstractContextManager[Any]:
        return celery_worker(
            {**env, "FACILIOO_SANDBOX_URL": sandbox.url, **extra_env},
            queue=consumed[queues],
            log=tmp_path / f"worker-{next(counter)}.log",
        )

    try:
        yield start
    finally:
        use_default_queue(default_queue)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with sandbox_process(seed=True, password="sandbox-worker-test", accounts=2) as handle:
        yield handle


def ready_customer(sandbox: SandboxHandle, *, units: int, account: int = 1) -> Customer:
    """A customer on the sandbox's account ``account`` (1: the first; 2: the second company,
    its tenants 21 and 22), Stammdaten on. An account belongs to one customer."""
    customer = Customer.objects.create(
        name="Musterstadt", slug=f"m-{uuid.uuid4().hex[:6]}", demo_units=units
    )
    if account == 1:
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
    else:
        facilioo_connection_set(
            customer=customer,
            actor=None,
            username=f"sandbox{account}@facilioo.example",
            password=sandbox.password,
            environment="sandbox",
        )
        activate_stammdaten(customer, default_tenant_id=1 + 20 * (account - 1))
    return customer


def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def run_of(run_id: int) -> SyncRun:
    return SyncRun.objects.get(pk=run_id)


def external_ids(sandbox: SandboxHandle) -> dict[str, list[str]]:
    return {
        entity: sorted(
            str(i)
            for r in sandbox.state.records(entity)
            if not r.get("deleted")
            for i in (r["externalIds"] if entity == "parties" else [r["externalId"]])
        )
        for entity in ENTITIES
    }


def log_rows(run: SyncRun) -> Counter[tuple[str, str, str, str]]:
    return Counter(run.items.values_list("entity", "action", "erp_key", "reason"))


def test_a_requested_run_is_executed_by_the_worker(worker_setup, sandbox):
    # given: a configured customer and a running worker
    customer = ready_customer(sandbox, units=20)
    with worker_setup(sandbox):
        # when: the portal requests a run
        run = sync_run_request(customer=customer, use_case="stammdaten", trigger=Trigger.MANUAL)
        wait_for(lambda: not run_of(run.pk).is_active, timeout=120, what="the run to finish")
    # then: it succeeded with counts, and facilioo holds the units
    done = run_of(run.pk)
    assert done.status == RunStatus.SUCCEEDED, done.error_message
    assert done.counts["units"]["created"] == 20
    assert done.progress_done == done.progress_total > 0
    assert len(external_ids(sandbox)["units"]) == 20


def test_a_run_whose_worker_was_killed_resumes_on_another_worker(worker_setup, sandbox, tmp_path):
    # given: a clean run of the same portfolio into a second sandbox, as the reference
    units = 120
    with sandbox_process(seed=True, password="sandbox-reference") as reference:
        clean = ready_customer(reference, units=units)
        with worker_setup(reference):
            run = sync_run_request(customer=clean, use_case="stammdaten", trigger=Trigger.MANUAL)
            wait_for(lambda: not run_of(run.pk).is_active, timeout=180, what="the clean run")
        reference_run = run_of(run.pk)
        assert reference_run.status == RunStatus.SUCCEEDED
        expected = external_ids(reference)
        # one facilioo account belongs to one customer: the reference customer lets go of it
        FaciliooConnection.objects.filter(customer=clean).delete()
    # given: a slow facilioo, so the run is killed in the middle
    sandbox.control(latency_ms=40)
    customer = ready_customer(sandbox, units=units)
    with worker_setup(sandbox) as first:
        run = sync_run_request(customer=customer, use_case="stammdaten", trigger=Trigger.MANUAL)
        wait_for(lambda: run_of(run.pk).progress_done > 0, timeout=120, what="the first batch")
        # when: the worker dies without a chance to clean up
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    killed = run_of(run.pk)
    assert killed.status == RunStatus.RUNNING
    assert killed.progress_done < killed.progress_total
    sandbox.control(latency_ms=0)
    with worker_setup(sandbox):
        # when: beat's resume pass finds the silent run (here after one second, not minutes)
        time.sleep(1.5)
        assert sync_resume_orphaned(older_than_seconds=1) == [run.pk]
        wait_for(lambda: not run_of(run.pk).is_active, timeout=180, what="the resumed run")
    # then: it succeeded on its second attempt, and facilioo holds each record exactly once
    resumed = run_of(run.pk)
    assert resumed.write_journal == []
    assert resumed.status == RunStatus.SUCCEEDED, resumed.error_message
    assert resumed.attempts == 2
    got = external_ids(sandbox)
    for entity in ENTITIES:
        assert len(got[entity]) == len(set(got[entity])), f"{entity} written twice"
    assert got == expected
    # then: its counts per entity and action and its log are those of the clean run
    assert resumed.counts == reference_run.counts
    assert log_rows(resumed) == log_rows(reference_run)


def test_a_second_trigger_while_a_run_is_active_is_refused(worker_setup, sandbox):
    # given: a run the worker is executing slowly
    sandbox.control(latency_ms=30)
    customer = ready_customer(sandbox, units=60)
    with worker_setup(sandbox):
        run = sync_run_request(customer=customer, use_case="stammdaten", trigger=Trigger.MANUAL)
        wait_for(lambda: run_of(run.pk).status == RunStatus.RUNNING, timeout=120, what="the start")
        # when: the schedule triggers the same use case
        with pytest.raises(RunAlreadyActive) as refused:
            sync_run_request(customer=customer, use_case="stammdaten", trigger=Trigger.SCHEDULE)
        # then: refused in German, and only one run exists
        assert "läuft bereits ein Lauf" in refused.value.message
        assert SyncRun.objects.filter(customer=customer).count() == 1
        wait_for(lambda: not run_of(run.pk).is_active, timeout=180, what="the run to finish")
    assert run_of(run.pk).status == RunStatus.SUCCEEDED


@pytest.fixture
def two_accounts() -> Iterator[SandboxHandle]:
    with sandbox_process(seed=True, password="sandbox-worker-test", accounts=2) as handle:
        yield handle


def test_a_small_run_is_not_stuck_behind_a_large_initial_sync(worker_setup, two_accounts, settings):
    # given: runs of at least 100 new units are large; a worker for each queue, one task at a time
    settings.SYNC_LARGE_RUN_UNITS = 100
    sandbox = two_accounts
    sandbox.control(latency_ms=30)
    big = ready_customer(sandbox, units=150)
    small = ready_customer(sandbox, units=10, account=2)
    with (
        worker_setup(sandbox, queues="default", SYNC_LARGE_RUN_UNITS="100") as default_worker,
        worker_setup(
            sandbox, queues="large", SYNC_LARGE_RUN_UNITS="100", SYNC_LARGE_WORKER_NICE="10"
        ) as large_worker,
    ):
        # and: the large queue's worker runs at a lower CPU priority, the other keeps its own
        own = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, default_worker.pid) == own
        assert os.getpriority(os.PRIO_PROCESS, large_worker.pid) == min(19, own + 10)
        # when: the big customer's first sync runs, and then the small customer asks for one
        large = sync_run_request(customer=big, use_case="stammdaten", trigger=Trigger.SCHEDULE)
        wait_for(lambda: run_of(large.pk).progress_done > 0, timeout=120, what="the large run")
        quick = sync_run_request(customer=small, use_case="stammdaten", trigger=Trigger.SCHEDULE)
        wait_for(lambda: not run_of(quick.pk).is_active, timeout=120, what="the small run")
        # then: the small run is done while the large one still runs
        assert run_of(quick.pk).status == RunStatus.SUCCEEDED, run_of(quick.pk).error_message
        assert run_of(large.pk).status == RunStatus.RUNNING
        wait_for(lambda: not run_of(large.pk).is_active, timeout=300, what="the large run")
    assert run_of(large.pk).status == RunStatus.SUCCEEDED, run_of(large.pk).error_message


def test_a_customer_runs_one_use_case_at_a_time_on_several_workers(worker_setup, sandbox):
    # given: a customer with both use cases, and two workers on the same queue
    sandbox.control(latency_ms=20)
    customer = ready_customer(sandbox, units=60)
    UseCaseActivation.objects.create(
        customer=customer,
        use_case="dokumente",
        enabled=True,
        settings={"separator": "-", "mandanten": ["1000", "2000", "3000"]},
    )
    with worker_setup(sandbox), worker_setup(sandbox):
        # when: both runs are requested at once
        first = sync_run_request(customer=customer, use_case="stammdaten", trigger=Trigger.MANUAL)
        second = sync_run_request(customer=customer, use_case="dokumente", trigger=Trigger.MANUAL)

        # then: one waits for the other, holding no worker, and is handed on
        def one_waits() -> bool:
            runs = {run_of(first.pk).phase, run_of(second.pk).phase}
            statuses = {run_of(first.pk).status, run_of(second.pk).status}
            return "waiting" in runs and statuses == {RunStatus.RUNNING, RunStatus.QUEUED}

        wait_for(one_waits, timeout=120, what="one run to wait")
        wait_for(
            lambda: not run_of(first.pk).is_active and not run_of(second.pk).is_active,
            timeout=300,
            what="both runs",
        )
    done = sorted([run_of(first.pk), run_of(second.pk)], key=lambda r: r.started_at)
    for finished in done:
        assert finished.status in (RunStatus.SUCCEEDED, RunStatus.WARNING), finished.error_message
        assert finished.attempts == 1
    # and: they never executed at the same time
    assert done[1].started_at >= done[0].finished_at
