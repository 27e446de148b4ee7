"""Use cases over the API: read, configure with German validation, pause and resume."""

from __future__ import annotations

import pytest

from connect.models import AuditLog, UseCaseActivation
from tests.factories import connect_to_sandbox, sandbox_for
from tests.problems import errors_at, messages

URL = "/api/customers/alpha/usecases/stammdaten/"


@pytest.fixture
def connected(tenancy, settings):

    with sandbox_for(settings) as sandbox:
        connect_to_sandbox(tenancy.a, sandbox)
        yield sandbox


def test_a_use_case_that_was_never_activated_shows_its_defaults(api, tenancy):
    api.force_authenticate(tenancy.viewer_a)
    body = api.get(URL).json()
    assert (body["enabled"], body["paused"], body["settings"]) == (False, False, {})
    assert body["schedule"]["day_of_week"] == "tue,thu,sun"
    listed = api.get("/api/customers/alpha/usecases/").json()
    assert [u["use_case"] for u in listed] == ["stammdaten", "dokumente"]


def test_unknown_use_case_is_404(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    assert api.get("/api/customers/alpha/usecases/heizkosten/").status_code == 404


def test_put_activates_with_settings_and_schedule(api, tenancy, connected):
    # given
    api.force_authenticate(tenancy.admin_a)
    # when
    response = api.put(
        URL,
        {
            "settings": {"separator": "-", "mandanten": ["1000"], "default_tenant_id": None},
            "schedule": {"minute": "15", "hour": "3", "day_of_week": "mon"},
        },
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["enabled"] is True
    assert body["settings"]["mandanten"] == ["1000"]
    assert body["schedule"] == {
        "days": ["mon"],
        "times": ["03:15"],
        "label": "Mo um 03:15",
        "valid": True,
        "minute": "15",
        "hour": "3",
        "day_of_week": "mon",
        "timezone": "Europe/Berlin",
    }
    assert AuditLog.objects.filter(action="usecase.stammdaten.enable").count() == 1


def test_bad_settings_are_refused_with_every_problem_in_german(api, tenancy, connected):
    # given
    api.force_authenticate(tenancy.admin_a)
    # when: a wrong separator, no Mandanten and an impossible safety brake
    response = api.put(
        URL,
        {"settings": {"separator": "#", "mandanten": [], "safety_brake_percent": 0}},
        format="json",
    )
    # then
    assert response.status_code == 400
    errors = messages(response.json())
    assert errors == [
        "Das Trennzeichen muss eines von - _ . / | sein.",
        "Bitte wählen Sie mindestens einen Mandanten.",
        "Die Sicherheitsbremse muss zwischen 1 und 100 Prozent liegen.",
    ]
    assert not UseCaseActivation.objects.exists()


def test_wrong_types_in_settings_are_refused_in_german(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    response = api.put(
        URL, {"settings": {"default_tenant_id": "eins", "mandanten": "1000"}}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert errors_at(body, "settings/default_tenant_id") == [
        "Eine gültige Ganzzahl ist erforderlich."
    ]
    assert "Liste" in errors_at(body, "settings/mandanten")[0]


def test_activation_without_a_connection_says_why(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    response = api.put(URL, {"settings": {"separator": "-", "mandanten": ["1000"]}}, format="json")
    assert response.status_code == 400
    assert "Es ist noch keine facilioo-Verbindung eingerichtet." in response.json()["detail"]


def test_support_pauses_and_resumes_with_a_reason(api, tenancy):
    # given: an active use case
    UseCaseActivation.objects.create(customer=tenancy.a, use_case="stammdaten", enabled=True)
    api.force_authenticate(tenancy.support)
    # when
    paused = api.post(f"{URL}pause/", {"reason": "ERP-Umstellung"}, format="json")
    # then
    assert paused.status_code == 200
    assert paused.json()["paused"] is True
    assert AuditLog.objects.get(action="usecase.stammdaten.pause").reason == "ERP-Umstellung"
    resumed = api.post(f"{URL}resume/", {}, format="json")
    assert resumed.json()["paused"] is False


def test_pausing_a_use_case_that_is_not_active_says_so(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    response = api.post(f"{URL}pause/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Der Datenbereich ist nicht aktiviert."


def test_dokumente_settings_are_typed_and_validated_in_german(api, tenancy, connected):
    api.force_authenticate(tenancy.admin_a)
    url = "/api/customers/alpha/usecases/dokumente/"
    # when: wrong types
    response = api.put(url, {"settings": {"max_mb": "viel", "archives": "A"}}, format="json")
    # then: refused per field, in German
    assert response.status_code == 400
    body = response.json()
    assert errors_at(body, "settings/max_mb") == ["Eine gültige Ganzzahl ist erforderlich."]
    assert "Liste" in errors_at(body, "settings/archives")[0]
    # when: the right types, but a date that is none
    response = api.put(
        url,
        {"settings": {"separator": "-", "mandanten": ["1000"], "dated_from": "gestern"}},
        format="json",
    )
    assert response.status_code == 400
    assert messages(response.json()) == [
        "„Dokumente ab“ ist kein gültiges Datum (Format JJJJ-MM-TT, z. B. 2020-01-31)."
    ]
    # when: valid settings
    response = api.put(
        url,
        {"settings": {"separator": "-", "mandanten": ["1000"], "archives": ["Mietverträge"]}},
        format="json",
    )
    # then: stored with the defaults of the registry entry, on its default schedule
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["settings"] == {
        "separator": "-",
        "mandanten": ["1000"],
        "only_released": True,
        "archives": ["Mietverträge"],
        "keywords": [],
        "dated_from": None,
        "max_mb": 50,
        "safety_brake_percent": 20,
    }
    assert (body["schedule"]["minute"], body["schedule"]["hour"]) == ("30", "3")


@pytest.mark.parametrize(("months", "saved"), [(None, 24), (0, 0), (36, 36)])
def test_the_window_for_ended_contracts_is_saved(api, tenancy, connected, months, saved):
    api.force_authenticate(tenancy.admin_a)
    settings = {"separator": "-", "mandanten": ["1000"], "default_tenant_id": None}
    if months is not None:
        settings["former_contract_months"] = months
    response = api.put(URL, {"settings": settings}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["former_contract_months"] == saved


def test_a_window_out_of_range_is_refused_in_german(api, tenancy, connected, client):
    api.force_authenticate(tenancy.admin_a)
    settings = {"separator": "-", "mandanten": ["1000"], "former_contract_months": 500}
    response = api.put(URL, {"settings": settings}, format="json")
    assert response.status_code == 400
    assert "0 bis 120 Monate" in response.json()["detail"]
    assert not UseCaseActivation.objects.filter(customer=tenancy.a, enabled=True).exists()
    # and: the same message on the settings page, with the entered value kept
    client.force_login(tenancy.admin_a)
    page = client.post(
        "/c/alpha/usecases/stammdaten/",
        {"separator": "-", "mandanten": ["1000"], "former_contract_months": "-3"},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "0 bis 120 Monate" in text
    assert 'name="former_contract_months" id="id_former_contract_months" value="-3"' in text


def test_the_field_mapping_page_describes_former_tenants(client, tenancy):
    UseCaseActivation.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        enabled=True,
        settings={"separator": "-", "mandanten": ["1000"], "former_contract_months": 12},
    )
    client.force_login(tenancy.viewer_a)
    page = client.get("/c/alpha/mapping/").content.decode()
    assert "Ehemalige Mieter" in page
    assert "in den letzten 12 Monaten vor einem Lauf endeten" in page
