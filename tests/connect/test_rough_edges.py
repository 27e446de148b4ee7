"""The portal's rough edges: one entity label everywhere, the run chart, queued runs."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from connect.models import SyncRun, SyncRunItem
from connect.services.sync_logs import sync_run_progress, sync_run_start
from connect.stats import BAR_WIDTH, FAILED_RUN_COLOR, run_chart


def _item(customer, run, entity="units"):
    return SyncRunItem.objects.create(
        run=run,
        customer=customer,
        entity=entity,
        action="skipped",
        reason="missing_reference",
        erp_key="einheit 1000/0001/01/003",
        external_id="1000-0001-01-003",
    )


def _finished_run(customer, status="succeeded", counts=None, days_ago=0):
    now = timezone.now() - timedelta(days=days_ago)
    run = SyncRun.objects.create(
        customer=customer,
        use_case="stammdaten",
        trigger="schedule",
        status=status,
        counts=counts or {"units": {"created": 5}},
        started_at=now,
        finished_at=now + timedelta(seconds=10),
    )
    SyncRun.objects.filter(pk=run.pk).update(created_at=now)
    return run


def test_support_search_shows_the_entity_labels_of_the_run_page(client, tenancy):
    run = _finished_run(tenancy.a)
    _item(tenancy.a, run)
    client.force_login(tenancy.support)
    # when: support searches the record, in German and in English
    german = client.get(reverse("portal:support-records"), {"q": "1000-0001-01-003"})
    english = client.get(
        reverse("portal:support-records"), {"q": "1000-0001-01-003"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    run_page = client.get(reverse("portal:run", args=["alpha", run.pk]))
    # then: "Einheiten" as on the run page, never the code
    table = r'<table class="listing" id="record-results">.*?</table>'
    results = re.search(table, german.text, re.S)
    assert "<td>Einheiten</td>" in results.group(0)
    assert "<td>units</td>" not in results.group(0)
    assert "<td>Einheiten</td>" in run_page.text
    assert "<td>Units</td>" in english.text


def test_the_api_names_the_entity_in_the_request_language(tenancy):
    api = APIClient()
    run = _finished_run(tenancy.a)
    _item(tenancy.a, run)
    api.force_authenticate(tenancy.admin_a)
    german = api.get(f"/api/customers/alpha/runs/{run.pk}/items/").json()
    english = api.get(
        f"/api/customers/alpha/runs/{run.pk}/items/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert german["results"][0]["entity_label"] == "Einheiten"
    assert english["results"][0]["entity_label"] == "Units"


def test_chart_bars_have_a_fixed_width_the_last_30_runs_and_failed_runs_red(tenancy):
    # given: one run
    _finished_run(tenancy.a, days_ago=40)
    single = run_chart(customers=[tenancy.a])
    # then: one narrow bar, not one over the full width
    assert len(single.bars) == 1
    assert single.bar_width == BAR_WIDTH < single.width / 20
    # given: 34 more runs, one of them failed without counts
    for n in range(33):
        _finished_run(tenancy.a, days_ago=33 - n)
    failed = _finished_run(tenancy.a, status="failed", counts={})
    chart = run_chart(customers=[tenancy.a])
    # then: the last 30, oldest on the left, each with its date, the failed one red and visible
    assert len(chart.bars) == 30
    assert chart.bars[-1].run_id == failed.pk
    assert chart.bars[-1].day == timezone.localtime(failed.created_at).strftime("%d.%m.")
    assert [s[0] for s in chart.bars[-1].segments] == ["failed_run"]
    assert chart.bars[-1].segments[0][2] > 0
    assert chart.colors["failed_run"] == FAILED_RUN_COLOR
    assert all(b.x < c.x for b, c in zip(chart.bars, chart.bars[1:], strict=False))


def test_dashboard_chart_writes_the_dates_under_the_bars(client, tenancy):
    run = _finished_run(tenancy.a, status="failed", counts={})
    client.force_login(tenancy.admin_a)
    page = client.get(reverse("portal:dashboard", args=["alpha"])).text
    day = timezone.localtime(run.created_at).strftime("%d.%m.")
    assert re.search(rf'<text class="axis-date"[^>]*>{re.escape(day)}</text>', page)
    assert f'fill="{FAILED_RUN_COLOR}"' in page
    assert 'data-status="failed"' in page


def test_a_queued_run_shows_since_when_it_waits(client, tenancy):
    run = SyncRun.objects.create(customer=tenancy.a, use_case="stammdaten", trigger="manual")
    client.force_login(tenancy.admin_a)
    since = timezone.localtime(run.created_at).strftime("%d.%m.%Y %H:%M")
    detail = client.get(reverse("portal:run", args=["alpha", run.pk])).text
    listing = client.get(reverse("portal:runs", args=["alpha"])).text
    assert f"in der Warteschlange seit {since}" in detail
    assert "gestartet \N{EN DASH}" not in detail
    assert f"in der Warteschlange seit {since}" in listing


def test_the_progress_of_a_running_run_carries_its_counts_so_far(client, tenancy):
    # given: a queued run: no numbers yet, and the page says why
    run = SyncRun.objects.create(customer=tenancy.a, use_case="stammdaten", trigger="manual")
    client.force_login(tenancy.admin_a)
    detail = client.get(reverse("portal:run", args=["alpha", run.pk])).text
    assert "Noch keine Zahlen: der Lauf wartet auf einen Worker." in detail
    # when: a worker starts it and commits its first batch, as the runner does
    sync_run_start(run=run)
    sync_run_progress(run=run, done=10, total=40, counts={"units": {"created": 4, "unchanged": 6}})
    progress = client.get(reverse("portal:runs-progress", args=["alpha"])).json()
    # then: the polled progress has the counts so far, in words, while the run still runs
    (mine,) = [r for r in progress["runs"] if r["id"] == run.pk]
    assert mine["active"] is True
    assert mine["started_text"].startswith("gestartet ")
    assert mine["counts"]["columns"] == ["angelegt", "unverändert"]
    assert mine["counts"]["rows"] == [["Einheiten", [4, 6]]]
    # and the page itself shows them too
    detail = client.get(reverse("portal:run", args=["alpha", run.pk])).text
    assert "Noch keine Zahlen" not in detail


def test_the_run_list_learns_when_a_queued_run_started(client, tenancy):
    run = SyncRun.objects.create(customer=tenancy.a, use_case="stammdaten", trigger="manual")
    client.force_login(tenancy.admin_a)
    listing = client.get(reverse("portal:runs", args=["alpha"])).text
    assert "<td data-started-short>in der Warteschlange seit" in listing
    sync_run_start(run=run)
    run.refresh_from_db()
    progress = client.get(reverse("portal:runs-progress", args=["alpha"])).json()
    (mine,) = [r for r in progress["runs"] if r["id"] == run.pk]
    assert mine["status_label"] == "läuft"
    assert mine["started_short"] == timezone.localtime(run.started_at).strftime("%d.%m.%Y %H:%M")
