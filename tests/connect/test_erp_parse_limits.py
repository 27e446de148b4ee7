"""Limits count what is really read: a workbook inside the export is a zip itself (its parts
count against the unpacked size, its shared strings against their own limit), one CSV record
has a length limit, a workbook's cells are counted; a reading task that killed its worker is not
delivered forever; samples count against the quota and are removed with retention."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from connect.celery import app as celery_app
from connect.models import Alert, ErpExport, ErpSample, ExportStatus
from connect.services.erp_exports import erp_export_store
from connect.services.erp_profiles import erp_profile_save
from connect.services.retention import retention_cleanup
from connect.tasks import erp_export_validate as validate_task
from integrations.erp.profiles.examples import example_profile, example_sample
from tests.connect.test_erp_exports import zip_upload
from tooling.hostile import long_line_csv, shared_strings_xlsx, zip_bomb_xlsx

MB = 1024 * 1024


@pytest.fixture
def media(settings, tmp_path: Path, monkeypatch) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    return tmp_path / "media"


@pytest.fixture
def admin(client, tenancy, media):
    client.force_login(tenancy.admin_a)
    return client


def _upload(client, content: bytes, name: str) -> ErpExport:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("portal:erp-upload", kwargs={"slug": "alpha"}),
            {"export": zip_upload(content, name)},
        )
    assert response.status_code == 302
    export = ErpExport.objects.get(original_name=name)
    assert export.status != ExportStatus.PENDING
    return export


def _messages(export: ErpExport) -> str:
    page_findings = export.report.get("findings", [])
    return " ".join(
        f"{f.get('file')}: {f.get('message_de', f.get('message'))}" for f in page_findings
    )


def _xlsx_profile(tenancy) -> None:
    erp_profile_save(
        customer=tenancy.a, actor=None, definition=example_profile("xlsx-blaetter").to_dict()
    )


@pytest.mark.django_db
def test_a_zip_bomb_inside_the_workbook_counts_against_the_unpacked_limit(admin, tenancy, settings):
    # given: a workbook profile, and a limit of 50 MB unpacked
    _xlsx_profile(tenancy)
    settings.ERP_UPLOAD_MAX_UNPACKED_BYTES = 50 * MB
    content = zip_bomb_xlsx(100 * MB)
    assert len(content) < MB  # the outer zip sees a workbook of a few kilobytes
    # when: pushed through the portal
    export = _upload(admin, content, "bombe.zip")
    # then: refused with a German finding that names the limit
    page = admin.get(reverse("portal:erp-export", kwargs={"slug": "alpha", "export_id": export.pk}))
    text = page.content.decode()
    assert export.status == ExportStatus.INVALID
    assert "Die Arbeitsmappe export.xlsx ist entpackt 100 MB groß" in text
    assert "erlaubt sind höchstens 50 MB" in text


@pytest.mark.django_db
def test_a_workbooks_shared_strings_are_limited(admin, tenancy, settings):
    _xlsx_profile(tenancy)
    settings.ERP_UPLOAD_MAX_SHARED_STRINGS_BYTES = 8 * MB
    export = _upload(admin, shared_strings_xlsx(20 * MB), "texte.zip")
    text = _messages(export)
    assert export.status == ExportStatus.INVALID
    assert "(xl/sharedStrings.xml) sind entpackt 20 MB groß" in text
    assert "erlaubt sind höchstens 8 MB" in text


@pytest.mark.django_db
def test_one_endless_csv_line_stops_at_the_line_limit(admin, tenancy, settings):
    # given: a record limit of 1 MB and a mandanten.csv of one 30 MB line
    settings.ERP_UPLOAD_MAX_LINE_CHARS = MB
    export = _upload(admin, long_line_csv(30 * MB), "zeile.zip")
    # then: a German finding on line 2 naming the limit
    text = _messages(export)
    assert export.status == ExportStatus.INVALID
    assert "mandanten.csv: Die Zeile ist länger als 1.048.576 Zeichen" in text
    assert export.report["findings"][0]["line"] == 2


@pytest.mark.django_db
def test_one_endless_csv_field_is_named_with_its_limit(admin, tenancy):
    # given: a mandanten.csv whose second line holds one quoted field of 200,000 characters
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mandanten.csv", 'mandant_nr;name\r\n1000;"' + "x" * 200_000 + '"\r\n')
    export = _upload(admin, buffer.getvalue(), "feld.zip")
    # then: the field limit is named, not a quoting error
    text = _messages(export)
    assert export.status == ExportStatus.INVALID
    assert "mandanten.csv: Ein Feld ist länger als 131.072 Zeichen" in text


@pytest.mark.django_db
def test_the_cells_of_a_workbook_are_counted(admin, tenancy, settings):
    _xlsx_profile(tenancy)
    settings.ERP_UPLOAD_MAX_CELLS = 40
    export = _upload(admin, example_sample("xlsx-blaetter").read_bytes(), "blaetter.zip")
    text = _messages(export)
    assert export.status == ExportStatus.INVALID
    assert "Die Arbeitsmappe hat mehr als 40 Zellen (leere mitgezählt)" in text


@pytest.mark.django_db
def test_a_validation_whose_worker_died_twice_fails_with_an_alert(tenancy, media, settings):
    # given: an upload whose task was delivered twice and never finished (the worker killed)
    with TestCase.captureOnCommitCallbacks(execute=False):
        export = erp_export_store(
            customer=tenancy.a,
            actor=None,
            uploaded_file=zip_upload(example_sample("csv-je-datei").read_bytes(), "tot.zip"),
        )
    ErpExport.objects.filter(pk=export.pk).update(attempts=settings.ERP_PARSE_MAX_ATTEMPTS)
    # when: the broker delivers it a third time
    validate_task.delay(export.pk)
    # then: it is not read again; it fails with a German message and an alert
    export.refresh_from_db()
    assert export.status == ExportStatus.INVALID
    message = export.report["findings"][0]["message_de"]
    assert message.startswith("Das Lesen von „tot.zip“ wurde 2-mal abgebrochen")
    alert = Alert.objects.get(customer=tenancy.a, kind="parse_aborted")
    assert alert.message == message


@pytest.mark.django_db
def test_samples_count_against_the_quota_and_are_removed_by_retention(
    admin, tenancy, settings, media
):
    # given: a quota that holds one sample
    sample = example_sample("csv-je-datei").read_bytes()
    settings.ERP_UPLOAD_QUOTA_BYTES = len(sample) + 100
    url = reverse("portal:erp-profile", kwargs={"slug": "alpha"})
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = admin.post(url, {"action": "suggest", "sample": zip_upload(sample, "a.zip")})
    assert first.status_code == 302
    stored = ErpSample.objects.get(customer=tenancy.a)
    assert Path(stored.file.path).is_file()
    # when: a second one does not fit
    second = admin.post(url, {"action": "suggest", "sample": zip_upload(sample, "b.zip")})
    # then: refused with the quota's message
    assert second.status_code == 400
    assert "passt nicht mehr in den Speicherplatz" in second.content.decode()
    # when: the daily retention runs after ERP_SAMPLE_KEEP_HOURS
    retention_cleanup(now=timezone.now() + timedelta(hours=settings.ERP_SAMPLE_KEEP_HOURS + 1))
    # then: the sample and its file are gone
    assert not ErpSample.objects.filter(customer=tenancy.a).exists()
    assert not Path(stored.file.path).exists()
