"""Runs over the API: start (201, 409 while one is active), detail, cancel, record log pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connect.models import AuditLog, RunStatus, SyncRun
from tests.factories import activate_stammdaten, sync_run
from tests.problems import errors_at

RUNS = "/api/customers/alpha/runs/"


def test_start_a_run_then_a_second_is_refused_with_409(api, tenancy):
    # given: Stammdaten activated
    activate_stammdaten(tenancy.a)
    api.force_authenticate(tenancy.admin_a)
    # when: a dry run is started
    first = api.post(RUNS, {"use_case": "stammdaten", "dry_run": True}, format="json")
    # then: created as queued, triggered through the API
    assert first.status_code == 201, first.content
    run = SyncRun.objects.get(pk=first.json()["id"])
    assert (run.trigger, run.dry_run, run.status, run.requested_by) == (
        "api",
        True,
        "queued",
        tenancy.admin_a,
    )
    assert first.json()["status"] == "queued"
    # when: a second one of the same use case is started
    second = api.post(RUNS, {"use_case": "stammdaten"}, format="json")
    # then: refused with the German message and the active run's id
    assert second.status_code == 409
    body = second.json()
    assert "läuft bereits ein Lauf" in body["detail"]
    assert body["run_id"] == run.pk
    assert SyncRun.objects.count() == 1


def test_a_run_needs_a_known_use_case(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    response = api.post(RUNS, {"use_case": "heizkosten"}, format="json")
    assert response.status_code == 400
    assert errors_at(response.json(), "use_case") == ['"heizkosten" ist keine gültige Option.']


def test_run_detail_shows_status_progress_counts_and_times(api, tenancy):
    run = sync_run(
        tenancy.a,
        status=RunStatus.RUNNING,
        phase="write",
        done=5,
        total=20,
        counts={"units": {"created": 5}},
    )
    api.force_authenticate(tenancy.viewer_a)
    body = api.get(f"{RUNS}{run.pk}/").json()
    assert body["status"] == "running"
    assert body["status_label"] == "läuft"
    assert (body["phase"], body["progress_percent"]) == ("write", 25)
    assert body["counts"] == {"units": {"created": 5}}
    assert {"created_at", "started_at", "finished_at", "error_message"} <= set(body)


def test_a_run_of_another_customer_is_404_even_with_its_id(api, tenancy):
    other = sync_run(tenancy.b)
    api.force_authenticate(tenancy.admin_a)
    assert api.get(f"{RUNS}{other.pk}/").status_code == 404
    assert api.post(f"{RUNS}{other.pk}/cancel/").status_code == 404
    assert api.get(f"{RUNS}{other.pk}/items/").status_code == 404


def test_cancel_a_queued_run_and_again(api, tenancy):
    run = sync_run(tenancy.a)
    api.force_authenticate(tenancy.support)
    response = api.post(f"{RUNS}{run.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert AuditLog.objects.filter(action="run.cancel").count() == 1
    again = api.post(f"{RUNS}{run.pk}/cancel/")
    assert again.status_code == 400
    assert again.json()["detail"] == "Der Lauf ist bereits beendet."


def test_run_list_filters_and_pages_newest_first(api, tenancy):
    # given: 5 runs of A (3 failed), one of B
    for status in ("failed", "succeeded", "failed", "succeeded", "failed"):
        sync_run(tenancy.a, status=status)
    sync_run(tenancy.b)
    api.force_authenticate(tenancy.viewer_a)
    # when: failed runs, two per page
    first = api.get(RUNS, {"status": "failed", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    # then
    ids = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]]
    expected = list(
        SyncRun.objects.filter(customer=tenancy.a, status="failed")
        .order_by("-id")
        .values_list("id", flat=True)
    )
    assert ids == expected
    assert second["next"] is None
    assert api.get(RUNS, {"use_case": "dokumente"}).json()["results"] == []
    assert api.get(RUNS, {"status": "kaputt"}).status_code == 400


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, 30),
        ({"entity": "tenant"}, 15),
        ({"action": "skipped"}, 10),
        ({"reason": "no_email"}, 10),
        ({"entity": "unit", "action": "skipped"}, 5),
        ({"q": "1000-02"}, 10),
        ({"q": "1000-029"}, 1),
    ],
)
def test_record_log_filters(api, tenancy, finished_run, filters, expected):
    api.force_authenticate(tenancy.viewer_a)
    body = api.get(f"{RUNS}{finished_run.pk}/items/", {**filters, "page_size": 100}).json()
    assert len(body["results"]) == expected
    for item in body["results"]:
        for key in ("entity", "action", "reason"):
            if key in filters:
                assert item[key] == filters[key]


def test_record_log_cursor_pages_are_disjoint_and_complete_without_count(
    api, tenancy, finished_run
):
    # given
    api.force_authenticate(tenancy.viewer_a)
    url = f"{RUNS}{finished_run.pk}/items/?page_size=7"
    seen: list[int] = []
    pages = 0
    # when: following "next" to the end
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = api.get(url).json()
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
        pages += 1
    # then: every entry once, in order, on 5 pages
    assert pages == 5
    assert len(seen) == len(set(seen)) == 30
    assert seen == sorted(seen)
    assert "count" not in body


def test_starting_and_cancelling_through_the_api_keeps_the_reason_in_the_audit_log(tenancy):
    from rest_framework.test import APIClient

    from connect.models import AuditLog

    activate_stammdaten(tenancy.a)

    api = APIClient()
    api.force_authenticate(tenancy.support)
    created = api.post(
        "/api/customers/alpha/runs/",
        {"use_case": "stammdaten", "reason": "Kundenwunsch"},
        format="json",
    )
    assert created.status_code == 201, created.content
    cancelled = api.post(
        f"/api/customers/alpha/runs/{created.json()['id']}/cancel/",
        {"reason": "doch nicht"},
        format="json",
    )
    assert cancelled.status_code == 200, cancelled.content
    reasons = dict(
        AuditLog.objects.filter(customer=tenancy.a, action__startswith="run.").values_list(
            "action", "reason"
        )
    )
    assert reasons == {"run.start": "Kundenwunsch", "run.cancel": "doch nicht"}
