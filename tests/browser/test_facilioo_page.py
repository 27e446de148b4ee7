"""The facilioo connection page as a German admin's browser shows it."""

from __future__ import annotations

import pytest

from connect.models import Role
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.mark.django_db(transaction=True)
def test_connection_page_has_a_plain_title_and_one_probe_button(live_server, page):
    # given: an admin of a customer
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    # when: the admin opens the facilioo connection page
    page.goto(f"{live_server.url}/c/musterstadt/facilioo/")
    # then: the browser title is text, the crumbs end in the page name, the button shows once
    assert page.title() == "facilioo-Verbindung | Connect · facilioo"
    assert page.locator(".breadcrumbs").inner_text().endswith("\u203a facilioo-Verbindung")
    assert page.get_by_role("link", name="Schnittstelle prüfen").count() == 1
    assert page.locator("[id=probe-link]").count() == 1
    # (the page fixture's checks also fail on any id used twice)
