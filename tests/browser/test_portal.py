from __future__ import annotations

import pytest

from connect.models import Role, SyncRunItem
from integrations.models import Reconciliation, ReconciliationFinding
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory, UserFactory, sync_run

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


@pytest.mark.django_db(transaction=True)
def test_every_portal_page_passes_axe(live_server, page, new_page):
    """Each page of a customer (as its admin) and of the support console (as support) is opened;
    the page fixtures check each one with axe-core (WCAG 2 A/AA) and fail on any violation."""
    # given: a customer with a finished run that has a record log
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    support = UserFactory(is_support=True)
    run = sync_run(customer, status="succeeded")
    SyncRunItem.objects.create(
        run=run,
        customer=customer,
        entity="parties",
        action="skipped",
        reason="no_email",
        message="Mieter hat keine E-Mail-Adresse.",
        erp_key="person 1000/P0001",
        external_id="1000-P0001",
    )
    reconciliation = Reconciliation.objects.create(
        customer=customer,
        use_case="stammdaten",
        trigger="manual",
        status="succeeded",
        counts={"changed": 1, "gone": 0, "unknown": 0},
    )
    ReconciliationFinding.objects.create(
        reconciliation=reconciliation,
        customer=customer,
        kind="changed",
        entity="units",
        natural_key="einheit\x1f1000\x1f0001\x1f01\x1f001",
        erp_key="einheit 1000/0001/01/001",
        external_id="1000-0001-01-001",
        facilioo_id=101,
        fields={"name": {"sent": "Wohnung 1", "live": "Hausmeisterraum"}},
    )
    base = live_server.url
    customer_pages = [
        "/c/musterstadt/",
        "/c/musterstadt/facilioo/",
        "/c/musterstadt/usecases/stammdaten/",
        "/c/musterstadt/usecases/dokumente/",
        "/c/musterstadt/runs/",
        f"/c/musterstadt/runs/{run.pk}/",
        "/c/musterstadt/mapping/",
        "/c/musterstadt/members/",
        "/c/musterstadt/audit/",
        "/c/musterstadt/erp/",
        "/c/musterstadt/records/parties/1000/P0001/",
        "/c/musterstadt/reconciliations/",
        f"/c/musterstadt/reconciliations/{reconciliation.pk}/",
    ]
    support_pages = [
        "/support/",
        "/support/records/?q=1000-P0001",
        "/support/audit/",
    ]

    def visit(browser_page, username, paths):
        browser_page.goto(f"{base}/login/")
        browser_page.fill("#id_username", username)
        browser_page.fill("#id_password", PASSWORD)
        browser_page.click("input[type=submit]")
        browser_page.wait_for_load_state()
        for path in paths:
            response = browser_page.goto(f"{base}{path}")
            assert response.status == 200, path

    # when: the admin and support open every page (then: the fixtures' axe checks pass)
    visit(page, admin.username, customer_pages)
    visit(new_page(), support.username, support_pages)
