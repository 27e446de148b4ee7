"""The mapping screen on the ERP page: selects of the sample's columns per field of export v1,
pre-selected by name, transforms, required fields enforced with German messages, a preview of
the first rows as the product reads them, and saving as a new profile version."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from connect.celery import app as celery_app
from connect.models import ErpImportProfile, UseCaseActivation
from connect.selectors.erp_sources import import_profile
from integrations.erp.file.reader import FileConnector
from integrations.erp.profiles.examples import example_profile, example_sample
from integrations.usecases import UseCase
from tests.connect.test_erp_exports import zip_upload


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


class FormState(HTMLParser):
    """What a browser would post for the mapping form as shown, and the labels of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.values: dict[str, str] = {}
        self.selects: list[str] = []
        self.labels: set[str] = set()
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag == "form":
            self.in_form = a.get("id") == "mapping-form"
        if not self.in_form:
            return
        if tag == "input" and a.get("type") in ("text", "hidden", "number", None, ""):
            self.values[a["name"]] = a.get("value", "")
        if tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.values[a["name"]] = a.get("value", "")
        if tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""
        if tag == "select":
            self._select = a["name"]
            self.selects.append(a["id"])
            self._first_option = None
        if tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.values.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.values[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = None
        if tag == "form":
            self.in_form = False


def shown(page: str) -> FormState:
    state = FormState()
    state.feed(page)
    return state


@pytest.fixture
def admin_client(client, tenancy, media, monkeypatch):
    # Samples are read by a task after the commit: run it at once, as a worker would.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    client.force_login(tenancy.admin_a)
    return client


def post(client, data: dict[str, object]):
    """POST to the profile page; a sample handed to its task is read (after the commit, as a
    worker would) and its page, which then shows the result, is answered."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(URL, data)
    if response.status_code == 302 and "/erp/samples/" in response["Location"]:
        return client.get(response["Location"])
    return response


URL = reverse("portal:erp-profile", kwargs={"slug": "alpha"})


def suggest(client, name: str) -> FormState:
    sample = example_sample(name).read_bytes()
    response = post(client, {"action": "suggest", "sample": zip_upload(sample, f"{name}.zip")})
    assert response.status_code == 200
    return shown(response.content.decode())


@pytest.mark.django_db
def test_a_sample_gives_a_select_per_field_preselected_by_name_each_with_a_label(admin_client):
    state = suggest(admin_client, "csv-je-datei")
    # then: per field of export v1 a select of the sample's columns, suggested by name
    assert state.values["source-einheiten"] == "einheiten.csv"
    assert state.values["col-einheiten-einheit_nr"] == "Einheit"
    assert state.values["col-einheiten-wohnflaeche"] == "Wohnfläche m²"
    assert state.values["transform-einheiten-wohnflaeche"] == "decimal_comma"
    assert state.values["transform-mietvertraege-beginn"] == "%d.%m.%Y"
    assert state.values["col-einheiten-mandant_nr"] == ""  # the sample has no Mandant column
    # and: every select has a label (its accessible name)
    assert len(state.selects) > 100
    assert set(state.selects) <= state.labels


@pytest.mark.django_db
def test_required_fields_are_enforced_with_a_german_message(admin_client, tenancy):
    state = suggest(admin_client, "csv-je-datei")
    response = admin_client.post(URL, {**state.values, "action": "map_save"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Die Zuordnung ist unvollständig; bitte prüfen Sie die markierten Felder." in page
    error = re.search(r'id="error-einheiten-mandant_nr">([^<]*)<', page)
    assert error is not None
    assert error.group(1) == (
        "Pflichtfeld: Bitte wählen Sie eine Spalte oder einen festen Wert, oder tragen Sie oben "
        "die Mandantennummer für alle Dateien ein."
    )
    # and: any other required field without a column says just that
    values = {**state.values, "col-wirtschaftseinheiten-we_nr": "", "action": "map_save"}
    page = admin_client.post(URL, values).content.decode()
    error = re.search(r'id="error-wirtschaftseinheiten-we_nr">([^<]*)<', page)
    assert error is not None
    assert error.group(1) == "Pflichtfeld: Bitte wählen Sie eine Spalte oder einen festen Wert."
    assert not ErpImportProfile.objects.filter(customer=tenancy.a).exists()
    # and: a column the chosen source does not have is named
    values = {**state.values, "col-einheiten-lage": "Gibt es nicht", "action": "map_preview"}
    page = post(admin_client, values).content.decode()
    assert "Die Spalte „Gibt es nicht“ gibt es in „einheiten.csv“ nicht." in page


def completed(values: dict[str, str]) -> dict[str, str]:
    """The CSV sample's mapping completed as an admin would: Mandant 1000 typed once, for every
    file, the WE's name joined from two columns."""
    done = dict(values)
    done["mandant"] = "1000"
    done["col-wirtschaftseinheiten-bezeichnung"] = "Bezeichnung 1"
    done["join-wirtschaftseinheiten-bezeichnung"] = "Bezeichnung 2"
    return done


@pytest.mark.django_db
def test_the_preview_shows_the_first_rows_as_read_and_saving_makes_a_version(admin_client, tenancy):
    state = suggest(admin_client, "csv-je-datei")
    values = {**completed(state.values), "mapping_name": "Unser ERP"}
    # when: previewed
    response = post(admin_client, {**values, "action": "map_preview"})
    page = response.content.decode()
    # then: the first rows as the product reads them (dates and decimals converted)
    assert response.status_code == 200, page
    preview = page.split('id="profile-preview"', 1)[1]
    assert "<td>1994-09-01</td>" in preview
    assert "<td>Mozartstraße 58</td>" in preview
    # when: saved
    response = admin_client.post(URL, {**values, "action": "map_save"})
    assert response.status_code == 302
    row = ErpImportProfile.objects.get(customer=tenancy.a, is_active=True)
    assert (row.name, row.version) == ("Unser ERP", 1)
    # then: the saved profile reads the sample exactly as the shipped example does
    profile = import_profile(row)
    assert profile is not None
    with FileConnector(example_sample("csv-je-datei"), profile=profile) as saved:
        mine = list(saved.read(UseCase.STAMMDATEN, mandanten=("1000",)))
    with FileConnector(
        example_sample("csv-je-datei"), profile=example_profile("csv-je-datei")
    ) as shipped:
        theirs = list(shipped.read(UseCase.STAMMDATEN, mandanten=("1000",)))
    assert len(mine) > 20
    assert mine == theirs


@pytest.mark.django_db
def test_a_source_chosen_later_gets_its_columns_suggested(admin_client):
    state = suggest(admin_client, "csv-je-datei")
    values = {**state.values, "source-mieter": "eigentuemer.csv", "action": "map_preview"}
    again = shown(post(admin_client, values).content.decode())
    assert again.values["source-mieter"] == "eigentuemer.csv"
    assert again.values["col-mieter-vorname"] == "Vorname"


@pytest.mark.django_db
def test_the_mapping_needs_a_sample_first(admin_client):
    response = admin_client.post(URL, {"action": "map_save"})
    assert response.status_code == 400
    assert "Bitte laden Sie zuerst einen Beispielexport hoch." in response.content.decode()


@pytest.mark.django_db
def test_viewers_cannot_save_a_mapping(client, tenancy, media):
    client.force_login(tenancy.viewer_a)
    response = client.post(URL, {"action": "map_save"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_flat_report_is_mapped_with_column_groups_as_suggested(admin_client, tenancy):
    # given: a flat report (one row per contract, tenants in numbered column groups)
    state = suggest(admin_client, "flach-mietvertraege")
    # then: one source for everything, entities once per key, tenants from three groups,
    # the contract's tenants from every group's number, owners not in the export
    assert state.values["source-gebaeude"] == "mietvertraege_export.csv"
    assert state.values["distinct-gebaeude"] == "1"
    assert state.values["col-gebaeude-strasse"] == "Haus-Straße"
    assert state.values["groups-mieter"] == "3"
    assert state.values["col-mieter-nachname"] == "Mieter{n}_Name"
    assert state.values["col-mietvertraege-person_nrs"] == "Mieter{n}_Nr"
    assert state.values["source-eigentuemer"] == ""
    # when: saved as suggested
    response = admin_client.post(URL, {**state.values, "action": "map_save"})
    assert response.status_code == 302, response.content.decode()
    # then: the saved profile is the shipped flat example, but for its name and CSV options
    row = ErpImportProfile.objects.get(customer=tenancy.a, is_active=True)
    assert (
        row.definition["entities"] == example_profile("flach-mietvertraege").to_dict()["entities"]
    )


@pytest.mark.django_db
def test_column_groups_need_numbered_columns(admin_client):
    state = suggest(admin_client, "flach-mietvertraege")
    values = {**state.values, "groups-gebaeude": "2", "action": "map_preview"}
    page = post(admin_client, values).content.decode()
    assert "Mit Spaltengruppen wählen Sie bitte Spalten mit {n}, z. B. „Mieter{n}_Name“." in page
    values = {**state.values, "groups-mieter": "viele", "action": "map_preview"}
    page = post(admin_client, values).content.decode()
    assert "Die Zahl der Spaltengruppen muss eine ganze Zahl von 0 bis 99 sein." in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["personen-vertraege", "flach-vertragsbericht"])
def test_filters_splits_and_code_tables_are_suggested_shown_and_saved(admin_client, tenancy, name):
    # given: a person/contract workbook (role and type columns) or a flat report with
    # "Nachname, Vorname", usage codes and a Windows-1252 encoding
    response = post(
        admin_client,
        {"action": "suggest", "sample": zip_upload(example_sample(name).read_bytes())},
    )
    page = response.content.decode()
    state = shown(page)
    # then: each suggestion shows how sure it is, and a person only confirms
    assert "95 % sicher" in page
    if name == "personen-vertraege":
        assert state.values["filter-col-mieter-0"] == "Rolle"
        assert state.values["filter-value-eigentuemer-0"] == "Eigentümer"
        assert state.values["filter-col-eigentuemervertraege-0"] == "Vertragsart"
    else:
        # the split and the code tables are shown as controls, to confirm or change
        assert state.values["split-sep-mieter-nachname"] == ","
        assert state.values["split-sep-gebaeude-hausnummer"] == " "
        assert state.values["split-right-gebaeude-hausnummer"] == "1"
        assert "WO = Wohnung" in state.values["codes-einheiten-nutzungsart"].splitlines()
        state.values["encoding"] = "cp1252"
        state.values["delimiter"] = ";"
    # when: saved as suggested
    response = admin_client.post(URL, {**state.values, "mapping_name": name, "action": "map_save"})
    assert response.status_code == 302, response.content.decode()
    # then: the saved profile is the shipped example's (a suggested code table may know more
    # codes than the example uses)
    row = ErpImportProfile.objects.get(customer=tenancy.a, is_active=True)
    expected = example_profile(name).to_dict()
    saved = row.definition["entities"]
    for file_name, entity in expected["entities"].items():
        for field_name, rule in entity.get("fields", {}).items():
            offered = saved[file_name]["fields"][field_name]
            codes = rule.get("codes", {})
            assert {code: offered.get("codes", {}).get(code) for code in codes} == codes
            offered.pop("codes", None)
            rule.pop("codes", None)
    assert saved == expected["entities"]
    assert (row.definition["encoding"], row.definition["delimiter"]) == (
        expected["encoding"],
        expected["delimiter"],
    )


@pytest.mark.django_db
def test_a_filter_column_the_source_lacks_is_named(admin_client):
    state = suggest(admin_client, "personen-vertraege")
    values = {**state.values, "filter-col-mieter-0": "Gibt es nicht", "action": "map_preview"}
    page = admin_client.post(URL, values).content.decode()
    assert "Die Spalte „Gibt es nicht“ gibt es in „Personen“ nicht." in page


def saved_entities(client, tenancy, values: dict[str, str]) -> dict[str, object]:
    response = client.post(URL, {**values, "mapping_name": "Unser ERP", "action": "map_save"})
    assert response.status_code == 302, response.content.decode()
    row = ErpImportProfile.objects.get(customer=tenancy.a, is_active=True)
    return row.definition["entities"]


@pytest.mark.django_db
def test_filter_conditions_are_added_and_removed_and_all_are_saved(admin_client, tenancy):
    state = suggest(admin_client, "personen-vertraege")
    # when: a condition is added to the tenants' filter, with what was typed so far
    typed = {**state.values, "header-mieter": "4", "action": "filter_add:mieter"}
    response = admin_client.post(URL, typed)
    page = response.content.decode()
    added = shown(page)
    # then: the form is shown again as typed, with a blank second condition; nothing is saved
    assert response.status_code == 200
    assert added.values["filters-mieter"] == "2"
    assert added.values["filter-col-mieter-0"] == "Rolle"
    assert added.values["filter-col-mieter-1"] == ""
    assert added.values["header-mieter"] == "4"
    assert {"id_filter-col-mieter-1", "id_filter-value-mieter-1"} <= added.labels
    assert not ErpImportProfile.objects.filter(customer=tenancy.a).exists()
    # when: the second condition is filled in (tenants with an e-mail address only) and saved
    values = {
        **added.values,
        "filter-col-mieter-1": "E-Mail-Adresse",
        "filter-op-mieter-1": "not_empty",
    }
    # when: the first condition is removed (on a copy of the form)
    response = admin_client.post(URL, {**values, "action": "filter_remove:mieter:0"})
    removed = shown(response.content.decode())
    # then: the other one is left, as typed
    assert removed.values["filters-mieter"] == "1"
    assert removed.values["filter-col-mieter-0"] == "E-Mail-Adresse"
    assert removed.values["filter-op-mieter-0"] == "not_empty"
    # when: the form with both conditions is saved
    entities = saved_entities(admin_client, tenancy, values)
    # then: both conditions are in the profile
    assert entities["mieter.csv"]["filter"] == [
        {"column": "Rolle", "equals": "Mieter"},
        {"column": "E-Mail-Adresse", "not_empty": True},
    ]
    assert entities["mieter.csv"]["header_row"] == 4


@pytest.mark.django_db
def test_a_wrong_filter_condition_is_named_and_nothing_typed_is_lost(admin_client, tenancy):
    state = suggest(admin_client, "personen-vertraege")
    values = {
        **state.values,
        "filters-mieter": "2",
        "filter-col-mieter-1": "Rolle",
        "filter-op-mieter-1": "one_of",
        "filter-value-mieter-1": " , ",
        "action": "map_save",
    }
    response = admin_client.post(URL, values)
    page = response.content.decode()
    assert response.status_code == 400
    error = re.search(r'id="error-filter-mieter-1">([^<]*)<', page)
    assert error is not None
    assert error.group(1) == (
        "Bitte nennen Sie mindestens einen Wert (mehrere durch Komma getrennt)."
    )
    again = shown(page)
    assert again.values["filter-op-mieter-1"] == "one_of"
    assert again.values["filter-value-mieter-1"] == ","
    assert not ErpImportProfile.objects.filter(customer=tenancy.a).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["zwei", "0", "1001"])
def test_a_header_row_that_is_no_line_number_is_refused_in_german(admin_client, tenancy, typed):
    state = suggest(admin_client, "personen-vertraege")
    values = {**state.values, "header-einheiten": typed, "action": "map_save"}
    response = admin_client.post(URL, values)
    page = response.content.decode()
    assert response.status_code == 400
    error = re.search(r'id="error-header-einheiten">([^<]*)<', page)
    assert error is not None
    assert error.group(1) == (
        "Die Kopfzeile ist eine Zeilennummer von 1 bis 1000; lassen Sie das Feld leer, wird "
        "sie automatisch gefunden."
    )
    assert shown(page).values["header-einheiten"] == typed
    assert not ErpImportProfile.objects.filter(customer=tenancy.a).exists()


@pytest.mark.django_db
def test_a_header_row_left_empty_is_found_automatically(admin_client, tenancy):
    state = suggest(admin_client, "personen-vertraege")
    assert state.values["header-einheiten"] == ""
    entities = saved_entities(admin_client, tenancy, state.values)
    assert "header_row" not in entities["einheiten.csv"]


@pytest.mark.django_db
def test_splits_and_code_tables_are_edited_on_the_screen(admin_client, tenancy):
    state = suggest(admin_client, "personen-vertraege")
    # when: the unit's name is split into parts and its usage read through a code table
    values = {
        **state.values,
        "split-sep-einheiten-bezeichnung": " ",
        "split-part-einheiten-bezeichnung": "2",
        "split-parts-einheiten-bezeichnung": "2",
        "split-whole-einheiten-bezeichnung": "1",
        "codes-einheiten-nutzungsart": "WO = Wohnung\r\n\r\nGE = Gewerbe\r\nStellplatz=Stellplatz",
    }
    entities = saved_entities(admin_client, tenancy, values)
    fields = entities["einheiten.csv"]["fields"]
    assert fields["bezeichnung"]["split"] == {"separator": " ", "part": 2, "whole_in_first": True}
    assert fields["nutzungsart"]["codes"] == {
        "WO": "Wohnung",
        "GE": "Gewerbe",
        "Stellplatz": "Stellplatz",
    }
    # and: the saved profile's rules are shown again as controls
    row = ErpImportProfile.objects.get(customer=tenancy.a, is_active=True)
    assert row.definition["entities"]["einheiten.csv"] == entities["einheiten.csv"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"codes-einheiten-nutzungsart": "WO = Wohnung\nGE Gewerbe"},
            "Codetabelle, Zeile 2: „GE Gewerbe“ hat kein „=“. Bitte schreiben Sie je Zeile "
            "„Code = Wert“, z. B. „WO = Wohnung“.",
        ),
        (
            {"codes-einheiten-nutzungsart": "WO = Wohnung\n = Gewerbe"},
            "Codetabelle, Zeile 2: Vor dem „=“ fehlt der Code.",
        ),
        (
            {"codes-einheiten-nutzungsart": "WO = Wohnung\nWO = Gewerbe"},
            "Codetabelle, Zeile 2: Den Code „WO“ gibt es schon in Zeile 1.",
        ),
        (
            {"split-sep-einheiten-nutzungsart": ",", "split-part-einheiten-nutzungsart": "3"},
            "Aufteilen: Teil 3 gibt es bei 2 Teilen nicht.",
        ),
        (
            {"split-sep-einheiten-nutzungsart": ",", "split-parts-einheiten-nutzungsart": "x"},
            "Aufteilen: Teil und Anzahl der Teile sind ganze Zahlen (z. B. Teil 1 von 2).",
        ),
        (
            {"split-sep-einheiten-nutzungsart": ",", "split-parts-einheiten-nutzungsart": "21"},
            "Aufteilen: Ein Wert lässt sich in 2 bis 20 Teile trennen.",
        ),
        (
            {
                "col-einheiten-nutzungsart": "",
                "const-einheiten-nutzungsart": "Wohnung",
                "codes-einheiten-nutzungsart": "WO = Wohnung",
            },
            "Aufteilen und Codetabelle gelten für eine Spalte, nicht für einen festen Wert.",
        ),
    ],
)
def test_a_wrong_split_or_code_table_is_named_and_kept_as_typed(
    admin_client, tenancy, changes, message
):
    state = suggest(admin_client, "personen-vertraege")
    values = {**state.values, **changes, "mapping_name": "Unser ERP", "action": "map_save"}
    response = admin_client.post(URL, values)
    page = response.content.decode()
    assert response.status_code == 400
    error = re.search(r'id="error-einheiten-nutzungsart">([^<]*)<', page)
    assert error is not None
    assert error.group(1) == message
    again = shown(page)
    for name, value in changes.items():
        assert again.values[name] == value
    assert not ErpImportProfile.objects.filter(customer=tenancy.a).exists()


