"""The facilioo connection page as a German admin's browser shows it."""

from __future__ import annotations

import pytest

from connect.models import Role
from integrations.facilioo.client import FaciliooClient
from tests.browser.pages import log_in
from tests.factories import CustomerFactory, MembershipFactory, connect_to_sandbox, sandbox_for

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.mark.django_db(transaction=True)
def test_connection_page_has_a_plain_title_and_one_probe_button(live_server, page):
    # given: an admin of a customer
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    log_in(page, live_server.url, admin.username)
    # when: the admin opens the facilioo connection page
    page.goto(f"{live_server.url}/c/musterstadt/facilioo/")
    # then: the browser title is text, the crumbs end in the page name, the button shows once
    assert page.title() == "facilioo-Verbindung | Connect · facilioo"
    assert page.locator(".breadcrumbs").inner_text().endswith("\u203a facilioo-Verbindung")
    assert page.get_by_role("link", name="Schnittstelle prüfen").count() == 1
    assert page.locator("[id=probe-link]").count() == 1
    # (the page fixture's checks also fail on any id used twice)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_probe_page_offers_the_customers_projects_before_stammdaten(
    live_server, settings, page, screenshot, docs_picture
):
    with sandbox_for(settings) as sandbox:
        # given: a connection to the sandbox, Stammdaten not set up yet
        customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
        connect_to_sandbox(customer, sandbox)
        admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
        with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
            projects = {int(t["id"]): str(t["name"]) for t in client.list_tenants()}
        log_in(page, live_server.url, admin.username)
        # when: the admin opens "Schnittstelle prüfen"
        page.goto(f"{live_server.url}/c/musterstadt/facilioo/probe/")
        screenshot("schnittstelle-pruefen")
        docs_picture("probe-after", page.locator("#content"))
        # then: the customer's projects are offered by name and number
        field = page.get_by_label("facilioo-Projekt")
        offered = field.locator("option").all_inner_texts()
        for project_id, name in projects.items():
            assert f"{name} (Nr. {project_id})" in offered, offered
        # when: one is chosen and the probe runs
        first = min(projects)
        field.select_option(str(first))
        page.click("#run-probe")
        # then: the result names that project
        page.wait_for_selector("#probe-state")
        assert f"Projekt {first}" in page.locator("#probe-state").inner_text()
