"""Stored facts, rendered words: run-log rows, alerts, audit reasons and connection results are
stored as codes and read in the reader's language, on the German and on the English page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone, translation
from knox.models import AuthToken

from connect.models import Alert, AuditLog, FaciliooConnection, RunStatus, SyncRun, SyncRunItem
from connect.models.customers import Role
from connect.services.alerts import alerts_after_run
from connect.services.reconciliations import reconciliation_create, reconciliation_execute
from connect.services.sync_logs import ItemRecord, sync_run_items_record, sync_run_reap_stale
from integrations.facilioo.errors import FaciliooRecordRejected
from integrations.phrases import Phrase
from integrations.usecases import UseCase
from tests.factories import MembershipFactory, connect_to_sandbox, sandbox_for
from tests.integrations.sync.test_preview_and_resume import ready, run_now
from tooling.sandbox.testing import running_sandbox


@pytest.fixture(autouse=True)
def _german_afterwards():
    """A request in English leaves English active in this thread: later tests read German."""
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


def _page(client, url: str, language: str) -> str:
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_run_log_of_a_preview_reads_in_the_readers_language(settings, client):
    with running_sandbox(seed=False) as sandbox:
        customer = ready(settings, sandbox, slug="zweisprachig", units=3)
        admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
        # when: a preview runs in the worker (German) and writes its log
        preview = run_now(customer, UseCase.STAMMDATEN, dry_run=True)
    assert preview.status == RunStatus.SUCCEEDED, preview.error_message
    client.force_login(admin)
    url = reverse("portal:run", args=[customer.slug, preview.pk])
    german, english = _page(client, url, "de"), _page(client, url, "en")
    # then: the same rows read German on the German page, English on the English one
    assert "Vorschau: würde geschrieben." in german
    assert "Preview (dry run): would be written." in english
    assert "Vorschau: würde geschrieben." not in english
    # and the API answers in the request's language too
    api = client.get(
        f"/api/customers/{customer.slug}/runs/{preview.pk}/items/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    messages = {row["message"] for row in api["results"]}
    assert "Preview (dry run): would be written." in messages


def test_a_skipped_record_names_its_reason_in_the_readers_language(client, tenancy):
    run = SyncRun.objects.create(
        customer=tenancy.a, use_case="stammdaten", trigger="manual", status=RunStatus.WARNING
    )
    sync_run_items_record(
        run=run,
        items=[
            ItemRecord(
                entity="units",
                action="skipped",
                erp_key="einheit 1000/0001/01/003",
                reason="missing_reference",
                message=Phrase.reason_with("missing_reference", "Gebäude 1000/0001"),
            )
        ],
    )
    client.force_login(tenancy.admin_a)
    url = reverse("portal:run", args=["alpha", run.pk])
    german, english = _page(client, url, "de"), _page(client, url, "en")
    german_reason = _reason_in(language="de", code="missing_reference")
    english_reason = _reason_in(language="en", code="missing_reference")
    assert german_reason != english_reason
    assert f"{german_reason} (Gebäude 1000/0001)" in german
    assert f"{english_reason} (Gebäude 1000/0001)" in english
    assert german_reason not in english


def _reason_in(*, language: str, code: str) -> str:
    from integrations.reasons import REASONS

    with translation.override(language):
        return str(REASONS[code])


def test_an_alert_reads_in_the_readers_language(client, tenancy):
    # given: a run with warnings that skipped records someone must look at
    now = timezone.now()
    run = SyncRun.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        trigger="schedule",
        status=RunStatus.WARNING,
        started_at=now,
        finished_at=now,
    )
    sync_run_items_record(
        run=run,
        items=[
            ItemRecord(
                entity="units",
                action="skipped",
                erp_key=f"einheit 1000/0001/01/00{n}",
                reason="missing_reference",
                message=Phrase.reason("missing_reference"),
            )
            for n in (1, 2)
        ],
    )
    # when: the alert service reacts to the run
    alerts_after_run(run=run)
    assert Alert.objects.filter(customer=tenancy.a, closed_at__isnull=True).count() == 1
    client.force_login(tenancy.admin_a)
    url = reverse("portal:dashboard", args=["alpha"])
    german, english = _page(client, url, "de"), _page(client, url, "en")
    # then: German on the German dashboard, English on the English one
    assert "2 Datensätze verweisen auf fehlende Datensätze" in german
    assert "Einzelheiten stehen im Protokoll des Laufs." in german
    assert "2 records refer to missing records and were not transferred." in english
    assert "Datensätze" not in english


def test_an_audit_reason_reads_in_the_readers_language(client, tenancy):
    # given: support, with an API token, logs out everywhere (the product gives the reason)
    AuthToken.objects.create(user=tenancy.support)
    client.force_login(tenancy.support)
    client.post(reverse("account-logout-everywhere"))
    assert AuditLog.objects.filter(reason="überall abgemeldet").exists()
    client.force_login(tenancy.support)
    url = reverse("portal:support-audit")
    german, english = _page(client, url, "de"), _page(client, url, "en")
    assert "überall abgemeldet" in german
    assert "logged out everywhere" in english
    assert "überall abgemeldet" not in english


def test_a_connection_test_result_reads_in_the_readers_language(client, tenancy, settings):
    with sandbox_for(settings) as sandbox:
        connect_to_sandbox(tenancy.a, sandbox)
        client.force_login(tenancy.admin_a)
        # when: the admin tests the connection on the German page
        client.post(
            reverse("portal:facilioo-test", kwargs={"slug": "alpha"}), HTTP_ACCEPT_LANGUAGE="de"
        )
    assert FaciliooConnection.objects.get(customer=tenancy.a).state == "ok"
    url = reverse("portal:facilioo", kwargs={"slug": "alpha"})
    german, english = _page(client, url, "de"), _page(client, url, "en")
    # then: the stored result reads in the language of whoever opens the page later
    assert "Verbindung erfolgreich: 2 facilioo-Projekte sichtbar." in german
    assert "Verbindung erfolgreich" not in english
    assert "2 facilioo projects visible" in english


def test_rows_from_before_show_their_stored_text(client, tenancy):
    run = SyncRun.objects.create(customer=tenancy.a, use_case="stammdaten", trigger="manual")
    SyncRunItem.objects.create(
        run=run,
        customer=tenancy.a,
        entity="units",
        action="failed",
        message="Alte Meldung aus einem früheren Lauf.",
        erp_key="einheit 1000/0001/01/003",
    )
    client.force_login(tenancy.admin_a)
    url = reverse("portal:run", args=["alpha", run.pk])
    assert "Alte Meldung aus einem früheren Lauf." in _page(client, url, "en")


def test_a_failed_runs_error_reads_in_the_readers_language(client, tenancy):
    # given: a run whose worker went silent; the reaper fails it, the alert service reacts
    run = SyncRun.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        trigger="schedule",
        status=RunStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=2),
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    assert sync_run_reap_stale(older_than=timedelta(minutes=15)) == [run.pk]
    alerts_after_run(run=run)
    german_text = "Der Lauf hat sich seit über 15 Minuten nicht gemeldet"
    english_text = "The run has not reported for more than 15 minutes"
    client.force_login(tenancy.admin_a)
    # then: the run's page, the dashboard's alert and the API read in the reader's language
    for url in (
        reverse("portal:run", args=["alpha", run.pk]),
        reverse("portal:dashboard", args=["alpha"]),
    ):
        german, english = _page(client, url, "de"), _page(client, url, "en")
        assert german_text in german, url
        assert english_text in english, url
        assert german_text not in english, url
    api = client.get(f"/api/customers/alpha/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["error_message"].startswith(english_text)
    # and the German text is still stored beside the codes
    assert SyncRun.objects.get(pk=run.pk).error_message.startswith(german_text)


def test_a_run_that_failed_before_phrases_keeps_its_text(client, tenancy):
    run = SyncRun.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        trigger="manual",
        status=RunStatus.FAILED,
        error_message="Alter Fehlertext aus einem früheren Lauf.",
    )
    client.force_login(tenancy.admin_a)
    url = reverse("portal:run", args=["alpha", run.pk])
    assert "Alter Fehlertext aus einem früheren Lauf." in _page(client, url, "en")
    api = client.get(f"/api/customers/alpha/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["error_message"] == "Alter Fehlertext aus einem früheren Lauf."


def test_facilioos_own_words_are_quoted_after_a_translated_sentence(client, tenancy):
    # given: facilioo refused a record with its own (German) words, logged by a run
    refused = FaciliooRecordRejected(
        status=422, errors={"email": ["Die E-Mail-Adresse ist bereits vergeben."]}
    )
    run = SyncRun.objects.create(
        customer=tenancy.a, use_case="stammdaten", trigger="manual", status=RunStatus.WARNING
    )
    sync_run_items_record(
        run=run,
        items=[
            ItemRecord(
                entity="parties",
                action="failed",
                erp_key="person 1000/P0001",
                reason="facilioo_rejected",
                message=refused.sentence,
            )
        ],
    )
    client.force_login(tenancy.admin_a)
    url = reverse("portal:run", args=["alpha", run.pk])
    german, english = _page(client, url, "de"), _page(client, url, "en")
    # then: our sentence in the reader's language, facilioo's words as they came, quoted
    assert (
        "facilioo hat den Datensatz abgelehnt (HTTP 422): „email: Die E-Mail-Adresse ist "
        "bereits vergeben.“"
    ) in german
    assert (
        "facilioo rejected the record (HTTP 422): “email: Die E-Mail-Adresse ist bereits vergeben.”"
    ) in english


def test_a_failed_reconciliations_error_reads_in_the_readers_language(client, tenancy):
    # given: a reconciliation of a use case the customer has not set up fails
    rec = reconciliation_execute(
        reconciliation_id=reconciliation_create(
            customer=tenancy.a, use_case="stammdaten", trigger="manual"
        ).pk
    )
    assert rec.status == "failed"
    client.force_login(tenancy.admin_a)
    url = reverse("portal:reconciliation", args=["alpha", rec.pk])
    german, english = _page(client, url, "de"), _page(client, url, "en")
    # then: its error reads in the language of whoever opens the page
    assert "Der Datenbereich ist nicht eingerichtet." in german
    assert "Der Datenbereich ist nicht eingerichtet." not in english
    with translation.override("en"):
        assert translation.gettext("Der Datenbereich ist nicht eingerichtet.") in english
