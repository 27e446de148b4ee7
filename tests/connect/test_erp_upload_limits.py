"""ERP uploads off the request path: the request only stores the file, a task validates it
within limits of unpacked size, files and rows; a quota and retention per customer."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connect.celery import app as celery_app
from connect.exceptions import ApplicationError
from connect.models import AuditLog, ErpExport, ExportStatus
from connect.services.erp_exports import erp_export_store
from tests.connect.test_erp_exports import (
    duplicate_first_unit,
    export_zip,
    stored_files,
    zip_upload,
)


@pytest.fixture
def media(settings, tmp_path: Path, monkeypatch) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Tasks handed over at the commit run in this process (Celery's own switch: its
    # configuration is read once, so the Django setting alone would come too late).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    return tmp_path / "media"


def upload_url() -> str:
    return reverse("portal:erp-upload", kwargs={"slug": "alpha"})


def zip_bomb(megabytes: int) -> bytes:
    """A small zip whose mandanten.csv unpacks to ``megabytes`` MB."""
    buffer = io.BytesIO()
    line = b"1000;" + b"A" * 1018 + b"\r\n"  # 1 KiB per line
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("mandanten.csv", "w") as member,
    ):
        member.write(b"mandant_nr;name\r\n")
        for _ in range(megabytes * 1024):
            member.write(line)
    return buffer.getvalue()


def post_export(client, content: bytes, name: str = "export.zip"):
    return client.post(upload_url(), {"export": zip_upload(content, name)})


@pytest.mark.django_db
def test_the_upload_request_only_stores_and_the_page_says_wird_geprueft(
    client, tenancy, media, tmp_path
):
    # given: an admin with a valid export
    client.force_login(tenancy.admin_a)
    content = export_zip(tmp_path)
    # when: they upload it (the commit's callbacks, and so the task, are not run)
    response = post_export(client, content)
    # then: stored, not yet validated, and they land on its page
    export = ErpExport.objects.get(customer=tenancy.a)
    assert response.status_code == 302
    assert export.status == ExportStatus.PENDING
    assert export.report == {}
    assert export.valid is False
    assert Path(export.file.path).read_bytes() == content
    page = client.get(response["Location"]).content.decode()
    assert "Der ERP-Export „export.zip“ wurde gespeichert und wird geprüft." in page
    assert "wird geprüft" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    listing = client.get(reverse("portal:erp", kwargs={"slug": "alpha"})).content.decode()
    assert '<span class="state state-running">wird geprüft</span>' in listing
    # and: a pending export is never read by a sync
    from connect.selectors.erp_exports import erp_export_current

    assert erp_export_current(customer=tenancy.a) is None


@pytest.mark.django_db
def test_the_task_validates_after_the_commit_and_the_report_appears(
    client, tenancy, media, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(tenancy.admin_a)
    # when: the upload's transaction commits, the task runs
    with django_capture_on_commit_callbacks(execute=True):
        response = post_export(client, export_zip(tmp_path))
    # then: validated, audited as uploaded and as checked
    export = ErpExport.objects.get(customer=tenancy.a)
    assert export.status == ExportStatus.VALID
    assert export.valid is True
    assert len(export.sha256) == 64
    assert export.report["files"]["einheiten.csv"]["rows"] == 60
    page = client.get(response["Location"]).content.decode()
    assert "Der ERP-Export ist gültig" in page
    assert 'http-equiv="refresh"' not in page
    actions = list(
        AuditLog.objects.filter(customer=tenancy.a).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["erp_export.upload", "erp_export.check"]


@pytest.mark.django_db
def test_a_small_zip_unpacking_to_a_huge_csv_is_refused_unpacked(
    client, tenancy, media, settings, django_capture_on_commit_callbacks
):
    # given: an unpacked limit of 1 MB, and a zip of a few KB unpacking to 3 MB
    settings.ERP_UPLOAD_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = zip_bomb(3)
    assert len(bomb) < 50 * 1024
    client.force_login(tenancy.admin_a)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post_export(client, bomb, "bombe.zip")
    # then: the request stored it; the task refused it without unpacking
    assert response.status_code == 302
    export = ErpExport.objects.get(customer=tenancy.a)
    assert export.status == ExportStatus.INVALID
    page = client.get(response["Location"]).content.decode()
    assert (
        "Das Archiv ist entpackt 3 MB groß; erlaubt sind höchstens 1 MB. "
        "Es wurde nicht entpackt (Schutz vor ZIP-Bomben)."
    ) in page
    assert [f["problem_code"] for f in export.report["findings"]] == ["too_large"]


@pytest.mark.django_db
def test_an_export_with_more_rows_than_allowed_is_refused(
    client, tenancy, media, settings, tmp_path, django_capture_on_commit_callbacks
):
    # given: a row limit of 100 (a stand-in for millions of keys) and a 60-unit export
    settings.ERP_UPLOAD_MAX_ROWS = 100
    client.force_login(tenancy.admin_a)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post_export(client, export_zip(tmp_path))
    # then: the validation stopped at the limit, with a German finding
    export = ErpExport.objects.get(customer=tenancy.a)
    assert export.status == ExportStatus.INVALID
    page = client.get(response["Location"]).content.decode()
    assert (
        "Der ERP-Export hat mehr als 100 Zeilen; mehr werden nicht geprüft. "
        "Die Prüfung wurde hier abgebrochen."
    ) in page
    too_large = [f for f in export.report["findings"] if f["problem_code"] == "too_large"]
    assert len(too_large) == 1
    assert too_large[0]["line"] is not None


@pytest.mark.django_db
def test_an_archive_with_too_many_files_is_refused_before_unpacking(
    tenancy, media, settings, tmp_path
):
    settings.ERP_UPLOAD_MAX_FILES = 3
    export = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(export_zip(tmp_path)),
    )
    assert export.status == ExportStatus.INVALID
    message = export.report["findings"][0]["message_de"]
    assert message.startswith("Das Archiv enthält ")
    assert message.endswith("Dateien; erlaubt sind höchstens 3. Es wurde nicht entpackt.")


@pytest.mark.django_db
def test_an_upload_beyond_the_limit_is_stopped_while_receiving(client, tenancy, media, settings):
    # given: an upload limit of 64 KiB
    settings.ERP_UPLOAD_MAX_BYTES = 64 * 1024
    client.force_login(tenancy.admin_a)
    # when: 200 KiB arrive
    response = client.post(
        upload_url(), {"export": SimpleUploadedFile("gross.zip", b"x" * (200 * 1024))}
    )
    # then: refused with the reason, nothing stored
    assert response.status_code == 400
    assert (
        "Die Datei „gross.zip“ ist zu groß. Erlaubt sind höchstens 0,06 MB; "
        "die Übertragung wurde abgebrochen und nichts gespeichert."
    ) in response.content.decode()
    assert ErpExport.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.django_db
def test_the_quota_refuses_an_upload_that_does_not_fit(tenancy, media, settings, tmp_path):
    # given: one stored upload and a quota just above its size
    content = export_zip(tmp_path)
    first = erp_export_store(
        validate=True, customer=tenancy.a, actor=tenancy.admin_a, uploaded_file=zip_upload(content)
    )
    settings.ERP_UPLOAD_QUOTA_BYTES = first.size + 1000
    # when / then: a second one does not fit, and says so
    with pytest.raises(ApplicationError) as refused:
        erp_export_store(
            customer=tenancy.a, actor=tenancy.admin_a, uploaded_file=zip_upload(content, "b.zip")
        )
    assert refused.value.message.startswith("Die Datei „b.zip“ (")
    assert "passt nicht mehr in den Speicherplatz für ERP-Exporte" in refused.value.message
    assert ErpExport.objects.filter(customer=tenancy.a).count() == 1
    # and: another customer's quota is its own
    erp_export_store(customer=tenancy.b, actor=tenancy.admin_b, uploaded_file=zip_upload(content))


@pytest.mark.django_db
def test_retention_keeps_the_newest_valid_and_the_last_n(tenancy, media, settings, tmp_path):
    # given: keep the last 2; a valid upload, then three invalid ones
    settings.ERP_UPLOAD_KEEP = 2
    valid = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(export_zip(tmp_path), "gut.zip"),
    )
    broken = export_zip(tmp_path, "b.zip", edit=duplicate_first_unit)
    invalid = [
        erp_export_store(
            validate=True,
            customer=tenancy.a,
            actor=tenancy.admin_a,
            uploaded_file=zip_upload(broken, f"schlecht{n}.zip"),
        )
        for n in range(3)
    ]
    # then: the valid one (used by syncs) and the last two remain, files included
    remaining = set(ErpExport.objects.filter(customer=tenancy.a).values_list("pk", flat=True))
    assert remaining == {valid.pk, invalid[1].pk, invalid[2].pk}
    assert not Path(invalid[0].file.path).exists()
    assert Path(valid.file.path).exists()
    assert len(stored_files(media)) == 3
    entry = AuditLog.objects.filter(action="erp_export.retention").get()
    assert entry.changes == {"deleted": [None, ["schlecht0.zip"]]}
