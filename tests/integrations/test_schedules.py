"""Beat schedules of activations: crontab in Europe/Berlin, edits, pause, and the DST switches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_celery_beat.models import PeriodicTask

from connect.models import Customer, UseCaseActivation
from connect.selectors.activations import activation_next_run
from connect.services.activations import activation_enable, activation_set_paused
from tests.factories import connect_to_sandbox, sandbox_for

BERLIN = ZoneInfo("Europe/Berlin")
SETTINGS = {"separator": "-", "mandanten": ["1000"], "default_tenant_id": 1}


@pytest.fixture
def customer(db: None, settings) -> Iterator[Customer]:
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=20)
        connect_to_sandbox(customer, sandbox)
        yield customer


def enable(customer: Customer, **schedule: str) -> UseCaseActivation:
    return activation_enable(
        customer=customer,
        use_case="stammdaten",
        actor=None,
        settings=SETTINGS,
        schedule=schedule or None,
    )


def test_activation_creates_the_default_schedule_in_berlin_time(customer):
    # when
    activation = enable(customer)
    # then: Tue, Thu and Sun at 02:00 Europe/Berlin, starting the scheduled task of it
    task = PeriodicTask.objects.get(pk=activation.periodic_task_id)
    assert task.enabled
    assert task.task == "integrations.sync_scheduled"
    assert json.loads(task.args) == [activation.pk]
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_week) == ("0", "2", "tue,thu,sun")
    assert str(cron.timezone) == "Europe/Berlin"


def test_editing_the_schedule_updates_the_task_and_pausing_disables_it(customer):
    # given
    first = enable(customer)
    # when: the customer moves the run to 04:30 on weekdays
    activation = enable(customer, minute="30", hour="4", day_of_week="mon-fri")
    # then: the same task, with the new crontab (the weekday range written out)
    task = PeriodicTask.objects.get(pk=activation.periodic_task_id)
    assert task.pk == first.periodic_task_id
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == (
        "30",
        "4",
        "mon,tue,wed,thu,fri",
    )
    assert PeriodicTask.objects.filter(task="integrations.sync_scheduled").count() == 1
    # when: paused, then resumed
    activation_set_paused(customer=customer, use_case="stammdaten", actor=None, paused=True)
    assert not PeriodicTask.objects.get(pk=task.pk).enabled
    activation_set_paused(customer=customer, use_case="stammdaten", actor=None, paused=False)
    assert PeriodicTask.objects.get(pk=task.pk).enabled


def beat_due_times(schedule, start: datetime, end: datetime) -> list[datetime]:
    """Play beat: ask the schedule whether it is due, sleep as told (at most 5 min), repeat."""
    now = start
    schedule.nowfun = lambda: now.astimezone(schedule.tz)
    last_run = start
    fired = []
    while now < end:
        due, next_in = schedule.is_due(last_run)
        if due:
            fired.append(now.astimezone(BERLIN))
            last_run = now
        now += timedelta(seconds=min(max(next_in, 1.0), 300.0))
    return fired


# Both switches of 2026 fall on a Sunday, a day of the default schedule.
DST_CASES = [
    pytest.param(
        datetime(2026, 3, 22, 12, tzinfo=UTC),
        datetime(2026, 4, 3, tzinfo=UTC),
        [(24, 3), (26, 3), (29, 3), (31, 3), (2, 4)],
        date(2026, 3, 29),
        (3, 0),  # 02:00 does not exist: once, at 03:00
        id="spring",
    ),
    pytest.param(
        datetime(2026, 10, 19, 12, tzinfo=UTC),
        datetime(2026, 10, 31, tzinfo=UTC),
        [(20, 10), (22, 10), (25, 10), (27, 10), (29, 10)],
        date(2026, 10, 25),
        (2, 0),  # 02:00 exists twice: once, at the first
        id="autumn",
    ),
]


@pytest.mark.parametrize(("start", "end", "days", "switch_day", "switch_time"), DST_CASES)
def test_beat_runs_once_per_scheduled_day_across_the_dst_switch(
    customer, start, end, days, switch_day, switch_time
):
    # given: the default schedule, as beat loads it from the database
    activation = enable(customer)
    schedule = PeriodicTask.objects.get(pk=activation.periodic_task_id).crontab.schedule
    # when: beat runs for the days around the switch
    fired = beat_due_times(schedule, start, end)
    # then: every Tue, Thu and Sun exactly once, at 02:00 local (03:00 in the spring gap)
    assert [(f.day, f.month) for f in fired] == days
    for f in fired:
        expected = switch_time if f.date() == switch_day else (2, 0)
        assert (f.hour, f.minute) == expected, f
    assert len({f.astimezone(UTC) for f in fired}) == len(fired)
    # and: the next run the dashboard shows is the one beat starts
    for before, fire in zip([start, *fired], fired, strict=False):
        assert activation_next_run(activation=activation, now=before) == fire


def test_next_run_is_none_while_paused_and_follows_the_edited_schedule(customer):
    activation = enable(customer)
    now = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # Tuesday 23:00 in Berlin
    assert activation_next_run(activation=activation, now=now) == datetime(
        2026, 11, 26, 2, 0, tzinfo=BERLIN
    )
    activation = enable(customer, minute="15", hour="6", day_of_week="wed")
    assert activation_next_run(activation=activation, now=now) == datetime(
        2026, 11, 25, 6, 15, tzinfo=BERLIN
    )
    paused = activation_set_paused(
        customer=customer, use_case="stammdaten", actor=None, paused=True
    )
    assert activation_next_run(activation=paused, now=now) is None
