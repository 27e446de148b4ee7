"""The existing-data page ("Bestehende facilioo-Daten zuordnen") reads facilioo's properties and
units and the ERP export from a short-lived cache per customer, like the settings page: a
viewer's visit never calls facilioo, people who may change load it once, and a refresh button
reads again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.integrations.sync.test_existing_data import sandbox, setup

__all__ = ["sandbox", "setup"]  # fixtures used by name


def _requests(sandbox) -> int:
    return sum(sandbox.counters()["by_route"].values())


@pytest.mark.django_db
def test_a_viewers_visit_makes_no_facilioo_request(client, tenancy, setup, sandbox):
    customer = setup[0]
    url = reverse("portal:existing-data", kwargs={"slug": customer.slug})
    client.force_login(tenancy.viewer_a)
    sandbox.reset_counters()
    for _ in range(3):
        page = client.get(url).content.decode()
    assert _requests(sandbox) == 0
    assert "Die facilioo-Daten sind noch nicht geladen." in page


@pytest.mark.django_db
def test_an_admin_loads_once_then_everyone_reads_the_cache(client, tenancy, setup, sandbox):
    customer, by_hand = setup[0], setup[1]
    url = reverse("portal:existing-data", kwargs={"slug": customer.slug})
    client.force_login(tenancy.admin_a)
    sandbox.reset_counters()
    assert f"(ID {by_hand['id']})" in client.get(url).content.decode()
    loaded = _requests(sandbox)
    assert loaded >= 1
    for user in (tenancy.viewer_a, tenancy.admin_a, tenancy.viewer_a):
        client.force_login(user)
        assert f"(ID {by_hand['id']})" in client.get(url).content.decode()
    assert _requests(sandbox) == loaded
    # when: the admin asks to read facilioo again
    client.force_login(tenancy.admin_a)
    assert client.post(f"{url}refresh/").status_code == 302
    assert f"(ID {by_hand['id']})" in client.get(url).content.decode()
    assert _requests(sandbox) > loaded
