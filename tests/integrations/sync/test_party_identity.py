"""facilioo's identity model, through the sandbox over HTTP: parties are shared, their external
ids are owned per company (reference §17).

Three customers on three facilioo accounts with the same ERP numbers, parties another company
planted with our very id strings, a party facilioo merged, and a removal: each customer ends
with parties that carry its own ids only, and never touches a party only another company's id
points to.
"""

from __future__ import annotations

import pytest

from connect.models import Customer
from connect.services.run_ledger import OrmRunLedger
from integrations.erp.edited import EditedConnector
from integrations.erp.records import Person
from integrations.facilioo.client import FaciliooClient
from integrations.models import ExternalLink
from integrations.sync.streams.stammdaten import StammdatenSync
from integrations.sync.types import StammdatenSettings
from tests.factories import run_engine, running_run
from tests.integrations.sync.test_engine import DEMO, MANDANTEN, TODAY, live
from tooling.sandbox.app import account_email
from tooling.sandbox.testing import running_sandbox

FOREIGN_COMPANY = 99


@pytest.fixture
def sandbox():
    with running_sandbox(seed=True, accounts=3) as handle:
        yield handle


def tenant_of(account: int) -> int:
    """The first tenant of a sandbox account (account 1 sees 1 and 2; account n 10n+1, 10n+2)."""
    return 1 if account == 1 else 10 * account + 1


def sync(customer, sandbox, account=1, *, connector=DEMO, **settings):
    run = running_run(customer)
    sandbox.reset_counters()
    with FaciliooClient(sandbox.url, account_email(account), sandbox.password, workers=4) as c:
        engine = StammdatenSync(
            ledger=OrmRunLedger(run),
            client=c,
            connector=connector,
            today=TODAY,
            settings=StammdatenSettings(
                separator="-",
                mandanten=MANDANTEN,
                default_tenant_id=tenant_of(account),
                **settings,
            ),
        )
        run_engine(run, engine)
    return run, engine.counts, sandbox.counters()


def owners(party) -> dict[int, list[str]]:
    return {int(owner): ids for owner, ids in party["externalIdsByOwner"].items()}


def customers(n: int) -> list[Customer]:
    return [Customer.objects.create(name=f"Kunde {i}", slug=f"kunde-{i}") for i in range(1, n + 1)]


def test_three_customers_with_the_same_numbers_end_with_disjoint_parties(db, sandbox):
    # when: three customers with identical ERP numbers sync into three accounts
    results = [sync(c, sandbox, account) for account, c in enumerate(customers(3), start=1)]

    # then: every run succeeded and created its own parties, adopting none of another's
    created = [counts.by_entity["parties"]["created"] for _run, counts, _c in results]
    assert all(run.status == "succeeded" for run, _counts, _c in results)
    assert created[0] > 0
    assert created == [created[0]] * 3
    assert all("adopted" not in counts.by_entity["parties"] for _r, counts, _c in results)
    # and each party carries the ids of exactly one company
    parties = live(sandbox, "parties")
    assert len(parties) == 3 * created[0]
    assert all(len(owners(p)) == 1 for p in parties)
    # and each customer's links point at parties only its own company holds ids on
    for company, customer in enumerate(Customer.objects.order_by("pk"), start=1):
        linked = set(
            ExternalLink.objects.filter(customer=customer, entity="parties").values_list(
                "facilioo_id", flat=True
            )
        )
        assert {company} == {c for p in parties if p["id"] in linked for c in owners(p)}


def test_parties_of_another_company_with_our_id_strings_stay_untouched(db, sandbox):
    # given: another company holds parties that carry the very ids this customer computes
    customer = customers(1)[0]
    persons = [p for p in DEMO.read("stammdaten", mandanten=MANDANTEN) if isinstance(p, Person)]
    ids = sorted({f"{p.mandant_nr}-{p.person_nr}" for p in persons})
    planted = sandbox.plant_parties(
        FOREIGN_COMPANY,
        [{"secondaryName": f"Fremd {i}", "externalIds": [value]} for i, value in enumerate(ids)],
    )
    before = {
        p["id"]: p for p in sandbox.state.records("parties") if p["id"] in planted_ids(planted)
    }

    # when
    run, counts, counters = sync(customer, sandbox)

    # then: the customer created its own parties; nothing was skipped as foreign
    assert run.status == "succeeded"
    assert counts.by_entity["parties"]["created"] > 0
    assert not run.items.filter(reason="foreign_match").exists()
    # and the planted parties are exactly as they were: names, ids, no write
    after = {p["id"]: p for p in sandbox.state.records("parties") if p["id"] in before}
    assert after == before
    assert not any(
        route.split()[0] in {"PATCH", "PUT"} and f"/{pid}" in route
        for route in counters["by_route"]
        for pid in before
    )


def planted_ids(planted) -> set[int]:
    return {int(p["id"]) for p in planted}


