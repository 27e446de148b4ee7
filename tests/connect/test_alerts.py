"""Alerts: one alert per cause, one mail when it opens and one when it is resolved."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from connect.models import (
    Alert,
    AlertKind,
    AuditLog,
    Customer,
    Membership,
    Role,
    RunStatus,
    SyncRun,
    UseCaseActivation,
)
from connect.selectors.alerts import alert_list_open
from connect.services.activations import activation_enable, activation_set_paused
from connect.services.alerts import (
    activation_previous_due,
    alerts_after_run,
    alerts_check_overdue,
)
from connect.services.credentials import facilioo_connection_set
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create, sync_run_finish, sync_run_start
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    UserFactory,
    clock_at,
    connect_to_sandbox,
    sandbox_for,
    sync_run,
)
from tooling.sandbox.testing import running_sandbox

BERLIN = ZoneInfo("Europe/Berlin")
SUPPORT = "support@connect.example"


@pytest.fixture
def people(db, settings):
    settings.SUPPORT_EMAIL = SUPPORT
    customer = CustomerFactory(name="Musterstadt Wohnen", slug="musterstadt")
    wants = MembershipFactory(
        customer=customer, role=Role.ADMIN, user=UserFactory(email="ja@musterstadt.example")
    )
    declines = MembershipFactory(
        customer=customer,
        role=Role.ADMIN,
        receives_alerts=False,
        user=UserFactory(email="nein@musterstadt.example"),
    )
    viewer = MembershipFactory(
        customer=customer, role=Role.VIEWER, user=UserFactory(email="leser@musterstadt.example")
    )
    # An admin of another customer never hears of this one's problems.
    MembershipFactory(role=Role.ADMIN, user=UserFactory(email="fremd@beta.example"))
    return customer, wants, declines, viewer


def _finished_run(customer: Customer, status: str, *, error: str = "", dry_run: bool = False):
    run = sync_run_create(
        customer=customer, use_case="stammdaten", trigger="schedule", dry_run=dry_run
    )
    sync_run_start(run=run)
    return sync_run_finish(run=run, status=status, error_message=error)


def test_a_failed_run_opens_one_alert_and_mails_the_chosen_admins_and_support(people):
    customer, *_ = people
    # given: a run that failed
    run = _finished_run(customer, RunStatus.FAILED, error="facilioo antwortet nicht.")
    # when
    alert = alerts_after_run(run=run)
    # then: one open alert and one mail to the admin who wants alerts and to support
    assert alert is not None
    assert list(alert_list_open(customer=customer)) == [alert]
    assert (alert.kind, alert.occurrences, alert.last_run_id) == (AlertKind.RUN_FAILED, 1, run.pk)
    assert alert.notified_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted(["ja@musterstadt.example", SUPPORT])
    assert "Lauf fehlgeschlagen" in message.subject
    assert "Musterstadt Wohnen" in message.subject
    assert "facilioo antwortet nicht." in message.body
    assert f"/c/musterstadt/runs/{run.pk}/" in message.body


def test_a_second_failure_updates_the_same_alert_without_another_mail(people):
    customer, *_ = people
    # given: an open alert from a first failure
    first = alerts_after_run(run=_finished_run(customer, RunStatus.FAILED, error="eins"))
    # when: the next run fails too
    second_run = _finished_run(customer, RunStatus.FAILED, error="zwei")
    second = alerts_after_run(run=second_run)
    # then: the same alert counts two occurrences; still one mail
    assert second is not None
    assert first is not None
    assert second.pk == first.pk
    assert (second.occurrences, second.message, second.last_run_id) == (2, "zwei", second_run.pk)
    assert Alert.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_same_run_reported_twice_counts_once(people):
    customer, *_ = people
    run = _finished_run(customer, RunStatus.FAILED, error="eins")
    alerts_after_run(run=run)
    # when: the task's failure hook reports the run again
    alert = alerts_after_run(run=run)
    # then
    assert alert is not None
    assert alert.occurrences == 1


@pytest.mark.parametrize("status", [RunStatus.SUCCEEDED, RunStatus.WARNING])
def test_a_successful_run_closes_the_alerts_with_one_mail(people, status):
    customer, *_ = people
    # given: two open alerts of the use case (failure, then rejected credentials)
    alerts_after_run(run=_finished_run(customer, RunStatus.FAILED, error="eins"))
    alerts_after_run(
        run=_finished_run(customer, RunStatus.FAILED, error="x"),
        kind=AlertKind.CREDENTIALS_REJECTED,
    )
    mail.outbox.clear()
    # when: a run succeeds
    run = _finished_run(customer, status)
    alerts_after_run(run=run)
    # then: both closed, one "wieder in Ordnung" mail to the same people
    assert not alert_list_open(customer=customer).exists()
    assert Alert.objects.filter(closed_at__isnull=False).count() == 2
    assert len(mail.outbox) == 1
    assert "wieder in Ordnung" in mail.outbox[0].subject
    assert sorted(mail.outbox[0].to) == sorted(["ja@musterstadt.example", SUPPORT])
    # and: a later failure opens a new alert (with a new mail)
    mail.outbox.clear()
    alerts_after_run(run=_finished_run(customer, RunStatus.FAILED, error="drei"))
    assert Alert.objects.count() == 3
    assert len(mail.outbox) == 1


def test_a_successful_run_without_open_alerts_sends_nothing(people):
    customer, *_ = people
    alerts_after_run(run=_finished_run(customer, RunStatus.SUCCEEDED))
    assert Alert.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("status", [RunStatus.FAILED, RunStatus.SUCCEEDED])
def test_dry_runs_never_alert(people, status):
    customer, *_ = people
    alerts_after_run(run=_finished_run(customer, RunStatus.FAILED, error="eins"))
    mail.outbox.clear()
    # when: a preview ends, failed or fine
    alerts_after_run(run=_finished_run(customer, status, dry_run=True))
    # then: the open alert is untouched and nobody is mailed
    alert = Alert.objects.get()
    assert (alert.closed_at, alert.occurrences) == (None, 1)
    assert mail.outbox == []


def test_the_runner_reports_every_finished_run(people):
    customer, *_ = people
    # given: a run of a use case that is not set up
    run = sync_run_create(customer=customer, use_case="stammdaten", trigger="manual")
    # when: the runner ends it
    run = sync_run_execute(run_id=run.pk)
    # then: failed, and the runner's hook opened the alert
    assert run.status == RunStatus.FAILED
    alert = Alert.objects.get(customer=customer)
    assert (alert.kind, alert.last_run_id) == (AlertKind.RUN_FAILED, run.pk)
    assert "nicht eingerichtet" in alert.message
    assert len(mail.outbox) == 1


def test_rejected_credentials_open_a_credentials_alert(people, settings):
    customer, *_ = people
    with running_sandbox(seed=True) as sandbox:
        settings.FACILIOO_SANDBOX_URL = sandbox.url
        # given: a use case set up with a wrong facilioo password
        facilioo_connection_set(
            customer=customer,
            actor=None,
            username=sandbox.email,
            password="falsch",
            environment="sandbox",
        )
        UseCaseActivation.objects.create(
            customer=customer,
            use_case="stammdaten",
            enabled=True,
            settings={"separator": "-", "mandanten": ["1000"], "default_tenant_id": 1},
        )
        # when: a run is executed
        run = sync_run_execute(
            run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
        )
    # then: the alert names the credentials as the cause
    assert run.status == RunStatus.FAILED
    alert = Alert.objects.get(customer=customer)
    assert alert.kind == AlertKind.CREDENTIALS_REJECTED
    assert len(mail.outbox) == 1
    assert "Zugangsdaten abgelehnt" in mail.outbox[0].subject


def test_an_alert_whose_mail_failed_is_mailed_on_its_next_occurrence(people, settings):
    customer, *_ = people
    settings.EMAIL_BACKEND = "tests.connect.test_alerts.BrokenBackend"
    alert = alerts_after_run(run=_finished_run(customer, RunStatus.FAILED, error="eins"))
    assert alert is not None
    assert alert.notified_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alert = alerts_after_run(run=_finished_run(customer, RunStatus.FAILED, error="zwei"))
    assert alert is not None
    assert alert.notified_at is not None
    assert len(mail.outbox) == 1


class BrokenBackend:
    """A mail server that is down."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionRefusedError("mail server down")


