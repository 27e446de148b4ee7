"""Silent runs: the reaper fails them, the resume pass hands them on first; cancellation."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from connect.models import Customer, RunStatus, SyncRun
from connect.services.run_ledger import OrmRunLedger
from connect.services.runner import STALE_AFTER, sync_run_execute
from connect.services.sync_logs import (
    run_lock_key,
    sync_run_cancel,
    sync_run_claim_orphans,
    sync_run_create,
)
from connect.tasks import sync_reap_stale
from integrations.erp.demo.connector import DemoConnector
from integrations.erp.records import StreamItem
from integrations.facilioo.client import FaciliooClient
from integrations.sync.engine import RunCancelled
from integrations.sync.streams.stammdaten import StammdatenSync
from integrations.sync.types import StammdatenSettings
from integrations.usecases import UseCase
from tests.factories import activate_stammdaten, connect_to_sandbox, sandbox_for, sync_run
from tooling.sandbox.testing import running_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> Customer:
    return Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=60)


def running_run(customer: Customer, *, silent_for: timedelta) -> SyncRun:
    """A run started ``silent_for`` ago whose worker has not spoken since."""
    return sync_run(customer, status=RunStatus.RUNNING, at=timezone.now() - silent_for)


@pytest.mark.parametrize(
    ("silent_for", "failed"),
    [
        (STALE_AFTER + timedelta(minutes=1), True),
        (STALE_AFTER - timedelta(minutes=1), False),
        (timedelta(seconds=5), False),
    ],
)
def test_the_reaper_fails_only_runs_silent_for_longer_than_the_limit(customer, silent_for, failed):
    # given
    run = running_run(customer, silent_for=silent_for)
    # when: beat's reaper task runs
    reaped = sync_reap_stale()
    # then
    run.refresh_from_db()
    assert (run.pk in reaped) is failed
    if failed:
        assert run.status == RunStatus.FAILED
        assert "seit über 15 Minuten nicht gemeldet" in run.error_message
        assert run.finished_at is not None
    else:
        assert run.status == RunStatus.RUNNING


def test_the_resume_pass_claims_silent_runs_before_the_reaper(customer, settings):
    # given: a run silent for 6 minutes whose dead worker still holds the lock
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    run = running_run(customer, silent_for=timedelta(minutes=6))
    cache.set(run_lock_key(run.pk), "1")
    # when
    claimed = sync_run_claim_orphans(older_than=timedelta(minutes=5), max_attempts=3)
    # then: claimed once, its heartbeat renewed (the reaper waits again), the lock released
    assert claimed == [run.pk]
    run.refresh_from_db()
    assert timezone.now() - run.heartbeat_at < timedelta(seconds=30)
    assert cache.get(run_lock_key(run.pk)) is None
    assert sync_run_claim_orphans(older_than=timedelta(minutes=5), max_attempts=3) == []
    assert sync_reap_stale() == []


def _started_three_times(customer: Customer, at: datetime) -> SyncRun:
    return sync_run(customer, status=RunStatus.RUNNING, at=at, starts=3)


def _cancel_requested(customer: Customer, at: datetime) -> SyncRun:
    run = sync_run(customer, status=RunStatus.RUNNING, at=at)
    return sync_run_cancel(customer=customer, run=run, actor=None)


def _succeeded(customer: Customer, at: datetime) -> SyncRun:
    return sync_run(customer, status=RunStatus.SUCCEEDED, at=at)


def _never_started(customer: Customer, at: datetime) -> SyncRun:
    return sync_run(customer, status=RunStatus.QUEUED, at=at)


@pytest.mark.parametrize(
    ("make", "claimed"),
    [
        (_started_three_times, False),  # started too often: left to the reaper
        (_cancel_requested, False),
        (_succeeded, False),
        (_never_started, True),  # its message was lost
    ],
)
def test_which_silent_runs_the_resume_pass_claims(customer, make, claimed):
    # given: a run of ten minutes ago, silent since
    run = make(customer, timezone.now() - timedelta(minutes=10))
    # when
    result = sync_run_claim_orphans(older_than=timedelta(minutes=5), max_attempts=3)
    # then
    assert (result == [run.pk]) is claimed


def test_a_queued_run_is_cancelled_at_once(customer):
    run = sync_run_create(customer=customer, use_case="stammdaten", trigger="manual")
    run = sync_run_cancel(customer=customer, run=run, actor=None)
    assert run.status == RunStatus.CANCELLED
    assert run.error_message == "Vor dem Start abgebrochen."
    # and: its task, arriving later, does nothing
    assert sync_run_execute(run_id=run.pk).status == RunStatus.CANCELLED


class CancelDuringRead:
    """The demo ERP; the customer presses "Abbrechen" while record ``at`` is read.

    Before a customer's first run the engine counts the records in a read of its own, so the
    cancel comes in the second read, the one that writes.
    """

    def __init__(self, base: DemoConnector, run: SyncRun, at: int) -> None:
        self.base, self.run, self.at = base, run, at
        self.reads = 0

    def list_mandanten(self) -> list[Any]:
        return self.base.list_mandanten()

    def close(self) -> None:
        self.base.close()

    def read(self, use_case: UseCase, *, mandanten: Collection[str]) -> Any:
        outer = self
        outer.reads += 1
        writing = outer.reads == 2

        class Read:
            complete = False

            def __iter__(self) -> Iterator[StreamItem]:
                for n, item in enumerate(outer.base.read(use_case, mandanten=mandanten)):
                    if writing and n == outer.at:
                        sync_run_cancel(customer=outer.run.customer, run=outer.run, actor=None)
                    yield item
                Read.complete = True

        return Read()


def test_a_running_run_stops_at_the_next_batch():
    customer = Customer.objects.create(name="Musterstadt", slug="musterstadt")
    run = running_run(customer, silent_for=timedelta(0))
    demo = DemoConnector(units=60, seed=1)
    with (
        running_sandbox(seed=True) as sandbox,
        FaciliooClient(sandbox.url, sandbox.email, sandbox.password, workers=2) as client,
    ):
        engine = StammdatenSync(
            ledger=OrmRunLedger(run),
            client=client,
            connector=CancelDuringRead(demo, run, at=30),
            today=date(2026, 11, 25),
            settings=StammdatenSettings(
                separator="-",
                mandanten=frozenset(m.mandant_nr for m in demo.list_mandanten()),
                default_tenant_id=1,
            ),
            batch_size=20,
        )
        # when: cancelled while the read is at record 30
        with pytest.raises(RunCancelled):
            engine.execute()
        # then: it stopped at the next batch: some units written, not all
        written = sandbox.state.count("units")
    assert 0 < written < 60
    assert engine.done <= 30 + 20


def test_a_cancelled_running_run_ends_cancelled(customer, settings):
    # given: a configured customer whose running run the customer cancelled
    with sandbox_for(settings) as sandbox:
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer, mandanten=["1000"])
        run = running_run(customer, silent_for=timedelta(0))
        sync_run_cancel(customer=customer, run=run, actor=None)
        # when: its worker reaches the first batch boundary
        run = sync_run_execute(run_id=run.pk)
        units = sandbox.state.count("units")
    # then
    assert run.status == RunStatus.CANCELLED
    assert run.error_message == "Abgebrochen."
    assert units == 0
