"""The record inspector in the browser: from a log row (admin) and from the support search,
with a record a facilioo user changed after the sync, so the difference is highlighted."""

from __future__ import annotations

import re

import pytest

from connect.models import Customer, Role
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.models import ExternalLink
from tests.browser.pages import log_in
from tests.factories import (
    MembershipFactory,
    UserFactory,
    activate_dokumente,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_inspector_from_a_log_row_and_from_the_support_search(
    live_server, settings, page, new_page, screenshot
):
    with sandbox_for(settings) as sandbox:
        # given: a synced customer, and a unit renamed in facilioo afterwards
        customer = Customer.objects.create(
            name="Musterstadt Wohnen GmbH", slug="musterstadt", demo_units=20
        )
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        run = sync_run_execute(
            run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
        )
        link = ExternalLink.objects.filter(customer=customer, entity="units").order_by("id")[0]
        with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
            client.patch(Entity.UNITS, link.facilioo_id, {"name": "Hausmeisterraum"})
        admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
        base = live_server.url

        # when: the admin opens the run's log, finds the unit and clicks "erklären"
        log_in(page, base, admin.username)
        explain_from_log(page, base, run, link)
        screenshot("inspektor-aus-protokoll")

        # then: the name differs, highlighted, with facilioo's value next to what was sent
        name_row = page.locator('#record-fields tr[data-field="name"]')
        assert "differs" in name_row.get_attribute("class")
        assert "Hausmeisterraum" in name_row.inner_text()
        assert "abweichend" in name_row.inner_text()
        assert link.sent_body["name"] in name_row.inner_text()
        assert "1 Feld weicht in facilioo ab" in page.locator("#record-summary").inner_text()

        # when: support searches the record and opens it from the results
        support = UserFactory(is_support=True)
        support_page = new_page()
        log_in(support_page, base, support.username)
        support_page.goto(f"{base}/support/records/")
        support_page.fill("#record-search input[name=q]", link.external_id)
        support_page.click("#record-search input[type=submit]")
        support_page.locator("#record-results").get_by_role("link", name="erklären").first.click()
        support_page.wait_for_selector("#record-fields")
        screenshot("inspektor-aus-suche", support_page)

        # then: the same difference
        support_row = support_page.locator('#record-fields tr[data-field="name"]')
        assert "differs" in support_row.get_attribute("class")
        assert "Hausmeisterraum" in support_row.inner_text()


def explain_from_log(page, base, run, link) -> None:
    """Open the run's log filtered to the record, and click its "erklären"."""
    page.goto(f"{base}/c/musterstadt/runs/{run.pk}/?q={link.external_id}")
    row = page.locator("#run-items tbody tr", has_text=link.external_id).first
    row.get_by_role("link", name="erklären").click()
    page.wait_for_selector("#record-fields")


@pytest.mark.django_db(transaction=True)
def test_inspector_from_a_dokumente_log_row(live_server, settings, page, screenshot):
    with sandbox_for(settings) as sandbox:
        # given: Stammdaten and Dokumente synced, and a document retitled in facilioo afterwards
        customer = Customer.objects.create(
            name="Musterstadt Wohnen GmbH", slug="musterstadt", demo_units=20
        )
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        activate_dokumente(customer)
        for use_case in ("stammdaten", "dokumente"):
            run = sync_run_execute(
                run_id=sync_run_create(customer=customer, use_case=use_case, trigger="manual").pk
            )
            assert run.status == "succeeded", run.error_message
        link = ExternalLink.objects.filter(customer=customer, entity="documents").order_by("id")[0]
        with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
            client.patch(Entity.DOCUMENTS, link.facilioo_id, {"title": "Von Hand umbenannt"})
        admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
        base = live_server.url

        # when: the admin opens the Dokumente run's log, finds the document and clicks "erklären"
        log_in(page, base, admin.username)
        explain_from_log(page, base, run, link)
        screenshot("inspektor-dokument-aus-protokoll")

        # then: the title differs, highlighted, next to what was sent; the file is shown too
        title_row = page.locator('#record-fields tr[data-field="title"]')
        assert "differs" in title_row.get_attribute("class")
        assert "Von Hand umbenannt" in title_row.inner_text()
        assert link.sent_body["title"] in title_row.inner_text()
        assert "1 Feld weicht in facilioo ab" in page.locator("#record-summary").inner_text()
        file_row = page.locator('#record-file-fields tr[data-field="name"]')
        assert "differs" not in (file_row.get_attribute("class") or "")
        assert str(link.sent_body["fileId"]) in page.locator("#record-file-link").inner_text()


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.mark.django_db(transaction=True)
def test_inspector_shows_the_e_mail_that_was_sent_in_german_words(
    live_server, settings, page, screenshot, docs_picture
):
    with sandbox_for(settings) as sandbox:
        # given: a synced customer; a tenant whose e-mail address went to facilioo
        customer = Customer.objects.create(
            name="Musterstadt Wohnen GmbH", slug="musterstadt", demo_units=20
        )
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        sync_run_execute(
            run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
        )
        link = next(
            x
            for x in ExternalLink.objects.filter(customer=customer, entity="parties").order_by("id")
            if (x.sent_body or {}).get("email")
        )
        email = link.sent_body["email"]
        key = "/".join(link.natural_key.split("\x1f")[1:])
        admin = MembershipFactory(customer=customer, role=Role.ADMIN).user

        # when: the admin opens the tenant's record in a German browser
        log_in(page, live_server.url, admin.username)
        page.goto(f"{live_server.url}/c/musterstadt/records/parties/{key}/")
        page.wait_for_selector("#record-fields")
        screenshot("inspektor-mieter-mit-e-mail")

        # then: the e-mail row shows the address sent, under "zuletzt gesendet"
        docs_picture("inspector-after", page.locator("#record-fields"))
        headers = [h.strip() for h in page.locator("#record-fields thead th").all_text_contents()]
        sent_col = headers.index("zuletzt gesendet")
        row = page.locator('#record-fields tr[data-field="contactDetails: E-Mail"]')
        assert row.locator("td").nth(sent_col).inner_text().strip() == email
        # and every row names its rule: no unlabeled rows
        for tr in page.locator("#record-fields tbody tr").all():
            assert tr.locator("td").nth(headers.index("Regel")).inner_text().strip(), (
                tr.inner_text()
            )
        # and values read as German words and dates, not Python or ISO
        text = page.locator("#content").inner_text()
        for raw in ("True", "False", "None", "'user'", "\tuser\t"):
            assert raw not in text, raw
        assert "Ja" in row.locator("xpath=..").inner_text()
        assert not ISO_DATE.search(text), ISO_DATE.search(text)