# --- overdue ------------------------------------------------------------------------------


def _berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("minute", "hour", "days", "at", "expected"),
    [
        # Stammdaten default: Tue, Thu, Sun at 02:00
        ("0", "2", "tue,thu,sun", "2026-03-03 02:15", "2026-03-03 02:00"),
        ("0", "2", "tue,thu,sun", "2026-03-03 02:00", "2026-03-03 02:00"),
        ("0", "2", "tue,thu,sun", "2026-03-03 01:59", "2026-03-01 02:00"),
        ("0", "2", "tue,thu,sun", "2026-03-02 12:00", "2026-03-01 02:00"),
        # every quarter of an hour
        ("*/15", "*", "*", "2026-03-03 10:07", "2026-03-03 10:00"),
        # daily at 03:30, on the day clocks go forward (02:00 → 03:00)
        ("30", "3", "*", "2026-03-29 04:00", "2026-03-29 03:30"),
    ],
)
def test_previous_due_time_of_a_schedule(minute, hour, days, at, expected):
    activation = UseCaseActivation(
        schedule_minute=minute,
        schedule_hour=hour,
        schedule_day_of_week=days,
        schedule_timezone="Europe/Berlin",
    )
    due = activation_previous_due(activation=activation, at=_berlin(at))
    assert due == _berlin(expected)


