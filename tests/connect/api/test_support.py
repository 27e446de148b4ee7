"""Support endpoints: health of every customer and record search; 404 for everyone else."""

from __future__ import annotations

import pytest

from tests.factories import sync_run

HEALTH = "/api/support/customers/"
RECORDS = "/api/support/records/"


@pytest.mark.parametrize("url", [HEALTH, f"{RECORDS}?q=1000"])
@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin_a", 404), ("viewer_b", 404), ("support", 200), ("operator", 200)],
)
def test_support_endpoints_exist_only_for_support_and_operators(api, tenancy, url, who, expected):
    api.force_authenticate(getattr(tenancy, who))
    assert api.get(url).status_code == expected


def test_health_list_shows_failures_and_filters_problems(api, tenancy):
    # given: customer A's last two runs failed; B never ran
    for status in ("succeeded", "failed", "failed"):
        sync_run(tenancy.a, status=status, trigger="schedule")
    api.force_authenticate(tenancy.support)
    # when
    body = api.get(HEALTH, {"sort": "failures"}).json()
    # then: A first, with its last run and the count of failures in a row
    assert [c["slug"] for c in body] == ["alpha", "beta"]
    alpha = body[0]
    stammdaten = next(u for u in alpha["use_cases"] if u["use_case"] == "stammdaten")
    assert stammdaten["consecutive_failures"] == 2
    assert stammdaten["last_run"]["status"] == "failed"
    assert alpha["connection_state"] == "missing"
    assert alpha["healthy"] is False
    only = api.get(HEALTH, {"query": "beta"}).json()
    assert [c["slug"] for c in only] == ["beta"]


def test_record_search_across_runs_and_customers(api, tenancy, finished_run):
    api.force_authenticate(tenancy.support)
    body = api.get(RECORDS, {"q": "1000-007"}).json()
    assert [(r["erp_key"], r["customer"], r["run_id"]) for r in body] == [
        ("1000-007", "alpha", finished_run.pk)
    ]
    assert api.get(RECORDS, {"q": "1000-007", "customer": "beta"}).json() == []
    assert api.get(RECORDS, {"q": "1000-007", "customer": "gibt-es-nicht"}).status_code == 404
    assert api.get(RECORDS).status_code == 400
