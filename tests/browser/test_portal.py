from __future__ import annotations

import pytest

from connect.models import Role
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.mark.django_db(transaction=True)
def test_admin_logs_in_and_sees_the_dashboard_in_german(live_server, page, screenshot):
    # given: a customer with an admin
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    # when: the admin logs in through the login form
    page.goto(f"{live_server.url}/login/")
    screenshot("anmeldung")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # then: the dashboard of their customer, in German
    page.wait_for_url(f"{live_server.url}/c/musterstadt/")
    screenshot("dashboard")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").inner_text() == "Musterstadt Wohnen GmbH"
    assert page.locator("#card-facilioo h2").inner_text() == "facilioo-Verbindung"
    assert page.locator("#card-stammdaten h2").inner_text() == "Stammdaten"
    assert page.get_by_role("button", name="Abmelden").is_visible()


@pytest.mark.django_db(transaction=True)
def test_language_switch_in_the_browser(live_server, page):
    customer = CustomerFactory(slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/c/musterstadt/")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
