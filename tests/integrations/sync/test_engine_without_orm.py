"""The engine on the in-memory link store and run ledger: no database access at all.

These tests take no ``db`` fixture, so pytest-django refuses any query: they prove the engine
reaches links and its run only through the ``LinkStore`` and ``RunLedger`` seam. facilioo is
the sandbox server over HTTP, as everywhere.
"""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any

import pytest

from integrations.erp.demo.connector import DemoConnector
from integrations.erp.edited import EditedConnector
from integrations.erp.records import Dokument, Einheit, Vertrag
from integrations.facilioo.client import FaciliooClient
from integrations.sync.engine import ErpReadIncomplete, SafetyBrakeTripped, SyncEngine, key_str
from integrations.sync.links import MemoryLinkStore, MemoryRunLedger
from integrations.sync.streams.dokumente import DOKUMENTE
from integrations.sync.streams.stammdaten import STAMMDATEN
from integrations.sync.types import DokumenteSettings, StammdatenSettings
from tooling.sandbox.testing import running_sandbox

TODAY = date(2026, 11, 25)
DEMO = DemoConnector(units=30, seed=3)
MANDANTEN = frozenset(m.mandant_nr for m in DEMO.list_mandanten())
WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
def sandbox():
    with running_sandbox(seed=True) as handle:
        yield handle


