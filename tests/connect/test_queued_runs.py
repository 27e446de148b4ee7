"""A run that waits in the queue or runs: the run page and the run list say since when, and
show the counts so far."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from connect.services.sync_logs import sync_run_progress, sync_run_start
from tests.factories import sync_run


def test_a_queued_run_shows_since_when_it_waits(client, tenancy):
    run = sync_run(tenancy.a)
    client.force_login(tenancy.admin_a)
    since = timezone.localtime(run.created_at).strftime("%d.%m.%Y %H:%M")
    detail = client.get(reverse("portal:run", args=["alpha", run.pk])).text
    listing = client.get(reverse("portal:runs", args=["alpha"])).text
    assert f"in der Warteschlange seit {since}" in detail
    assert "gestartet \N{EN DASH}" not in detail
    assert f"in der Warteschlange seit {since}" in listing


def test_the_progress_of_a_running_run_carries_its_counts_so_far(client, tenancy):
    # given: a queued run: no numbers yet, and the page says why
    run = sync_run(tenancy.a)
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
    run = sync_run(tenancy.a)
    client.force_login(tenancy.admin_a)
    listing = client.get(reverse("portal:runs", args=["alpha"])).text
    assert "<td data-started-short>in der Warteschlange seit" in listing
    sync_run_start(run=run)
    run.refresh_from_db()
    progress = client.get(reverse("portal:runs-progress", args=["alpha"])).json()
    (mine,) = [r for r in progress["runs"] if r["id"] == run.pk]
    assert mine["status_label"] == "läuft"
    assert mine["started_short"] == timezone.localtime(run.started_at).strftime("%d.%m.%Y %H:%M")
