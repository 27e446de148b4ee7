"""Changes to the second factor: a session that has passed only the password reaches nothing
but the code page and logout; switching two-factor off, a new app and new recovery codes each
need a fresh code in the same request and are audited; operators reset a user's two-factor
login through an audited admin action and never see its secrets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from connect.models import AuditLog
from tests.conftest import PASSWORD


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def _wrong(device: TOTPDevice) -> str:
    return "000000" if _code(device) != "000000" else "111111"


@pytest.fixture
def with_app(tenancy):
    return TOTPDevice.objects.create(user=tenancy.admin_a, name="app", confirmed=True)


@pytest.fixture
def with_recovery(tenancy, with_app):
    device = StaticDevice.objects.create(user=tenancy.admin_a, name="recovery", confirmed=True)
    device.token_set.create(token="12345678")
    device.token_set.create(token="87654321")
    return device


def _password_only(user) -> Client:
    client = Client(REMOTE_ADDR="192.0.2.30", HTTP_USER_AGENT="Firefox/141")
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _verified(user, device: TOTPDevice) -> Client:
    client = _password_only(user)
    done = client.post("/login/otp/", {"code": _code(device)})
    assert done.status_code == 302
    # the code is used up: later requests of the test use the next one (replay protection)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return client


def test_the_password_alone_cannot_switch_two_factor_off(tenancy, with_app):
    # given: an admin with an app logs in with the password only
    client = _password_only(tenancy.admin_a)
    assert client.get("/c/alpha/")["Location"].startswith("/login/otp/")
    # when: the session tries to switch the second factor off
    response = client.post("/account/2fa/disable/")
    # then: it is sent to the code page, the app stays, nothing opens
    assert response.status_code == 302
    assert response["Location"].startswith("/login/otp/")
    assert TOTPDevice.objects.filter(user=tenancy.admin_a, confirmed=True).exists()
    assert client.get("/c/alpha/")["Location"].startswith("/login/otp/")
    assert not AuditLog.objects.filter(action="auth.2fa_disable").exists()
    # and an API token still needs the code
    token = APIClient().post(
        "/api/auth/token/",
        {"username": tenancy.admin_a.username, "password": PASSWORD},
        format="json",
    )
    assert token.status_code == 401


@pytest.mark.parametrize(
    "path", ["/account/2fa/", "/account/", "/account/password/", "/password-reset/"]
)
def test_before_the_code_only_the_code_page_and_logout_open(tenancy, with_app, path):
    client = _password_only(tenancy.admin_a)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/otp/")
    assert client.get("/login/otp/").status_code == 200
    assert client.post("/logout/")["Location"] == "/login/"


def test_switching_off_needs_a_fresh_code(tenancy, with_app, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = _verified(tenancy.admin_a, with_app)
    # without a code
    missing = client.post("/account/2fa/disable/")
    assert missing.status_code == 400
    assert "Bitte geben Sie einen aktuellen Code" in missing.content.decode()
    # with a wrong one
    wrong = client.post("/account/2fa/disable/", {"code": _wrong(with_app)})
    assert wrong.status_code == 400
    assert "Der Code stimmt nicht." in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=tenancy.admin_a).exists()
    assert not AuditLog.objects.filter(action="auth.2fa_disable").exists()
    # with the current code
    done = client.post("/account/2fa/disable/", {"code": _code(with_app)})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=tenancy.admin_a).exists()
    entry = AuditLog.objects.get(action="auth.2fa_disable")
    assert (entry.actor, entry.ip_address, entry.user_agent) == (
        tenancy.admin_a,
        "192.0.2.30",
        "Firefox/141",
    )


def test_a_recovery_code_may_switch_it_off_once(tenancy, with_recovery):
    client = _verified(tenancy.admin_a, TOTPDevice.objects.get(user=tenancy.admin_a))
    done = client.post("/account/2fa/disable/", {"code": "12345678"})
    assert done.status_code == 302
    assert not StaticToken.objects.filter(device__user=tenancy.admin_a).exists()
    assert AuditLog.objects.filter(action="auth.2fa_disable").count() == 1


def test_a_new_app_needs_a_code_of_the_current_one(tenancy, with_app):
    client = _verified(tenancy.admin_a, with_app)
    page = client.get("/account/2fa/")
    assert page.status_code == 200
    assert 'name="current_code"' in page.content.decode()
    new = TOTPDevice.objects.get(user=tenancy.admin_a, confirmed=False)
    # the new app's code alone does not replace the current app
    alone = client.post("/account/2fa/", {"code": _code(new)})
    assert alone.status_code == 400
    assert TOTPDevice.objects.get(user=tenancy.admin_a, confirmed=True).pk == with_app.pk
    # with a code of the current app it does
    done = client.post("/account/2fa/", {"code": _code(new), "current_code": _code(with_app)})
    assert done.status_code == 200
    assert len(re.findall(r"<li><code>(\d{8})</code></li>", done.content.decode())) == 10
    assert TOTPDevice.objects.get(user=tenancy.admin_a, confirmed=True).pk == new.pk
    assert AuditLog.objects.filter(actor=tenancy.admin_a, action="auth.2fa_new_device").exists()


def test_new_recovery_codes_need_a_fresh_code_and_are_audited(tenancy, with_recovery):
    app = TOTPDevice.objects.get(user=tenancy.admin_a)
    client = _verified(tenancy.admin_a, app)
    refused = client.post("/account/2fa/recovery-codes/")
    assert refused.status_code == 400
    assert set(StaticToken.objects.values_list("token", flat=True)) == {"12345678", "87654321"}
    done = client.post("/account/2fa/recovery-codes/", {"code": _code(app)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>(\d{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    assert AuditLog.objects.filter(action="auth.2fa_recovery_codes", actor=tenancy.admin_a).exists()


def test_right_after_one_wrong_code_the_throttle_says_so(tenancy, with_app):
    client = _password_only(tenancy.admin_a)
    wrong = client.post("/login/otp/", {"code": _wrong(with_app)})
    assert "Der Code stimmt nicht." in wrong.content.decode()
    # the right code at once: django-otp's delay after a failure, said as such
    early = client.post("/login/otp/", {"code": _code(with_app)})
    assert early.status_code == 429
    text = early.content.decode()
    assert "Der Code stimmt nicht." not in text
    assert "Bitte warten Sie" in text
    assert "Sekunde" in text
    # once the delay is over the same code opens the portal
    TOTPDevice.objects.filter(pk=with_app.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )
    assert client.post("/login/otp/", {"code": _code(with_app)}).status_code == 302


def test_the_code_just_used_for_setup_opens_the_next_login(tenancy):
    # given: the admin sets up an app and logs out at once
    client = Client()
    client.force_login(tenancy.admin_a)
    client.get("/account/2fa/")
    device = TOTPDevice.objects.get(user=tenancy.admin_a, confirmed=False)
    code = _code(device)
    assert client.post("/account/2fa/", {"code": code}).status_code == 200
    client.post("/logout/")
    # when: they log in again within the same 30 seconds with the code the app still shows
    again = _password_only(tenancy.admin_a)
    response = again.post("/login/otp/", {"code": code})
    # then: it is accepted (once)
    assert response.status_code == 302
    assert again.get("/c/alpha/").status_code == 200
    third = _password_only(tenancy.admin_a)
    assert third.post("/login/otp/", {"code": code}).status_code in (400, 429)


def _operator() -> Client:
    return Client(REMOTE_ADDR="192.0.2.99", HTTP_USER_AGENT="Chromium/140")


def test_the_admin_never_shows_two_factor_secrets(tenancy, with_recovery):
    client = _operator()
    client.force_login(tenancy.operator)
    app = TOTPDevice.objects.get(user=tenancy.admin_a)
    pages = [
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{app.pk}/change/",
        "/admin/otp_static/staticdevice/",
        f"/admin/otp_static/staticdevice/{with_recovery.pk}/change/",
        f"/admin/connect/user/{tenancy.admin_a.pk}/change/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        text = response.content.decode()
        assert app.key not in text, url
        assert "12345678" not in text, url
        assert "87654321" not in text, url
    assert client.get(f"/admin/otp_totp/totpdevice/{app.pk}/config/").status_code in (302, 404)
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code in (302, 403)


def test_operators_reset_two_factor_with_an_audited_action(tenancy, with_recovery):
    client = _operator()
    client.force_login(tenancy.operator)
    response = client.post(
        "/admin/connect/user/",
        {"action": "two_factor_reset", "_selected_action": [str(tenancy.admin_a.pk)]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=tenancy.admin_a).exists()
    assert not StaticDevice.objects.filter(user=tenancy.admin_a).exists()
    entry = AuditLog.objects.get(action="auth.2fa_reset")
    assert entry.object_id == str(tenancy.admin_a.pk)
    assert (entry.actor, entry.via, entry.ip_address, entry.user_agent) == (
        tenancy.operator,
        "admin",
        "192.0.2.99",
        "Chromium/140",
    )