def test_the_lookup_costs_one_request_per_hundred_new_parties_whatever_the_account_holds(
    db, sandbox
):
    # given: two customers, one into an empty account, one beside 500 foreign parties
    empty, crowded = customers(2)
    sandbox.plant_parties(
        FOREIGN_COMPANY,
        [{"secondaryName": f"Fremd {i}", "externalIds": [f"1000-{i}"]} for i in range(500)],
    )

    # when
    _run, counts_a, counters_a = sync(empty, sandbox, 1)
    _run, counts_b, counters_b = sync(crowded, sandbox, 2)

    # then: the same number of party lookups, one per started hundred of new parties
    lookup = "POST /api/parties/external-ids/search"
    new = counts_a.by_entity["parties"]["created"]
    assert counts_b.by_entity["parties"]["created"] == new
    assert counters_a["by_route"][lookup] == counters_b["by_route"][lookup]
    assert counters_a["by_route"][lookup] <= -(-new // 100)
    # and no search of parties by anything but our own lookup
    assert counters_a["by_route"].get("POST /api/parties/search", 0) == 0


def test_a_party_facilioo_merged_is_found_once_and_adopted(db, sandbox):
    # given: a first sync, then facilioo merges two of our parties into one
    customer = customers(1)[0]
    sync(customer, sandbox)
    links = list(ExternalLink.objects.filter(customer=customer, entity="parties").order_by("pk"))
    keep, gone = links[0], links[1]
    sandbox.merge_parties(keep.facilioo_id, [gone.facilioo_id])
    # and our bookkeeping is lost, so the next run must find both persons by their ids
    ExternalLink.objects.filter(customer=customer).delete()

    # when
    run, counts, _counters = sync(customer, sandbox)

    # then: both persons found the one merged party (it carries both ids); nothing was created
    merged = next(p for p in sandbox.state.records("parties") if p["id"] == keep.facilioo_id)
    assert sorted(owners(merged)[1]) == sorted([keep.external_id, gone.external_id])
    assert run.status == "succeeded"
    assert counts.by_entity["parties"].get("created", 0) == 0
    ids = dict(
        ExternalLink.objects.filter(customer=customer, entity="parties").values_list(
            "external_id", "facilioo_id"
        )
    )
    assert ids[keep.external_id] == ids[gone.external_id] == keep.facilioo_id


def test_lookup_ignores_letter_case(db, sandbox):
    # given: our id on a party in upper case (another program of ours wrote it so)
    customer = customers(1)[0]
    sync(customer, sandbox)
    link = ExternalLink.objects.filter(customer=customer, entity="parties").first()
    with_letters = link.external_id + "a"
    sandbox.state.store.put_external_ids("parties", link.facilioo_id, [with_letters.upper()])

    # when
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
        found = client.lookup_parties([with_letters])

    # then
    assert found == {with_letters.casefold(): [link.facilioo_id]}


def test_removal_detaches_only_our_id_and_never_another_companys(db, sandbox):
    # given: two customers on two accounts; another company also holds an id on our party
    first, second = customers(2)
    sync(first, sandbox, 1, deletion_policy="terminate", safety_brake_percent=100)
    sync(second, sandbox, 2, deletion_policy="terminate", safety_brake_percent=100)
    link = ExternalLink.objects.filter(customer=first, entity="parties").first()
    sandbox.state.store.put_external_ids(
        "parties", link.facilioo_id, ["FREMD-1"], owner=FOREIGN_COMPANY
    )
    other = ExternalLink.objects.get(customer=second, natural_key=link.natural_key)
    person_key = tuple(link.natural_key.split("\x1f"))
    without = EditedConnector(
        DEMO, lambda item: None if isinstance(item, Person) and item.key == person_key else item
    )

    # when: the person leaves the first customer's ERP
    run, _counts, counters = sync(
        first, sandbox, 1, connector=without, deletion_policy="terminate", safety_brake_percent=100
    )

    # then: only the first company's id left the party; the foreign id stays
    party = sandbox.state.get("parties", link.facilioo_id)
    assert party["deleted"] is None
    assert owners(next(p for p in sandbox.state.records("parties") if p["id"] == party["id"])) == {
        FOREIGN_COMPANY: ["FREMD-1"]
    }
    assert run.items.filter(entity="parties", action="unlinked").count() == 1
    # and the second customer's party of the same person is untouched, its id in place
    assert other.facilioo_id != link.facilioo_id
    other_party = next(p for p in sandbox.state.records("parties") if p["id"] == other.facilioo_id)
    assert owners(other_party) == {2: [other.external_id]}
    assert not any(f"/{other.facilioo_id}" in route for route in counters["by_route"])


def test_a_record_only_reachable_outside_our_tenants_makes_the_run_a_warning(db, sandbox):
    # given: facilioo holds a property with our external id in a tenant not assigned to us
    customer = customers(1)[0]
    first = next(
        g for g in DEMO.read("stammdaten", mandanten=MANDANTEN) if type(g).__name__ == "Gebaeude"
    )
    external_id = "-".join(first.key[1:])
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
        client.create("properties", {"tenantId": 2, "name": "Fremd", "externalId": external_id})

    # when
    run, _counts, _counters = sync(customer, sandbox)

    # then: a warning, not "succeeded", with the skip in its log
    assert run.status == "warning"
    assert run.items.get(reason="foreign_match").external_id == external_id
