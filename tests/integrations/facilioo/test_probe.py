"""The conformance probe against the strict sandbox: CLI, stored result, portal page, drift."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from connect.models import AuditLog, Customer, FaciliooConnection
from connect.services.credentials import facilioo_connection_set
from tests.factories import connect_to_sandbox, sandbox_for

ENTITIES = {
    "properties",
    "entrances",
    "units",
    "parties",
    "contact-details",
    "unit-contracts",
    "document-groups",
    "files",
    "documents",
}


@pytest.fixture
def sandbox(settings):
    with sandbox_for(settings) as handle:
        yield handle


@pytest.fixture
def customer(db, sandbox):
    customer = Customer.objects.create(name="Prüf eG", slug="pruef")
    connect_to_sandbox(customer, sandbox)
    return customer


def probe(capsys, *args):
    code = 0
    try:
        call_command("facilioo", "probe", *args)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().out


def test_the_probe_is_green_against_the_strict_sandbox_and_cleans_up(capsys, customer, sandbox):
    # when
    code, out = probe(capsys, "pruef", "--json", "--tenant", "1")

    # then: every entity the product writes was checked, every field round-tripped
    result = json.loads(out)
    assert code == 0, result
    assert result["ok"] is True
    assert {c["entity"] for c in result["checks"]} == ENTITIES | {"auth"}
    assert all(set(c) >= {"entity", "field", "sent", "got", "outcome"} for c in result["checks"])
    # and what it created is removed or ended; the party only lost our external id
    live = {e: [r for r in sandbox.state.records(e) if not r.get("deleted")] for e in ENTITIES}
    assert not live["properties"]
    assert not live["units"]
    assert not live["documents"]
    assert all(c["terminationAt"] for c in live["unit-contracts"])
    assert [p["externalIds"] for p in live["parties"]] == [[], []]
    assert [p["quaternaryName"] for p in live["parties"]] == [None, None]
    # and the go-live checklist confirms every inferred assumption
    assert {a["verdict"] for a in result["assumptions"]} == {"confirmed"}
    # and the result is kept with its time, and audited
    connection = FaciliooConnection.objects.get(customer=customer)
    assert connection.probe_result["ok"] is True
    assert connection.probe_at is not None
    assert AuditLog.objects.filter(action="facilioo_connection.probe").exists()


def test_the_probe_names_exactly_the_field_a_drifted_server_ignores(capsys, customer, sandbox):
    # given: facilioo silently ignores the unit's floor
    sandbox.control(ignore_fields={"units": ["floor"]})

    # when
    code, out = probe(capsys, "pruef", "--json", "--tenant", "1")

    # then
    result = json.loads(out)
    assert code == 1
    assert result["ok"] is False
    mismatches = [c for c in result["checks"] if c["outcome"] != "accepted"]
    assert mismatches == [
        {"entity": "units", "field": "floor", "sent": 2, "got": None, "outcome": "ignored"}
    ]


def test_the_probe_text_output_names_the_mismatch(capsys, customer, sandbox):
    sandbox.control(ignore_fields={"parties": ["secondaryName"]})

    code, out = probe(capsys, "pruef", "--tenant", "1")

    assert code == 1
    assert "parties          lastName         ignored" in out
    assert "Abweichungen gefunden." in out


def test_production_needs_an_explicit_test_tenant(db):
    customer = Customer.objects.create(name="Live eG", slug="live")
    facilioo_connection_set(
        customer=customer,
        actor=None,
        username="pm@example.com",
        password="geheim-genug",
        environment="production",
    )

    with pytest.raises(CommandError, match="ausdrücklich gewähltes Test-Projekt"):
        call_command("facilioo", "probe", "live")


def test_the_portal_page_runs_the_probe_and_shows_the_last_result(client, tenancy, settings):
    with sandbox_for(settings) as sandbox:
        connect_to_sandbox(tenancy.a, sandbox)
        url = reverse("portal:facilioo-probe", kwargs={"slug": tenancy.a.slug})
        # a viewer sees the page but may not run it
        client.force_login(tenancy.viewer_a)
        assert "noch nicht geprüft" in client.get(url).content.decode()
        assert client.post(url, {"tenant_id": "1"}).status_code == 403
        # support may run it; a wrong tenant number gets a German message
        client.force_login(tenancy.support)
        bad = client.post(url, {"tenant_id": "eins"})
        assert bad.status_code == 400
        assert "Nummer eines facilioo-Projekts" in bad.content.decode()
        response = client.post(url, {"tenant_id": "1"}, follow=True)

    page = response.content.decode()
    assert "Die Schnittstelle arbeitet wie erwartet." in page
    assert "in Ordnung" in page
    assert 'id="probe-checks"' in page
    # and the go-live checklist, each assumption confirmed
    assert "Checkliste für den Produktivstart" in page
    assert "Externe IDs: die Sammelsuche findet unsere ID ohne Rücksicht auf" in page
    assert page.count('class="assumption-confirmed"') == 7
    assert 'class="assumption-refuted"' not in page


def test_the_probe_refutes_a_lookup_that_ignores_its_filter(capsys, customer, sandbox):
    # given: a facilioo whose lookup ignores its filters and answers every id we own
    store = sandbox.state.store
    lookup = store.lookup_external_ids
    store.lookup_external_ids = lambda party_ids, external_ids: lookup(None, None)

    # when
    code, out = probe(capsys, "pruef", "--json", "--tenant", "1")

    # then: the lookup checks fail and the checklist names the assumption refuted
    result = json.loads(out)
    assert code == 1
    verdicts = {a["key"]: a["verdict"] for a in result["assumptions"]}
    assert verdicts["lookup"] == "refuted"
    assert verdicts["contact_types"] == "confirmed"


def test_staging_defaults_to_the_documented_host(settings):
    from django.conf import settings as django_settings

    from integrations.facilioo.client import FaciliooClient

    assert FaciliooClient.base_url_for("staging") == django_settings.FACILIOO_STAGING_URL
    assert django_settings.FACILIOO_STAGING_URL == "https://staging-api.facilioo.de"


def test_a_refusal_is_reported_with_status_and_message(capsys, customer, sandbox):
    # tenant 3 exists in facilioo, but this account may not write into it
    code, out = probe(capsys, "pruef", "--json", "--tenant", "3")

    result = json.loads(out)
    assert code == 1
    refused = [c for c in result["checks"] if c["outcome"] == "refused"]
    assert refused == [
        {
            "entity": "properties",
            "field": "tenantId",
            "sent": 3,
            "got": None,
            "outcome": "refused",
            "message": refused[0]["message"],
            "message_data": refused[0]["message_data"],
        }
    ]
    # a translated sentence with the status, facilioo's own words quoted after it
    assert refused[0]["message"].startswith("facilioo hat den Datensatz abgelehnt (HTTP 400): „")
    assert "nicht sichtbar" in refused[0]["message"]
    assert refused[0]["message_data"]["params"]["status"] == 400
