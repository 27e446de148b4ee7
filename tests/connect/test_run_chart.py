"""The run chart of the dashboard: fixed-width bars of the last 30 runs, dates, failed runs."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from connect.stats import BAR_WIDTH, FAILED_RUN_COLOR, run_chart
from tests.factories import sync_run


def _finished_run(customer, status="succeeded", counts=None, days_ago=0):
    now = timezone.now() - timedelta(days=days_ago)
    return sync_run(
        customer,
        status=status,
        trigger="schedule",
        counts=counts or {"units": {"created": 5}},
        at=now,
        took=timedelta(seconds=10),
    )


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
