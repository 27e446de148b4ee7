"""Parties as facilioo documents them, through the strict sandbox over HTTP (docs/facilioo.md).

Names as PrimaryName/SecondaryName, our external id merged into the party's list, e-mail and
phone as contact details, a lost create answer found again, parties never deleted, and only
what is provably ours adopted.
"""

from __future__ import annotations

import pytest

from connect.models import Customer
from connect.services.run_ledger import OrmRunLedger
from integrations.erp.edited import EditedConnector
from integrations.erp.records import Gebaeude, Person
from integrations.facilioo.client import FaciliooClient
from integrations.models import ExternalLink
from tests.factories import run_engine, running_run
from tests.integrations.sync.test_engine import DEMO, MANDANTEN, live, sync
from tooling.sandbox.testing import running_sandbox


@pytest.fixture
def sandbox():
    with running_sandbox(seed=True) as handle:
        yield handle


@pytest.fixture
def customer(db):
    return Customer.objects.create(name="Musterstadt Wohnen", slug="musterstadt")


def our_parties(sandbox):
    return [p for p in live(sandbox, "parties") if p["externalIds"]]


def test_parties_arrive_with_documented_names_ids_and_contact_details(customer, sandbox):
    # when
    _run, counts, _counters = sync(customer, sandbox)

    # then: every party has type 7, a SecondaryName and exactly our one external id
    parties = live(sandbox, "parties")
    assert len(parties) == counts.by_entity["parties"]["created"] > 0
    assert all(p["type"] == 7 and (p["primaryName"] or p["secondaryName"]) for p in parties)
    assert all(len(p["externalIds"]) == 1 for p in parties)
    # and e-mail addresses are contact details of their party, one per party and type
    details = live(sandbox, "contact-details")
    assert details
    assert len({(d["partyId"], d["contactTypeId"]) for d in details}) == len(details)
    by_id = {p["id"]: p for p in parties}
    assert all(by_id[d["partyId"]]["contactByEmail"] for d in details if d["contactTypeId"] == 1)


def test_a_lost_create_answer_leaves_no_orphan_party_and_no_duplicate_detail(customer, sandbox):
    # given: a quarter of the party and contact-detail creates go through, then the answer is lost
    sandbox.control(
        drop_rate=0.25,
        drop_mode="after",
        seed=11,
        fault_methods=["POST"],
        fault_paths=["/api/parties", "/api/contact-details"],
    )

    # when
    _run, counts, counters = sync(customer, sandbox)
    sandbox.control(drop_rate=0.0)

    # then: the lost creates were found again by their marker: every party carries our id, none
    # twice, and no marker is left on any
    assert counters["by_route"]["POST /api/parties/search"] >= 1
    parties = live(sandbox, "parties")
    assert [p["id"] for p in parties if not p["externalIds"]] == []
    assert [p["id"] for p in parties if p["quaternaryName"]] == []
    assert len(parties) == counts.by_entity["parties"]["created"]
    details = live(sandbox, "contact-details")
    assert len({(d["partyId"], d["contactTypeId"]) for d in details}) == len(details)


def test_a_party_shared_with_another_company_keeps_its_external_ids(customer, sandbox):
    # given: a first sync; another company adds its own id to one of our parties
    sync(customer, sandbox)
    party = our_parties(sandbox)[0]
    ours = party["externalIds"][0]
    sandbox.state.store.put_external_ids("parties", party["id"], ["FREMD-4711"], owner=99)
    # and our bookkeeping is lost, so the next run must find and adopt it by our id
    ExternalLink.objects.filter(customer=customer).delete()

    # when
    _run, counts, _counters = sync(customer, sandbox)

    # then: adopted, not duplicated, and the other company's id is still there
    assert sandbox.state.store.external_ids("parties", party["id"]) == [ours]
    assert sandbox.state.store.external_ids("parties", party["id"], owner=99) == ["FREMD-4711"]
    assert len(live(sandbox, "parties")) == len(our_parties(sandbox))
    assert counts.by_entity["parties"].get("created", 0) == 0
    assert counts.by_entity["parties"]["adopted"] >= 1


