"""Import profiles in the product: saved as versions and audited, used for uploads, pushes and
runs, with suggestions and a preview on the command line."""

from __future__ import annotations

import json
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from connect.celery import app as celery_app
from connect.exceptions import ApplicationError
from connect.models import AuditLog, Customer, ErpExport, ErpImportProfile, RunStatus
from connect.services.erp_exports import erp_export_store
from connect.services.erp_profiles import erp_profile_save
from connect.services.erp_push_tokens import erp_push_token_create
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.erp.profiles.examples import EXAMPLES_DIR, example_profile, example_sample
from integrations.erp.profiles.suggest import suggest_fields
from tests.connect.test_erp_exports import zip_upload
from tests.factories import activate_stammdaten, connect_to_sandbox, sandbox_for


@pytest.fixture
def media(settings, tmp_path: Path, monkeypatch) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Tasks handed over at the commit run in this process (Celery's own switch: its
    # configuration is read once, so the Django setting alone would come too late).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    return tmp_path / "media"


@pytest.mark.django_db
def test_saving_makes_a_new_active_version_and_is_audited(tenancy):
    first = erp_profile_save(
        customer=tenancy.a,
        actor=tenancy.admin_a,
        definition=example_profile("csv-je-datei").to_dict(),
    )
    second = erp_profile_save(
        customer=tenancy.a,
        actor=tenancy.admin_a,
        definition=example_profile("xlsx-blaetter").to_dict(),
    )
    first.refresh_from_db()
    assert (first.version, first.is_active) == (1, False)
    assert (second.version, second.is_active) == (2, True)
    entries = AuditLog.objects.filter(action="erp_profile.save").order_by("id")
    assert [e.changes["version"] for e in entries] == [[None, 1], [None, 2]]
    # an incomplete profile is refused with the reason, and nothing is saved
    broken = example_profile("csv-je-datei").to_dict()
    del broken["entities"]["mietvertraege.csv"]["fields"]["beginn"]
    with pytest.raises(ApplicationError) as refused:
        erp_profile_save(customer=tenancy.a, actor=tenancy.admin_a, definition=broken)
    assert refused.value.message == (
        "Das Importprofil wurde nicht gespeichert: "
        "mietvertraege.csv: Das Pflichtfeld „beginn“ ist nicht zugeordnet."
    )
    assert ErpImportProfile.objects.filter(customer=tenancy.a).count() == 2


@pytest.fixture
def profile_customer(db, settings, media):
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Profil eG", slug="profil", erp_source="file")
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        yield customer, sandbox


def test_an_upload_in_the_customers_layout_is_validated_and_synced(profile_customer):
    customer, sandbox = profile_customer
    call_command("erp_profile", "example", "profil", "xlsx-blaetter", stdout=StringIO())
    # when: the sample in the customer's layout is uploaded, then synced
    export = erp_export_store(
        validate=True,
        customer=customer,
        actor=None,
        uploaded_file=zip_upload(example_sample("xlsx-blaetter").read_bytes(), "bestand.zip"),
    )
    assert export.valid, export.report
    assert export.profile.name == "xlsx-blaetter"
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )
    # then: the records arrived in facilioo
    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert run.counts["units"]["created"] == 20
    assert len(sandbox.state.records("units")) == 20


def test_a_flat_contract_report_is_validated_and_synced(profile_customer):
    # given: the flat example (one row per rental contract with tenant columns)
    customer, sandbox = profile_customer
    call_command("erp_profile", "example", "profil", "flach-mietvertraege", stdout=StringIO())
    export = erp_export_store(
        validate=True,
        customer=customer,
        actor=None,
        uploaded_file=zip_upload(
            example_sample("flach-mietvertraege").read_bytes(), "mietvertraege.zip"
        ),
    )
    assert export.valid, export.report
    # one row count per file of export v1 the report feeds; nothing declared empty is listed
    rows = {name: summary["rows"] for name, summary in export.report["files"].items()}
    assert rows == {
        "mietvertraege_export.csv (für mandanten.csv)": 3,
        "mietvertraege_export.csv (für wirtschaftseinheiten.csv)": 3,
        "mietvertraege_export.csv (für gebaeude.csv)": 3,
        "mietvertraege_export.csv (für einheiten.csv)": 16,
        "mietvertraege_export.csv (für mieter.csv)": 17,
        "mietvertraege_export.csv (für mietvertraege.csv)": 16,
    }
    # when: synced
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )
    # then: every let unit once (the report names 16 contracts over 16 units)
    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert run.counts["units"]["created"] == 16
    assert len(sandbox.state.records("units")) == 16


