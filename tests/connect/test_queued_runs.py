"""A run that waits in the queue: the run page and the run list say since when."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

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
