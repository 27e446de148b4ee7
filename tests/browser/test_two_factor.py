"""Two-factor login in a real browser: password, then the code of the authenticator app."""

from __future__ import annotations

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from connect.models import AuditLog, Role
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.mark.django_db(transaction=True)
def test_an_admin_with_two_factor_login_needs_the_code(live_server, page, screenshot, settings):
    # given: an admin who set up an authenticator app (no django-otp delay after the wrong code)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    # when: they log in with the password
    page.goto(f"{live_server.url}/c/musterstadt/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # then: the code is asked for, and the dashboard stays closed
    page.wait_for_url(f"{live_server.url}/login/otp/**")
    screenshot("code")
    assert page.locator("h1").inner_text() == "Bestätigungscode"
    page.goto(f"{live_server.url}/c/musterstadt/")
    page.wait_for_url(f"{live_server.url}/login/otp/**")
    # when: a wrong code, then the right one
    page.fill("#id_code", "000000" if _code(device) != "000000" else "111111")
    page.click("#otp-form input[type=submit]")
    assert page.locator(".errornote").inner_text() == "Der Code stimmt nicht."
    page.fill("#id_code", _code(device))
    page.click("#otp-form input[type=submit]")
    # then: the page asked for first
    page.wait_for_url(f"{live_server.url}/c/musterstadt/")
    screenshot("dashboard")
    assert page.locator("h1").inner_text() == "Musterstadt Wohnen GmbH"
    assert AuditLog.objects.filter(actor=admin, action="auth.2fa_verify").count() == 1
