"""A customer's ERP source: which connector it gets, switching it (audited), the settings page
offering the export's Mandanten, and runs against a missing or invalid export."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from connect.exceptions import ApplicationError
from connect.models import AuditLog, Customer, RunStatus
from connect.selectors.erp_sources import NoValidExport, connector_for_customer
from connect.services.erp_exports import erp_export_store, erp_source_set
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.erp.demo import DemoConnector
from integrations.erp.file.reader import FileConnector
from integrations.erp.file.writer import write_export
from tests.connect.test_erp_exports import (
    duplicate_first_unit,
    export_zip,
    rename_mandant_1000,
    zip_upload,
)
from tests.factories import activate_stammdaten, connect_to_sandbox, sandbox_for

NO_EXPORT = "Es liegt kein gültiger ERP-Export vor. Bitte laden Sie einen Export hoch."
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


# --- connector_for_customer -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_source_gets_the_customers_portfolio_size_and_seed():
    customer = Customer.objects.create(name="Demo", slug="demo", demo_units=70, demo_seed=4)
    connector = connector_for_customer(customer)
    assert isinstance(connector, DemoConnector)
    assert (connector.units, connector.seed) == (70, 4)


@pytest.mark.django_db
def test_the_file_source_without_upload_reads_the_server_path(tmp_path):
    # given: a file-source customer with an export path set on the command line, no upload
    write_export(DemoConnector(units=60, seed=1), tmp_path / "export")
    customer = Customer.objects.create(
        name="Datei", slug="datei", erp_source="file", erp_path=str(tmp_path / "export")
    )
    # when
    connector = connector_for_customer(customer)
    # then
    assert isinstance(connector, FileConnector)
    assert connector.path == tmp_path / "export"


@pytest.mark.django_db
def test_a_valid_upload_wins_over_the_server_path(tmp_path, media):
    customer = Customer.objects.create(
        name="Datei", slug="datei", erp_source="file", erp_path=str(tmp_path / "elsewhere")
    )
    export = erp_export_store(
        validate=True, customer=customer, actor=None, uploaded_file=zip_upload(export_zip(tmp_path))
    )
    connector = connector_for_customer(customer)
    assert isinstance(connector, FileConnector)
    assert connector.path == Path(export.file.path)


@pytest.mark.parametrize("uploads", [[], [duplicate_first_unit]], ids=["none", "only-invalid"])
@pytest.mark.django_db
def test_the_file_source_without_a_valid_export_is_refused_in_german(tmp_path, media, uploads):
    # given: a file-source customer without a path, with no upload or only an invalid one
    customer = Customer.objects.create(name="Datei", slug="datei", erp_source="file")
    for edit in uploads:
        erp_export_store(
            validate=True,
            customer=customer,
            actor=None,
            uploaded_file=zip_upload(export_zip(tmp_path, edit=edit)),
        )
    # when / then
    with pytest.raises(NoValidExport) as refused:
        connector_for_customer(customer)
    assert refused.value.message == NO_EXPORT


# --- switching the source ---------------------------------------------------------------------


@pytest.mark.django_db
def test_switching_the_source_is_audited(tenancy):
    # when: the admin switches to the file source, then back to a smaller demo
    erp_source_set(customer=tenancy.a, actor=tenancy.admin_a, source="file")
    erp_source_set(customer=tenancy.a, actor=tenancy.admin_a, source="demo", demo_units=80)
    # then: both changes are in the audit log with old and new values
    entries = list(
        AuditLog.objects.filter(customer=tenancy.a, action="customer.update").order_by("id")
    )
    assert [entry.changes for entry in entries] == [
        {"erp_source": ["demo", "file"]},
        {"erp_source": ["file", "demo"], "demo_units": [200, 80]},
    ]
    assert {entry.actor for entry in entries} == {tenancy.admin_a}
    tenancy.a.refresh_from_db()
    assert (tenancy.a.erp_source, tenancy.a.demo_units) == ("demo", 80)


@pytest.mark.parametrize(
    ("source", "demo_units", "message"),
    [
        ("aareon", None, "Unbekannte ERP-Quelle: aareon"),
        ("demo", 0, "Die Zahl der Einheiten muss zwischen 1 und 100.000 liegen."),
    ],
)
@pytest.mark.django_db
def test_a_wrong_source_or_size_is_refused(tenancy, source, demo_units, message):
    with pytest.raises(ApplicationError) as refused:
        erp_source_set(
            customer=tenancy.a, actor=tenancy.admin_a, source=source, demo_units=demo_units
        )
    assert refused.value.message == message
    assert not AuditLog.objects.filter(customer=tenancy.a).exists()


@pytest.mark.django_db
def test_the_admin_switches_the_source_on_the_page(client, tenancy, media):
    # given: the admin
    client.force_login(tenancy.admin_a)
    url = reverse("portal:erp", kwargs={"slug": "alpha"})
    # when: they switch to the file source
    response = client.post(url, {"erp_source": "file", "demo_units": "200"})
    # then: saved and audited; the page now says a valid export is missing
    assert response.status_code == 302
    tenancy.a.refresh_from_db()
    assert tenancy.a.erp_source == "file"
    assert AuditLog.objects.filter(customer=tenancy.a, action="customer.update").count() == 1
    page = client.get(url).content.decode()
    assert NO_EXPORT in page


@pytest.mark.django_db
def test_a_non_number_demo_size_is_explained(client, tenancy):
    client.force_login(tenancy.admin_a)
    response = client.post(
        reverse("portal:erp", kwargs={"slug": "alpha"}), {"erp_source": "demo", "demo_units": "x"}
    )
    assert response.status_code == 400
    assert "Die Zahl der Einheiten muss eine ganze Zahl sein." in response.content.decode()
    assert not AuditLog.objects.filter(customer=tenancy.a).exists()


@pytest.mark.django_db
def test_a_viewer_cannot_switch_the_source(client, tenancy):
    client.force_login(tenancy.viewer_a)
    response = client.post(reverse("portal:erp", kwargs={"slug": "alpha"}), {"erp_source": "file"})
    assert response.status_code == 403
    tenancy.a.refresh_from_db()
    assert tenancy.a.erp_source == "demo"


# --- the use-case settings page ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_settings_page_offers_the_mandanten_of_the_file_export(
    client, tenancy, media, tmp_path
):
    # given: a file-source customer whose export names Mandant 1000 differently from the demo
    tenancy.a.erp_source = "file"
    tenancy.a.save()
    erp_export_store(
        validate=True,
        customer=tenancy.a,
        actor=tenancy.admin_a,
        uploaded_file=zip_upload(export_zip(tmp_path, edit=rename_mandant_1000)),
    )
    client.force_login(tenancy.admin_a)
    # when
    page = client.get(
        reverse("portal:usecase", kwargs={"slug": "alpha", "use_case": "stammdaten"})
    ).content.decode()
    # then: the export's Mandanten are offered
    assert 'name="mandanten" value="1000"' in page
    assert "Exportmandant Nord eG" in page
    assert 'name="mandanten" value="3000"' in page
    assert "Musterstadt Wohnen GmbH" not in page


@pytest.mark.django_db
def test_the_settings_page_explains_a_missing_export(client, tenancy, media):
    tenancy.a.erp_source = "file"
    tenancy.a.save()
    client.force_login(tenancy.admin_a)
    page = client.get(
        reverse("portal:usecase", kwargs={"slug": "alpha", "use_case": "stammdaten"})
    ).content.decode()
    assert NO_EXPORT in page
    assert 'name="mandanten"' not in page


# --- runs ---------------------------------------------------------------------------------------


@pytest.fixture
def file_customer(db, settings, media):
    """A file-source customer, ready to run Stammdaten against the sandbox."""
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Datei eG", slug="datei", erp_source="file")
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        sandbox.reset_counters()
        yield customer, sandbox


def writes(counters) -> int:
    return sum(
        n
        for route, n in counters["by_route"].items()
        if route.split()[0] in WRITES and "/search" not in route and "/auth/" not in route
    )


def run_stammdaten(customer: Customer):
    run = sync_run_create(customer=customer, use_case="stammdaten", trigger="manual")
    return sync_run_execute(run_id=run.pk)


def test_a_run_whose_only_export_is_invalid_fails_and_writes_nothing(file_customer, tmp_path):
    # given: the customer's only upload is invalid
    customer, sandbox = file_customer
    erp_export_store(
        validate=True,
        customer=customer,
        actor=None,
        uploaded_file=zip_upload(export_zip(tmp_path, edit=duplicate_first_unit)),
    )
    # when
    run = run_stammdaten(customer)
    # then: failed with a message a person understands; nothing reached facilioo
    assert run.status == RunStatus.FAILED
    assert run.error_message == NO_EXPORT
    assert writes(sandbox.counters()) == 0
    assert sandbox.state.records("units") == []
    assert run.items.count() == 0


def test_an_invalid_server_export_is_never_read(file_customer, tmp_path):
    # given: no upload, and the export path from the command line points at a broken export
    customer, sandbox = file_customer
    write_export(DemoConnector(units=60, seed=1), tmp_path / "export")
    duplicate_first_unit(tmp_path / "export")
    customer.erp_path = str(tmp_path / "export")
    customer.save()
    # when
    run = run_stammdaten(customer)
    # then: refused as a whole, the message names the report and its first finding
    assert run.status == RunStatus.FAILED
    assert run.error_message == (
        "Der ERP-Export ist ungültig, es wurde nichts synchronisiert. Der Prüfbericht nennt "
        "1 Fehler, zuerst: einheiten.csv, Zeilen 2 und 62: "
        "Der Schlüssel 1000/0001/01/001 kommt doppelt vor."
    )
    assert writes(sandbox.counters()) == 0
    assert sandbox.state.records("units") == []
    assert run.items.count() == 0


def test_a_run_reads_the_newest_valid_upload(file_customer, tmp_path):
    # given: a valid 60-unit upload, then an invalid one
    customer, sandbox = file_customer
    for edit in (None, duplicate_first_unit):
        erp_export_store(
            validate=True,
            customer=customer,
            actor=None,
            uploaded_file=zip_upload(export_zip(tmp_path, edit=edit)),
        )
    # when
    run = run_stammdaten(customer)
    # then: the valid export was synced
    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert run.counts["units"]["created"] == 60
    assert len(sandbox.state.records("units")) == 60


@pytest.mark.django_db
def test_the_note_to_upload_a_first_export_is_a_note_not_an_error(client, tenancy):
    # given: a customer switched to ERP files who has not uploaded one yet
    erp_source_set(customer=tenancy.a, actor=tenancy.admin_a, source="file")
    client.force_login(tenancy.admin_a)
    # when: the admin opens the ERP page
    page = client.get(reverse("portal:erp", args=["alpha"])).content.decode()
    # then: the page tells what to do as a note, not styled as an error
    note = "Es liegt kein gültiger ERP-Export vor. Bitte laden Sie einen Export hoch."
    assert f'<p class="note" id="erp-no-export" role="note">{note}</p>' in page
    assert "errornote" not in page
    assert "Die Mandanten erscheinen hier, sobald ein Export hochgeladen ist." in page
