"""The mapping screen in Chromium: an admin maps a sample export of their own ERP and saves it
as an import profile."""

from __future__ import annotations

import pytest

from connect.models import ErpImportProfile, ErpSample, Role
from connect.selectors.erp_sources import import_profile
from connect.services.erp_samples import erp_sample_process
from integrations.erp.file.reader import FileConnector
from integrations.erp.profiles.examples import example_profile, example_sample
from integrations.erp.records import Einheit
from integrations.usecases import UseCase
from tests.browser.pages import log_in
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]


def read_queued_samples() -> None:
    """What a worker does with the samples the page queued (the task's service)."""
    for sample in ErpSample.objects.filter(status="pending"):
        erp_sample_process(sample_id=sample.pk)


@pytest.mark.django_db(transaction=True)
def test_an_admin_maps_a_sample_and_saves_the_profile(
    live_server, page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/c/musterstadt/")
    page.goto(f"{live_server.url}/c/musterstadt/erp/")
    # when: the admin uploads a sample of their ERP's export (one CSV per entity)
    page.set_input_files("#id_suggest_sample", str(example_sample("csv-je-datei")))
    page.click("#profile-suggest-form button[type=submit]")
    # then: the page says the sample is being read, and shows the result by itself once a
    # worker has read it (its static script polls the status)
    assert "wird gelesen" in page.locator("#sample-status").inner_text()
    screenshot("beispiel-wird-gelesen")
    read_queued_samples()
    # then: per field a select of the sample's columns, pre-selected by name
    # (each select reached by its accessible name, within the file's fieldset)
    units = page.get_by_role("group", name="einheiten.csv", exact=True)
    assert units.get_by_label("Quelle für einheiten.csv").input_value() == "einheiten.csv"
    assert units.get_by_label("Einheit-Nr.", exact=True).input_value() == "Einheit"
    contracts = page.get_by_role("group", name="mietvertraege.csv")
    assert contracts.get_by_label("Umwandlung für Vertragsbeginn").input_value() == "%d.%m.%Y"
    screenshot("zuordnung-vorgeschlagen")
    # when: saved as suggested, the required fields still unmapped are refused in German
    page.fill("#id_mapping_name", "Unser ERP")
    page.click("#mapping-form button[value=map_save]")
    error = page.locator("#error-einheiten-mandant_nr")
    assert error.inner_text() == (
        "Pflichtfeld: Bitte wählen Sie eine Spalte oder einen festen Wert, oder tragen Sie oben "
        "die Mandantennummer für alle Dateien ein."
    )
    screenshot("pflichtfelder")
    # when: the admin completes it (Mandant 1000 typed once, for every file; the WE's name
    # from two columns) and asks for the preview
    page.get_by_label("Mandantennummer für alle Dateien").fill("1000")
    page.select_option("#id_col-wirtschaftseinheiten-bezeichnung", "Bezeichnung 1")
    page.select_option("#id_join-wirtschaftseinheiten-bezeichnung", "Bezeichnung 2")
    page.get_by_role("button", name="Vorschau aktualisieren").click()
    page.locator("#sample-status").wait_for()
    read_queued_samples()
    # then: the first rows as the product reads them
    preview = page.locator("#profile-preview")
    assert "Mozartstraße 58" in preview.inner_text()
    assert "1994-09-01" in preview.inner_text()
    screenshot("vorschau")
    # when: saved
    page.click("#mapping-form button[value=map_save]")
    page.wait_for_url(f"{live_server.url}/c/musterstadt/erp/")
    assert "Das Importprofil „Unser ERP“ wurde als Version 1 gespeichert." in page.inner_text(
        "body"
    )
    screenshot("gespeichert")
    # then: the saved profile reads the sample exactly as the shipped example does
    row = ErpImportProfile.objects.get(customer=customer, is_active=True)
    profile = import_profile(row)
    assert profile is not None
    with FileConnector(example_sample("csv-je-datei"), profile=profile) as saved:
        mine = list(saved.read(UseCase.STAMMDATEN, mandanten=("1000",)))
    shipped_profile = example_profile("csv-je-datei")
    with FileConnector(example_sample("csv-je-datei"), profile=shipped_profile) as shipped:
        theirs = list(shipped.read(UseCase.STAMMDATEN, mandanten=("1000",)))
    assert len(mine) > 20
    assert mine == theirs


@pytest.mark.django_db(transaction=True)
def test_an_admin_filters_rows_and_sets_header_split_and_code_table(
    live_server, page, screenshot, settings, tmp_path
):
    """The mapping screen's rules, each set through its control, without JavaScript doing it:
    a row filter (conditions added and one removed), the header's line, a split and a code
    table. The saved profile reads the sample as they say."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    log_in(page, live_server.url, admin.username, lands_on="/c/musterstadt/")
    page.goto(f"{live_server.url}/c/musterstadt/erp/")
    page.set_input_files("#id_suggest_sample", str(example_sample("csv-je-datei")))
    page.click("#profile-suggest-form button[type=submit]")
    read_queued_samples()
    page.get_by_role("group", name="einheiten.csv", exact=True).wait_for()
    page.fill("#id_mapping_name", "Ohne die Einheiten 6 und 7")
    page.get_by_label("Mandantennummer für alle Dateien").fill("1000")
    page.select_option("#id_col-wirtschaftseinheiten-bezeichnung", "Bezeichnung 1")
    units = page.get_by_role("group", name="einheiten.csv", exact=True)
    row_filter = units.get_by_role(
        "group", name="Zeilenfilter: nur Zeilen, in denen alle Bedingungen gelten"
    )

    # when: the admin leaves out units 006 and 007 (one condition), adds two more conditions
    row_filter.get_by_label("Bedingung 1: Spalte").select_option("Einheit")
    row_filter.get_by_label("Bedingung 1: Art").select_option(
        label="ist eines von (durch Komma getrennt)"
    )
    row_filter.get_by_label("Bedingung 1: Wert").fill("001, 002, 003, 004, 005, 901")
    row_filter.get_by_role("button", name="Weitere Bedingung hinzufügen").click()
    row_filter.get_by_label("Bedingung 2: Spalte").select_option("Bezeichnung")
    row_filter.get_by_label("Bedingung 2: Art").select_option(label="ist leer")
    row_filter.get_by_role("button", name="Weitere Bedingung hinzufügen").click()
    row_filter.get_by_label("Bedingung 3: Spalte").select_option("Nutzungsart")
    row_filter.get_by_label("Bedingung 3: Art").select_option(label="ist nicht leer")
    # then: each time the form came back as typed
    assert (
        row_filter.get_by_label("Bedingung 1: Wert").input_value() == "001, 002, 003, 004, 005, 901"
    )
    assert page.get_by_label("Mandantennummer für alle Dateien").input_value() == "1000"
    # when: the second condition is removed again
    row_filter.get_by_role("button", name="Bedingung 2 entfernen").click()
    # then: the third became the second, the first is unchanged
    assert row_filter.get_by_label("Bedingung 2: Spalte").input_value() == "Nutzungsart"
    assert row_filter.get_by_label("Bedingung 2: Art").input_value() == "not_empty"
    assert row_filter.get_by_label("Bedingung 3: Spalte").count() == 0
    assert row_filter.get_by_label("Bedingung 1: Spalte").input_value() == "Einheit"

    # when: the header is line 1, the floor is the Lage without its last word, and parking
    # spaces are written as garages
    units.get_by_label("Kopfzeile (Zeilennummer)").fill("1")
    lage = units.locator('tr[data-field="lage"]')
    lage.locator("summary").click()
    lage.get_by_label("Aufteilen am Trennzeichen").fill(" ")
    lage.get_by_label("Teil", exact=True).fill("1")
    lage.get_by_label("von Teilen").fill("2")
    lage.get_by_label("von rechts zählen (Straße und Hausnummer)").check()
    kind = units.locator('tr[data-field="nutzungsart"]')
    kind.locator("summary").click()
    kind.get_by_label("Codetabelle").fill("Wohnung = Wohnung\nStellplatz = Garage")
    screenshot("regeln")
    page.get_by_role("button", name="Als neue Version speichern").click()
    page.wait_for_url(f"{live_server.url}/c/musterstadt/erp/")
    assert "Das Importprofil „Ohne die Einheiten 6 und 7“ wurde als Version 1 gespeichert." in (
        page.inner_text("body")
    )

    # then: the saved profile holds the rules as set
    row = ErpImportProfile.objects.get(customer=customer, is_active=True)
    profile = import_profile(row)
    assert profile is not None
    mapping = profile.entities["einheiten.csv"]
    assert mapping.header_row == 1
    assert [(c.column, c.op, c.values) for c in mapping.filter] == [
        ("Einheit", "one_of", ("001", "002", "003", "004", "005", "901")),
        ("Nutzungsart", "not_empty", ()),
    ]
    split = mapping.fields["lage"].split
    assert split is not None
    assert (split.separator, split.part, split.parts, split.from_right) == (" ", 1, 2, True)
    assert mapping.fields["nutzungsart"].codes == {"Wohnung": "Wohnung", "Stellplatz": "Garage"}
    # and reads the sample as they say: six units, the floor alone, the parking space a garage
    with FileConnector(example_sample("csv-je-datei"), profile=profile) as saved:
        read = list(saved.read(UseCase.STAMMDATEN, mandanten=("1000",)))
    units_read = sorted(
        ((u.einheit_nr, u.lage, str(u.nutzungsart)) for u in read if isinstance(u, Einheit)),
    )
    assert units_read == [
        ("001", "EG", "Wohnung"),
        ("002", "EG", "Wohnung"),
        ("003", "1. OG", "Wohnung"),
        ("004", "1. OG", "Wohnung"),
        ("005", "2. OG", "Wohnung"),
        ("901", None, "Garage"),
    ]
