"""One label for an entity everywhere: the run page, the support search and the API, in the
language of the request."""

from __future__ import annotations

import re

from django.urls import reverse
from rest_framework.test import APIClient

from connect.models import SyncRunItem
from tests.factories import sync_run


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


def test_support_search_shows_the_entity_labels_of_the_run_page(client, tenancy):
    run = sync_run(tenancy.a, status="succeeded", counts={"units": {"skipped": 1}})
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
    run = sync_run(tenancy.a, status="succeeded", counts={"units": {"skipped": 1}})
    _item(tenancy.a, run)
    api.force_authenticate(tenancy.admin_a)
    german = api.get(f"/api/customers/alpha/runs/{run.pk}/items/").json()
    english = api.get(
        f"/api/customers/alpha/runs/{run.pk}/items/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert german["results"][0]["entity_label"] == "Einheiten"
    assert english["results"][0]["entity_label"] == "Units"
