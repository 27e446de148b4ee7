"""Former tenants: "beendete Verträge der letzten N Monate übertragen" at 0 and at 24 months.

Contract 00000601 of the demo portfolio ended on 30.06.2026, five months before the run; its
tenant has a document (00001017) on that contract. Older ended contracts stay skipped.
"""

from __future__ import annotations

from datetime import date

import pytest

from connect.models import Customer
from connect.services.run_ledger import OrmRunLedger
from integrations.erp.demo.connector import DemoConnector
from integrations.facilioo.client import FaciliooClient
from integrations.models import ExternalLink
from integrations.sync.stammdaten_bodies import months_before
from integrations.sync.streams.dokumente import DokumenteSync
from integrations.sync.streams.stammdaten import StammdatenSync
from integrations.sync.types import DokumenteSettings, StammdatenSettings
from tests.factories import run_engine, running_run
from tooling.sandbox.testing import running_sandbox

TODAY = date(2026, 11, 25)
DEMO = DemoConnector(units=60, seed=1)
MANDANTEN = frozenset({"1000", "2000", "3000"})
ENDED = "00000601"  # ended 30.06.2026
DOCUMENT = "00001017"  # on contract 00000601


@pytest.fixture
def sandbox():
    with running_sandbox(seed=True) as handle:
        yield handle


def run_use_case(customer, sandbox, use_case, **settings):
    run = running_run(customer, use_case)
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password, workers=4) as client:
        if use_case == "stammdaten":
            engine = StammdatenSync(
                ledger=OrmRunLedger(run),
                client=client,
                connector=DEMO,
                today=TODAY,
                settings=StammdatenSettings(
                    separator="-", mandanten=MANDANTEN, default_tenant_id=1, **settings
                ),
            )
        else:
            engine = DokumenteSync(
                ledger=OrmRunLedger(run),
                client=client,
                connector=DEMO,
                today=TODAY,
                settings=DokumenteSettings(separator="-", mandanten=MANDANTEN),
                safety_brake_percent=20,
            )
        return run_engine(run, engine)


def contracts(sandbox):
    return {
        c["number"]: c
        for c in sandbox.state.records("unit-contracts")
        if not c.get("deleted") and c["externalId"].startswith("1000-")
    }


def test_the_window_is_counted_in_calendar_months():
    assert months_before(date(2026, 11, 25), 24) == date(2024, 11, 25)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 0) == date(2026, 1, 15)


@pytest.mark.django_db
def test_at_24_months_a_recently_ended_contract_is_created_and_its_document_links_to_it(
    sandbox,
):
    customer = Customer.objects.create(name="Musterstadt", slug="musterstadt")
    # when: Stammdaten with the default window, then Dokumente
    run = run_use_case(customer, sandbox, "stammdaten", former_contract_months=24)
    run_use_case(customer, sandbox, "dokumente")
    # then: the contract that ended five months ago is in facilioo with its termination date
    ended = contracts(sandbox)[ENDED]
    assert ended["terminationAt"] == "2026-06-30"
    # and: its tenant's document hangs on it
    documents = [
        d
        for d in sandbox.state.records("documents")
        if d.get("externalId", "").startswith("1000-") and d["externalId"].endswith(DOCUMENT)
    ]
    assert [d.get("contractId") for d in documents] == [ended["id"]]
    # and: contracts that ended more than 24 months ago are still skipped, with the reason
    older = run.items.filter(reason="ended_contract")
    assert older.exists()
    assert all(
        "übertragen werden beendete Verträge der letzten 24 Monate" in i.message for i in older
    )
    assert not older.filter(erp_key__contains=f"1000/mietvertrag/{ENDED}").exists()


@pytest.mark.django_db
def test_at_0_months_no_ended_contract_is_created_and_the_reason_is_shown(sandbox):
    customer = Customer.objects.create(name="Musterstadt", slug="musterstadt")
    # when
    run = run_use_case(customer, sandbox, "stammdaten", former_contract_months=0)
    run_use_case(customer, sandbox, "dokumente")
    # then: the contract is skipped with its end date in the reason
    assert ENDED not in contracts(sandbox)
    skipped = run.items.get(reason="ended_contract", erp_key__contains=f"1000/mietvertrag/{ENDED}")
    assert "beendet am 30.06.2026" in skipped.message
    assert not ExternalLink.objects.filter(
        customer=customer,
        entity="unit-contracts",
        natural_key__startswith="unit_contract\x1f1000\x1fmietvertrag\x1f" + ENDED,
    ).exists()
    # and: the document finds no contract to hang on
    documents = [
        d
        for d in sandbox.state.records("documents")
        if d.get("externalId", "").startswith("1000-") and d["externalId"].endswith(DOCUMENT)
    ]
    assert all(d.get("contractId") is None for d in documents)
