"""Keyset pages of the run list and the record log: disjoint, complete, no COUNT."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connect.models import RunStatus, SyncRun, SyncRunItem
from connect.pagination import keyset_page, parse_cursor
from connect.portal.runs import ITEMS_PER_PAGE, RUNS_PER_PAGE
from tests.factories import sync_run

ENTITIES = ("units", "tenants", "owners")
ACTIONS = ("created", "updated", "skipped", "failed")
REASONS = ("", "no_email", "missing_reference")


@pytest.fixture
def logged_run(tenancy):
    run = sync_run(tenancy.a, status=RunStatus.SUCCEEDED)
    SyncRunItem.objects.bulk_create(
        SyncRunItem(
            run=run,
            customer=tenancy.a,
            entity=ENTITIES[n % 3],
            action=ACTIONS[n % 4],
            reason=REASONS[n % 3] if n % 4 == 2 else "",
            erp_key=f"1000-{n:04d}",
            external_id=f"WE1-{n:04d}",
        )
        for n in range(260)
    )
    # Another run's rows must never appear.
    other = sync_run(tenancy.a, "dokumente", status=RunStatus.SUCCEEDED)
    SyncRunItem.objects.bulk_create(
        SyncRunItem(run=other, customer=tenancy.a, entity="units", action="created", erp_key=str(n))
        for n in range(30)
    )
    return tenancy, run


def _links(body: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', body)
    return unescape(found.group(1)) if found else None


def _ids(body: str) -> list[str]:
    return re.findall(r"<td>(1000-\d{4})</td>", body)


def _walk(client, url: str, first_query: str) -> tuple[list[list[str]], list[list[str]]]:
    """All pages forward from the first, then all pages backward from the last."""
    forward: list[list[str]] = []
    query: str | None = first_query
    while query is not None:
        body = client.get(url + query).content.decode()
        forward.append(_ids(body))
        query = _links(body, "next")
        last_body = body
    backward: list[list[str]] = []
    query = _links(last_body, "prev")
    while query is not None:
        body = client.get(url + query).content.decode()
        backward.append(_ids(body))
        query = _links(body, "prev")
    return forward, backward


FILTERS = [
    {},
    {"action": "skipped"},
    {"reason": "no_email"},
    {"entity": "tenants"},
    {"entity": "units", "action": "created"},
    {"q": "1000-01"},
    {"action": "deleted"},  # nothing matches
]


@pytest.mark.parametrize("filters", FILTERS)
def test_record_log_pages_are_disjoint_complete_and_keep_the_filters(client, logged_run, filters):
    tenancy, run = logged_run
    client.force_login(tenancy.admin_a)
    url = reverse("portal:run", kwargs={"slug": "alpha", "run_id": run.pk})
    first = "?" + "&".join(f"{k}={v}" for k, v in filters.items())
    expected = [
        i.erp_key
        for i in SyncRunItem.objects.filter(
            run=run, **{k: v for k, v in filters.items() if k != "q"}
        )
        .filter(erp_key__icontains=filters.get("q", ""))
        .order_by("id")
    ]
    # when: paging forward to the end and back to the start
    forward, backward = _walk(client, url, first)
    # then: forward pages are full (but the last), disjoint and together exactly the filtered log
    flat = [key for page in forward for key in page]
    assert flat == expected
    assert all(len(page) == ITEMS_PER_PAGE for page in forward[:-1])
    # and: paging back gives the same pages in reverse order
    assert backward == list(reversed(forward[:-1]))


def test_run_list_pages_newest_first_and_complete(client, tenancy):
    runs = [sync_run(tenancy.a, status="succeeded").pk for _ in range(RUNS_PER_PAGE * 2 + 3)]
    sync_run(tenancy.b)
    client.force_login(tenancy.admin_a)
    url = reverse("portal:runs", kwargs={"slug": "alpha"})
    seen: list[int] = []
    query: str | None = ""
    pages = 0
    while query is not None:
        body = client.get(url + query).content.decode()
        seen += [int(n) for n in re.findall(r'<tr data-run="(\d+)"', body)]
        query = _links(body, "next")
        pages += 1
    assert pages == 3
    assert seen == sorted(runs, reverse=True)


@pytest.mark.parametrize("query", ["", "?action=skipped", "?reason=no_email&after=100"])
def test_record_log_page_issues_no_count(client, logged_run, query):
    tenancy, run = logged_run
    client.force_login(tenancy.support)
    url = reverse("portal:run", kwargs={"slug": "alpha", "run_id": run.pk})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url + query)
    assert response.status_code == 200
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert not [s for s in sql if "COUNT(" in s]
    assert not [s for s in sql if "OFFSET" in s]
    item_queries = [s for s in sql if 'FROM "CONNECT_SYNCRUNITEM"' in s]
    assert len(item_queries) == 1


def test_run_list_page_issues_no_count(client, tenancy):
    for _ in range(30):
        # one active run per use case at a time: finish each before the next
        sync_run(tenancy.a, status=RunStatus.SUCCEEDED)
    client.force_login(tenancy.admin_a)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("portal:runs", kwargs={"slug": "alpha"}) + "?after=999999")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("12", 12),
        ("-3", None),
        ("abc", None),
        ("0", None),
        ("9" * 30, None),
    ],
)
def test_cursors_from_the_query_string(raw, expected):
    assert parse_cursor(raw) == expected


@pytest.mark.django_db
def test_an_empty_page_has_no_links(tenancy):
    page = keyset_page(SyncRun.objects.filter(customer=tenancy.a), size=10)
    assert (len(page), page.has_next, page.has_previous) == (0, False, False)
    with pytest.raises(ValueError, match="positive"):
        keyset_page(SyncRun.objects.all(), size=0)
