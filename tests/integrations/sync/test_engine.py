"""The Stammdaten engine end to end: demo ERP → our client → the sandbox server over HTTP."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from connect.models import Customer, SyncRun
from integrations.erp.demo.connector import DemoConnector
from integrations.erp.edited import EditedConnector
from integrations.erp.records import Einheit, Person, PersonRolle, Vertrag
from integrations.facilioo.client import FaciliooClient
from integrations.facilioo.sandbox.testing import running_sandbox
from integrations.models import ExternalLink
from integrations.sync.engine import SafetyBrakeTripped, StammdatenSync
from integrations.sync.types import StammdatenSettings
from integrations.usecases import UseCase

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
    run = SyncRun.objects.create(
        customer=customer,
        use_case="stammdaten",
        trigger="manual",
        status="running",
        attempts=1,
        dry_run=dry_run,
    )
    sandbox.reset_counters()
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password, workers=4) as client:
        engine = StammdatenSync(
            run=run,
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
        try:
            engine.execute()
        finally:
            run.status = "succeeded"
            run.save()
    return run, engine.counts, sandbox.counters()


def writes(counters) -> int:
    return sum(
        n
        for route, n in counters["by_route"].items()
        if route.split()[0] in WRITES and "/search" not in route and "/auth/" not in route
    )


def live(sandbox, entity):
    return [r for r in sandbox.state.records(entity) if not r.get("deleted")]


def test_full_sync_delivers_every_entity_and_a_second_run_writes_nothing(customer, sandbox):
    # when
    _run, counts, _ = sync(customer, sandbox)
    # then: every building, unit, eligible party and contract arrived
    assert len(live(sandbox, "properties")) == counts.by_entity["properties"]["created"] > 0
    assert len(live(sandbox, "units")) == counts.by_entity["units"]["created"] == 60
    assert len(live(sandbox, "parties")) == counts.by_entity["parties"]["created"]
    assert counts.by_entity["entrances"]["updated"] == counts.by_entity["properties"]["created"]
    # when: nothing changed in the ERP
    _run2, counts2, counters2 = sync(customer, sandbox)
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
    emails = [p.get("email") for p in live(sandbox, "parties") if p.get("contactByEmail")]
    assert all("@" in e for e in emails)


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
    assert writes(counters) == 1, counters
    assert counters["by_route"].get("PATCH /api/parties/{id}") == 1
    assert counts.by_entity["parties"]["updated"] == 1
    assert any(p.get("email") == "neu.adresse@example.de" for p in live(sandbox, "parties"))


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


def test_safety_brake_stops_a_half_empty_read_and_removes_nothing(customer, sandbox):
    sync(customer, sandbox, deletion_policy="delete")
    half = EditedConnector(DEMO, lambda i: None if isinstance(i, Einheit | Vertrag) else i)
    with pytest.raises(SafetyBrakeTripped) as brake:
        sync(customer, sandbox, connector=half, deletion_policy="delete")
    assert "Sicherheitsbremse" in brake.value.message
    assert not any(r.get("deleted") for r in sandbox.state.records("units"))
    assert all(
        r.get("terminationAt") in (None, "") or r["terminationAt"] != TODAY.isoformat()
        for r in sandbox.state.records("unit-contracts")
    )


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


def test_separator_change_rewrites_external_ids_without_duplicates(customer, sandbox):
    sync(customer, sandbox, separator="-")
    before = len(live(sandbox, "units"))
    sync(customer, sandbox, separator="/")
    units = live(sandbox, "units")
    assert len(units) == before
    assert all("/" in u["externalId"] and "-" not in u["externalId"] for u in units)


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
            e: sorted(r["externalId"] for r in live(clean, e))
            for e in ("properties", "units", "parties", "unit-contracts")
        }
    # when: the same sync runs against 500s, 429s and dropped connections
    sandbox.control(error_rate=0.1, rate_limit_rate=0.05, retry_after=0, drop_rate=0.05, seed=7)
    sync(customer, sandbox)
    sandbox.control(error_rate=0.0, rate_limit_rate=0.0, drop_rate=0.0)
    # then: the same records, none twice
    actual = {e: sorted(r["externalId"] for r in live(sandbox, e)) for e in expected}
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
from integrations.sync.floors import floor_from_lage  # noqa: E402


def _units_by_external_id(sandbox):
    return {u["externalId"]: u for u in live(sandbox, "units")}


@pytest.mark.parametrize("separator", ["-", "_", ".", "/", "|"])
def test_each_separator_composes_every_external_id(customer, sandbox, separator):
    run, _counts, _ = sync(customer, sandbox, separator=separator)
    key = SHOWCASE["leading_zeros"][0]  # ("einheit", M, W, G, E)
    assert separator.join(key[1:]) in _units_by_external_id(sandbox)
    for entity in ("properties", "units", "parties", "unit-contracts"):
        for record in live(sandbox, entity):
            assert record["externalId"].split(separator)[0] in MANDANTEN, record["externalId"]
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
    parties = [p for p in live(sandbox, "parties") if p["externalId"] == f"{mandant}-{person}"]
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
    assert len(cases) == 11
    for name in cases:
        key = SHOWCASE[name][0]
        assert units["-".join(key[1:])]["floor"] == floor_from_lage(lage[key]), (name, lage[key])


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
