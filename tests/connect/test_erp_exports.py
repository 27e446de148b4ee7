"""ERP export uploads: the service (checks, storage, validation, audit) and the portal pages."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connect.celery import app as celery_app
from connect.exceptions import ApplicationError
from connect.models import AuditLog, ErpExport
from connect.selectors.erp_exports import erp_export_current
from connect.selectors.erp_sources import connector_for_customer
from connect.services.erp_exports import erp_export_store, erp_source_set
from integrations.erp.demo import DemoConnector
from integrations.erp.file.reader import FileConnector
from integrations.erp.file.writer import write_export

# What a report's table shows for a finding without line or column.
NO_VALUE = "\N{EN DASH}"

# --- building exports ----------------------------------------------------------------------

Edit = Callable[[Path], None]


def duplicate_first_unit(directory: Path) -> None:
    """einheiten.csv gets its first data row (line 2) again as its last line (line 62)."""
    path = directory / "einheiten.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines, lines[1]]), encoding="utf-8")


def drop_mandant_name_column(directory: Path) -> None:
    path = directory / "mandanten.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("mandant_nr;name", "mandant_nr;bezeichnung", 1), encoding="utf-8")


def rename_mandant_1000(directory: Path) -> None:
    """A Mandant name the demo portfolio never has: shows that the export was read."""
    path = directory / "mandanten.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("1000;Musterstadt Wohnen GmbH", "1000;Exportmandant Nord eG"), encoding="utf-8"
    )


def export_zip(tmp_path: Path, name: str = "export.zip", edit: Edit | None = None) -> bytes:
    """An ERP export v1 of a 60-unit demo portfolio as .zip bytes, optionally edited."""
    directory = tmp_path / f"build-{name}"
    write_export(DemoConnector(units=60, seed=1), directory)
    if edit is not None:
        edit(directory)
    target = tmp_path / f"zipped-{name}"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    shutil.rmtree(directory)
    return target.read_bytes()


def zip_upload(content: bytes, name: str = "export.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/zip")


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# --- the upload service --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_valid_upload_is_stored_validated_audited_and_used(tenancy, media, tmp_path):
    # given: a valid export of a 60-unit portfolio
    content = export_zip(tmp_path)
    # when: an admin uploads it
    export = erp_export_store(
        validate=True, customer=tenancy.a, actor=tenancy.admin_a, uploaded_file=zip_upload(content)
    )
    # then: stored under MEDIA_ROOT with its size, valid, with its report
    assert export.valid is True
    assert export.size == len(content)
    assert export.original_name == "export.zip"
    assert export.uploaded_by == tenancy.admin_a
    assert Path(export.file.path).read_bytes() == content
    assert Path(export.file.path).is_relative_to(media)
    assert export.report["valid"] is True
    assert export.report["files"]["einheiten.csv"]["rows"] == 60
    # and: audited with file name, size and the result
    entry = AuditLog.objects.get(customer=tenancy.a, action="erp_export.upload")
    assert entry.actor == tenancy.admin_a
    assert entry.changes == {
        "original_name": [None, "export.zip"],
        "size": [None, len(content)],
        "origin": [None, "portal"],
    }
    checked = AuditLog.objects.get(customer=tenancy.a, action="erp_export.check")
    assert checked.changes == {"valid": [None, True]}
    # and: a file-source customer's syncs read exactly this file
    tenancy.a.erp_source = "file"
    connector = connector_for_customer(tenancy.a)
    assert isinstance(connector, FileConnector)
    assert connector.path == Path(export.file.path)
    assert [m.mandant_nr for m in connector.list_mandanten()] == ["1000", "2000", "3000"]
    connector.close()


@pytest.mark.django_db
def test_the_newest_valid_upload_is_used_and_an_invalid_one_never(tenancy, media, tmp_path):
    # given: two valid uploads, then an invalid one
    valid = export_zip(tmp_path, "valid.zip")
    invalid = export_zip(tmp_path, "invalid.zip", edit=duplicate_first_unit)
    first = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(valid, "erst.zip"),
    )
    second = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(valid, "zweit.zip"),
    )
    third = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(invalid, "dritt.zip"),
    )
    # when
    current = erp_export_current(customer=tenancy.a)
    # then: the newest valid one; the invalid one is kept (with its report) but not used
    assert (first.valid, second.valid, third.valid) == (True, True, False)
    assert current == second
    assert first.file.path != second.file.path
    assert erp_export_current(customer=tenancy.b) is None


@pytest.mark.parametrize(
    ("edit", "file", "line", "column", "problem"),
    [
        (
            duplicate_first_unit,
            "einheiten.csv",
            "2 und 62",
            NO_VALUE,
            "Der Schlüssel 1000/0001/01/001 kommt doppelt vor.",
        ),
        (
            drop_mandant_name_column,
            "mandanten.csv",
            "1",
            NO_VALUE,
            "Die Pflichtspalte „name“ fehlt.",
        ),
    ],
    ids=["duplicate_key", "missing_column"],
)
@pytest.mark.django_db
def test_an_invalid_upload_is_stored_and_its_report_names_file_and_line(
    client,
    tenancy,
    media,
    tmp_path,
    monkeypatch,
    django_capture_on_commit_callbacks,
    edit,
    file,
    line,
    column,
    problem,
):
    # given: an admin
    client.force_login(tenancy.admin_a)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    # when: they upload a broken export through the page (and the validation task runs)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:erp-upload", kwargs={"slug": "alpha"}),
            {"export": zip_upload(export_zip(tmp_path, edit=edit), "kaputt.zip")},
        )
    # then: stored as invalid, and they land on its report
    export = ErpExport.objects.get(customer=tenancy.a)
    assert export.valid is False
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "portal:erp-export", kwargs={"slug": "alpha", "export_id": export.pk}
    )
    page = client.get(response["Location"]).content.decode()
    assert "Der ERP-Export „kaputt.zip“ wurde gespeichert und wird geprüft." in page
    assert "Der ERP-Export wurde abgelehnt: 1 Fehler. Aus ihm wird nichts synchronisiert." in page
    # and: the finding as a table row: file, line(s), column, problem
    assert f"<td>{file}</td><td>{line}</td><td>{column}</td><td>{problem}</td>" in page.replace(
        "&quot;", '"'
    )
    assert "verwendet für Synchronisationen" not in page
    assert erp_export_current(customer=tenancy.a) is None


REFUSALS = [
    pytest.param(
        "export.csv",
        b"mandant_nr;name\r\n",
        "Die Datei „export.csv“ ist keine ZIP-Datei. Bitte laden Sie den ERP-Export als .zip hoch.",
        id="not-a-zip-name",
    ),
    pytest.param(
        "export.zip",
        b"mandant_nr;name\r\n1000;Musterstadt\r\n",
        "Die Datei „export.zip“ ist kein gültiges ZIP-Archiv.",
        id="not-a-zip-content",
    ),
    pytest.param("leer.zip", b"", "Die Datei „leer.zip“ ist leer.", id="empty"),
    pytest.param(
        "gross.zip",
        b"x" * (512 * 1024 + 1),
        "Die Datei „gross.zip“ ist zu groß. Erlaubt sind höchstens 0,5 MB; "
        "die Übertragung wurde abgebrochen und nichts gespeichert.",
        id="too-large",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSALS)
@pytest.mark.django_db
def test_a_refused_upload_shows_why_and_stores_nothing(
    client, tenancy, media, settings, name, content, message
):
    # given: an admin, and an upload limit of 512 KiB
    settings.ERP_UPLOAD_MAX_BYTES = 512 * 1024
    client.force_login(tenancy.admin_a)
    # when: they upload a file that is not acceptable
    response = client.post(
        reverse("portal:erp-upload", kwargs={"slug": "alpha"}),
        {"export": SimpleUploadedFile(name, content)},
    )
    # then: the page says exactly why
    assert response.status_code == 400
    assert message in response.content.decode()
    # and: nothing was stored or audited
    assert ErpExport.objects.count() == 0
    assert stored_files(media) == []
    assert not AuditLog.objects.filter(action="erp_export.upload").exists()


@pytest.mark.django_db
def test_the_service_refuses_before_storing(tenancy, media, settings):
    # given: a limit of 1 MB and an upload of 1 MB plus one byte
    settings.ERP_UPLOAD_MAX_BYTES = 1024 * 1024
    upload = zip_upload(b"x" * (1024 * 1024 + 1), "export.zip")
    # when / then
    with pytest.raises(ApplicationError) as refused:
        erp_export_store(
            validate=True, customer=tenancy.a, actor=tenancy.admin_a, uploaded_file=upload
        )
    assert refused.value.message == (
        "Die Datei „export.zip“ ist zu groß (1,01 MB). Erlaubt sind höchstens 1 MB."
    )
    assert stored_files(media) == []


@pytest.mark.django_db
def test_no_file_chosen_is_explained(client, tenancy, media):
    client.force_login(tenancy.admin_a)
    response = client.post(reverse("portal:erp-upload", kwargs={"slug": "alpha"}), {})
    assert response.status_code == 400
    assert "Bitte wählen Sie eine Datei aus." in response.content.decode()


# --- the pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_erp_page_lists_uploads_and_marks_the_one_syncs_use(client, tenancy, media, tmp_path):
    # given: a file-source customer with a valid upload, then an invalid one
    tenancy.a.erp_source = "file"
    tenancy.a.save()
    valid = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(export_zip(tmp_path, edit=rename_mandant_1000), "gut.zip"),
    )
    erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(
            export_zip(tmp_path, "b.zip", edit=duplicate_first_unit), "schlecht.zip"
        ),
    )
    client.force_login(tenancy.admin_a)
    # when
    page = client.get(reverse("portal:erp", kwargs={"slug": "alpha"})).content.decode()
    # then: both uploads with their badges and uploader, the valid one marked as used
    assert page.count('<tr data-export="') == 2
    assert "gut.zip" in page
    assert "schlecht.zip" in page
    assert page.count('<span class="state state-ok">gültig</span>') == 1
    assert page.count('<span class="state state-failed">ungültig</span>') == 1
    assert tenancy.admin_a.get_username() in page
    assert page.count("verwendet für Synchronisationen") == 1
    used_row = page.split(f'<tr data-export="{valid.pk}">', 1)[1].split("</tr>", 1)[0]
    assert "verwendet für Synchronisationen" in used_row
    # and: the Mandanten come from the export, and the admin gets the upload form
    assert "Exportmandant Nord eG" in page
    assert 'enctype="multipart/form-data"' in page


@pytest.mark.django_db
def test_a_valid_report_page_says_it_is_used(client, tenancy, media, tmp_path):
    # given: a valid upload; the customer still reads the demo portfolio
    export = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(export_zip(tmp_path)),
    )
    client.force_login(tenancy.viewer_a)
    url = reverse("portal:erp-export", kwargs={"slug": "alpha", "export_id": export.pk})
    # when / then: it is only announced as the one that would be used
    assert "verwendet für Synchronisationen" not in client.get(url).content.decode()
    # when: the customer switches to the file source
    erp_source_set(customer=tenancy.a, actor=tenancy.admin_a, source="file")
    page = client.get(url).content.decode()
    # then
    assert "Der ERP-Export ist gültig (Stammdaten, Dokumente)." in page
    assert "verwendet für Synchronisationen" in page
    assert "<td>einheiten.csv</td>\n<td>60</td>" in page
    assert 'id="errors"' not in page


@pytest.mark.django_db
def test_a_viewer_sees_the_page_but_cannot_upload(client, tenancy, media, tmp_path):
    # given: a viewer
    client.force_login(tenancy.viewer_a)
    # when: they look, and then try to upload
    page = client.get(reverse("portal:erp", kwargs={"slug": "alpha"})).content.decode()
    response = client.post(
        reverse("portal:erp-upload", kwargs={"slug": "alpha"}),
        {"export": zip_upload(export_zip(tmp_path))},
    )
    # then: no forms for them, the upload is refused, nothing stored
    assert "upload-form" not in page
    assert "source-form" not in page
    assert response.status_code == 403
    assert ErpExport.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.django_db
def test_another_customers_export_is_not_found(client, tenancy, media, tmp_path):
    # given: an upload of customer A
    export = erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(export_zip(tmp_path)),
    )
    # when: the admin of customer B asks for it under their own customer
    client.force_login(tenancy.admin_b)
    response = client.get(
        reverse("portal:erp-export", kwargs={"slug": "beta", "export_id": export.pk})
    )
    # then: it does not exist for them
    assert response.status_code == 404
