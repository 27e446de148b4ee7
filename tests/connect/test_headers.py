"""Security headers on every answer; no inline script anywhere; sessions expire when idle."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def test_pages_carry_a_strict_script_policy_and_a_permissions_policy(client, tenancy):
    client.force_login(tenancy.admin_a)
    for url in ("/login/", "/c/alpha/", "/api/docs/", "/admin/login/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp)[1]
        assert script_src.strip() == "'self'", url
        assert "frame-ancestors 'none'" in csp
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_api_answers_are_never_stored(client, tenancy):
    client.force_login(tenancy.viewer_a)
    for url in ("/api/customers/", "/api/customers/alpha/runs/", "/api/customers/nope/"):
        assert "no-store" in client.get(url)["Cache-Control"], url
    anonymous = Client().post("/api/auth/token/", {}, content_type="application/json")
    assert "no-store" in anonymous["Cache-Control"]


TEMPLATE_DIRS = [ROOT / "templates", ROOT / "connect", ROOT / "integrations"]
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize(
    "template",
    sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_template_has_an_inline_script_or_handler(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text)
    assert not INLINE_HANDLER.search(text)


def test_the_language_menu_still_switches_without_inline_code(client, tenancy):
    client.force_login(tenancy.viewer_a)
    body = client.get("/c/alpha/").content.decode()
    assert "data-submit-on-change" in body
    assert "connect/portal.js" in body
    assert "onchange" not in body


def test_the_swagger_docs_load_their_script_from_a_url(client, tenancy):
    client.force_login(tenancy.viewer_a)
    body = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(body)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_sessions_expire_after_the_idle_timeout(client, tenancy, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    settings.SESSION_COOKIE_AGE = 60 * 60
    client.force_login(tenancy.viewer_a)
    key = client.session.session_key
    # an active user's expiry moves forward with each request
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get("/c/alpha/").status_code == 200
    assert Session.objects.get(pk=key).expire_date > timezone.now() + timedelta(minutes=55)
    # an idle one is logged out
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/c/alpha/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
