"""The Content-Security-Policy breaks nothing: pages and the API docs run without a violation."""

from __future__ import annotations

import pytest

from connect.models import Role
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.mark.django_db(transaction=True)
def test_portal_admin_and_api_docs_run_without_csp_violations(live_server, page):
    customer = CustomerFactory(slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    admin.is_staff = admin.is_superuser = True
    admin.save()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/support/**")
    page.goto(f"{live_server.url}/c/musterstadt/")
    # the language menu still switches (its handler lives in portal.js now)
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    for path in ("/c/musterstadt/runs/", "/admin/", "/admin/connect/customer/", "/account/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    assert violations == []
