"""The portal's frame as a German viewer sees it: the menu, the read-only note, no missing files."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from connect.models import Role, SyncRun
from connect.services.sync_logs import sync_run_progress, sync_run_start
from tests.browser.conftest import AXE_RUN
from tests.browser.pages import log_in
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory, sync_run

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.mark.django_db(transaction=True)
def test_a_viewer_sees_the_menu_a_read_only_note_and_nothing_missing(live_server, page):
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    viewer = MembershipFactory(customer=customer, role=Role.VIEWER).user
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    # when: the viewer logs in (a first visit: nothing cached)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", viewer.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/c/musterstadt/")
    page.wait_for_load_state("networkidle")
    # then: the menu leads to the reconciliation, a note says the viewer only reads
    menu = page.get_by_role("navigation", name="Kundennavigation")
    menu.get_by_role("link", name="Abgleich").click()
    page.wait_for_url(f"{live_server.url}/c/musterstadt/reconciliations/")
    assert "nur Leserechte" in page.locator("#readonly-hint").inner_text()
    # and no file the pages asked for was missing (the icon included)
    assert not missing, missing


@pytest.mark.django_db(transaction=True)
def test_an_admin_gets_no_read_only_note(live_server, page):
    customer = CustomerFactory(slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    log_in(page, live_server.url, admin.username, lands_on="/c/musterstadt/")
    assert page.locator("#readonly-hint").count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_password_reset_page_is_the_portals_in_german(live_server, page):
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    # when: "Passwort vergessen?" is followed from the login page
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Passwort vergessen?").click()
    page.wait_for_load_state("networkidle")
    # then: the portal's page, in German, with nothing missing
    assert page.title() == "Passwort vergessen | Connect · facilioo"
    assert page.locator("h1").inner_text() == "Passwort vergessen"
    page.get_by_label("E-Mail-Adresse").fill("niemand@example.org")
    page.get_by_role("button", name="Link senden").click()
    page.wait_for_url(f"{live_server.url}/password-reset/done/")
    assert (
        "ist eine E-Mail mit dem Link unterwegs"
        in page.locator("#password-reset-sent").inner_text()
    )
    assert not missing, missing


@pytest.mark.django_db(transaction=True)
def test_a_queued_run_that_starts_says_so_without_a_reload(live_server, page):
    # given: a queued run on its page
    customer = CustomerFactory(slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    run = sync_run(customer)
    log_in(page, live_server.url, admin.username, lands_on="/c/musterstadt/")
    page.goto(f"{live_server.url}/c/musterstadt/runs/{run.pk}/")
    assert "in der Warteschlange seit" in page.locator("#run-started").inner_text()
    # when: a worker starts it
    sync_run_start(run=run)
    # then: the page says it runs and since when, no longer that it waits
    expect(page.locator("#run-started")).to_contain_text("gestartet", timeout=15_000)
    assert page.locator("#run-status").inner_text() == "läuft"
    assert "Warteschlange" not in page.locator("#run-progress").inner_text()


@pytest.mark.django_db(transaction=True)
def test_a_running_run_shows_its_numbers_so_far_without_a_reload(live_server, page):
    # given: a queued run on its page: no numbers yet, and it says why
    customer = CustomerFactory(slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    run = SyncRun.objects.create(
        customer=customer, use_case="stammdaten", trigger="manual", status="queued"
    )
    log_in(page, live_server.url, admin.username, lands_on="/c/musterstadt/")
    page.goto(f"{live_server.url}/c/musterstadt/runs/{run.pk}/")
    expect(page.locator("#run-counts")).to_contain_text("wartet auf einen Worker")
    # when: a worker starts it and records its first batch, as the runner does
    sync_run_start(run=run)
    sync_run_progress(
        run=run,
        done=12,
        total=40,
        counts={"properties": {"created": 2}, "units": {"created": 4, "unchanged": 6}},
    )
    # then: the page shows since when it runs and the numbers so far, still running
    expect(page.locator("#run-started")).to_contain_text("gestartet", timeout=15_000)
    counts = page.locator("#run-counts")
    expect(counts).to_contain_text("Einheiten", timeout=15_000)
    assert page.locator("#run-status").inner_text() == "läuft"
    assert "Noch keine Zahlen" not in counts.inner_text()
    rows = counts.locator("tbody tr")
    assert rows.count() == 2
    # (the words of the headers; the admin's stylesheet shows table headers in capitals)
    headers = counts.locator("thead th").all_text_contents()
    assert headers == ["Entität", "angelegt", "unverändert"]
    assert rows.nth(1).locator("td").all_inner_texts() == ["Einheiten", "4", "6"]
    expect(page.locator("[data-progress-text]")).to_have_text("12 / 40")


@pytest.mark.django_db(transaction=True)
def test_the_schedule_picker_reads_as_one_line(live_server, page, docs_picture):
    # given: an admin on the Stammdaten settings page
    customer = CustomerFactory(slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    log_in(page, live_server.url, admin.username, lands_on="/c/musterstadt/")
    page.goto(f"{live_server.url}/c/musterstadt/usecases/stammdaten/")
    picker = page.locator("#schedule-picker")
    docs_picture("schedule-after", picker)
    # then: the seven days stand in one row, each day's box beside its name
    days = picker.locator("input[name=schedule_days]")
    assert days.count() == 7
    tops = set()
    for i in range(7):
        box = days.nth(i).bounding_box()
        label = days.nth(i).locator("xpath=..").bounding_box()
        assert box is not None
        assert label is not None
        tops.add(round(box["y"]))
        assert abs(label["y"] - box["y"]) < label["height"], (i, label, box)
    assert len(tops) == 1, tops
    # and the time field follows "um" right after the last day, on the same line
    sunday = days.nth(6).locator("xpath=..").bounding_box()
    um = picker.locator("label[for=id_schedule_times]").bounding_box()
    time_field = picker.locator("#id_schedule_times").bounding_box()
    assert sunday is not None
    assert um is not None
    assert time_field is not None
    assert abs(um["y"] - sunday["y"]) < sunday["height"], (um, sunday)
    assert 0 <= time_field["x"] - (um["x"] + um["width"]) < 40, (um, time_field)


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_pass_axe_once_drawn(live_server, page):
    """Swagger UI draws the operations after the page has loaded, so axe-core runs again then."""
    customer = CustomerFactory(slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    log_in(page, live_server.url, admin.username, lands_on="/c/musterstadt/")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)
    found = page.evaluate(AXE_RUN)
    assert not found, found


def _try_out(page, method: str, path: str) -> None:
    """Expand an operation of the API docs and press its "Try it out"."""
    operation = page.locator(f".opblock-{method}").filter(
        has=page.locator(".opblock-summary-path", has_text=path)
    )
    operation = operation.first
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    expect(operation.get_by_role("button", name="Execute")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_pass_axe_with_operations_tried_out(live_server, page):
    """An operation expanded with "Try it out" pressed shows parameter fields, a body editor and
    its buttons: axe-core checks those too."""
    # given: an admin on the API docs, the operations drawn
    customer = CustomerFactory(slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    log_in(page, live_server.url, admin.username, lands_on="/c/musterstadt/")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)
    # when: the run list (query parameters) and the run start (a body) are tried out
    _try_out(page, "get", "/api/customers/{slug}/runs/")
    _try_out(page, "post", "/api/customers/{slug}/runs/")
    assert page.get_by_role("button", name="Execute").count() == 2
    # then: axe-core finds nothing
    found = page.evaluate(AXE_RUN)
    assert not found, found
    # when: the run list is executed for the admin's customer
    runs = page.locator("#operations-customers-runs_list")
    runs.locator('tr[data-param-name="slug"] input').fill("musterstadt")
    runs.get_by_role("button", name="Execute").click()
    expect(runs.locator(".live-responses-table tbody .response-col_status").first).to_contain_text(
        "200"
    )
    # then: the request and its answer pass axe-core too
    found = page.evaluate(AXE_RUN)
    assert not found, found