@pytest.mark.django_db
def test_a_push_is_read_through_the_active_profile(
    client, tenancy, media, django_capture_on_commit_callbacks
):
    erp_profile_save(
        customer=tenancy.a, actor=None, definition=example_profile("csv-je-datei").to_dict()
    )
    _token, raw = erp_push_token_create(customer=tenancy.a, actor=None, name="ERP")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:erp-exports", kwargs={"slug": "alpha"}),
            data=example_sample("csv-je-datei").read_bytes(),
            content_type="application/zip",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    export = ErpExport.objects.get(pk=response.json()["id"])
    assert export.status == "valid", export.report
    assert set(export.report["files"]) >= {"einheiten.csv", "objekte.csv", "firma.csv"}


def test_suggestions_by_german_and_english_column_names():
    headers = ["Objekt", "Haus-Nr.", "Unit", "Wohnfläche m²", "Nutzung", "Mandant", "Lage"]
    assert suggest_fields("einheiten.csv", headers) == {
        "mandant_nr": "Mandant",
        "we_nr": "Objekt",
        "gebaeude_nr": "Haus-Nr.",
        "einheit_nr": "Unit",
        "nutzungsart": "Nutzung",
        "lage": "Lage",
        "wohnflaeche": "Wohnfläche m²",
    }


@pytest.mark.django_db
def test_preview_shows_the_first_rows_as_read(tenancy, tmp_path):
    erp_profile_save(
        customer=tenancy.a, actor=None, definition=example_profile("csv-je-datei").to_dict()
    )
    out = StringIO()
    call_command(
        "erp_profile",
        "preview",
        "alpha",
        str(example_sample("csv-je-datei")),
        "--rows",
        "2",
        stdout=out,
    )
    shown = json.loads(out.getvalue())
    first = shown["einheiten.csv"][0]
    assert len(shown["einheiten.csv"]) == 2
    assert first["mandant_nr"] == "1000"
    assert first["wohnflaeche"] == "91.40"
    assert shown["mietvertraege.csv"][0]["beginn"] == "2001-03-01"
    assert shown["wirtschaftseinheiten.csv"][0]["ort"] == "Bonn"
    assert (EXAMPLES_DIR / "csv-je-datei" / "profile.json").is_file()


@pytest.mark.django_db
def test_the_erp_page_saves_previews_and_switches_off_a_profile(
    client, tenancy, media, django_capture_on_commit_callbacks
):
    client.force_login(tenancy.admin_a)
    url = reverse("portal:erp-profile", kwargs={"slug": "alpha"})
    # a broken definition is refused, with the text kept for correction
    response = client.post(url, {"action": "save", "definition": '{"name": "x"'})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Das Importprofil wurde nicht gespeichert: Das Importprofil ist kein gültiges JSON" in page
    )
    assert "{&quot;name&quot;: &quot;x&quot;" in page
    # an example is taken as version 1
    assert client.post(url, {"action": "example", "example": "csv-je-datei"}).status_code == 302
    page = client.get(reverse("portal:erp", kwargs={"slug": "alpha"})).content.decode()
    assert "Neue Exporte werden über das Importprofil „csv-je-datei“ (Version 1) gelesen." in page
    # the preview shows the first rows as the product reads them
    sample = example_sample("csv-je-datei").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "preview", "sample": zip_upload(sample, "p.zip")})
    response = client.get(response["Location"])
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="profile-preview"' in page
    assert "<td>2001-03-01</td>" in page
    # and it can be switched off (audited), versions stay
    assert client.post(url, {"action": "off"}).status_code == 302
    assert not ErpImportProfile.objects.filter(is_active=True).exists()
    assert AuditLog.objects.filter(action="erp_profile.deactivate").count() == 1
    # viewers change nothing
    client.force_login(tenancy.viewer_a)
    assert client.post(url, {"action": "example", "example": "xlsx-blaetter"}).status_code == 403


