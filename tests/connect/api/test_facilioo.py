"""The facilioo connection over the API: the password is write-only; German validation."""

from __future__ import annotations

import json

import pytest

from connect.models import AuditLog, FaciliooConnection
from connect.selectors.credentials import facilioo_password
from tests.problems import errors_at

SECRET = "S3cret-Passw0rd!"
URL = "/api/customers/alpha/facilioo/"


def test_password_is_write_only_everywhere(api, tenancy):
    # given
    api.force_authenticate(tenancy.admin_a)
    # when: the admin sets the connection
    put = api.put(
        URL,
        {"username": "pm@example.com", "password": SECRET, "environment": "sandbox"},
        format="json",
    )
    # then: stored, but in no answer of the API
    assert put.status_code == 200, put.content
    assert facilioo_password(connection=FaciliooConnection.objects.get()) == SECRET
    answers = [put, api.get(URL), api.get("/api/customers/alpha/"), api.get("/api/customers/")]
    for answer in answers:
        assert SECRET not in answer.content.decode()
        assert "password" not in json.dumps(answer.json()).replace("password_set_at", "")
    body = answers[1].json()
    assert body["configured"] is True
    assert body["username"] == "pm@example.com"
    assert body["state"] == "untested"
    assert body["password_set_at"] is not None
    assert SECRET not in str(AuditLog.objects.values_list("changes", flat=True))


def test_without_a_connection_the_state_is_missing(api, tenancy):
    api.force_authenticate(tenancy.viewer_a)
    assert api.get(URL).json()["state"] == "missing"


def test_leaving_the_password_out_keeps_it(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    api.put(
        URL,
        {"username": "pm@example.com", "password": SECRET, "environment": "sandbox"},
        format="json",
    )
    response = api.put(
        URL, {"username": "other@example.com", "environment": "staging"}, format="json"
    )
    assert response.status_code == 200
    connection = FaciliooConnection.objects.get()
    assert (connection.username, connection.environment) == ("other@example.com", "staging")
    assert facilioo_password(connection=connection) == SECRET


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"password": SECRET, "environment": "sandbox"},
            "username",
            "Dieses Feld ist zwingend erforderlich.",
        ),
        (
            {"username": "kein-mail", "password": SECRET, "environment": "sandbox"},
            "username",
            "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        ),
        (
            {"username": "pm@example.com", "password": SECRET, "environment": "mars"},
            "environment",
            '"mars" ist keine gültige Option.',
        ),
        (
            {"username": "pm@example.com", "environment": "sandbox"},
            "detail",
            "Bitte geben Sie das Passwort des facilioo-Kontos an.",
        ),
    ],
)
def test_bad_input_is_refused_in_german(api, tenancy, data, field, message):
    api.force_authenticate(tenancy.admin_a)
    response = api.put(URL, data, format="json")
    assert response.status_code == 400
    body = response.json()
    answer = body["detail"] if field == "detail" else errors_at(body, field)
    assert message == answer or message in answer, answer
    assert not FaciliooConnection.objects.exists()


@pytest.fixture
def sandbox(settings):
    from tooling.sandbox.testing import running_sandbox

    with running_sandbox(seed=True) as handle:
        settings.FACILIOO_SANDBOX_URL = handle.url
        yield handle


def test_connection_test_lists_the_projects(api, tenancy, sandbox):
    # given
    api.force_authenticate(tenancy.admin_a)
    api.put(
        URL,
        {"username": sandbox.email, "password": sandbox.password, "environment": "sandbox"},
        format="json",
    )
    # when
    response = api.post(f"{URL}test/")
    # then
    body = response.json()
    assert response.status_code == 200
    assert body["ok"] is True
    assert body["message"].startswith("Verbindung erfolgreich")
    assert body["tenants"]
    assert {"id", "name"} <= set(body["tenants"][0])
    assert api.get(URL).json()["state"] == "ok"
    assert sandbox.password not in response.content.decode()


def test_connection_test_with_a_wrong_password_says_so(api, tenancy, sandbox):
    api.force_authenticate(tenancy.admin_a)
    api.put(
        URL,
        {"username": sandbox.email, "password": "falsch-123", "environment": "sandbox"},
        format="json",
    )
    body = api.post(f"{URL}test/").json()
    assert body["ok"] is False
    assert "Zugangsdaten wurden abgelehnt" in body["message"]
    assert body["tenants"] == []