SCHEDULE = {"minute": "0", "hour": "2", "day_of_week": "tue,thu,sun"}


def _activate(customer: Customer, *, at: datetime) -> UseCaseActivation:
    """Stammdaten activated (or its schedule saved again) by the activation service at ``at``."""
    with clock_at(at):
        return activation_enable(
            customer=customer,
            use_case="stammdaten",
            actor=None,
            settings={"separator": "-", "mandanten": ["1000"], "default_tenant_id": 1},
            schedule=SCHEDULE,
        )


@pytest.fixture
def scheduled(people, settings):
    # given: Stammdaten activated on New Year's Day, scheduled Tue, Thu and Sun at 02:00
    customer, *_ = people
    with sandbox_for(settings) as sandbox:
        connect_to_sandbox(customer, sandbox)
        yield customer, _activate(customer, at=_berlin("2026-01-01 00:00"))


def _run_created_at(customer: Customer, when: datetime, status: str) -> SyncRun:
    return sync_run(customer, status=status, trigger="schedule", at=when)


def test_a_scheduled_run_that_did_not_start_opens_an_overdue_alert_once(scheduled):
    customer, _activation = scheduled
    # given: Sunday's run happened, Tuesday 02:00's did not; 45 minutes later
    _run_created_at(customer, _berlin("2026-03-01 02:00:05"), RunStatus.SUCCEEDED)
    now = _berlin("2026-03-03 02:45")
    # when: the check runs, and again five minutes later
    first = alerts_check_overdue(now=now)
    second = alerts_check_overdue(now=now + timedelta(minutes=5))
    # then: one overdue alert, one mail
    assert len(first.opened) == 1
    assert second.opened == []
    alert = Alert.objects.get()
    assert (alert.kind, alert.occurrences) == (AlertKind.RUN_OVERDUE, 1)
    assert "03.03.2026 02:00" in alert.message
    assert len(mail.outbox) == 1
    assert "überfällig" in mail.outbox[0].subject


def test_within_the_grace_period_nothing_is_overdue(scheduled):
    customer, _activation = scheduled
    _run_created_at(customer, _berlin("2026-03-01 02:00:05"), RunStatus.SUCCEEDED)
    # when: 20 minutes after the due time (grace 30)
    result = alerts_check_overdue(now=_berlin("2026-03-03 02:20"))
    # then
    assert result.opened == []
    assert Alert.objects.count() == 0


