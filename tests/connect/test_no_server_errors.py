"""No input answers with a 500: wrong types, odd digits, huge numbers, deep or large JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from connect.models import Membership, Role, UseCaseActivation

DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture
def admin(tenancy) -> Client:
    # raise_request_exception=False: a crash answers 500 as it would for a real client.
    client = Client(raise_request_exception=False)
    client.force_login(tenancy.admin_a)
    return client


def test_a_text_as_default_project_is_refused_in_german(admin):
    response = admin.post(
        "/c/alpha/usecases/stammdaten/",
        {"separator": "-", "mandanten": ["1000"], "default_tenant_id": "abc"},
    )
    assert response.status_code == 400
    assert "Das Standard-Projekt muss eine facilioo-Projektnummer sein." in (
        response.content.decode()
    )
    assert not UseCaseActivation.objects.exists()


@pytest.mark.parametrize("value", ["²", "1" * 5000, "-3", "1.5"])
def test_odd_numbers_in_portal_forms_are_refused(admin, value):
    override = admin.post(
        "/c/alpha/usecases/stammdaten/",
        {"separator": "-", "mandanten": ["1000"], "tenant_override__1000/1": value},
    )
    assert override.status_code == 400
    assert "Ungültiges facilioo-Projekt für WE 1000/1." in override.content.decode()
    alerts = admin.post("/c/alpha/members/alerts/", {"membership": value, "receives_alerts": "1"})
    assert alerts.status_code == 302
    erp = admin.post("/c/alpha/erp/", {"erp_source": "demo", "demo_units": value})
    assert erp.status_code == 400


@pytest.mark.parametrize("cursor", ["²", "9" * 5000, "99999999999999999999"])
def test_odd_cursors_and_ids_are_no_server_error(admin, tenancy, cursor):
    assert admin.get(f"/c/alpha/runs/?after={cursor}").status_code == 200
    assert admin.get(f"/api/customers/alpha/runs/?after={cursor}").status_code in (200, 400)
    assert admin.get("/c/alpha/runs/99999999999999999999999/").status_code == 404
    assert admin.get("/api/customers/alpha/runs/99999999999999999999999/").status_code == 404


def test_membership_ids_of_another_customer_stay_unknown(admin, tenancy):
    other = Membership.objects.filter(customer=tenancy.b).first()
    response = admin.post("/c/alpha/members/alerts/", {"membership": str(other.pk)}, follow=True)
    assert "Benutzer nicht gefunden." in response.content.decode()
    assert Membership.objects.get(pk=other.pk).role == Role.ADMIN


@pytest.mark.parametrize("production", [False, True])
def test_deeply_nested_json_to_the_token_endpoint_is_400(db, settings, production):
    # given: anonymous, with DEBUG off as in production when asked
    settings.DEBUG = not production
    client = Client(raise_request_exception=False)
    # when
    response = client.post("/api/auth/token/", DEEP, content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Das JSON ist zu tief verschachtelt (höchstens 32 Ebenen)."
    )


def test_json_nested_just_too_deep_for_the_limit_is_refused(db, settings):
    settings.API_MAX_JSON_DEPTH = 4
    client = Client(raise_request_exception=False)
    body = '{"username": [[[["x"]]]], "password": "y"}'
    response = client.post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert "höchstens 4 Ebenen" in response.json()["detail"]


def test_a_huge_json_body_is_refused_without_reading_it(db, settings):
    settings.API_MAX_BODY_BYTES = 10_000
    client = Client(raise_request_exception=False)
    body = '{"username": "' + "x" * 20_000 + '", "password": "y"}'
    response = client.post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Die Anfrage ist zu groß (höchstens 9 KB)."


@pytest.mark.parametrize("body", ["{", "NaN", '{"username": Infinity}', "\udcff"])
def test_broken_json_is_400_in_german(db, body):
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/auth/token/", body.encode("utf-8", "surrogateescape"), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Der Inhalt ist kein gültiges JSON."


def test_deep_json_to_an_authenticated_endpoint_is_400(admin):
    response = admin.put(
        "/api/customers/alpha/usecases/stammdaten/", DEEP, content_type="application/json"
    )
    assert response.status_code == 400
