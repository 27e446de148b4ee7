"""The account page: only the user's own tokens, revocation, log out everywhere; every URL of
it needs a login (the user-scoped counterpart of the isolation matrix)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from knox.models import AuthToken

from connect.models import AuditLog


def _account_urls() -> list[str]:
    names: list[str] = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and str(p.pattern).startswith("account/"):
                names.append(p.name)

    walk(get_resolver().url_patterns, None)
    return sorted(names)


ACCOUNT_URLS = _account_urls()


def _url(name: str) -> str:
    return reverse(name, kwargs={"token_key": "abc"}) if "token" in name else reverse(name)


def test_the_account_url_list_is_complete():
    assert {"account", "account-token-revoke", "two-factor-setup", "password_change"} <= set(
        ACCOUNT_URLS
    )


@pytest.mark.parametrize("name", ACCOUNT_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(db, name, method):
    response = getattr(Client(), method)(_url(name))
    assert response.status_code in (302, 405), name
    if response.status_code == 302:
        assert response["Location"].startswith("/login/")


def test_the_page_lists_only_the_own_tokens_and_revokes_them(tenancy):
    mine, _secret = AuthToken.objects.create(user=tenancy.admin_a)
    theirs, _secret = AuthToken.objects.create(user=tenancy.admin_b)
    client = Client()
    client.force_login(tenancy.admin_a)
    body = client.get("/account/").content.decode()
    assert mine.token_key in body
    assert theirs.token_key not in body
    # another user's token cannot be revoked from here
    client.post(f"/account/tokens/{theirs.token_key}/revoke/")
    assert AuthToken.objects.filter(pk=theirs.pk).exists()
    client.post(f"/account/tokens/{mine.token_key}/revoke/")
    assert not AuthToken.objects.filter(pk=mine.pk).exists()
    assert AuditLog.objects.filter(action="token.revoke", actor=tenancy.admin_a).count() == 1


def test_log_out_everywhere_from_the_portal(tenancy):
    AuthToken.objects.create(user=tenancy.viewer_a)
    laptop, phone = Client(), Client()
    laptop.force_login(tenancy.viewer_a)
    phone.force_login(tenancy.viewer_a)
    response = laptop.post("/account/logout-everywhere/")
    assert response["Location"] == "/login/"
    assert phone.get("/c/alpha/").status_code == 302
    assert laptop.get("/c/alpha/").status_code == 302
    assert not AuthToken.objects.filter(user=tenancy.viewer_a).exists()


def test_log_out_everywhere_through_the_api_with_a_session(tenancy):
    client = Client()
    client.force_login(tenancy.viewer_a)
    response = client.post("/api/auth/logout-everywhere/")
    assert response.status_code == 200
    assert response.json() == {"tokens": 0, "sessions": 1}
    assert client.get("/c/alpha/").status_code == 302
