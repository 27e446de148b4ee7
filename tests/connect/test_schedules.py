"""Schedules: one validation for portal, API and CLI; broken old rows break nothing."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from connect.exceptions import ApplicationError
from connect.models import Alert, AlertKind, UseCaseActivation
from connect.schedules import Schedule, schedule_clean, schedule_label
from connect.tasks import alerts_check_overdue
from tests.factories import CustomerFactory, MembershipFactory, UserFactory, activate_stammdaten
from tests.problems import messages

BERLIN = ZoneInfo("Europe/Berlin")


def _errors(raw, **kwargs) -> list[str]:
    with pytest.raises(ApplicationError) as caught:
        schedule_clean(raw, **kwargs)
    return caught.value.extra["errors"]


# --- the one validation ----------------------------------------------------------------------


def test_the_picker_values_become_crontab_fields():
    schedule = schedule_clean({"days": ["sun", "tue", "thu"], "times": ["02:00"]})
    assert schedule == Schedule(days=("tue", "thu", "sun"), times=((2, 0),))
    assert schedule.cron_fields() == {"minute": "0", "hour": "2", "day_of_week": "tue,thu,sun"}
    every_day = schedule_clean({"days": "mo,di,mi,do,fr,sa,so", "times": "03:30"})
    assert every_day.cron_fields() == {"minute": "30", "hour": "3", "day_of_week": "*"}


def test_crontab_fields_are_accepted_when_they_are_plain_lists():
    schedule = schedule_clean({"minute": "15", "hour": "3,15", "day_of_week": "mon,5"})
    assert schedule == Schedule(days=("mon", "fri"), times=((3, 15), (15, 15)))
    weekdays = schedule_clean({"minute": "0", "hour": "6", "day_of_week": "mon-fri"})
    assert weekdays.days == ("mon", "tue", "wed", "thu", "fri")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"minute": "abc", "hour": "2", "day_of_week": "mon"}, "Die Minute „abc“ ist ungültig"),
        ({"minute": "0", "hour": "2", "day_of_week": "xyz"}, "„xyz“ ist kein Wochentag."),
        ({"minute": "0", "hour": "2", "day_of_week": "fri-mon"}, "„fri-mon“ ist kein Wochentag."),
        ({"minute": "*", "hour": "*", "day_of_week": "*"}, "Die Minute „*“ ist ungültig"),
        ({"minute": "*/5", "hour": "2", "day_of_week": "*"}, "Die Minute „*/5“ ist ungültig"),
        ({"minute": "0", "hour": "24", "day_of_week": "*"}, "Die Stunde „24“ ist ungültig"),
        ({"days": [], "times": ["02:00"]}, "Bitte wählen Sie mindestens einen Wochentag."),
        ({"days": ["mon"], "times": []}, "Bitte geben Sie mindestens eine Uhrzeit an."),
        ({"days": ["mon"], "times": ["25:00"]}, "„25:00“ ist keine gültige Uhrzeit"),
        ({"days": ["mon"], "times": ["2 Uhr"]}, "„2 Uhr“ ist keine gültige Uhrzeit"),
        (
            {"days": ["mon"], "times": ["02:00", "14:30"]},
            "Mehrere Uhrzeiten am Tag müssen dieselbe Minute haben",
        ),
    ],
)
def test_invalid_schedules_are_refused_in_german(raw, message):
    errors = _errors(raw)
    assert any(e.startswith(message) for e in errors), errors


def test_runs_closer_than_the_minimum_interval_are_refused(settings):
    settings.SCHEDULE_MIN_INTERVAL_MINUTES = 60
    assert _errors({"days": ["mon"], "times": ["02:00", "02:30"]}) == [
        "Zwischen zwei Läufen müssen mindestens 60 Minuten liegen; dieser Zeitplan startet "
        "schon nach 30 Minuten wieder."
    ]
    # hourly is just allowed by default, not with a longer minimum
    assert len(schedule_clean({"days": ["mon"], "times": ["02:00", "03:00"]}).times) == 2
    settings.SCHEDULE_MIN_INTERVAL_MINUTES = 120
    assert "mindestens 120 Minuten" in _errors({"days": ["mon"], "times": "02:00,03:00"})[0]


def test_the_minimum_interval_counts_across_midnight_and_the_week(settings):
    settings.SCHEDULE_MIN_INTERVAL_MINUTES = 180
    # Sunday 23:00 and Monday 00:00 are an hour apart, across the end of the week.
    errors = _errors({"minute": "0", "hour": "0,23", "day_of_week": "mon,sun"})
    assert "nach 60 Minuten" in errors[0]


def test_the_label_reads_like_the_dashboard():
    row = UseCaseActivation(
        schedule_minute="0", schedule_hour="2", schedule_day_of_week="tue,thu,sun"
    )
    daily = UseCaseActivation(schedule_minute="30", schedule_hour="3", schedule_day_of_week="*")
    broken = UseCaseActivation(schedule_minute="abc", schedule_hour="2", schedule_day_of_week="*")
    with translation.override("de"):
        assert schedule_label(row) == "Di, Do, So um 02:00"
        assert schedule_label(daily) == "täglich um 03:30"
        assert schedule_label(broken) == "ungültiger Zeitplan, bitte neu speichern"
    with translation.override("en"):
        assert schedule_label(row) == "Tue, Thu, Sun at 02:00"
        assert schedule_label(daily) == "daily at 03:30"
        assert schedule_label(broken) == "invalid schedule, please save it again"


# --- portal, API and CLI use it --------------------------------------------------------------


@pytest.fixture
def admin_client(client, tenancy):
    client.force_login(tenancy.admin_a)
    return client


def test_portal_refuses_a_bad_weekday_with_a_german_message(admin_client, tenancy):
    # when: the reproduction, a raw crontab field with junk
    response = admin_client.post(
        "/c/alpha/usecases/stammdaten/",
        {"separator": "-", "mandanten": ["1000"], "schedule_day_of_week": "xyz"},
    )
    # then
    assert response.status_code == 400
    assert "„xyz“ ist kein Wochentag." in response.content.decode()
    assert not UseCaseActivation.objects.exists()


def test_portal_picker_keeps_what_was_entered_after_a_refusal(admin_client, tenancy):
    response = admin_client.post(
        "/c/alpha/usecases/stammdaten/",
        {
            "separator": "-",
            "mandanten": ["1000"],
            "schedule_picker": "1",
            "schedule_days": ["mon", "fri"],
            "schedule_times": "02:00, 02:15",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "mindestens 60 Minuten" in body
    assert 'value="02:00, 02:15"' in body
    assert 'value="mon" checked' in body
    assert 'value="tue" checked' not in body


def test_portal_picker_without_a_weekday_is_refused(admin_client, tenancy):
    response = admin_client.post(
        "/c/alpha/usecases/dokumente/",
        {"separator": "-", "mandanten": ["1000"], "schedule_picker": "1", "schedule_times": "3:30"},
    )
    assert response.status_code == 400
    assert "Bitte wählen Sie mindestens einen Wochentag." in response.content.decode()


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"minute": "abc"}, "Die Minute „abc“ ist ungültig: erlaubt sind Zahlen von 0 bis 59."),
        ({"minute": "*", "hour": "*"}, "Die Minute „*“ ist ungültig"),
        ({"days": ["tue"], "times": ["02:00", "02:10"]}, "Zwischen zwei Läufen müssen mindestens"),
    ],
)
def test_api_refuses_bad_schedules_with_400(client, tenancy, schedule, message):
    client.force_login(tenancy.admin_a)
    response = client.put(
        "/api/customers/alpha/usecases/stammdaten/",
        {"settings": {"separator": "-", "mandanten": ["1000"]}, "schedule": schedule},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert messages(response.json())[0].startswith(message)
    assert not UseCaseActivation.objects.exists()


def test_cli_refuses_a_bad_time(tenancy):
    with pytest.raises(CommandError, match="„26:00“ ist keine gültige Uhrzeit"):
        call_command(
            "usecase", "enable", "alpha", "stammdaten", "--separator", "-",
            "--mandanten", "1000", "--days", "tue", "--times", "26:00",
        )  # fmt: skip
    assert not UseCaseActivation.objects.exists()


# --- existing invalid rows --------------------------------------------------------------------


def _broken(customer) -> UseCaseActivation:
    """A row saved before schedules were validated (what the old API accepted)."""
    activation = activate_stammdaten(customer)
    UseCaseActivation.objects.filter(pk=activation.pk).update(
        schedule_minute="abc", schedule_day_of_week="xyz"
    )
    return activation


def test_the_dashboard_of_a_customer_with_a_broken_schedule_still_answers(client, tenancy):
    _broken(tenancy.a)
    client.force_login(tenancy.viewer_a)
    response = client.get("/c/alpha/")
    assert response.status_code == 200
    assert "ungültiger Zeitplan, bitte neu speichern" in response.content.decode()
    settings_page = client.get("/c/alpha/usecases/stammdaten/")
    assert settings_page.status_code == 200


def test_the_dashboard_shows_the_schedule_as_weekdays_and_time(client, tenancy):
    activate_stammdaten(tenancy.a)
    client.force_login(tenancy.viewer_a)
    body = client.get("/c/alpha/").content.decode()
    assert "Zeitplan: Di, Do, So um 02:00" in body
    english = client.get("/c/alpha/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tue, Thu, Sun at 02:00" in english


def test_api_shows_a_broken_schedule_as_invalid(client, tenancy):
    _broken(tenancy.a)
    client.force_login(tenancy.viewer_a)
    response = client.get("/api/customers/alpha/usecases/stammdaten/")
    assert response.status_code == 200
    assert response.json()["schedule"]["valid"] is False


def test_overdue_check_still_alerts_other_customers_with_a_broken_row(
    db, settings, caplog, monkeypatch
):
    # given: two customers whose Tuesday 02:00 run did not start, and one with a broken row
    settings.SUPPORT_EMAIL = "support@connect.example"
    broken_customer = CustomerFactory(slug="kaputt")
    _broken(broken_customer)
    late = []
    for slug in ("erste", "zweite"):
        customer = CustomerFactory(slug=slug)
        MembershipFactory(customer=customer, role="admin", user=UserFactory())
        activate_stammdaten(customer)
        late.append(customer)
    long_ago = datetime(2026, 1, 1, tzinfo=BERLIN)
    UseCaseActivation.objects.update(activated_at=long_ago, updated_at=long_ago)
    # when: the shared beat task runs on Tuesday at 02:45 (it reads the clock itself)
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 3, 2, 45, tzinfo=BERLIN))
    with caplog.at_level(logging.WARNING, logger="connect.services.alerts"):
        result = alerts_check_overdue.apply().get()
    # then: both others are alerted, and the broken row is logged
    assert (result["opened"], result["closed"]) == (2, 0)
    alerted = set(
        Alert.objects.filter(kind=AlertKind.RUN_OVERDUE).values_list("customer__slug", flat=True)
    )
    assert alerted == {"erste", "zweite"}
    assert len(mail.outbox) == 2
    assert any("invalid schedule" in r.getMessage() for r in caplog.records)


def test_an_error_in_one_activation_does_not_stop_the_others(db, settings, caplog):
    # given: two late customers; the check of the first one fails for an unforeseen reason
    # (its row holds a time zone this machine does not know)
    from connect.services import alerts

    for slug in ("erste", "zweite"):
        activate_stammdaten(CustomerFactory(slug=slug))
    long_ago = datetime(2026, 1, 1, tzinfo=BERLIN)
    UseCaseActivation.objects.update(activated_at=long_ago, updated_at=long_ago)
    UseCaseActivation.objects.filter(customer__slug="erste").update(
        schedule_timezone="Mars/Olympus_Mons"
    )
    # when
    with caplog.at_level(logging.ERROR, logger="connect.services.alerts"):
        result = alerts.alerts_check_overdue(now=datetime(2026, 3, 3, 2, 45, tzinfo=BERLIN))
    # then
    assert [a.customer.slug for a in result.opened] == ["zweite"]
    assert any("failed; the others go on" in r.getMessage() for r in caplog.records)
