"""Support's record search finds a tenant by name, and says so plainly when nothing matches."""

from __future__ import annotations

from connect.models import SyncRunItem
from integrations.models import ExternalLink
from tests.factories import UserFactory, sync_run


def _tenant(customer, person_nr, first, last):
    return ExternalLink.objects.create(
        customer=customer,
        entity="parties",
        natural_key=f"person\x1f1000\x1f{person_nr}",
        external_id=f"1000-{person_nr}",
        facilioo_id=400 + int(person_nr),
        payload_hash="h",
        sent_body={"kind": "user", "firstNames": first, "lastName": last, "email": None},
    )


def test_support_finds_a_tenant_by_name(client, tenancy):
    # given: a synced tenant "Anna Schäfer" of customer A, logged by a run, and another tenant
    _tenant(tenancy.a, "7", "Anna", "Schäfer")
    _tenant(tenancy.b, "8", "Bernd", "Müller")
    run = sync_run(tenancy.a, status="succeeded")
    SyncRunItem.objects.create(
        run=run,
        customer=tenancy.a,
        entity="parties",
        action="created",
        erp_key="person 1000/7",
        external_id="1000-7",
    )
    client.force_login(UserFactory(is_support=True))
    # when: support searches for the name
    page = client.get("/support/records/", {"q": "schäfer"}).content.decode()
    # then: the record is found, with its name and a link to explain it, and its log entry
    assert 'id="record-matches"' in page
    assert "Anna Schäfer" in page
    assert "/c/alpha/records/parties/1000/7/" in page
    assert "Müller" not in page
    assert f"#{run.pk}" in page


def test_no_match_says_nothing_was_found(client, tenancy):
    client.force_login(UserFactory(is_support=True))
    page = client.get("/support/records/", {"q": "Niemand"}).content.decode()
    assert "Kein Datensatz gefunden" in page
    assert "Kein Lauf hat diesen Datensatz protokolliert" not in page
