"""Spread schedules: each customer's scheduled runs start at a deterministic offset."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from connect.beat import SpreadCrontab, SpreadModelEntry, SpreadScheduler
from connect.celery import app as celery_app
from connect.models import Customer, Role, UseCaseActivation
from connect.periodic import schedule_offset
from connect.selectors.activations import activation_next_run
from connect.services.activations import activation_enable
from connect.services.alerts import activation_previous_due
from tests.factories import MembershipFactory, connect_to_sandbox, sandbox_for
from tests.integrations.test_schedules import DST_CASES, beat_due_times

BERLIN = ZoneInfo("Europe/Berlin")
SETTINGS = {"separator": "-", "mandanten": ["1000"], "default_tenant_id": 1}


@pytest.fixture(autouse=True)
def window(settings):
    settings.SYNC_SCHEDULE_SPREAD_MINUTES = 30


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


def nonzero_customer(customer: Customer, settings) -> Customer:
    """The test needs a visible offset: widen the window until the customer's is not 0."""
    for minutes in range(30, 120):
        settings.SYNC_SCHEDULE_SPREAD_MINUTES = minutes
        if schedule_offset(customer.pk):
            return customer
    raise AssertionError("no window gives this customer an offset")


def test_the_offset_is_deterministic_within_the_window_and_spreads_customers(settings):
    offsets = [schedule_offset(customer_id) for customer_id in range(1, 101)]
    # then: the same customer always gets the same offset, in whole minutes of [0, 30)
    assert offsets == [schedule_offset(customer_id) for customer_id in range(1, 101)]
    assert all(timedelta(0) <= o < timedelta(minutes=30) for o in offsets)
    assert all(o.total_seconds() % 60 == 0 for o in offsets)
    # and: a hundred customers are spread over the window, none of its minutes with more than 10
    minutes = [int(o.total_seconds() // 60) for o in offsets]
    assert len(set(minutes)) >= 25
    assert max(minutes.count(m) for m in set(minutes)) <= 10
    # and: a window of 0 switches spreading off; another window keeps offsets inside it
    settings.SYNC_SCHEDULE_SPREAD_MINUTES = 0
    assert {schedule_offset(i) for i in range(1, 101)} == {timedelta(0)}
    settings.SYNC_SCHEDULE_SPREAD_MINUTES = 5
    assert {schedule_offset(i) for i in range(1, 101)} == {timedelta(minutes=m) for m in range(5)}


@pytest.mark.parametrize(("start", "end", "days", "switch_day", "switch_time"), DST_CASES)
def test_beat_fires_at_the_offset_after_each_crontab_time_across_the_dst_switch(
    customer, settings, start, end, days, switch_day, switch_time
):
    # given: the default schedule, loaded by the spread scheduler's entry
    customer = nonzero_customer(customer, settings)
    activation = enable(customer)
    offset = schedule_offset(customer.pk)
    model = PeriodicTask.objects.get(pk=activation.periodic_task_id)
    schedule = SpreadModelEntry(model, app=celery_app).schedule
    assert isinstance(schedule, SpreadCrontab)
    assert schedule.offset == offset
    # when: beat runs for the days around the switch
    fired = beat_due_times(schedule, start, end)
    # then: each scheduled day once, the offset after 02:00 (after 03:00 in the spring gap)
    assert [(f.day, f.month) for f in fired] == days
    for f in fired:
        hour, minute = switch_time if f.date() == switch_day else (2, 0)
        crontab_time = datetime(f.year, f.month, f.day, hour, minute, tzinfo=BERLIN)
        assert f.astimezone(UTC) - crontab_time.astimezone(UTC) == offset, f
    # and: the dashboard's next run and the overdue check's due time are the ones beat uses
    for before, fire in zip([start, *fired], fired, strict=False):
        assert activation_next_run(activation=activation, now=before) == fire
        assert activation_previous_due(activation=activation, at=fire) == fire
        assert (
            activation_previous_due(activation=activation, at=fire - timedelta(seconds=1)) != fire
        )


def test_only_scheduled_runs_are_shifted_and_the_schedule_survives_pickling(customer, settings):
    customer = nonzero_customer(customer, settings)
    activation = enable(customer)
    entry = SpreadModelEntry(
        PeriodicTask.objects.get(pk=activation.periodic_task_id), app=celery_app
    )
    copy = pickle.loads(pickle.dumps(entry.schedule))  # noqa: S301 (our own bytes)
    assert isinstance(copy, SpreadCrontab)
    assert copy.offset == entry.schedule.offset
    assert copy.tz == entry.schedule.tz
    # housekeeping entries keep their plain schedules
    from django_celery_beat.models import IntervalSchedule

    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    task = PeriodicTask.objects.create(
        name="housekeeping", task="integrations.sync_reap_stale", interval=every
    )
    assert not isinstance(SpreadModelEntry(task, app=celery_app).schedule, SpreadCrontab)
    # and: beat uses the spread scheduler
    from celery.utils.imports import symbol_by_name
    from django.conf import settings as django_settings

    assert symbol_by_name(django_settings.CELERY_BEAT_SCHEDULER) is SpreadScheduler
    assert SpreadScheduler.Entry is SpreadModelEntry


def test_the_dashboard_shows_the_planned_time_with_the_offset(customer, settings):
    # given: a customer whose offset is not 0, with the default schedule
    customer = nonzero_customer(customer, settings)
    activation = enable(customer)
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    client = Client()
    client.force_login(admin)
    # when
    page = client.get(reverse("portal:dashboard", args=[customer.slug])).content.decode()
    # then: the next run shows the crontab time plus the offset
    from django.utils import timezone

    planned = activation_next_run(activation=activation, now=timezone.now())
    assert planned is not None
    crontab_time = (planned.astimezone(UTC) - schedule_offset(customer.pk)).astimezone(BERLIN)
    assert (crontab_time.hour, crontab_time.minute) in {(2, 0), (3, 0)}
    assert (planned.hour, planned.minute) != (crontab_time.hour, crontab_time.minute)
    assert f"{planned:%d.%m.%Y %H:%M}" in page