@pytest.mark.django_db
def test_the_erp_page_suggests_a_mapping_for_a_sample(
    client, tenancy, media, django_capture_on_commit_callbacks
):
    client.force_login(tenancy.admin_a)
    url = reverse("portal:erp-profile", kwargs={"slug": "alpha"})
    # when: an admin asks for a suggestion for a workbook with a sheet per entity
    sample = example_sample("xlsx-blaetter").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "suggest", "sample": zip_upload(sample, "b.zip")})
    response = client.get(response["Location"])
    page = response.content.decode()
    # then: the draft fills the editor, every sheet and column found by its name
    assert response.status_code == 200
    assert "Vorschlag nach Spaltennamen; bitte prüfen und ergänzen Sie ihn" in page
    text = page.split('id="id_definition"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    draft = json.loads(text.replace("&quot;", '"').replace("&gt;", ">").replace("&amp;", "&"))
    assert draft["entities"] == example_profile("xlsx-blaetter").to_dict()["entities"]
    # when: the CSV sample (no Mandant column, German dates, decimal commas)
    sample = example_sample("csv-je-datei").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "suggest", "sample": zip_upload(sample, "c.zip")})
    page = client.get(response["Location"]).content.decode()
    # then: the transforms are suggested, and the missing Mandant is named
    assert "Keine Spalte nennt den Mandanten: Bitte tragen Sie die Mandantennummer einmal" in page
    assert "%d.%m.%Y" in page
    assert "&quot;decimal_comma&quot;: true" in page


# --- the profile everywhere -------------------------------------------------------------------


def member(name: str, inner: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(example_sample(name)) as archive:
        return archive.read(inner)


def test_a_single_csv_file_is_taken_without_a_zip(profile_customer):
    # given: the flat contract report as the ERP writes it, one .csv file
    customer, sandbox = profile_customer
    call_command("erp_profile", "example", "profil", "flach-vertragsbericht", stdout=StringIO())
    data = member("flach-vertragsbericht", "vertragsbericht.csv")
    # when: uploaded as it is
    export = erp_export_store(
        validate=True,
        customer=customer,
        actor=None,
        uploaded_file=SimpleUploadedFile("Bericht Dezember.csv", data, content_type="text/csv"),
    )
    # then: validated through the profile, and synced
    assert export.valid, export.report
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )
    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert len(sandbox.state.records("units")) == 16


def test_a_single_workbook_is_taken_without_a_zip_and_a_csv_needs_a_profile(profile_customer):
    customer, _sandbox = profile_customer
    data = member("personen-vertraege", "bestand.xlsx")
    with pytest.raises(ApplicationError) as refused:
        erp_export_store(
            validate=True,
            customer=customer,
            actor=None,
            uploaded_file=SimpleUploadedFile("bestand.xlsx", data),
        )
    assert refused.value.message == (
        "Die Datei „bestand.xlsx“ ist keine ZIP-Datei. Bitte laden Sie den ERP-Export als .zip "
        "hoch."
    )
    call_command("erp_profile", "example", "profil", "personen-vertraege", stdout=StringIO())
    export = erp_export_store(
        validate=True,
        customer=customer,
        actor=None,
        uploaded_file=SimpleUploadedFile("Bestand 2026-12.xlsx", data),
    )
    assert export.valid, export.report


