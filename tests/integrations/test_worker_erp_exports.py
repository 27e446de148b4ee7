"""The validation of ERP uploads, executed by a real Celery worker process.

Uploads are stored by the web process and checked by the task ``validate_task`` in a worker;
here a real worker (started as in test_worker_runs) reads the stored file from the shared media
folder, through the customer's import profile, and writes the report the portal shows.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.urls import reverse

from connect.models import Alert, Customer, ErpExport, ErpSample, Role
from connect.services.erp_exports import erp_export_store
from connect.services.erp_profiles import erp_profile_save
from integrations.erp.profiles.examples import example_profile, example_sample
from tests.connect.test_erp_exports import zip_upload
from tests.factories import MembershipFactory, UserFactory
from tests.integrations.test_worker_runs import sandbox, wait_for, worker_setup
from tests.services import unavailable
from tooling.hostile import shared_strings_xlsx

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

__all__ = ["sandbox", "worker_setup"]  # fixtures used by name

FLAT = "flach-mietvertraege"


def broken_flat_sample() -> bytes:
    """The flat sample with a contract beginning on the 31st of February (its line 3)."""
    with zipfile.ZipFile(example_sample(FLAT)) as archive:
        text = archive.read("mietvertraege_export.csv").decode("utf-8-sig")
    lines = text.splitlines()
    lines[2] = lines[2].replace(";01.09.1994;", ";31.02.1994;")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mietvertraege_export.csv", "\ufeff" + "\r\n".join(lines))
    return buffer.getvalue()


def test_uploads_are_validated_by_a_real_worker_through_the_profile(
    worker_setup, sandbox, settings, tmp_path
):
    # given: the media folder the worker uses too (its var folder), and a flat profile
    settings.MEDIA_ROOT = str(tmp_path / "var" / "media")
    customer = Customer.objects.create(name="Flach eG", slug="flach", erp_source="file")
    erp_profile_save(customer=customer, actor=None, definition=example_profile(FLAT).to_dict())
    with worker_setup(sandbox):
        # when: a valid and a broken export are uploaded
        good = erp_export_store(
            customer=customer,
            actor=None,
            uploaded_file=zip_upload(example_sample(FLAT).read_bytes(), "gut.zip"),
        )
        bad = erp_export_store(
            customer=customer,
            actor=None,
            uploaded_file=zip_upload(broken_flat_sample(), "kaputt.zip"),
        )
        assert {good.status, bad.status} == {"pending"}
        wait_for(
            lambda: not ErpExport.objects.filter(pk__in=[good.pk, bad.pk], status="pending"),
            timeout=120,
            what="the worker to validate both uploads",
        )
    # then: the worker's verdicts, with the report in the customer's terms
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == "valid", [f["message_de"] for f in good.report["findings"]]
    assert "mietvertraege_export.csv (für einheiten.csv)" in good.report["files"]
    assert bad.status == "invalid"
    rendered = str(bad.report)
    assert "31.02.1994" in rendered
    assert "ist kein Datum im Format TT.MM.JJJJ." in rendered


def test_a_sample_suggested_on_the_erp_page_is_read_by_a_real_worker(
    worker_setup, sandbox, settings, tmp_path, client
):
    # given: an admin on the ERP page, and a worker sharing the media folder
    settings.MEDIA_ROOT = str(tmp_path / "var" / "media")
    customer = Customer.objects.create(name="Blatt eG", slug="blatt", erp_source="file")
    admin = UserFactory()
    MembershipFactory(customer=customer, user=admin, role=Role.ADMIN)
    client.force_login(admin)
    url = reverse("portal:erp-profile", kwargs={"slug": "blatt"})
    with worker_setup(sandbox):
        # when: a workbook sample is posted for "Vorschlagen"
        sample = example_sample("xlsx-blaetter").read_bytes()
        response = client.post(url, {"action": "suggest", "sample": zip_upload(sample, "b.zip")})
        # then: the request only stored and queued it
        assert response.status_code == 302
        stored = ErpSample.objects.get(customer=customer)
        wait_for(
            lambda: ErpSample.objects.filter(pk=stored.pk, status="done").exists(),
            timeout=120,
            what="the worker to read the sample",
        )
    # and: the page shows the worker's draft, every sheet found by its name
    page = client.get(response["Location"]).content.decode()
    assert "Vorschlag nach Spaltennamen; bitte prüfen und ergänzen Sie ihn" in page
    assert 'id="mapping-form"' in page
    stored.refresh_from_db()
    assert stored.attempts == 1
    assert stored.result["kind"] == "xlsx"


def test_a_hostile_workbook_ends_as_a_finding_within_the_workers_memory_ceiling(
    worker_setup, sandbox, settings, tmp_path
):
    # given: a workbook profile, and a worker with a memory ceiling of 400 MB whose shared-
    # strings limit is raised so high that only the ceiling stands in the way
    settings.MEDIA_ROOT = str(tmp_path / "var" / "media")
    customer = Customer.objects.create(name="Blatt eG", slug="blatt", erp_source="file")
    erp_profile_save(
        customer=customer, actor=None, definition=example_profile("xlsx-blaetter").to_dict()
    )
    ceiling = {
        "WORKER_MEMORY_CEILING_MB": "400",
        "ERP_UPLOAD_MAX_SHARED_STRINGS_BYTES": str(1024 * 1024 * 1024),
    }
    with worker_setup(sandbox, **ceiling):
        # when: 200 MB of shared strings are pushed, then a good export
        bomb = erp_export_store(
            customer=customer,
            actor=None,
            uploaded_file=zip_upload(
                shared_strings_xlsx(200 * 1024 * 1024, name="bestand.xlsx"), "texte.zip"
            ),
        )
        wait_for(
            lambda: not ErpExport.objects.filter(pk=bomb.pk, status="pending").exists(),
            timeout=180,
            what="the worker to read the hostile workbook",
        )
        good = erp_export_store(
            customer=customer,
            actor=None,
            uploaded_file=zip_upload(example_sample("xlsx-blaetter").read_bytes(), "gut.zip"),
        )
        wait_for(
            lambda: not ErpExport.objects.filter(pk=good.pk, status="pending").exists(),
            timeout=120,
            what="the same worker to validate the next upload",
        )
    # then: the hostile one is a German finding after one attempt, the worker lived on
    bomb.refresh_from_db()
    good.refresh_from_db()
    assert bomb.status == "invalid"
    assert bomb.attempts == 1
    message = bomb.report["findings"][0]["message_de"]
    assert "brauchte mehr Arbeitsspeicher, als einer Prüfung zusteht" in message
    assert "höchstens 400 MB" in message
    assert good.status == "valid", good.report


def slow_export(megabytes: int) -> bytes:
    """A v1 export whose mandanten.csv has ``megabytes`` MB of rows: seconds of reading."""
    buffer = io.BytesIO()
    line = b"1000;" + b"A" * 1018 + b"\r\n"
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("mandanten.csv", "w") as member,
    ):
        member.write(b"mandant_nr;name\r\n")
        for _ in range(megabytes * 1024):
            member.write(line)
    return buffer.getvalue()


def test_an_export_that_kills_its_worker_twice_fails_with_an_alert(
    worker_setup, sandbox, settings, tmp_path
):
    if not os.environ.get("REDIS_URL"):
        unavailable("Redis (redelivery of unacknowledged tasks)")
    # given: an upload whose reading takes seconds, and workers whose unacknowledged tasks
    # come back after 2 seconds
    settings.MEDIA_ROOT = str(tmp_path / "var" / "media")
    customer = Customer.objects.create(name="Tot eG", slug="tot", erp_source="file")
    export = erp_export_store(
        customer=customer, actor=None, uploaded_file=zip_upload(slow_export(300), "tot.zip")
    )
    redelivery = {"CELERY_VISIBILITY_TIMEOUT": "2"}
    for attempt in (1, 2):
        with worker_setup(sandbox, **redelivery) as worker:
            # when: the worker dies while it reads (as when the kernel ends it for memory)
            wait_for(
                lambda attempt=attempt: ErpExport.objects.get(pk=export.pk).attempts == attempt,
                timeout=120,
                what=f"attempt {attempt} to start reading",
            )
            worker.kill()
            worker.wait()
        assert ErpExport.objects.get(pk=export.pk).status == "pending"
    # when: the broker delivers it a third time
    with worker_setup(sandbox, **redelivery):
        wait_for(
            lambda: not ErpExport.objects.filter(pk=export.pk, status="pending").exists(),
            timeout=120,
            what="the third delivery to end the export",
        )
    # then: not read again, a German message and an alert
    export.refresh_from_db()
    assert export.status == "invalid"
    assert export.attempts == 3
    message = export.report["findings"][0]["message_de"]
    assert message.startswith("Das Lesen von „tot.zip“ wurde 2-mal abgebrochen")
    assert Alert.objects.get(customer=customer, kind="parse_aborted").message == message