def test_a_run_stuck_in_the_queue_is_overdue_too(scheduled):
    customer, _activation = scheduled
    # given: beat created Tuesday's run, but no worker picked it up
    _run_created_at(customer, _berlin("2026-03-03 02:00:01"), RunStatus.QUEUED)
    # when
    result = alerts_check_overdue(now=_berlin("2026-03-03 02:45"))
    # then
    assert len(result.opened) == 1


def test_the_overdue_alert_closes_when_a_run_started(scheduled):
    customer, _activation = scheduled
    alerts_check_overdue(now=_berlin("2026-03-03 02:45"))
    mail.outbox.clear()
    # given: the run started later
    _run_created_at(customer, _berlin("2026-03-03 02:50"), RunStatus.RUNNING)
    # when
    result = alerts_check_overdue(now=_berlin("2026-03-03 02:55"))
    # then: closed, one "wieder in Ordnung" mail
    assert len(result.closed) == 1
    assert not alert_list_open(customer=customer).exists()
    assert len(mail.outbox) == 1
    assert "wieder in Ordnung" in mail.outbox[0].subject


def test_paused_schedules_are_not_overdue(scheduled):
    customer, activation = scheduled
    alerts_check_overdue(now=_berlin("2026-03-03 02:45"))
    assert Alert.objects.filter(closed_at__isnull=True).count() == 1
    activation_set_paused(customer=customer, use_case=activation.use_case, actor=None, paused=True)
    # when
    result = alerts_check_overdue(now=_berlin("2026-03-03 02:50"))
    # then: the alert is closed, none opened
    assert result.opened == []
    assert Alert.objects.filter(closed_at__isnull=True).count() == 0


def test_a_schedule_changed_after_its_due_time_is_not_overdue(scheduled):
    # given: the schedule saved again at 02:10, after its due time
    customer, _activation = scheduled
    _activate(customer, at=_berlin("2026-03-03 02:10"))
    result = alerts_check_overdue(now=_berlin("2026-03-03 02:45"))
    assert result.opened == []


# --- members page: who receives alerts ----------------------------------------------------


def test_an_admin_switches_alerts_off_for_a_member_and_it_is_audited(client, people):
    customer, wants, _declines, _viewer = people
    client.force_login(wants.user)
    # when: the admin switches their own alert mails off
    response = client.post(
        reverse("portal:members-alerts", kwargs={"slug": customer.slug}),
        {"membership": wants.pk, "receives_alerts": "0"},
    )
    # then: saved and audited with old and new value
    assert response.status_code == 302
    wants.refresh_from_db()
    assert wants.receives_alerts is False
    entry = AuditLog.objects.get(action="membership.update")
    assert entry.actor == wants.user
    assert entry.changes == {"receives_alerts": [True, False]}
    # and: the members page now offers to switch them on again
    page = client.get(reverse("portal:members", kwargs={"slug": customer.slug})).content.decode()
    row = page.split(f'data-membership="{wants.pk}"')[1].split("</tr>")[0]
    assert 'name="receives_alerts" value="1"' in row


def test_a_viewer_cannot_switch_alerts(client, people):
    customer, wants, _declines, viewer = people
    client.force_login(viewer.user)
    response = client.post(
        reverse("portal:members-alerts", kwargs={"slug": customer.slug}),
        {"membership": wants.pk, "receives_alerts": "0"},
    )
    assert response.status_code == 403
    wants.refresh_from_db()
    assert wants.receives_alerts is True
    assert not AuditLog.objects.filter(action="membership.update").exists()


def test_a_membership_of_another_customer_cannot_be_switched(client, people):
    customer, wants, *_ = people
    outsider = Membership.objects.exclude(customer=customer).get()
    client.force_login(wants.user)
    client.post(
        reverse("portal:members-alerts", kwargs={"slug": customer.slug}),
        {"membership": outsider.pk, "receives_alerts": "0"},
    )
    outsider.refresh_from_db()
    assert outsider.receives_alerts is True
