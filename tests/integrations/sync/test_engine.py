"""The Stammdaten engine end to end: demo ERP → our client → the sandbox server over HTTP."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from connect.models import Customer
from connect.services.run_ledger import OrmRunLedger
from integrations.erp.demo.connector import DemoConnector
from integrations.erp.edited import EditedConnector
from integrations.erp.records import Einheit, Person, PersonRolle, Vertrag
from integrations.facilioo.client import FaciliooClient
from integrations.models import ExternalLink
from integrations.sync.streams.stammdaten import StammdatenSync
from integrations.sync.types import StammdatenSettings
from integrations.usecases import UseCase
from tests.factories import run_engine, running_run
from tooling.sandbox.testing import running_sandbox

TODAY = date(2026, 11, 25)
WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
def sandbox():
    with running_sandbox(seed=True) as handle:
        yield handle


@pytest.fixture
def customer(db):
    return Customer.objects.create(name="Musterstadt Wohnen", slug="musterstadt")


DEMO = DemoConnector(units=60, seed=1)
MANDANTEN = frozenset(m.mandant_nr for m in DEMO.list_mandanten())


def sync(customer, sandbox, *, connector=DEMO, separator="-", dry_run=False, **settings):
    run = running_run(customer, dry_run=dry_run)
    sandbox.reset_counters()
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password, workers=4) as client:
        engine = StammdatenSync(
            ledger=OrmRunLedger(run),
            client=client,
            connector=connector,
            today=TODAY,
            settings=StammdatenSettings(
                separator=separator,
                mandanten=settings.pop("mandanten", MANDANTEN),
                default_tenant_id=1,
                **settings,
            ),
        )
        run_engine(run, engine)
    return run, engine.counts, sandbox.counters()


def writes(counters) -> int:
    return sum(
        n
        for route, n in counters["by_route"].items()
        if route.split()[0] in WRITES and "/search" not in route and "/auth/" not in route
    )


def live(sandbox, entity):
    return [r for r in sandbox.state.records(entity) if not r.get("deleted")]


def ext_id(record):
    """A record's external id; a party's list joined (an orphan party without ours is "")."""
    if "externalIds" in record:
        return ",".join(record["externalIds"])
    return record["externalId"]


def test_full_sync_delivers_every_entity_and_a_second_run_writes_nothing(customer, sandbox):
    # when
    run, counts, _ = sync(customer, sandbox)
    assert run.status == "succeeded"
    # then: every building, unit, eligible party and contract arrived
    assert len(live(sandbox, "properties")) == counts.by_entity["properties"]["created"] > 0
    assert len(live(sandbox, "units")) == counts.by_entity["units"]["created"] == 60
    assert len(live(sandbox, "parties")) == counts.by_entity["parties"]["created"]
    assert counts.by_entity["entrances"]["updated"] == counts.by_entity["properties"]["created"]
    # when: nothing changed in the ERP
    run2, counts2, counters2 = sync(customer, sandbox)
    assert run2.status == "succeeded"
    # then: zero write requests
    assert writes(counters2) == 0, counters2
    assert counts2.total("created") == counts2.total("updated") == 0


def test_tenants_without_valid_email_are_skipped_with_their_contracts(customer, sandbox):
    run, _counts, _ = sync(customer, sandbox)
    reasons = set(
        run.items.filter(entity="parties", action="skipped").values_list("reason", flat=True)
    )
    assert reasons == {"no_email", "invalid_email"}
    no_email = run.items.filter(entity="parties", reason="no_email").first()
    assert "keine E-Mail-Adresse" in no_email.message
    contract_reasons = set(
        run.items.filter(entity="unit-contracts", action="skipped").values_list("reason", flat=True)
    )
    assert {"no_email", "invalid_email"} <= contract_reasons
    by_email = {p["id"] for p in live(sandbox, "parties") if p.get("contactByEmail")}
    emails = [c["value"] for c in live(sandbox, "contact-details") if c["contactTypeId"] == 1]
    assert emails
    assert all("@" in e for e in emails)
    assert by_email == {
        c["partyId"] for c in live(sandbox, "contact-details") if c["contactTypeId"] == 1
    }


def test_one_changed_email_makes_exactly_one_update(customer, sandbox):
    sync(customer, sandbox)
    target = next(
        p
        for p in DEMO.read(UseCase.STAMMDATEN, mandanten=MANDANTEN)
        if isinstance(p, Person)
        and p.rolle is PersonRolle.MIETER
        and p.email
        and "@example" in p.email
    )

    def change(item):
        if isinstance(item, Person) and item.key == target.key:
            return dataclasses.replace(item, email="neu.adresse@example.de")
        return item

    _run, counts, counters = sync(customer, sandbox, connector=EditedConnector(DEMO, change))
    # then: the party's e-mail contact detail is updated in place, nothing else is written
    assert writes(counters) == 1, counters
    assert counters["by_route"].get("PATCH /api/contact-details/{id}") == 1
    assert counts.by_entity["parties"]["updated"] == 1
    details = [c for c in live(sandbox, "contact-details") if c["contactTypeId"] == 1]
    assert [c["value"] for c in details].count("neu.adresse@example.de") == 1
    assert len(details) == len({c["partyId"] for c in details})  # no duplicate detail


def test_a_contract_gone_from_the_erp_is_terminated(customer, sandbox):
    sync(customer, sandbox)
    gone = (
        ExternalLink.objects.filter(customer=customer, entity="unit-contracts")
        .order_by("id")
        .first()
    )
    vertrag_nr = gone.natural_key.split("\x1f")[3]
    _run, counts, _ = sync(
        customer,
        sandbox,
        connector=EditedConnector(
            DEMO, lambda i: None if isinstance(i, Vertrag) and i.vertrag_nr == vertrag_nr else i
        ),
    )
    assert counts.by_entity["unit-contracts"]["terminated"] >= 1
    record = next(r for r in sandbox.state.records("unit-contracts") if r["id"] == gone.facilioo_id)
    assert record["terminationAt"] == TODAY.isoformat()


def test_lost_bookkeeping_adopts_instead_of_duplicating(customer, sandbox):
    sync(customer, sandbox)
    before = {
        e: len(live(sandbox, e)) for e in ("properties", "units", "parties", "unit-contracts")
    }
    ExternalLink.objects.filter(customer=customer).delete()
    _run, counts, counters = sync(customer, sandbox)
    after = {e: len(live(sandbox, e)) for e in before}
    assert after == before
    assert counts.total("created") == 0
    assert not any(
        route.startswith("POST /api/") and "/search" not in route and "/auth/" not in route
        for route in counters["by_route"]
    ), counters


def test_separator_change_rewrites_external_ids_of_every_entity_without_duplicates(
    customer, sandbox
):
    sync(customer, sandbox, separator="-")
    entities = ("properties", "units", "parties", "unit-contracts")
    before = {e: sorted(r["id"] for r in live(sandbox, e)) for e in entities}
    assert all(before.values())
    # when: "_" instead of "-" (no ERP number contains either)
    run, counts, _ = sync(customer, sandbox, separator="_")
    # then: the same facilioo records, each with its id rewritten, none created
    assert run.status == "succeeded"
    assert counts.total("created") == 0
    for entity in entities:
        records = live(sandbox, entity)
        assert sorted(r["id"] for r in records) == before[entity], entity
        # a party carries a list of external ids (ours is the only one here)
        assert all("_" in ext_id(r) and "-" not in ext_id(r) for r in records), entity
    links = ExternalLink.objects.filter(customer=customer, entity__in=entities)
    assert all("-" not in link.external_id for link in links)
    # and: every update says why, with the former id
    updated = run.items.filter(action="updated")
    assert updated.exists()
    assert {row.reason for row in updated} == {"external_id_changed"}
    assert all(f"bisher: {row.external_id.replace('_', '-')}" in row.message for row in updated)


def test_dry_run_writes_nothing_and_reports_what_it_would_do(customer, sandbox):
    run, counts, counters = sync(customer, sandbox, dry_run=True)
    assert writes(counters) == 0
    assert live(sandbox, "units") == []
    assert counts.by_entity["units"]["created"] == 60
    assert run.items.filter(entity="units", action="created").count() == 60
    assert not ExternalLink.objects.filter(customer=customer).exists()


def test_mandanten_filter_syncs_only_the_chosen_mandanten(customer, sandbox):
    first = sorted(MANDANTEN)[0]
    sync(customer, sandbox, mandanten=frozenset({first}))
    assert {p["externalId"].split("-")[0] for p in live(sandbox, "properties")} == {first}


def test_injected_faults_still_converge_to_the_same_end_state(customer, sandbox, db):
    # given: the clean end state of another customer's identical portfolio in a fresh sandbox
    with running_sandbox(seed=True) as clean:
        sync(Customer.objects.create(name="Referenz", slug="referenz"), clean)
        expected = {
            e: sorted(ext_id(r) for r in live(clean, e))
            for e in ("properties", "units", "parties", "unit-contracts")
        }
    # when: the same sync runs against 500s, 429s and dropped connections
    sandbox.control(error_rate=0.1, rate_limit_rate=0.05, retry_after=0, drop_rate=0.05, seed=7)
    sync(customer, sandbox)
    sandbox.control(error_rate=0.0, rate_limit_rate=0.0, drop_rate=0.0)
    # then: the same records, none twice
    actual = {e: sorted(ext_id(r) for r in live(sandbox, e)) for e in expected}
    assert actual == expected


def test_unchanged_contracts_get_their_alias_links_back_without_a_request(customer, sandbox):
    # given: a synced portfolio whose contract alias links were lost (as before aliases existed)
    sync(customer, sandbox)
    aliases = ExternalLink.objects.filter(
        customer=customer, natural_key__startswith="vertrag_nr\x1f"
    )
    expected = sorted(aliases.values_list("natural_key", "facilioo_id"))
    assert expected
    aliases.delete()
    # when: nothing changed in the ERP
    _run, _counts, counters = sync(customer, sandbox)
    # then: the aliases are back, and still no write went to facilioo
    assert sorted(aliases.values_list("natural_key", "facilioo_id")) == expected
    assert writes(counters) == 0


# --- special cases of the demo portfolio, through the sandbox -------------------------------

from integrations.erp.demo.special_cases import SHOWCASE  # noqa: E402

# The floor rule (docs/use-cases.md) applied by hand per showcase unit: (part of the text, floor).
FLOORS = {
    "floor_empty": (None, None),
    "floor_erdgeschoss": ("Erdgeschoss", 0),
    "floor_eg": ("EG", 0),
    "floor_keller": ("Keller", -1),
    "floor_kg": ("KG", -1),
    "floor_ug": ("1. UG", -1),
    "floor_number": ("3", 3),
    "floor_og": ("3. OG links", 3),
    "floor_etage": ("2. Etage, rechts", 2),
    "floor_dachgeschoss": ("Dachgeschoss, mitte", None),
    "floor_souterrain": ("Souterrain", None),
}


def _units_by_external_id(sandbox):
    return {u["externalId"]: u for u in live(sandbox, "units")}


@pytest.mark.parametrize("separator", ["-", "_", ".", "/", "|"])
def test_each_separator_composes_every_external_id(customer, sandbox, separator):
    run, _counts, _ = sync(customer, sandbox, separator=separator)
    key = SHOWCASE["leading_zeros"][0]  # ("einheit", M, W, G, E)
    assert separator.join(key[1:]) in _units_by_external_id(sandbox)
    for entity in ("properties", "units", "parties", "unit-contracts"):
        for record in live(sandbox, entity):
            assert ext_id(record).split(separator)[0] in MANDANTEN, ext_id(record)
    ambiguous = run.items.filter(reason="ambiguous_key")
    if separator == "/":
        # the contract number "MV/2019/17" contains the separator: that contract fails alone
        assert ambiguous.exists()
        assert all(i.entity == "unit-contracts" for i in ambiguous)
    else:
        assert not ambiguous.exists()


def test_a_couple_on_one_contract_becomes_two_facilioo_contracts(customer, sandbox):
    sync(customer, sandbox)
    _kind, mandant, _art, vertrag_nr = SHOWCASE["couple_on_contract"][0]
    contracts = [
        c
        for c in live(sandbox, "unit-contracts")
        if c["number"] == vertrag_nr and c["externalId"].startswith(f"{mandant}-")
    ]
    assert len(contracts) == 2
    assert len({c["unitId"] for c in contracts}) == 1
    assert len({c["partyId"] for c in contracts}) == 2


def test_a_tenant_who_is_also_an_owner_is_one_party_with_both_contracts(customer, sandbox):
    sync(customer, sandbox)
    _kind, mandant, person = SHOWCASE["owner_and_tenant"][0]
    parties = [p for p in live(sandbox, "parties") if f"{mandant}-{person}" in p["externalIds"]]
    assert len(parties) == 1
    types = {
        c["typeId"] for c in live(sandbox, "unit-contracts") if c["partyId"] == parties[0]["id"]
    }
    assert types == {3, 4}  # owner and tenant


def test_floor_numbers_follow_the_floor_rule_for_every_form_of_text(customer, sandbox):
    sync(customer, sandbox)
    units = _units_by_external_id(sandbox)
    lage = {
        e.key: e.lage
        for e in DEMO.read(UseCase.STAMMDATEN, mandanten=MANDANTEN)
        if isinstance(e, Einheit)
    }
    cases = [name for name in SHOWCASE if name.startswith("floor_")]
    assert sorted(cases) == sorted(FLOORS)
    for name, (text, floor) in FLOORS.items():
        key = SHOWCASE[name][0]
        assert text is None if lage[key] is None else text in lage[key], (name, lage[key])
        assert units["-".join(key[1:])]["floor"] == floor, (name, lage[key])


def test_ended_contracts_are_not_created_but_future_ones_are(customer, sandbox):
    run, _counts, _ = sync(customer, sandbox, former_contract_months=0)
    numbers = {
        (c["externalId"].split("-")[0], c["number"]) for c in live(sandbox, "unit-contracts")
    }
    _k, mandant, _art, ended = SHOWCASE["ended_contract"][0]
    _k, future_mandant, _art, future = SHOWCASE["future_contract"][0]
    assert (mandant, ended) not in numbers
    assert (future_mandant, future) in numbers
    assert run.items.filter(reason="ended_contract").exists()


# --- removals: deletion policies and incomplete reads ---------------------------------------


def _without_one_property(connector=DEMO):
    """The ERP without one building, its units, their contracts and the tenants only they had."""
    first = next(
        item
        for item in connector.read(UseCase.STAMMDATEN, mandanten=MANDANTEN)
        if type(item).__name__ == "Gebaeude"
    )
    units = {
        item.key
        for item in connector.read(UseCase.STAMMDATEN, mandanten=MANDANTEN)
        if isinstance(item, Einheit)
        and (item.mandant_nr, item.we_nr, item.gebaeude_nr)
        == (first.mandant_nr, first.we_nr, first.gebaeude_nr)
    }
    gone_contracts = [
        item
        for item in connector.read(UseCase.STAMMDATEN, mandanten=MANDANTEN)
        if isinstance(item, Vertrag) and item.einheit_key in units
    ]
    people = {(v.mandant_nr, p) for v in gone_contracts for p in v.person_nrs}
    others = {
        (v.mandant_nr, p)
        for v in connector.read(UseCase.STAMMDATEN, mandanten=MANDANTEN)
        if isinstance(v, Vertrag) and v not in gone_contracts
        for p in v.person_nrs
    }
    only_there = people - others

    def drop(item):
        if type(item).__name__ == "Gebaeude" and item.key == first.key:
            return None
        if isinstance(item, Einheit) and item.key in units:
            return None
        if isinstance(item, Vertrag) and item in gone_contracts:
            return None
        if isinstance(item, Person) and (item.mandant_nr, item.person_nr) in only_there:
            return None
        return item

    return EditedConnector(connector, drop), first, units, only_there


def test_policy_delete_deletes_properties_and_units_ends_contracts_and_keeps_parties(
    customer, sandbox
):
    # given: a synced portfolio
    sync(customer, sandbox, deletion_policy="delete")
    edited, building, units, people = _without_one_property()
    assert units
    assert people
    ids = {
        (link.entity, link.natural_key): link.facilioo_id
        for link in ExternalLink.objects.filter(customer=customer)
    }
    # when: a building with its units, contracts and tenants is gone from the ERP
    run, counts, counters = sync(
        customer, sandbox, connector=edited, deletion_policy="delete", safety_brake_percent=100
    )
    # then: the property and its units are deleted in facilioo
    assert run.status == "succeeded"
    property_id = ids[("properties", "\x1f".join(building.key))]
    assert property_id not in {r["id"] for r in live(sandbox, "properties")}
    unit_ids = {ids[("units", "\x1f".join(key))] for key in units}
    assert not unit_ids & {r["id"] for r in live(sandbox, "units")}
    assert counts.by_entity["units"]["deleted"] == len(units)
    assert counts.by_entity["properties"]["deleted"] == 1
    # then: their contracts are ended, not deleted
    assert counts.by_entity["unit-contracts"]["terminated"] > 0
    ended = [
        r for r in live(sandbox, "unit-contracts") if r.get("terminationAt") == TODAY.isoformat()
    ]
    assert len(ended) == counts.by_entity["unit-contracts"]["terminated"]
    # then: the tenants are never deleted, only detached: our external id leaves their list
    assert not any(route.startswith("DELETE /api/parties") for route in counters["by_route"])
    party_keys = [("parties", "\x1f".join(("person", *p))) for p in people]
    party_ids = {ids[key] for key in party_keys if key in ids}  # tenants without e-mail: none
    assert party_ids
    remaining = {r["id"]: r for r in live(sandbox, "parties")}
    assert party_ids <= set(remaining)
    assert all(not ext_id(remaining[pid]) for pid in party_ids)
    unlinked = run.items.filter(entity="parties", action="unlinked")
    assert unlinked.count() == len(party_ids)


def test_policy_terminate_reports_missing_records_and_deletes_nothing(customer, sandbox):
    sync(customer, sandbox)
    edited, _building, units, _people = _without_one_property()
    run, counts, counters = sync(customer, sandbox, connector=edited, safety_brake_percent=100)
    assert run.status == "succeeded"
    assert not any(route.startswith("DELETE ") for route in counters["by_route"])
    missing = run.items.filter(entity="units", action="missing")
    assert missing.count() == len(units) == counts.by_entity["units"]["missing"]
    assert {i.reason for i in missing} == {"missing_in_erp"}
    assert {i.message for i in missing} == {"Fehlt im ERP; in facilioo nicht gelöscht."}
    assert counts.by_entity["properties"]["missing"] == 1
    assert counts.by_entity["unit-contracts"]["terminated"] > 0


def test_a_unit_deleted_in_facilioo_with_a_held_name_comes_back_with_the_erp_name(
    customer, sandbox
):
    """ "facilioo behält" leaves a field out of updates; a record facilioo no longer has is
    created again whole (a unit without its name is refused)."""
    from integrations.facilioo.client import Entity
    from integrations.models import FieldHold
    from integrations.sync.stammdaten_bodies import unit_name

    sync(customer, sandbox)
    link = ExternalLink.objects.filter(customer=customer, entity="units").order_by("id")[0]
    FieldHold.objects.create(
        customer=customer, entity="units", natural_key=link.natural_key, field="name"
    )
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
        client.delete(Entity.UNITS, link.facilioo_id)
    key = tuple(link.natural_key.split("\x1f"))
    edited = EditedConnector(
        DEMO,
        lambda r: (
            dataclasses.replace(r, lage="5. OG rechts")
            if isinstance(r, Einheit) and r.key == key
            else r
        ),
    )
    unit = next(
        r for r in DEMO.read(UseCase.STAMMDATEN, mandanten=MANDANTEN) if getattr(r, "key", 0) == key
    )
    # when: the ERP changes the unit, whose facilioo record is gone
    run, _counts, _ = sync(customer, sandbox, connector=edited)
    # then: it is created again, with its name from the ERP
    assert run.status == "succeeded", list(run.items.filter(action="failed").values("message"))
    again = ExternalLink.objects.get(pk=link.pk)
    assert again.facilioo_id != link.facilioo_id
    assert sandbox.state.get("units", again.facilioo_id)["name"] == unit_name(unit)
