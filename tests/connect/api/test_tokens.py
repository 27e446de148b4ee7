"""API tokens (django-rest-knox): hashed, expiring, revoked when access ends, listed, audited,
and throttled like logins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken as ApiToken
from rest_framework.test import APIClient

from connect.models import AuditLog
from tests.conftest import PASSWORD

TOKEN_URL = "/api/auth/token/"


def _login(api: APIClient, user, **extra) -> str:
    response = api.post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json", **extra
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _works(token: str) -> bool:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get("/api/customers/").status_code == 200


def test_a_token_is_stored_only_as_a_digest_with_an_expiry(api, tenancy, settings):
    token = _login(api, tenancy.admin_a)
    stored = ApiToken.objects.get()
    assert token not in {stored.digest, stored.token_key}
    assert stored.digest != token
    assert len(stored.digest) == 128
    assert stored.expiry is not None
    hours = (stored.expiry - timezone.now()).total_seconds() / 3600
    assert 24 * 30 - 1 < hours <= 24 * 30


def test_an_expired_token_is_refused_in_german(api, tenancy):
    token = _login(api, tenancy.admin_a)
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/customers/")
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "Das Token ist ungültig oder abgelaufen. Bitte melden Sie sich neu an."
    )


def test_a_password_change_revokes_the_tokens(api, tenancy):
    token = _login(api, tenancy.admin_a)
    assert _works(token)
    tenancy.admin_a.set_password("ein-neues-passwort-1")
    tenancy.admin_a.save()
    assert not _works(token)
    entry = AuditLog.objects.filter(action="token.revoke").get()
    assert entry.reason == "Passwort geändert"


def test_a_password_change_in_the_portal_revokes_the_tokens(api, tenancy):
    token = _login(api, tenancy.admin_a)
    browser = Client()
    browser.force_login(tenancy.admin_a)
    response = browser.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Ein-ganz-neues-Passwort-7",
            "new_password2": "Ein-ganz-neues-Passwort-7",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not _works(token)


def test_deactivation_revokes_the_tokens(api, tenancy):
    token = _login(api, tenancy.viewer_a)
    tenancy.viewer_a.is_active = False
    tenancy.viewer_a.save()
    assert not ApiToken.objects.filter(user=tenancy.viewer_a).exists()
    assert not _works(token)


def test_logout_everywhere_revokes_tokens_and_ends_sessions(api, tenancy):
    # given: two tokens and a portal session
    first, second = _login(api, tenancy.admin_a), _login(api, tenancy.admin_a)
    browser = Client()
    browser.force_login(tenancy.admin_a)
    assert browser.get("/c/alpha/").status_code == 200
    # when: logging out everywhere through the API
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    response = api.post("/api/auth/logout-everywhere/")
    # then
    assert response.json() == {"tokens": 2, "sessions": 1}
    assert not _works(first)
    assert not _works(second)
    assert browser.get("/c/alpha/").status_code == 302
    assert AuditLog.objects.filter(action="auth.logout_everywhere").count() == 1


def test_tokens_are_listed_with_their_last_use_and_revoked_one_by_one(api, tenancy):
    token = _login(api, tenancy.admin_a, HTTP_USER_AGENT="sync-script/1.0")
    other = _login(api, tenancy.admin_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = api.get("/api/auth/tokens/").json()
    assert len(listed) == 2
    mine = next(t for t in listed if token.startswith(t["token_key"]))
    assert mine["last_used_at"] is not None
    assert mine["user_agent"] == "sync-script/1.0"
    assert all("digest" not in t and "token" not in t for t in listed)
    other_key = next(t["token_key"] for t in listed if other.startswith(t["token_key"]))
    assert api.delete(f"/api/auth/tokens/{other_key}/").status_code == 204
    assert not _works(other)
    assert _works(token)


def test_nobody_lists_or_revokes_the_tokens_of_another_user(api, tenancy):
    victim = _login(api, tenancy.admin_b)
    key = ApiToken.objects.get(user=tenancy.admin_b).token_key
    api.force_authenticate(tenancy.operator)
    assert api.get("/api/auth/tokens/").json() == []
    assert api.delete(f"/api/auth/tokens/{key}/").status_code == 404
    assert _works(victim)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/auth/tokens/"),
        ("delete", "/api/auth/tokens/abc/"),
        ("post", "/api/auth/logout-everywhere/"),
        ("delete", TOKEN_URL),
    ],
)
def test_token_endpoints_need_a_login(db, method, url):
    assert getattr(APIClient(), method)(url).status_code == 401


def test_token_events_are_audited_with_address_and_program(api, tenancy):
    token = _login(api, tenancy.admin_a, HTTP_USER_AGENT="curl/8.0", REMOTE_ADDR="203.0.113.7")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    api.delete(TOKEN_URL, HTTP_USER_AGENT="curl/8.0", REMOTE_ADDR="203.0.113.7")
    created = AuditLog.objects.get(action="token.create")
    revoked = AuditLog.objects.get(action="token.revoke")
    login = AuditLog.objects.get(action="auth.login")
    for entry in (created, revoked, login):
        assert (entry.ip_address, entry.user_agent, entry.via) == ("203.0.113.7", "curl/8.0", "api")
        assert entry.actor == tenancy.admin_a
    assert token not in str(created.changes)


def test_a_successful_token_login_resets_the_failure_counter(api, tenancy, settings):
    username = tenancy.admin_a.username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        api.post(TOKEN_URL, {"username": username, "password": "falsch"}, format="json")
    assert AccessAttempt.objects.filter(username=username).exists()
    _login(api, tenancy.admin_a)
    assert not AccessAttempt.objects.filter(username=username, failures_since_start__gt=0).exists()
    # the next failures start from zero again
    api.post(TOKEN_URL, {"username": username, "password": "falsch"}, format="json")
    assert _login(api, tenancy.admin_a)


def test_guessing_tokens_locks_the_address_out(db, settings):
    guesser = APIClient(REMOTE_ADDR="198.51.100.9")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        guesser.credentials(HTTP_AUTHORIZATION=f"Token guess{n:040d}")
        assert guesser.get("/api/customers/").status_code == 401
    # the failure that reaches the limit, and every request after it, is refused in JSON
    assert guesser.get("/api/customers/").status_code == 429
    response = guesser.get("/api/customers/")
    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.json()["detail"]
    assert (
        AuditLog.objects.filter(action="auth.token_failed").count() == settings.AXES_FAILURE_LIMIT
    )
    # another address is not affected
    other = APIClient(REMOTE_ADDR="198.51.100.10")
    other.credentials(HTTP_AUTHORIZATION="Token nothing")
    assert other.get("/api/customers/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_the_table_of_plain_text_tokens_is_dropped_by_the_migration():
    from django.core.management import call_command
    from django.db import connection

    # given: a database from before, with DRF's plain-text token table
    call_command("migrate", "connect", "0003", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('plain-text-token')")
    assert "authtoken_token" in connection.introspection.table_names()
    # when: everything is migrated again (going back to 0003 also unapplied the migrations of
    # other apps that depend on later ones; later tests need their tables)
    call_command("migrate", verbosity=0)
    # then
    assert "authtoken_token" not in connection.introspection.table_names()
    assert "integrations_fieldhold" in connection.introspection.table_names()