# The first bytes of a workbook in Excel's old binary format (an OLE compound file).
OLD_EXCEL = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504 + b"Objekt-Nr.;Einheit"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "Bestand.xls",
            OLD_EXCEL,
            "Die Datei „Bestand.xls“ ist eine Excel-Arbeitsmappe im alten Format (.xls). Bitte "
            "speichern Sie sie in Excel als „Excel-Arbeitsmappe (.xlsx)“ und laden Sie diese hoch.",
        ),
        (
            "Bestand.xlsx",
            b"Objekt-Nr.;Einheit\n0001;001\n",
            "Die Datei „Bestand.xlsx“ ist keine gültige Excel-Arbeitsmappe (.xlsx): Sie ist "
            "beschädigt oder in einem anderen Format gespeichert. Bitte speichern Sie sie in "
            "Excel erneut als „Excel-Arbeitsmappe (.xlsx)“.",
        ),
    ],
)
def test_a_workbook_that_is_no_xlsx_is_refused_with_what_to_do(
    profile_customer, name, data, message
):
    customer, _sandbox = profile_customer
    call_command("erp_profile", "example", "profil", "personen-vertraege", stdout=StringIO())
    with pytest.raises(ApplicationError) as refused:
        erp_export_store(
            validate=True,
            customer=customer,
            actor=None,
            uploaded_file=SimpleUploadedFile(name, data),
        )
    assert refused.value.message == message
    assert not ErpExport.objects.filter(customer=customer).exists()