class World:
    """One customer: its links in memory, its runs numbered, facilioo the sandbox."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.store = MemoryLinkStore()
        self.runs = 0
        self.last_total: dict[str, int] = {}

    def sync(
        self, pipeline: Any, settings: Any, *, connector: Any = DEMO, dry_run: bool = False
    ) -> tuple[SyncEngine, MemoryRunLedger, int]:
        self.runs += 1
        ledger = MemoryRunLedger(
            run_id=self.runs,
            dry_run=dry_run,
            last_total=self.last_total.get(pipeline.use_case.value),
        )
        self.sandbox.reset_counters()
        with FaciliooClient(
            self.sandbox.url, self.sandbox.email, self.sandbox.password, workers=4
        ) as client:
            engine = SyncEngine(
                pipeline,
                client=client,
                connector=connector,
                settings=settings,
                today=TODAY,
                batch_size=50,
                store=self.store,
                ledger=ledger,
            )
            engine.execute()
        if not dry_run:
            self.last_total[pipeline.use_case.value] = ledger.progress_done
        counters = self.sandbox.counters()
        writes = sum(
            n
            for route, n in counters["by_route"].items()
            if route.split()[0] in WRITES and "/search" not in route and "/auth/" not in route
        )
        return engine, ledger, writes


def stammdaten(**extra: Any) -> StammdatenSettings:
    return StammdatenSettings(separator="-", mandanten=MANDANTEN, default_tenant_id=1, **extra)


def live(sandbox: Any, entity: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.state.records(entity) if not r.get("deleted")]


def test_sync_no_change_preview_change_preview_sync_in_memory(sandbox):
    world = World(sandbox)
    # when: the first sync
    engine, ledger, writes = world.sync(STAMMDATEN, stammdaten())
    # then: everything arrived, every write is logged, the links are in the memory store
    units = engine.counts.by_entity["units"]
    assert units["created"] == len(live(sandbox, "units")) == 30
    assert writes > 0
    assert not engine.had_failures
    assert sum(1 for item in ledger.items if item.action == "created") == engine.counts.total(
        "created"
    )
    assert len(world.store.live(["units"])) == 30
    # when: nothing changed
    engine, ledger, writes = world.sync(STAMMDATEN, stammdaten())
    assert writes == 0
    assert engine.counts.total("created") == engine.counts.total("updated") == 0
    assert changes(ledger) == []
    # when: a preview right after a real sync
    engine, ledger, writes = world.sync(STAMMDATEN, stammdaten(), dry_run=True)
    assert writes == 0
    assert changes(ledger) == []
    assert "removing" in ledger.phases
    # when: one unit leaves the ERP and another is renamed
    gone, renamed = _two_unit_keys()
    edited = EditedConnector(DEMO, _edit_units(gone, renamed))
    engine, ledger, writes = world.sync(STAMMDATEN, stammdaten(), connector=edited, dry_run=True)
    # then: the preview names exactly these two, writes nothing, keeps the links as they were
    assert writes == 0
    assert changes(ledger) == [("units", "updated"), ("units", "missing")]
    assert all(i.message for i in ledger.items)
    # when: the real sync of that change
    engine, ledger, writes = world.sync(STAMMDATEN, stammdaten(), connector=edited)
    assert engine.counts.by_entity["units"].get("updated") == 1
    assert engine.counts.by_entity["units"].get("missing") == 1
    assert writes == 1  # the rename; "terminate" policy only reports the missing unit
    # when: again: nothing written; the missing unit stays in the report of every run
    engine, ledger, writes = world.sync(STAMMDATEN, stammdaten(), connector=edited)
    assert writes == 0
    assert changes(ledger) == [("units", "missing")]


def changes(ledger: MemoryRunLedger) -> list[tuple[str, str]]:
    """The log rows of a run but the skipped records (they are logged on every run)."""
    return [(i.entity, i.action) for i in ledger.items if i.action != "skipped"]


def _two_unit_keys() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from integrations.usecases import UseCase

    units = [
        item
        for item in DEMO.read(UseCase.STAMMDATEN, mandanten=MANDANTEN)
        if isinstance(item, Einheit)
    ]
    return units[0].key, units[1].key


def _edit_units(gone: tuple[str, ...], renamed: tuple[str, ...]) -> Any:
    import dataclasses

    def edit(record: Any) -> Any:
        if isinstance(record, Einheit) and record.key == gone:
            return None
        if isinstance(record, Einheit) and record.key == renamed:
            return dataclasses.replace(record, bezeichnung="Neu benannt")
        return record

    return edit


def test_documents_on_the_records_of_the_stammdaten_sync_in_memory(sandbox):
    world = World(sandbox)
    world.sync(STAMMDATEN, stammdaten())
    settings = DokumenteSettings(separator="-", mandanten=MANDANTEN)
    # when
    engine, ledger, _writes = world.sync(DOKUMENTE, settings)
    # then: every document is logged as created, and is there with its bytes, linked to its file
    created = engine.counts.by_entity["documents"]["created"]
    assert sum(1 for i in ledger.items if i.entity == "documents" and i.action == "created") == (
        created
    )
    assert created == len(live(sandbox, "documents")) > 0
    assert engine.counts.by_entity["files"]["created"] == created
    assert engine.bytes_uploaded > 0
    assert len(world.store.live(["files"])) == created
    # when: again, unchanged: not even a file is read
    engine, _ledger, writes = world.sync(DOKUMENTE, settings)
    assert writes == 0
    assert engine.counts.by_entity["documents"]["unchanged"] == created
    # when: one document leaves the ERP
    gone = world.store.live(["documents"])[0].natural_key

    def edit(record: Any) -> Any:
        return None if isinstance(record, Dokument) and key_str(record.key) == gone else record

    edited = EditedConnector(DEMO, edit)
    engine, _ledger, writes = world.sync(DOKUMENTE, settings, connector=edited)
    # then: it is deleted with its file, and both links are marked
    assert engine.counts.by_entity["documents"]["deleted"] == 1
    assert engine.counts.by_entity["files"]["deleted"] == 1
    assert len(live(sandbox, "documents")) == created - 1
    assert len(world.store.live(["documents"])) == created - 1
    assert len(world.store.live(["files"])) == created - 1


# --- removals, once for every use case -------------------------------------------------------


class CutConnector:
    """An ERP source whose read stops after ``limit`` records without completing."""

    def __init__(self, base: Any, limit: int) -> None:
        self.base, self.limit = base, limit

    def list_mandanten(self) -> Any:
        return self.base.list_mandanten()

    def close(self) -> None:
        self.base.close()

    def read(self, use_case: Any, *, mandanten: Any) -> Any:
        return CutRead(self.base.read(use_case, mandanten=mandanten), self.limit)


class CutRead:
    def __init__(self, read: Any, limit: int) -> None:
        self._read, self._limit = read, limit
        self.complete = False

    def __iter__(self) -> Any:
        for n, item in enumerate(self._read):
            if n >= self._limit:
                return
            yield item


# Per use case: its settings with removals on, and what one removal check must leave alone.
REMOVING = {
    "stammdaten": (STAMMDATEN, lambda **x: stammdaten(deletion_policy="delete", **x)),
    "dokumente": (
        DOKUMENTE,
        lambda **x: DokumenteSettings(separator="-", mandanten=MANDANTEN, **x),
    ),
}


def _synced(world: World, name: str) -> tuple[Any, Any, dict[Any, Any], list[Any]]:
    pipeline, settings = REMOVING[name]
    if pipeline is not STAMMDATEN:
        world.sync(STAMMDATEN, stammdaten())
    world.sync(pipeline, settings())
    links = {k: (r.facilioo_id, r.terminated, r.deleted) for k, r in world.store.rows.items()}
    removable = [r for e in pipeline.removal_order for r in live(world.sandbox, e)]
    return pipeline, settings, links, removable


def _removed_nothing(world: World, pipeline: Any, links: dict[Any, Any], before: list[Any]):
    counters = world.sandbox.counters()
    assert not any(route.split()[0] == "DELETE" for route in counters["by_route"])
    assert [r for e in pipeline.removal_order for r in live(world.sandbox, e)] == before
    assert not any(
        r.get("terminationAt") == TODAY.isoformat()
        for r in world.sandbox.state.records("unit-contracts")
    )
    now = {k: (r.facilioo_id, r.terminated, r.deleted) for k, r in world.store.rows.items()}
    assert now == links


@pytest.mark.parametrize("name", sorted(REMOVING))
def test_an_incomplete_read_removes_nothing_and_fails_in_german(sandbox, name):
    world = World(sandbox)
    pipeline, settings, links, before = _synced(world, name)
    total = sum(1 for _ in DEMO.read(pipeline.use_case, mandanten=MANDANTEN))
    # when: the next read stops halfway, without an error, and the brake would allow all
    with pytest.raises(ErpReadIncomplete) as stopped:
        world.sync(
            pipeline, settings(safety_brake_percent=100), connector=CutConnector(DEMO, total // 2)
        )
    # then: a German message, and nothing removed in facilioo or marked in the links
    assert "nicht vollständig gelesen" in stopped.value.message
    _removed_nothing(world, pipeline, links, before)


@pytest.mark.parametrize("name", sorted(REMOVING))
def test_the_safety_brake_stops_a_half_empty_read_and_removes_nothing(sandbox, name):
    world = World(sandbox)
    pipeline, settings, links, before = _synced(world, name)
    if pipeline is STAMMDATEN:  # every unit and contract: more than half of the records

        def gone(r: Any) -> bool:
            return isinstance(r, Einheit | Vertrag)
    else:  # every second document

        def gone(r: Any) -> bool:
            return isinstance(r, Dokument) and zlib.crc32(key_str(r.key).encode()) % 2 == 0

    half = EditedConnector(DEMO, lambda r: None if gone(r) else r)
    # when: a large share of the removable records is gone from a complete read
    with pytest.raises(SafetyBrakeTripped) as tripped:
        world.sync(pipeline, settings(), connector=half)
    # then
    assert "Sicherheitsbremse" in tripped.value.message
    assert "mehr als 20 %" in tripped.value.message
    _removed_nothing(world, pipeline, links, before)
