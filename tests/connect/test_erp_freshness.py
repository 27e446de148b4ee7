"""ERP data that arrives on its own: watched folders, "unverändert" runs over the same export,
the age of the ERP data and the alert "ERP-Daten veraltet"."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from connect.models import Alert, AlertKind, Customer, ErpExport, RunStatus
from connect.services.erp_exports import erp_export_store
from connect.services.erp_freshness import alerts_check_erp_stale
from connect.services.erp_watch import erp_watch_collect
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from tests.connect.test_erp_exports import export_zip, rename_mandant_1000, zip_upload
from tests.factories import (
    MembershipFactory,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
)

HOUR = 3600


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def file_customer(db, settings, media):
    """A file-source customer, ready to run Stammdaten against the sandbox."""
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Datei eG", slug="datei", erp_source="file")
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        sandbox.reset_counters()
        yield customer, sandbox


def run(customer: Customer, trigger: str = "schedule"):
    created = sync_run_create(customer=customer, use_case="stammdaten", trigger=trigger)
    return sync_run_execute(run_id=created.pk)


def aged(path: Path, seconds: float) -> Path:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))
    return path


def requests_made(sandbox) -> int:
    return sum(sandbox.counters()["by_route"].values())


# --- watched folder ------------------------------------------------------------------------


def test_a_run_takes_the_newest_complete_export_of_the_watched_folder(file_customer, tmp_path):
    customer, sandbox = file_customer
    folder = tmp_path / "eingang"
    folder.mkdir()
    content = export_zip(tmp_path)
    # given: an older complete export, and the ERP still writing a newer one (no end record)
    (folder / "montag.zip").write_bytes(content)
    aged(folder / "montag.zip", 3 * HOUR)
    (folder / "dienstag.zip").write_bytes(content[: len(content) // 2])
    aged(folder / "dienstag.zip", 2 * HOUR)
    # and: one complete but written a moment ago, and a partial download
    (folder / "mittwoch.zip").write_bytes(content)
    (folder / "donnerstag.zip.part").write_bytes(content)
    call_command("erp_watch", "set", "datei", str(folder), stdout=StringIO())
    customer.refresh_from_db()
    # when: a run starts
    result = run(customer, trigger="manual")
    # then: it read the complete one, now kept as an upload and moved to processed/
    assert result.status == RunStatus.SUCCEEDED, result.error_message
    assert result.counts["units"]["created"] == 60
    assert len(sandbox.state.records("units")) == 60
    export = ErpExport.objects.get(customer=customer)
    assert (export.original_name, export.origin, export.valid) == ("montag.zip", "folder", True)
    assert result.erp_fingerprint == export.sha256
    assert (folder / "processed" / "montag.zip").exists()
    # and: what is still being written (or settling) stays where it is
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [
        "dienstag.zip",
        "donnerstag.zip.part",
        "mittwoch.zip",
    ]


def test_collect_from_the_command_line(file_customer, tmp_path):
    customer, _sandbox = file_customer
    folder = tmp_path / "eingang"
    folder.mkdir()
    (folder / "export.zip").write_bytes(export_zip(tmp_path))
    aged(folder / "export.zip", HOUR)
    call_command("erp_watch", "set", "datei", str(folder), stdout=StringIO())
    out = StringIO()
    call_command("erp_watch", "collect", "datei", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["name"] == "export.zip"
    assert data["status"] == "valid"
    # nothing new: nothing taken
    customer.refresh_from_db()
    assert erp_watch_collect(customer=customer) is None


@pytest.mark.django_db
def test_only_operators_set_the_watched_folder_in_the_portal(client, tenancy, tmp_path):
    url = reverse("portal:erp-watch", kwargs={"slug": "alpha"})
    # an admin of the customer may not
    client.force_login(tenancy.admin_a)
    assert client.post(url, {"folder": str(tmp_path)}).status_code == 403
    # an operator gets a German reason for a folder that does not exist
    client.force_login(tenancy.operator)
    response = client.post(url, {"folder": str(tmp_path / "fehlt")})
    assert response.status_code == 400
    assert f"Den Ordner „{tmp_path / 'fehlt'}“ gibt es auf dem Server nicht." in (
        response.content.decode()
    )
    assert "Bitte geben Sie den Ordner als absoluten Pfad an" in (
        client.post(url, {"folder": "relativ/pfad"}).content.decode()
    )
    # and sets an existing one
    assert client.post(url, {"folder": str(tmp_path)}).status_code == 302
    tenancy.a.refresh_from_db()
    assert tenancy.a.erp_watch_folder == str(tmp_path)


# --- unverändert -----------------------------------------------------------------------------


def test_a_scheduled_run_on_the_same_export_finishes_at_once_as_unveraendert(
    file_customer, tmp_path, client
):
    customer, sandbox = file_customer
    export = erp_export_store(
        validate=True, customer=customer, actor=None, uploaded_file=zip_upload(export_zip(tmp_path))
    )
    first = run(customer)
    assert first.status == RunStatus.SUCCEEDED, first.error_message
    assert first.unchanged is False
    assert first.erp_fingerprint == export.sha256
    # given: the stored file is gone, so any read would fail
    Path(export.file.path).unlink()
    sandbox.reset_counters()
    # when: the next scheduled run starts over the same export
    second = run(customer)
    # then: finished at once, nothing read, no request to facilioo
    assert second.status == RunStatus.SUCCEEDED
    assert second.unchanged is True
    assert second.counts == {}
    assert second.items.count() == 0
    assert requests_made(sandbox) == 0
    # and: the run page says so
    admin = MembershipFactory(customer=customer, role="admin").user
    client.force_login(admin)
    page = client.get(
        reverse("portal:run", kwargs={"slug": "datei", "run_id": second.pk})
    ).content.decode()
    assert "Der ERP-Export ist derselbe wie beim letzten erfolgreichen Lauf" in page
    assert 'data-unchanged="1"' in page


def test_a_new_export_or_a_manual_run_is_read(file_customer, tmp_path):
    customer, sandbox = file_customer
    erp_export_store(
        validate=True, customer=customer, actor=None, uploaded_file=zip_upload(export_zip(tmp_path))
    )
    assert run(customer).status == RunStatus.SUCCEEDED
    # a manual run over the same export reads it
    manual = run(customer, trigger="manual")
    assert manual.unchanged is False
    assert manual.counts["units"]["unchanged"] == 60
    # a scheduled run over a new export reads it
    erp_export_store(
        validate=True,
        customer=customer,
        actor=None,
        uploaded_file=zip_upload(export_zip(tmp_path, "neu.zip", edit=rename_mandant_1000)),
    )
    sandbox.reset_counters()
    scheduled = run(customer)
    assert scheduled.unchanged is False
    assert requests_made(sandbox) > 0


# --- age and staleness -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_shows_the_age_of_the_erp_data(client, tenancy, media, tmp_path):
    tenancy.a.erp_source = "file"
    tenancy.a.save()
    export = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=None,
        uploaded_file=zip_upload(export_zip(tmp_path)),
    )
    ErpExport.objects.filter(pk=export.pk).update(
        exported_at=timezone.now() - timedelta(days=3, hours=1)
    )
    client.force_login(tenancy.viewer_a)
    page = client.get(reverse("portal:dashboard", kwargs={"slug": "alpha"})).content.decode()
    assert 'id="erp-data-age"' in page
    assert "(vor 3\N{NO-BREAK SPACE}Tage" in page


@pytest.mark.django_db
def test_erp_data_older_than_the_threshold_raises_one_alert(tenancy, media, settings, tmp_path):
    # given: a file-source customer whose newest valid export is 8 days old (threshold 7)
    settings.ERP_STALE_AFTER_DAYS = 7
    tenancy.a.erp_source = "file"
    tenancy.a.save()
    export = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=None,
        uploaded_file=zip_upload(export_zip(tmp_path)),
    )
    ErpExport.objects.filter(pk=export.pk).update(exported_at=timezone.now() - timedelta(days=8))
    # when: the check runs twice
    opened, _ = alerts_check_erp_stale()
    again, _ = alerts_check_erp_stale()
    # then: one alert, one mail; the second check only counts
    alert = Alert.objects.get(customer=tenancy.a, kind=AlertKind.ERP_STALE, closed_at__isnull=True)
    assert [a.pk for a in opened] == [alert.pk]
    assert again == []
    assert alert.occurrences == 2
    assert alert.message.startswith("Die ERP-Daten sind 8 Tage alt (vom ")
    assert len(mail.outbox) == 1
    assert "ERP-Daten veraltet" in mail.outbox[0].subject + mail.outbox[0].body
    # when: a fresh export arrives
    erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=None,
        uploaded_file=zip_upload(export_zip(tmp_path, "n.zip")),
    )
    _, closed = alerts_check_erp_stale()
    # then: the alert is closed
    assert [a.pk for a in closed] == [alert.pk]
    assert not Alert.objects.filter(kind=AlertKind.ERP_STALE, closed_at__isnull=True).exists()


def test_a_single_report_in_the_watched_folder_is_taken_and_its_errors_printed(
    file_customer, tmp_path
):
    import zipfile

    from integrations.erp.profiles.examples import example_sample

    _customer, _sandbox = file_customer
    call_command("erp_profile", "example", "datei", "flach-vertragsbericht", stdout=StringIO())
    with zipfile.ZipFile(example_sample("flach-vertragsbericht")) as archive:
        report = archive.read("vertragsbericht.csv")
    folder = tmp_path / "eingang"
    folder.mkdir()
    # given: the ERP drops its report as it writes it, a .csv without a .zip, a usage code
    # the profile's code table lacks in it
    (folder / "bericht.csv").write_bytes(report.replace(b";WO;", b";XY;", 1))
    aged(folder / "bericht.csv", HOUR)
    call_command("erp_watch", "set", "datei", str(folder), stdout=StringIO())
    out = StringIO()
    # when: collected on the command line
    with pytest.raises(CommandError):
        call_command("erp_watch", "collect", "datei", stdout=out)
    # then: taken, validated through the profile, and the error printed, not only "ungültig"
    lines = out.getvalue().splitlines()
    assert lines[0] == "bericht.csv: ungültig"
    assert lines[1].startswith("- bericht.csv, Zeile 4, Spalte Nutzung: Der Code „XY“ steht nicht")