@pytest.mark.parametrize("name", ["Bestand.xls", "Bestand.xlsx"])
def test_erp_validate_names_a_workbook_it_cannot_read_and_never_reads_it_as_text(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(OLD_EXCEL if name.endswith(".xls") else b"Objekt-Nr.;Einheit\n0001;001\n")
    shown = StringIO()
    with pytest.raises(CommandError, match=r"Der ERP-Export ist ungültig\."):
        call_command("erp_validate", str(path), "--profile", "personen-vertraege", stdout=shown)
    assert shown.getvalue().splitlines()[:4] == [
        "Der ERP-Export ist ungültig: 1 Fehler. Aus ihm wird nichts synchronisiert.",
        "",
        "Fehler:",
        f"- {name}: {name} ist keine Excel-Arbeitsmappe im Format .xlsx (sie ist beschädigt "
        "oder in einem anderen Format gespeichert, etwa im alten Format .xls). Bitte speichern "
        "Sie sie in Excel als „Excel-Arbeitsmappe (.xlsx)“.",
    ]
    assert "Dateien:" not in shown.getvalue()


def test_customer_create_and_erp_validate_read_an_export_path_through_the_profile(db, tmp_path):
    # given: a customer created on the command line for an export in its own layout
    from connect.selectors.erp_exports import erp_profile_active
    from connect.selectors.erp_sources import connector_for_customer

    sample = example_sample("personen-vertraege")
    out = StringIO()
    call_command(
        "customer",
        "create",
        "--name",
        "Eigen eG",
        "--erp",
        f"file:{sample}",
        "--profile",
        "personen-vertraege",
        stdout=out,
    )
    customer = Customer.objects.get(slug=out.getvalue().strip())
    assert erp_profile_active(customer=customer).name == "personen-vertraege"
    # when: its connector reads the export path (no upload)
    with connector_for_customer(customer) as connector:
        mandanten = [m.mandant_nr for m in connector.list_mandanten()]
    # then: through the profile, not as export v1 ("mandanten.csv: Die Datei fehlt.")
    assert mandanten == ["1000", "2000", "3000"]
    # and erp_validate checks it with the customer's profile, or a named one
    shown = StringIO()
    call_command("erp_validate", str(sample), "--customer", customer.slug, stdout=shown)
    assert shown.getvalue().startswith("Der ERP-Export ist gültig (Stammdaten).")
    shown = StringIO()
    call_command("erp_validate", str(sample), "--profile", "personen-vertraege", stdout=shown)
    assert shown.getvalue().startswith("Der ERP-Export ist gültig (Stammdaten).")


def test_the_cli_suggests_columns_for_a_sheet_of_a_workbook(tmp_path):
    sample = tmp_path / "bestand.xlsx"
    sample.write_bytes(member("personen-vertraege", "bestand.xlsx"))
    out = StringIO()
    call_command("erp_profile", "suggest", "einheiten.csv", str(sample), stdout=out)
    suggested = json.loads(out.getvalue())
    assert suggested["einheit_nr"] == "ME-Nr."
    assert suggested["wohnflaeche"] == "Wfl. (m²)"


def test_the_cli_drafts_a_whole_profile_that_can_be_saved_and_reads_the_export(db, tmp_path):
    # given: the person/contract workbook of a customer's ERP, title rows and all
    sample = tmp_path / "bestand.xlsx"
    sample.write_bytes(member("personen-vertraege", "bestand.xlsx"))
    customer = Customer.objects.create(name="Eigen eG", slug="eigen-eg")
    # when: the command line drafts a profile from it, as "Vorschlagen" does in the portal
    out, err = StringIO(), StringIO()
    call_command("erp_profile", "draft", str(sample), stdout=out, stderr=err)
    drafted = json.loads(out.getvalue())
    # then: the draft names the sheets and the role filters a person would choose
    shipped = example_profile("personen-vertraege").to_dict()["entities"]
    for target in ("mieter.csv", "eigentuemer.csv", "mietvertraege.csv"):
        assert drafted["entities"][target]["source"] == shipped[target]["source"]
        assert drafted["entities"][target]["filter"] == shipped[target]["filter"]
    # and it is saved as it is, and the export validates through it
    path = tmp_path / "profil.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    call_command("erp_profile", "save", customer.slug, str(path), stdout=StringIO())
    shown = StringIO()
    call_command("erp_validate", str(sample), "--customer", customer.slug, stdout=shown)
    assert shown.getvalue().startswith("Der ERP-Export ist gültig (Stammdaten).")


def test_the_cli_draft_asks_for_the_mandant_no_column_names_or_takes_the_settings(db, tmp_path):
    sample = example_sample("csv-je-datei")
    # given: a single-company export: no column carries a Mandant number
    out, err = StringIO(), StringIO()
    call_command("erp_profile", "draft", str(sample), stdout=out, stderr=err)
    # then: the draft says what a person has to add, and which guesses to check
    assert err.getvalue().splitlines()[0] == (
        "Offen: Keine Spalte nennt den Mandanten: Bitte tragen Sie die Mandantennummer einmal "
        "als festen Wert ein (sie gilt dann für jede Datei)."
    )
    assert (
        "Bitte prüfen: wirtschaftseinheiten.csv, Feld bezeichnung ← „Bezeichnung 1, "
        "Bezeichnung 2“ (67 % sicher)"
    ) in err.getvalue().splitlines()
    assert err.getvalue().splitlines()[1] == (
        "       (mit --mandant NR wird sie in jede Datei eingetragen)"
    )
    assert "mandant_nr" not in json.loads(out.getvalue())["entities"]["einheiten.csv"]["fields"]
    # and: saved as it is, the profile is refused with the reason
    customer = Customer.objects.create(name="Eigen eG", slug="eigen-eg")
    path = tmp_path / "profil.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(CommandError, match="mandant_nr"):
        call_command("erp_profile", "save", customer.slug, str(path), stdout=StringIO())
    # given: the customer's settings name its one Mandant
    activate_stammdaten(customer, mandanten=["1000"])
    out = StringIO()
    call_command(
        "erp_profile",
        "draft",
        str(sample),
        "--customer",
        customer.slug,
        stdout=out,
        stderr=StringIO(),
    )
    path.write_text(out.getvalue(), encoding="utf-8")
    call_command("erp_profile", "save", customer.slug, str(path), stdout=StringIO())
    shown = StringIO()
    call_command("erp_validate", str(sample), "--customer", customer.slug, stdout=shown)
    assert shown.getvalue().startswith("Der ERP-Export ist gültig (Stammdaten).")


def test_the_cli_draft_names_a_file_it_cannot_read(tmp_path):
    with pytest.raises(CommandError) as missing:
        call_command("erp_profile", "draft", str(tmp_path / "fehlt.xlsx"))
    assert str(missing.value) == f"Die Datei {tmp_path / 'fehlt.xlsx'} gibt es nicht."
    broken = tmp_path / "bericht.xlsx"
    broken.write_bytes(b"Objekt-Nr.;Einheit\n0001;001\n")
    with pytest.raises(CommandError) as unreadable:
        call_command("erp_profile", "draft", str(broken))
    assert str(unreadable.value) == (
        "Die Datei „bericht.xlsx“ ist keine gültige Excel-Arbeitsmappe (.xlsx): Sie ist "
        "beschädigt oder in einem anderen Format gespeichert. Bitte speichern Sie sie in "
        "Excel erneut als „Excel-Arbeitsmappe (.xlsx)“."
    )


@pytest.mark.django_db
def test_a_profile_feeding_tenants_and_owners_from_one_list_without_a_filter_is_refused(
    client, tenancy, media
):
    # given: the person/contract example without the owners' filter
    definition = example_profile("personen-vertraege").to_dict()
    del definition["entities"]["eigentuemer.csv"]["filter"]
    client.force_login(tenancy.admin_a)
    # when: saved in the JSON editor of the ERP page
    response = client.post(
        reverse("portal:erp-profile", kwargs={"slug": "alpha"}),
        {"action": "save", "definition": json.dumps(definition)},
    )
    # then: refused with the reason, and nothing saved
    assert response.status_code == 400
    assert (
        "Das Importprofil wurde nicht gespeichert: mieter.csv und eigentuemer.csv lesen "
        "dieselben Personen aus „Personen“: Ohne einen Zeilenfilter, der beide trennt"
    ) in response.content.decode()
    assert not ErpImportProfile.objects.filter(customer=tenancy.a).exists()


def test_the_cli_draft_takes_the_mandant_number_once_for_every_file(tmp_path):
    sample = example_sample("csv-je-datei")
    out, err = StringIO(), StringIO()
    call_command("erp_profile", "draft", str(sample), "--mandant", "1000", stdout=out, stderr=err)
    # then: nothing about the Mandant is open, and the draft is the shipped example's profile
    assert not [line for line in err.getvalue().splitlines() if line.startswith("Offen:")]
    drafted = json.loads(out.getvalue())
    assert drafted["entities"] == example_profile("csv-je-datei").to_dict()["entities"]
    # given: a workbook that names the Mandant in a column
    out = StringIO()
    call_command(
        "erp_profile",
        "draft",
        str(example_sample("xlsx-blaetter")),
        "--mandant",
        "9999",
        stdout=out,
        stderr=StringIO(),
    )
    # then: the column is kept, the number fills nothing
    drafted = json.loads(out.getvalue())
    assert drafted["entities"] == example_profile("xlsx-blaetter").to_dict()["entities"]


def test_the_cli_mandant_fills_only_the_files_without_a_mandant_column(tmp_path):
    # given: the single-company export, whose WE list alone names the Mandant in a column
    sample = tmp_path / "export.zip"
    with (
        zipfile.ZipFile(example_sample("csv-je-datei")) as source,
        zipfile.ZipFile(sample, "w") as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            if name == "objekte.csv":
                lines = data.split(b"\r\n") if b"\r\n" in data else data.split(b"\n")
                data = b"\r\n".join(
                    (b"Mandant," if number == 0 else b"1000,") + line if line else line
                    for number, line in enumerate(lines)
                )
            target.writestr(name, data)
    out, err = StringIO(), StringIO()
    call_command("erp_profile", "draft", str(sample), stdout=out, stderr=err)
    # then: without a number, each other file says its Mandant is not mapped
    assert "Offen: wirtschaftseinheiten.csv" not in err.getvalue()
    assert "Offen: einheiten.csv: Das Pflichtfeld „mandant_nr“ ist nicht zugeordnet." in (
        err.getvalue().splitlines()
    )
    # when: the number is given once
    out, err = StringIO(), StringIO()
    call_command("erp_profile", "draft", str(sample), "--mandant", "1000", stdout=out, stderr=err)
    # then: nothing about the Mandant is open; the column stays, the others have the number
    assert "mandant_nr" not in err.getvalue()
    entities = json.loads(out.getvalue())["entities"]
    assert entities["wirtschaftseinheiten.csv"]["fields"]["mandant_nr"] == {"column": "Mandant"}
    assert entities["einheiten.csv"]["fields"]["mandant_nr"] == {"constant": "1000"}


def test_the_cli_draft_takes_the_mandant_from_the_settings_or_as_given_not_both(db):
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command(
            "erp_profile",
            "draft",
            str(example_sample("csv-je-datei")),
            "--customer",
            "eigen-eg",
            "--mandant",
            "1000",
            stdout=StringIO(),
            stderr=StringIO(),
        )