@pytest.mark.parametrize("policy", ["terminate", "delete"])
def test_a_party_gone_from_the_erp_is_never_deleted_only_unlinked(customer, sandbox, policy):
    # given: a synced person who also carries another company's id
    sync(customer, sandbox, deletion_policy=policy, safety_brake_percent=100)
    with_contract = {c["partyId"] for c in live(sandbox, "unit-contracts")}
    link = ExternalLink.objects.filter(
        customer=customer, entity="parties", facilioo_id__in=with_contract
    ).first()
    person_key = tuple(link.natural_key.split("\x1f"))
    sandbox.state.store.put_external_ids("parties", link.facilioo_id, ["FREMD-1"], owner=99)
    without = EditedConnector(
        DEMO, lambda item: None if isinstance(item, Person) and item.key == person_key else item
    )

    # when: the person leaves the ERP
    run, _counts, counters = sync(
        customer, sandbox, connector=without, deletion_policy=policy, safety_brake_percent=100
    )

    # then: the party stays, only our id is gone from its list; its contracts are ended
    assert not any(r.startswith("DELETE /api/parties") for r in counters["by_route"])
    party = sandbox.state.get("parties", link.facilioo_id)
    assert party["deleted"] is None
    assert sandbox.state.store.external_ids("parties", link.facilioo_id) == []
    assert sandbox.state.store.external_ids("parties", link.facilioo_id, owner=99) == ["FREMD-1"]
    item = run.items.get(entity="parties", action="unlinked")
    assert "bleibt in facilioo" in item.message
    contracts = [c for c in live(sandbox, "unit-contracts") if c["partyId"] == link.facilioo_id]
    assert contracts
    assert all(c["terminationAt"] for c in contracts)


def test_a_match_outside_the_assigned_tenants_is_reported_and_left_alone(customer, sandbox):
    # given: facilioo holds a property with our external id, but in a tenant not assigned
    first = next(g for g in DEMO.read("stammdaten", mandanten=MANDANTEN) if isinstance(g, Gebaeude))
    external_id = "-".join(first.key[1:])
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
        foreign = client.create(
            "properties", {"tenantId": 2, "name": "Fremd", "externalId": external_id}
        )

    # when
    run, _counts, _counters = sync(customer, sandbox)

    # then: logged as foreign_match with a German message; the record is untouched
    item = run.items.get(reason="foreign_match")
    assert item.external_id == external_id
    assert "außerhalb Ihrer Mandanten" in item.message
    assert run.status == "warning"
    assert sandbox.state.get("properties", foreign["id"])["name"] == "Fremd"
    assert sandbox.state.get("properties", foreign["id"])["tenantId"] == 2


def test_two_customers_sync_into_one_sandbox_without_seeing_each_other(db):
    from integrations.sync.streams.stammdaten import StammdatenSync
    from integrations.sync.types import StammdatenSettings
    from tests.integrations.sync.test_engine import TODAY

    def run(customer, sandbox, email, tenant, separator):
        record = running_run(customer)
        with FaciliooClient(sandbox.url, email, sandbox.password, workers=4) as client:
            engine = StammdatenSync(
                ledger=OrmRunLedger(record),
                client=client,
                connector=DEMO,
                today=TODAY,
                settings=StammdatenSettings(
                    separator=separator, mandanten=MANDANTEN, default_tenant_id=tenant
                ),
            )
            run_engine(record, engine)
        return engine.counts

    with running_sandbox(seed=True, accounts=2) as sandbox:
        first = Customer.objects.create(name="Erste", slug="erste")
        second = Customer.objects.create(name="Zweite", slug="zweite")
        run(first, sandbox, "sandbox@facilioo.example", 1, "-")
        before = {p["id"]: p for p in live(sandbox, "properties")}

        counts = run(second, sandbox, "sandbox2@facilioo.example", 21, "_")

        # the second company created its own records in its own tenant, adopting nothing
        assert counts.by_entity["properties"]["created"] == len(before)
        assert "adopted" not in counts.by_entity["properties"]
        after = live(sandbox, "properties")
        assert {p["tenantId"] for p in after if p["id"] not in before} == {21}
        # and the first company's records are untouched
        assert all(sandbox.state.get("properties", i) == p for i, p in before.items())