@pytest.mark.django_db
def test_the_mandant_number_of_the_settings_is_proposed_where_no_column_names_it(
    admin_client, tenancy
):
    # given: the customer's Stammdaten are set to Mandant 1000, and its ERP names no Mandant
    UseCaseActivation.objects.create(
        customer=tenancy.a, use_case="stammdaten", settings={"mandanten": ["1000"]}
    )
    response = post(
        admin_client,
        {"action": "suggest", "sample": zip_upload(example_sample("csv-je-datei").read_bytes())},
    )
    page = response.content.decode()
    state = shown(page)
    # then: 1000 is the Mandant number of every file, shown once, and the page says where it
    # comes from
    assert state.values["mandant"] == "1000"
    assert {state.values[f"const-{key}-mandant_nr"] for key in FILE_KEYS} == {""}
    assert "Vorgeschlagen ist Ihre Mandantennummer „1000“ aus den Einstellungen" in page
    # when: saved as suggested
    entities = saved_entities(admin_client, tenancy, state.values)
    # then: the profile reads the sample as the shipped example does
    assert entities == example_profile("csv-je-datei").to_dict()["entities"]


FILE_KEYS = (
    *("mandanten", "wirtschaftseinheiten", "gebaeude", "einheiten"),
    *("mieter", "eigentuemer", "mietvertraege", "eigentuemervertraege"),
)


