"""Token and session authentication of the API; logins throttled by django-axes like the portal."""

from __future__ import annotations

from django.urls import reverse
from knox.models import AuthToken as ApiToken
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.problems import errors_at

TOKEN_URL = "/api/auth/token/"
CUSTOMERS_URL = "/api/customers/"


def test_token_for_username_and_password_opens_the_api(api, tenancy):
    # when: the admin of A asks for a token
    response = api.post(
        TOKEN_URL, {"username": tenancy.admin_a.username, "password": PASSWORD}, format="json"
    )
    # then: the token authenticates, and shows exactly the admin's customers
    assert response.status_code == 200
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=tenancy.admin_a)
    assert token.startswith(stored.token_key)
    assert token not in stored.digest  # only a digest is stored
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert [c["slug"] for c in api.get(CUSTOMERS_URL).json()] == ["alpha"]


def test_each_login_gets_its_own_token_until_revoked(api, tenancy):
    # given
    body = {"username": tenancy.admin_a.username, "password": PASSWORD}
    first = api.post(TOKEN_URL, body, format="json").json()["token"]
    second = api.post(TOKEN_URL, body, format="json").json()["token"]
    assert first != second
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    # when: the first one is revoked
    assert api.delete(TOKEN_URL).status_code == 204
    # then: it no longer works, the second one does
    assert api.get(CUSTOMERS_URL).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get(CUSTOMERS_URL).status_code == 200


def test_wrong_password_is_refused_in_german(api, tenancy):
    response = api.post(
        TOKEN_URL, {"username": tenancy.admin_a.username, "password": "falsch"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Benutzername oder Passwort ist falsch.")
    assert not ApiToken.objects.exists()


def test_missing_fields_are_named_in_german(api, tenancy):
    response = api.post(TOKEN_URL, {"username": tenancy.admin_a.username}, format="json")
    assert response.status_code == 400
    assert errors_at(response.json(), "password") == ["Dieses Feld ist zwingend erforderlich."]


def test_token_logins_are_throttled_like_portal_logins(api, client, tenancy, settings):
    # given: the limit of failed API logins (3 in the test settings) is used up
    username = tenancy.admin_a.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post(TOKEN_URL, {"username": username, "password": "wrong"}, format="json")
    # when: even the right password is tried now
    response = api.post(TOKEN_URL, {"username": username, "password": PASSWORD}, format="json")
    # then: refused with a German message in JSON, and no token was issued
    assert response.status_code in (429, 403)
    assert response["Content-Type"] == "application/problem+json"
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.json()["detail"]
    assert not ApiToken.objects.exists()
    # and the same lockout holds for the portal's login form
    portal = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert portal.status_code == 429


def test_portal_failures_count_for_the_api_too(api, client, tenancy, settings):
    username = tenancy.viewer_a.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong"})
    response = api.post(TOKEN_URL, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 429


def test_session_auth_works_and_enforces_csrf_on_writes(tenancy):
    # given: a browser session of the portal, with CSRF checks on as in production
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(tenancy.admin_a)
    # when/then: reading works with the session alone
    assert session.get(CUSTOMERS_URL).status_code == 200
    # and a write without the CSRF token is refused
    response = session.post("/api/customers/alpha/runs/", {"use_case": "stammdaten"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_anonymous_is_asked_to_authenticate(api, db):
    response = api.get(CUSTOMERS_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
