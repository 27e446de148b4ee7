"""Dokumente from activation to final run status: service, command, runner, sandbox over HTTP."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from connect.exceptions import ApplicationError
from connect.models import AuditLog, Customer, RunStatus, UseCaseActivation
from connect.services.activations import activation_enable
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from tests.factories import connect_to_sandbox, sandbox_for

MANDANTEN = ["1000", "2000", "3000"]


@pytest.fixture
def ready_customer(db, settings):
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=30)
        connect_to_sandbox(customer, sandbox)
        activation_enable(
            customer=customer,
            use_case="stammdaten",
            actor=None,
            settings={"separator": "-", "mandanten": MANDANTEN, "default_tenant_id": 1},
        )
        yield customer, sandbox


def run_now(customer, use_case: str = "dokumente", *, dry_run: bool = False):
    run = sync_run_create(customer=customer, use_case=use_case, trigger="manual", dry_run=dry_run)
    return sync_run_execute(run_id=run.pk, client_options={"workers": 2})


def test_enabled_by_command_a_run_delivers_documents_and_the_next_changes_nothing(
    ready_customer,
):
    customer, sandbox = ready_customer
    assert run_now(customer, "stammdaten").status == RunStatus.SUCCEEDED
    # when: enabled from the command line with its defaults
    call_command(
        "usecase", "enable", "musterstadt", "dokumente", "--separator", "-", "--mandanten",
        ",".join(MANDANTEN),
    )  # fmt: skip
    activation = UseCaseActivation.objects.get(customer=customer, use_case="dokumente")
    # then: daily at 03:30 Europe/Berlin, only released, 50 MB, audited
    assert (activation.schedule_minute, activation.schedule_hour) == ("30", "3")
    assert activation.schedule_day_of_week == "*"
    assert activation.settings["only_released"] is True
    assert activation.settings["max_mb"] == 50
    assert AuditLog.objects.filter(customer=customer, action="usecase.dokumente.enable").exists()
    # when
    run = run_now(customer)
    # then: a warning, for the documents of tenants without e-mail (their party and their
    # contracts are not in facilioo), and only for them
    assert run.status == RunStatus.WARNING, run.error_message
    missing = run.items.filter(action="skipped", reason="missing_reference")
    assert missing.exists()
    assert all(
        i.entity == "documents"
        and "fehlt in facilioo" in i.message
        and ("(person " in i.message or "(vertrag_nr " in i.message)
        for i in missing
    ), [(i.entity, i.message) for i in missing]
    created = run.counts["documents"]["created"]
    assert created == len([d for d in sandbox.state.records("documents") if not d["deleted"]])
    assert created > 0
    assert run.progress_done == run.progress_total > 0
    assert run.items.filter(reason="we_only").exists()
    # when: nothing changed
    again = run_now(customer)
    assert again.status == RunStatus.WARNING  # the same documents still cannot be placed
    assert again.counts["documents"]["unchanged"] == created
    assert again.counts["documents"].get("created", 0) == 0


def test_dry_run_through_the_runner_writes_nothing(ready_customer):
    customer, sandbox = ready_customer
    run_now(customer, "stammdaten")
    call_command(
        "usecase", "enable", "musterstadt", "dokumente", "--separator", "-", "--mandanten",
        "1000", "--include-unreleased", "--archives", "Mietverträge,Schriftverkehr",
    )  # fmt: skip
    # when
    run = run_now(customer, dry_run=True)
    # then: a warning as the real run would (documents of tenants without e-mail)
    assert run.status == RunStatus.WARNING, run.error_message
    assert run.items.filter(reason="missing_reference").exists()
    assert run.counts["documents"]["created"] > 0
    assert sandbox.state.count("documents") == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"separator": "#"}, "Das Trennzeichen muss eines von"),
        ({"mandanten": []}, "mindestens einen Mandanten"),
        ({"mandanten": ["9999"]}, "Diese Mandanten kennt das ERP nicht: 9999"),
        ({"dated_from": "31.01.2020"}, "kein gültiges Datum"),
        ({"max_mb": 0}, "Die Höchstgröße muss"),
        ({"max_mb": "viel"}, "Die Höchstgröße muss"),
    ],
)
def test_invalid_settings_are_refused_in_german(ready_customer, changes, message):
    customer, _sandbox = ready_customer
    settings = {"separator": "-", "mandanten": ["1000"], **changes}
    with pytest.raises(ApplicationError) as refused:
        activation_enable(customer=customer, use_case="dokumente", actor=None, settings=settings)
    assert message in refused.value.message
    assert not UseCaseActivation.objects.filter(customer=customer, use_case="dokumente").exists()


def test_valid_settings_are_normalised(ready_customer):
    customer, _sandbox = ready_customer
    activation = activation_enable(
        customer=customer,
        use_case="dokumente",
        actor=None,
        settings={
            "separator": "_",
            "mandanten": "1000, 2000",
            "archives": " Mietverträge , ,Mietverträge",
            "keywords": ["Zähler", ""],
            "dated_from": "2020-01-31",
            "max_mb": "20",
            "only_released": False,
        },
    )
    assert activation.settings == {
        "separator": "_",
        "mandanten": ["1000", "2000"],
        "only_released": False,
        "archives": ["Mietverträge"],
        "keywords": ["Zähler"],
        "dated_from": "2020-01-31",
        "max_mb": 20,
        "safety_brake_percent": 20,
    }


def test_the_command_reports_invalid_settings(ready_customer):
    with pytest.raises(CommandError, match="kein gültiges Datum"):
        call_command(
            "usecase", "enable", "musterstadt", "dokumente", "--separator", "-",
            "--mandanten", "1000", "--dated-from", "gestern",
        )  # fmt: skip


def test_settings_page_saves_and_shows_the_dokumente_settings(ready_customer, client):
    from connect.models import Membership, Role, User

    customer, _sandbox = ready_customer
    admin = User.objects.create_user(username="verwalterin", password="x-geheim-123")
    Membership.objects.create(customer=customer, user=admin, role=Role.ADMIN)
    client.force_login(admin)
    url = "/c/musterstadt/usecases/dokumente/"
    # when: a wrong date
    bad = client.post(url, {"separator": "-", "mandanten": ["1000"], "dated_from": "morgen"})
    # then: refused in German, nothing active
    assert bad.status_code == 400
    assert "kein gültiges Datum" in bad.content.decode()
    # when: valid settings
    response = client.post(
        url,
        {
            "separator": "-",
            "mandanten": ["1000", "2000"],
            "only_released": "1",
            "archives": "Mietverträge, Protokolle",
            "dated_from": "2021-05-01",
            "max_mb": "10",
        },
    )
    assert response.status_code == 302
    activation = UseCaseActivation.objects.get(customer=customer, use_case="dokumente")
    assert activation.settings["archives"] == ["Mietverträge", "Protokolle"]
    assert activation.settings["max_mb"] == 10
    assert (activation.schedule_minute, activation.schedule_hour) == ("30", "3")
    page = client.get(url).content.decode()
    assert 'value="Mietverträge, Protokolle"' in page
    assert 'value="2021-05-01"' in page
    assert "/c/musterstadt/usecases/dokumente/" in client.get("/c/musterstadt/").content.decode()
