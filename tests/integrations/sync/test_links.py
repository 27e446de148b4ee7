"""The link store and run ledger on PostgreSQL, and the same contract in memory."""

from __future__ import annotations

from typing import Any

import pytest

from connect.models import Customer, RunStatus
from connect.services.run_ledger import OrmRunLedger
from integrations.models import ExternalLink, FieldHold
from integrations.sync.links import (
    LinkWrite,
    MemoryLinkStore,
    MemoryRunLedger,
    OrmLinkStore,
)
from tests.factories import sync_run


@pytest.fixture
def customers(db):
    return (
        Customer.objects.create(name="Musterstadt Wohnen", slug="musterstadt"),
        Customer.objects.create(name="Nachbarstadt Wohnen", slug="nachbarstadt"),
    )


@pytest.fixture(params=["orm", "memory"])
def store(request, customers) -> Any:
    if request.param == "orm":
        return OrmLinkStore(customers[0].pk)
    return MemoryLinkStore()


def hold(store: Any, customer: Customer, entity: str, nk: str, name: str) -> None:
    if isinstance(store, OrmLinkStore):
        FieldHold.objects.create(customer=customer, entity=entity, natural_key=nk, field=name)
    else:
        store.holds[(entity, nk)].add(name)


def test_write_get_and_ids_by_entity(store):
    store.write(
        [
            LinkWrite("units", "einheit\x1f1\x1f2", "1-2", 11, "h1", {"name": "A"}),
            LinkWrite("properties", "gebaeude\x1f1", "1", 10, "h0"),
        ],
        run_id=7,
    )
    got = store.get("units", ["einheit\x1f1\x1f2", "einheit\x1f9"])
    assert list(got) == ["einheit\x1f1\x1f2"]
    link = got["einheit\x1f1\x1f2"]
    assert (link.facilioo_id, link.payload_hash, link.seen_run_id, link.terminated) == (
        11,
        "h1",
        7,
        False,
    )
    # ids: only where the link has the entity the key's kind stands for
    assert store.ids({"einheit\x1f1\x1f2": "units", "gebaeude\x1f1": "units"}) == {
        "einheit\x1f1\x1f2": 11
    }


def test_a_second_write_updates_the_link_and_revives_a_deleted_one(store):
    store.write([LinkWrite("units", "k", "1-2", 11, "h1")], run_id=1)
    link = store.get("units", ["k"])["k"]
    store.mark(link.pk, deleted=True)
    assert store.get("units", ["k"]) == {}
    assert store.live(["units"]) == []
    assert store.ids({"k": "units"}) == {}
    # when
    store.write([LinkWrite("units", "k", "1_2", 12, "h2")], run_id=2)
    # then: one link, live again, with the new values
    again = store.get("units", ["k"])["k"]
    assert (again.pk, again.external_id, again.facilioo_id, again.seen_run_id) == (
        link.pk,
        "1_2",
        12,
        2,
    )


def test_marks_seen_and_removal_marks(store):
    store.write(
        [
            LinkWrite("unit-contracts", "a", "a", 1, "h"),
            LinkWrite("unit-contracts", "b", "b", 2, "h"),
        ],
        run_id=1,
    )
    store.mark_seen("unit-contracts", ["a"], run_id=5)
    store.mark(store.get("unit-contracts", ["b"])["b"].pk, terminated=True, payload_hash="")
    live = {link.natural_key: link for link in store.live(["unit-contracts", "units"])}
    assert live["a"].seen_run_id == 5
    assert not live["a"].terminated
    assert live["b"].seen_run_id == 1
    assert live["b"].terminated
    assert live["b"].payload_hash == ""


def test_held_fields_per_key(store, customers):
    hold(store, customers[0], "units", "k", "name")
    hold(store, customers[0], "units", "k", "area")
    hold(store, customers[0], "properties", "k", "name")
    assert store.held("units", ["k", "other"]) == {"k": {"name", "area"}}


def test_atomic_keeps_all_or_nothing(store):
    store.write([LinkWrite("units", "k", "1", 1, "h")], run_id=1)

    def failing_batch() -> None:
        with store.atomic():
            store.write([LinkWrite("units", "k2", "2", 2, "h")], run_id=2)
            store.mark(store.get("units", ["k"])["k"].pk, deleted=True)
            raise RuntimeError("the batch failed")

    with pytest.raises(RuntimeError):
        failing_batch()
    assert [link.natural_key for link in store.live(["units"])] == ["k"]


def test_the_orm_store_sees_only_its_customers_links(customers):
    mine, theirs = (OrmLinkStore(c.pk) for c in customers)
    theirs.write([LinkWrite("units", "k", "1", 99, "h")], run_id=1)
    FieldHold.objects.create(customer=customers[1], entity="units", natural_key="k", field="name")
    assert mine.get("units", ["k"]) == {}
    assert mine.ids({"k": "units"}) == {}
    assert mine.live(["units"]) == []
    assert mine.held("units", ["k"]) == {}
    mine.mark_seen("units", ["k"], run_id=5)
    assert ExternalLink.objects.get(customer=customers[1]).seen_run_id == 1


def test_the_orm_ledger_records_progress_items_journal_and_the_previous_total(customers):
    from connect.services.sync_logs import (
        sync_run_cancel,
        sync_run_journal,
        sync_run_start,
    )
    from integrations.sync.links import ItemRecord

    customer = customers[0]
    sync_run(customer, "stammdaten", status=RunStatus.SUCCEEDED, done=412)
    sync_run(customer, "dokumente", status=RunStatus.SUCCEEDED, done=9)
    run = sync_run(customer, "stammdaten", status=RunStatus.RUNNING, done=100)
    sync_run_journal(run=run, creates=[("units", "k")])
    sync_run_start(run=run)  # a second worker picks the run up again
    ledger = OrmRunLedger(run)
    assert (ledger.resumed, ledger.progress_done, list(ledger.journal)) == (
        True,
        100,
        [("units", "k")],
    )
    assert ledger.previous_total() == 412
    ledger.record_journal([("units", "k2")])
    ledger.record_items([ItemRecord(entity="units", action="created", erp_key="einheit 1")])
    assert ledger.progress(done=150, counts={"units": {"created": 1}}, clear_journal=True) is False
    run.refresh_from_db()
    assert (run.progress_done, run.counts, run.write_journal) == (
        150,
        {"units": {"created": 1}},
        [],
    )
    assert run.items.count() == 1
    sync_run_cancel(customer=customer, run=run, actor=None)
    assert ledger.progress(phase="writing") is True


def test_the_memory_ledger_reports_a_requested_cancel():
    ledger = MemoryRunLedger(cancel_requested=True)
    assert ledger.progress(phase="writing") is True
    assert ledger.phases == ["writing"]
