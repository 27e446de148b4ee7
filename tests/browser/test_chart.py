"""The run chart as a German reader's browser draws it: bars with geometry and a visible size."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from connect.models import Role
from tests.browser.pages import log_in
from tests.factories import CustomerFactory, MembershipFactory, UserFactory, sync_run

pytestmark = [pytest.mark.browser, pytest.mark.services]

NUMBER = r"^-?\d+(\.\d+)?$"


def _runs(customer, n=5):
    start = timezone.now() - timedelta(days=n)
    for i in range(n):
        at = start + timedelta(days=i, minutes=7)
        sync_run(
            customer,
            status="failed" if i == 2 else "succeeded",
            trigger="schedule",
            counts={"units": {"created": 3 + i, "updated": i, "skipped": 1}},
            at=at,
            took=timedelta(seconds=30 + 7 * i),
        )


def _assert_chart_draws(page, runs: int) -> None:
    bars = page.locator("#run-chart g.bar")
    assert bars.count() == runs
    rects = page.locator("#run-chart rect")
    assert rects.count() >= runs
    for i in range(rects.count()):
        rect = rects.nth(i)
        for name in ("x", "y", "width", "height"):
            value = rect.get_attribute(name) or ""
            # a localized "5,0" is no SVG length: the browser drops the bar
            assert re.match(NUMBER, value), f"rect {name}={value!r}"
        box = rect.bounding_box()
        assert box is not None
        assert box["width"] >= 5, box
        assert box["height"] >= 1, box
    # the dates under the bars stand apart, each one at its own bar
    lefts = []
    for i in range(bars.count()):
        box = bars.nth(i).locator("text.axis-date").bounding_box()
        assert box is not None
        lefts.append(round(box["x"]))
    assert len(set(lefts)) == runs, lefts
    assert lefts == sorted(lefts)


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_chart_draws_its_bars_in_german(live_server, page, docs_picture):
    # given: a customer with five finished runs (one failed)
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    _runs(customer)
    # when: the admin opens the dashboard in a German browser
    log_in(page, live_server.url, admin.username)
    page.goto(f"{live_server.url}/c/musterstadt/")
    assert page.locator("html").get_attribute("lang") == "de"
    docs_picture("chart-after", page.locator("#run-chart"))
    # then: every bar has numeric geometry and can be seen
    _assert_chart_draws(page, runs=5)


@pytest.mark.django_db(transaction=True)
def test_the_support_console_chart_draws_its_bars_in_german(live_server, page):
    customer = CustomerFactory(name="Musterstadt Wohnen GmbH", slug="musterstadt")
    support = UserFactory(is_support=True)
    _runs(customer, n=4)
    log_in(page, live_server.url, support.username)
    page.goto(f"{live_server.url}/support/")
    _assert_chart_draws(page, runs=4)
