"""The validation of ERP uploads, executed by a real Celery worker process.

Uploads are stored by the web process and checked by the task ``validate_task`` in a worker;
here a real worker (started as in test_worker_runs) reads the stored file from the shared media
folder, through the customer's import profile, and writes the report the portal shows.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from connect.models import Customer, ErpExport
from connect.services.erp_exports import erp_export_store
from connect.services.erp_profiles import erp_profile_save
from integrations.erp.profiles.examples import example_profile, example_sample
from tests.connect.test_erp_exports import zip_upload
from tests.integrations.test_worker_runs import sandbox, wait_for, worker_setup

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
    assert good.status == "valid", good.report
    assert "mietvertraege_export.csv (für einheiten.csv)" in good.report["files"]
    assert bad.status == "invalid"
    rendered = str(bad.report)
    assert "31.02.1994" in rendered
    assert "ist kein Datum im Format TT.MM.JJJJ." in rendered
