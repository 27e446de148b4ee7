"""Two-factor login (django-otp): setup with recovery codes, the second login step, what the
operator can require, API tokens, and password reset by e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from connect.models import AuditLog
from tests.conftest import PASSWORD


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _wrong(device: TOTPDevice) -> str:
    return "000000" if _code(device) != "000000" else "111111"


def _password_login(user) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def no_otp_delay(settings):
    """django-otp delays the next try after a wrong code (its own throttle); off where a test
    sends a wrong code and then the right one within a second."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_setting_up_shows_a_qr_code_and_recovery_codes_once(client, tenancy, no_otp_delay):
    client.force_login(tenancy.admin_a)
    page = client.get("/account/2fa/")
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=tenancy.admin_a, confirmed=False)
    # a wrong code is refused in German
    wrong = client.post("/account/2fa/", {"code": _wrong(device)})
    assert wrong.status_code == 400
    assert "Der Code stimmt nicht." in wrong.content.decode()
    # the right one confirms the app and shows ten recovery codes
    right = client.post("/account/2fa/", {"code": _code(device)})
    codes = re.findall(r"<li><code>(\d{8})</code></li>", right.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=tenancy.admin_a).count() == 10
    assert AuditLog.objects.filter(action="auth.2fa_enable", actor=tenancy.admin_a).exists()
    assert "Noch 10 Wiederherstellungscodes." in client.get("/account/").content.decode()


@pytest.fixture
def with_app(tenancy):
    return TOTPDevice.objects.create(user=tenancy.admin_a, name="app", confirmed=True)


def test_after_the_password_every_page_waits_for_the_code(tenancy, with_app):
    client = _password_login(tenancy.admin_a)
    response = client.get("/c/alpha/")
    assert response.status_code == 302
    assert response["Location"] == "/login/otp/?next=%2Fc%2Falpha%2F"
    api = client.get("/api/customers/")
    assert api.status_code == 403
    assert api.json()["detail"] == "Bitte schließen Sie zuerst die Zwei-Faktor-Anmeldung ab."
    # the code opens the page asked for
    done = client.post("/login/otp/", {"code": _code(with_app), "next": "/c/alpha/"})
    assert done["Location"] == "/c/alpha/"
    assert client.get("/c/alpha/").status_code == 200


def test_the_next_page_after_the_code_stays_on_this_site(tenancy, with_app):
    client = _password_login(tenancy.admin_a)
    done = client.post("/login/otp/", {"code": _code(with_app), "next": "https://evil.example/"})
    assert done["Location"] == "/"


def test_a_recovery_code_works_once(tenancy, with_app):
    device = tenancy.admin_a.staticdevice_set.create(name="recovery", confirmed=True)
    device.token_set.create(token="12345678")
    first = _password_login(tenancy.admin_a)
    assert first.post("/login/otp/", {"code": "12345678"}).status_code == 302
    assert first.get("/c/alpha/").status_code == 200
    second = _password_login(tenancy.admin_a)
    refused = second.post("/login/otp/", {"code": "12345678"})
    assert refused.status_code == 400


def test_wrong_codes_count_towards_the_login_lockout(tenancy, with_app, settings, no_otp_delay):
    client = _password_login(tenancy.admin_a)
    statuses = [
        client.post("/login/otp/", {"code": _wrong(with_app)}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    # the right code does not help now
    assert client.post("/login/otp/", {"code": _code(with_app)}).status_code == 429


def test_the_operator_can_require_two_factor_login_for_admins_and_support(tenancy, settings):
    settings.TWO_FACTOR_REQUIRED = True
    for user in (tenancy.admin_a, tenancy.support, tenancy.operator):
        client = Client()
        client.force_login(user)
        response = client.get("/c/alpha/")
        assert response.status_code == 302, user
        assert response["Location"].startswith("/account/2fa/")
    viewer = Client()
    viewer.force_login(tenancy.viewer_a)
    assert viewer.get("/c/alpha/").status_code == 200


def test_api_tokens_of_two_factor_users_need_the_code(tenancy, with_app, no_otp_delay):
    api = APIClient()
    body = {"username": tenancy.admin_a.username, "password": PASSWORD}
    without = api.post("/api/auth/token/", body, format="json")
    assert without.status_code == 401
    assert without.json()["detail"] == (
        "Bitte geben Sie auch den Code Ihrer Zwei-Faktor-Anmeldung an (Feld „otp“)."
    )
    wrong = api.post("/api/auth/token/", {**body, "otp": _wrong(with_app)}, format="json")
    assert wrong.status_code == 401
    assert not AuthToken.objects.exists()
    right = api.post("/api/auth/token/", {**body, "otp": _code(with_app)}, format="json")
    assert right.status_code == 200


def test_required_two_factor_blocks_tokens_until_set_up(tenancy, settings):
    settings.TWO_FACTOR_REQUIRED = True
    response = APIClient().post(
        "/api/auth/token/",
        {"username": tenancy.support.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 401
    assert "zuerst im Portal" in response.json()["detail"]


def test_password_reset_by_e_mail(tenancy, settings):
    # given: a user with an API token
    user = tenancy.viewer_a
    user.email = "leser@alpha.example"
    user.save()
    _token, secret = AuthToken.objects.create(user=user)
    client = Client()
    # when: they ask for a reset link
    page = client.get("/login/")
    assert 'href="/password-reset/"' in page.content.decode()
    asked = client.post("/password-reset/", {"email": "leser@alpha.example"})
    assert asked.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body)[1]
    # and set a new password through it
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Neues-Passwort-2026!", "new_password2": "Neues-Passwort-2026!"},
    )
    assert done.status_code == 302
    # then: the new password works, and the old token is gone
    login = Client().post(
        "/login/", {"username": user.username, "password": "Neues-Passwort-2026!"}
    )
    assert login.status_code == 302
    assert not AuthToken.objects.filter(user=user).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/customers/").status_code == 401


def test_an_unknown_address_gets_the_same_answer_and_no_mail(db):
    response = Client().post("/password-reset/", {"email": "niemand@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
