"""Existing facilioo data at go-live: suggested, confirmed, adopted; a taken number reported."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connect.models import AuditLog
from integrations.erp.records import Einheit, Gebaeude
from integrations.facilioo.client import FaciliooClient
from tests.factories import activate_stammdaten, connect_to_sandbox, sandbox_for
from tests.integrations.sync.test_engine import DEMO, MANDANTEN, live, sync


@pytest.fixture
def sandbox(settings):
    with sandbox_for(settings) as handle:
        yield handle


@pytest.fixture
def setup(tenancy, sandbox):
    customer = tenancy.a
    customer.demo_units, customer.demo_seed = 60, 1
    customer.save()
    connect_to_sandbox(customer, sandbox)
    activate_stammdaten(customer, mandanten=MANDANTEN)
    records = list(DEMO.read("stammdaten", mandanten=MANDANTEN))
    first, second = [r for r in records if isinstance(r, Gebaeude)][:2]
    unit = next(
        r
        for r in records
        if isinstance(r, Einheit)
        and r.gebaeude_nr == first.gebaeude_nr
        and r.we_nr == first.we_nr
        and r.mandant_nr == first.mandant_nr
    )
    # entered by hand in facilioo: the first building (by its address) with one unit, and a
    # property that uses the second building's number
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
        by_hand = client.create(
            "properties",
            {
                "tenantId": 1,
                "name": "Von Hand",
                "street": first.strasse,
                "houseNumber": first.hausnummer,
                "zipCode": first.plz,
            },
        )
        hand_unit = client.create(
            "units", {"entranceId": by_hand["id"], "name": "Whg", "number": unit.einheit_nr}
        )
        client.create(
            "properties",
            {"tenantId": 1, "name": "Belegt", "number": "-".join(second.key[1:])},
        )
    return customer, by_hand, hand_unit, first, unit


def test_confirmed_matches_are_adopted_by_the_next_run_never_duplicated(
    client, tenancy, sandbox, setup
):
    customer, by_hand, hand_unit, first, unit = setup
    url = reverse("portal:existing-data", kwargs={"slug": customer.slug})
    client.force_login(tenancy.admin_a)

    # the page suggests the building by address and the unit by its number
    page = client.get(url).content.decode()
    assert "Von Hand" in page
    assert "-".join(first.key[1:]) in page
    assert "Adresse" in page
    assert "Einheitennummer" in page

    # the admin confirms the building in the portal, the unit through the API
    response = client.post(
        url,
        {
            "entity": "properties",
            "facilioo_id": by_hand["id"],
            "natural_key": "\x1f".join(first.key),
            "external_id": "-".join(first.key[1:]),
            "decision": "confirm",
        },
    )
    assert response.status_code == 302
    api = client.post(
        reverse("api:existing-data", kwargs={"slug": customer.slug}),
        {
            "entity": "units",
            "facilioo_id": hand_unit["id"],
            "erp_key": list(unit.key),
            "external_id": "-".join(unit.key[1:]),
            "confirm": True,
        },
        content_type="application/json",
    )
    assert api.status_code == 204, api.content
    assert AuditLog.objects.filter(action="existing_data.confirm").count() == 2

    # when
    run, counts, _ = sync(customer, sandbox)

    # then: both adopted (updated with our data and ids), nothing duplicated
    assert counts.by_entity["properties"]["adopted"] == 1
    assert counts.by_entity["units"]["adopted"] == 1
    adopted = sandbox.state.get("properties", by_hand["id"])
    assert adopted["externalId"] == "-".join(first.key[1:])
    assert [
        p["id"] for p in live(sandbox, "properties") if p["externalId"] == adopted["externalId"]
    ] == [by_hand["id"]]
    assert sandbox.state.get("units", hand_unit["id"])["externalId"] == "-".join(unit.key[1:])
    # and a create whose number is taken is reported as such, not retried
    taken = run.items.get(reason="number_taken")
    assert taken.action == "failed"
    assert "Nummer in diesem Mandanten bereits vergeben" in taken.message


def test_an_admin_may_reject_a_suggestion_and_a_viewer_may_not_decide(client, tenancy, setup):
    customer, by_hand, _hand_unit, first, _unit = setup
    url = reverse("portal:existing-data", kwargs={"slug": customer.slug})
    form = {
        "entity": "properties",
        "facilioo_id": by_hand["id"],
        "natural_key": "\x1f".join(first.key),
        "external_id": "-".join(first.key[1:]),
        "decision": "reject",
    }
    client.force_login(tenancy.viewer_a)
    assert client.post(url, form).status_code == 403

    client.force_login(tenancy.admin_a)
    assert client.post(url, form).status_code == 302
    assert "abgelehnt" in client.get(url).content.decode()
    bad = client.post(url, {**form, "decision": "confirm", "natural_key": "einheit\x1fx"})
    assert bad.status_code == 400
    assert "passt nicht zu diesem facilioo-Datensatz" in bad.content.decode()
