"""Retention: old record-log rows and runs go, in batches; recent and active ones stay."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connect.models import Alert, AlertKind, RunStatus, SyncRun, SyncRunItem
from connect.services.retention import retention_cleanup
from tests.factories import CustomerFactory, sync_run

NOW = timezone.make_aware(datetime(2026, 6, 1, 12, 0))  # noqa: DTZ001 (made aware right here)


def _run(customer, *, age_days: int, status: str = RunStatus.SUCCEEDED, items: int = 0) -> SyncRun:
    created = NOW - timedelta(days=age_days)
    run = sync_run(customer, status=status, trigger="schedule", at=created)
    SyncRunItem.objects.bulk_create(
        SyncRunItem(
            run=run, customer=customer, entity="units", action="created", erp_key=f"{run.pk}-{n}"
        )
        for n in range(items)
    )
    SyncRunItem.objects.filter(run=run).update(created_at=created)
    return run


@pytest.mark.django_db
def test_old_items_and_runs_are_deleted_in_batches_recent_and_active_ones_stay(settings):
    settings.RETENTION_RECORD_LOG_DAYS = 90
    settings.RETENTION_RUN_DAYS = 400
    customer = CustomerFactory()
    # given: runs of several ages, and an old run that is still running
    recent = _run(customer, age_days=10, items=3)
    log_expired = _run(customer, age_days=120, items=7)
    run_expired = _run(customer, age_days=500, items=4)
    active_old = _run(customer, age_days=500, status=RunStatus.RUNNING, items=2)
    Alert.objects.create(
        customer=customer,
        use_case="stammdaten",
        kind=AlertKind.RUN_FAILED,
        message="x",
        last_run=run_expired,
    )
    # when: cleaned up with batches of 3
    with CaptureQueriesContext(connection) as queries:
        result = retention_cleanup(now=NOW, batch_size=3)
    # then: the old log rows (7 + 4) and the old finished run are gone
    assert result.items_deleted == 11
    assert result.runs_deleted == 1
    assert set(SyncRun.objects.values_list("pk", flat=True)) == {
        recent.pk,
        log_expired.pk,
        active_old.pk,
    }
    assert SyncRunItem.objects.filter(run=recent).count() == 3
    assert SyncRunItem.objects.filter(run=log_expired).count() == 0
    assert SyncRunItem.objects.filter(run=active_old).count() == 2
    # and: in batches of at most three ids, one DELETE each
    item_deletes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('DELETE FROM "connect_syncrunitem"')
    ]
    assert len(item_deletes) >= 4  # ceil(7 / 3) + ceil(4 / 3)
    assert result.batches >= 5
    # and: the alert keeps its history, without the deleted run
    assert Alert.objects.get().last_run_id is None


@pytest.mark.django_db
def test_nothing_to_delete_is_a_quiet_no_op():
    customer = CustomerFactory()
    _run(customer, age_days=1, items=2)
    result = retention_cleanup(now=NOW)
    assert result.as_dict() == {
        "items_deleted": 0,
        "runs_deleted": 0,
        "batches": 0,
        "samples_deleted": 0,
    }
    assert SyncRunItem.objects.count() == 2


@pytest.mark.django_db
def test_the_limits_come_from_the_settings(settings):
    settings.RETENTION_RECORD_LOG_DAYS = 5
    settings.RETENTION_RUN_DAYS = 8
    customer = CustomerFactory()
    _run(customer, age_days=6, items=2)
    _run(customer, age_days=9, items=1)
    result = retention_cleanup(now=NOW)
    assert (result.items_deleted, result.runs_deleted) == (3, 1)
    assert SyncRun.objects.count() == 1