@pytest.mark.django_db
def test_the_mandant_number_is_typed_once_and_a_files_own_value_or_column_wins(
    admin_client, tenancy
):
    # given: a sample whose files name no Mandant, and no number in the settings
    state = suggest(admin_client, "csv-je-datei")
    assert state.values["mandant"] == ""
    assert "id_mandant" in state.labels
    # when: the admin types the number once (and gives one file a value of its own)
    values = {
        **completed(state.values),
        "const-eigentuemer-mandant_nr": "2000",
        "mapping_name": "Ein Mandant",
    }
    response = admin_client.post(URL, {**values, "action": "map_save"})
    assert response.status_code == 302, response.content.decode()
    # then: every other file has the typed number; the file's own value stays
    entities = ErpImportProfile.objects.get(customer=tenancy.a).definition["entities"]
    assert {name: entity["fields"]["mandant_nr"] for name, entity in entities.items()} == {
        **{f"{key}.csv": {"constant": "1000"} for key in FILE_KEYS},
        "eigentuemer.csv": {"constant": "2000"},
    }


@pytest.mark.django_db
def test_a_mandant_column_is_not_overwritten_by_the_number_for_all_files(admin_client, tenancy):
    # given: a workbook whose sheets name the Mandant in a column
    state = suggest(admin_client, "xlsx-blaetter")
    column = state.values["col-einheiten-mandant_nr"]
    assert column
    assert state.values["mandant"] == ""
    # when: a number for all files is typed anyway
    values = {**state.values, "mandant": "9999", "mapping_name": "Blätter"}
    response = admin_client.post(URL, {**values, "action": "map_save"})
    assert response.status_code == 302, response.content.decode()
    # then: the column is kept; the number fills no file
    entities = ErpImportProfile.objects.get(customer=tenancy.a).definition["entities"]
    assert entities == example_profile("xlsx-blaetter").to_dict()["entities"]


@pytest.mark.django_db
def test_what_a_draft_leaves_open_reads_in_the_readers_language(admin_client):
    # given: a sample read by the worker (German), whose files name no Mandant
    response = post(
        admin_client,
        {"action": "suggest", "sample": zip_upload(example_sample("csv-je-datei").read_bytes())},
    )
    url = response.wsgi_request.path
    german = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    english = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    translation.activate(settings.LANGUAGE_CODE)
    # then: the open point reads German on the German page and English on the English one
    assert (
        "Keine Spalte nennt den Mandanten: Bitte tragen Sie die Mandantennummer einmal als "
        "festen Wert ein (sie gilt dann für jede Datei)."
    ) in german
    assert (
        "No column names the Mandant: please enter the Mandant number once as a fixed value "
        "(it then applies to every file)."
    ) in english
    assert "Keine Spalte" not in english
