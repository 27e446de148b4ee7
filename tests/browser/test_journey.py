"""The README's story in a browser: from the first login to a record support can explain.

Real parts throughout: Debian's Chromium via Playwright, the live Django server, the facilioo
sandbox over HTTP, and a real Celery worker (in-process thread) consuming the configured broker.
"""

from __future__ import annotations

import re

import pytest
from celery.contrib.testing.worker import start_worker

from connect.celery import app as celery_app
from connect.models import Role, SyncRun
from tests.browser.pages import log_in
from tests.factories import CustomerFactory, MembershipFactory, UserFactory, sandbox_for

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def sandbox(settings):

    with sandbox_for(settings) as handle:
        yield handle


@pytest.fixture
def worker(transactional_db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


def wait_for_run_end(page, timeout_ms=120_000):
    page.wait_for_selector(
        "#run-status[data-status=succeeded], #run-status[data-status=warning], "
        "#run-status[data-status=failed]",
        timeout=timeout_ms,
    )


def test_the_whole_journey(live_server, page, screenshot, sandbox, worker, new_page, docs_picture):
    base = live_server.url
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt", demo_units=60)
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    support = UserFactory(is_support=True)

    # 1. the admin logs in and sees the dashboard in German
    log_in(page, base, admin.username)
    page.wait_for_url(f"{base}/c/musterstadt/")
    screenshot("dashboard")
    assert page.locator("#card-facilioo h2").inner_text() == "facilioo-Verbindung"

    # 2. enters the sandbox credentials and tests the connection
    page.click("text=Verbindung verwalten")
    page.fill("#id_username", sandbox.email)
    page.fill("#id_password", sandbox.password)
    page.select_option("#id_environment", "sandbox")
    page.click("input[name=save]")
    page.click("#test-connection")
    page.wait_for_selector(".messagelist .success")
    screenshot("verbindung-getestet")
    assert "Verbindung erfolgreich" in page.locator(".messagelist").inner_text()
    assert sandbox.password not in page.content()

    # 3. activates Stammdaten with separator and Mandanten
    page.goto(f"{base}/c/musterstadt/usecases/stammdaten/")
    page.select_option("#id_separator", "-")
    for box in page.locator("input[name=mandanten]").all():
        box.check()
    default_tenant = page.locator("#id_default_tenant_id")
    if default_tenant.evaluate("e => e.tagName") == "SELECT":
        default_tenant.select_option("1")
    else:
        default_tenant.fill("1")
    page.click("#activate")
    page.wait_for_selector(".messagelist .success")
    docs_picture("settings-after", page.locator("#usecase-form"))
    screenshot("stammdaten-aktiviert")

    # 4. runs the dry run (preview) and sees what would be created
    page.click("#dry-run")
    page.wait_for_url(re.compile(r".*/runs/\d+/$"))
    wait_for_run_end(page)
    screenshot("vorschau")
    assert page.locator("#run-status").get_attribute("data-status") == "succeeded"
    assert sandbox.state.records("units") == []  # a preview writes nothing

    # 5. starts the sync and watches the progress bar finish
    page.goto(f"{base}/c/musterstadt/usecases/stammdaten/")
    page.click("#sync-now")
    page.wait_for_url(re.compile(r".*/runs/\d+/$"))
    screenshot("synchronisation-laeuft")
    wait_for_run_end(page)
    screenshot("synchronisation-fertig")
    assert page.locator("#run-status").get_attribute("data-status") == "succeeded"
    assert page.locator(".progress > div").first.get_attribute("style") == "width: 100%"
    run = SyncRun.objects.filter(customer=customer, dry_run=False).get()
    assert len(sandbox.state.records("units")) == run.counts["units"]["created"] == 60

    # 6. opens the run's log and finds a tenant skipped for having no e-mail address
    page.locator("#log-filter select[name=reason]").select_option(label="keine E-Mail-Adresse")
    page.click("#log-filter input[type=submit]")
    row = page.locator("#run-items tbody tr").first
    screenshot("protokoll-ohne-email")
    assert "keine E-Mail-Adresse" in row.inner_text()
    external_id = row.locator("td").nth(5).inner_text().strip()
    assert re.fullmatch(r"\d+-\S+", external_id), external_id

    # 7. support logs in elsewhere and finds that record by its externalId
    support_page = new_page()
    log_in(support_page, base, support.username)
    support_page.goto(f"{base}/support/records/")
    support_page.fill("#record-search input[name=q]", external_id)
    support_page.click("#record-search input[type=submit]")
    results = support_page.locator("#record-results tbody").inner_text()
    screenshot("support-suche", support_page)
    assert "Musterstadt Wohnen GmbH" in results
    assert "keine E-Mail-Adresse" in results
    assert external_id in results
