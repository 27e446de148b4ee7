"""The mapping screen on the ERP page: selects of the sample's columns per field of export v1,
pre-selected by name, transforms, required fields enforced with German messages, a preview of
the first rows as the product reads them, and saving as a new profile version."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import TestCase
from django.urls import reverse

from connect.celery import app as celery_app
from connect.models import ErpImportProfile
from connect.selectors.erp_sources import import_profile
from integrations.erp.file import FileConnector
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

    def handle_endtag(self, tag: str) -> None:
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
    assert error.group(1) == "Pflichtfeld: Bitte wählen Sie eine Spalte oder einen festen Wert."
    assert not ErpImportProfile.objects.filter(customer=tenancy.a).exists()
    # and: a column the chosen source does not have is named
    values = {**state.values, "col-einheiten-lage": "Gibt es nicht", "action": "map_preview"}
    page = post(admin_client, values).content.decode()
    assert "Die Spalte „Gibt es nicht“ gibt es in „einheiten.csv“ nicht." in page


def completed(values: dict[str, str]) -> dict[str, str]:
    """The CSV sample's mapping completed as an admin would: Mandant 1000 as a fixed value, the
    WE's name joined from two columns."""
    done = dict(values)
    for key in (
        "mandanten",
        "wirtschaftseinheiten",
        "gebaeude",
        "einheiten",
        "mieter",
        "eigentuemer",
        "mietvertraege",
        "eigentuemervertraege",
    ):
        done[f"const-{key}-mandant_nr"] = "1000"
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
        assert state.values["filter-col-mieter"] == "Rolle"
        assert state.values["filter-value-eigentuemer"] == "Eigentümer"
        assert state.values["filter-col-eigentuemervertraege"] == "Vertragsart"
    else:
        assert "+ Regel aus dem JSON (Aufteilen/Codetabelle)" in page
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
    values = {**state.values, "filter-col-mieter": "Gibt es nicht", "action": "map_preview"}
    page = admin_client.post(URL, values).content.decode()
    assert "Die Spalte „Gibt es nicht“ gibt es in „Personen“ nicht." in page
