"""Benchmark the Stammdaten sync against an in-process sandbox; prints one JSON object.

    python manage.py bench_stammdaten --units 10000
    python manage.py bench_stammdaten --units 300 --latency-ms 50 --workers 8
    python manage.py bench_stammdaten --units 2000 --foreign-parties 20000

Phases: a full sync, a re-sync without changes, a re-sync with 1 % of the tenants' e-mail
addresses changed and, with ``--latency-ms``, a full sync written one request at a time against
the parallel writer. Each phase reports records, facilioo requests by method (the sandbox's
counters), party lookups (facilioo's batch lookup of external ids), wall seconds and the peak
memory of this process. With ``--foreign-parties N`` the account first holds N parties of
another company, carrying the very id strings this customer computes (and more): the first
sync must cost the same party lookups as into an empty account. A temporary customer is created in
the current database and removed afterwards; nothing else is touched.
"""

from __future__ import annotations

import dataclasses
import json
import time
import zlib
from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from connect.services.run_ledger import OrmRunLedger
from integrations.erp.base import ErpConnector, ErpRead
from integrations.erp.demo import DemoConnector
from integrations.erp.edited import EditedConnector
from integrations.erp.records import Mandant, Person, PersonRolle, StreamItem
from integrations.facilioo.client import FaciliooClient
from integrations.sync.streams.stammdaten import StammdatenSync
from integrations.sync.types import StammdatenSettings
from integrations.usecases import UseCase
from tooling.bench import finish_run, is_write, new_run, peak_memory_mb, temporary_customer
from tooling.sandbox.testing import SandboxHandle, running_sandbox

TODAY = date(2026, 11, 25)


class InMemoryErp:
    """The demo portfolio read once and kept in memory, so the phases time the sync alone.

    Generating the demo portfolio costs about as much as reading an ERP export; it is
    reported once as ``erp_generate_seconds``.
    """

    def __init__(self, base: ErpConnector) -> None:
        self.base = base
        self._mandanten = base.list_mandanten()
        started = time.perf_counter()
        read = base.read(UseCase.STAMMDATEN, mandanten=[m.mandant_nr for m in self._mandanten])
        self.items: list[StreamItem] = list(read)
        self.seconds = time.perf_counter() - started

    def close(self) -> None:
        """The records are in memory."""

    def list_mandanten(self) -> list[Mandant]:
        return self._mandanten

    def read(self, use_case: UseCase, *, mandanten: Collection[str]) -> ErpRead:
        items = self.items

        class Read:
            complete = False

            def __iter__(self) -> Iterator[StreamItem]:
                yield from items
                self.complete = True

        return Read()


class ChangedEmails(EditedConnector):
    """The demo ERP with the e-mail address of every hundredth tenant changed."""

    def __init__(self, base: ErpConnector) -> None:
        self.changed: set[tuple[str, str]] = set()
        super().__init__(base, self._change)

    def _change(self, item: StreamItem) -> StreamItem:
        if (
            isinstance(item, Person)
            and item.email
            and "@" in item.email
            and item.rolle is PersonRolle.MIETER
            and zlib.crc32(f"{item.mandant_nr}/{item.person_nr}".encode()) % 100 == 0
        ):
            self.changed.add((item.mandant_nr, item.person_nr))
            return dataclasses.replace(item, email="neu." + item.email)
        return item


class Command(BaseCommand):
    help = "Benchmark the Stammdaten sync against an in-process facilioo sandbox (JSON output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--workers", type=int, default=8)
        parser.add_argument("--foreign-parties", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        units, workers, latency = options["units"], options["workers"], options["latency_ms"]
        demo = InMemoryErp(DemoConnector(units=units, seed=options["seed"]))
        result: dict[str, Any] = {
            "units": units,
            "workers": workers,
            "erp_records": len(demo.items),
            "erp_generate_seconds": round(demo.seconds, 2),
            "phases": {},
        }
        phases: dict[str, Any] = result["phases"]
        with running_sandbox(seed=True) as sandbox, temporary_customer() as customer:
            if options["foreign_parties"]:
                result["foreign_parties"] = _plant_foreign(
                    sandbox, demo, options["foreign_parties"]
                )
            phases["full_sync"] = _phase(customer, sandbox, demo, workers)
            phases["no_change_resync"] = _phase(customer, sandbox, demo, workers)
            changed = ChangedEmails(demo)
            phases["one_percent_changed"] = _phase(customer, sandbox, changed, workers)
            phases["one_percent_changed"]["changed_in_erp"] = len(changed.changed)
        if latency:
            result["latency_ms"] = latency
            for label, n in (("one_at_a_time", 1), ("parallel", workers)):
                with (
                    running_sandbox(seed=True, latency_ms=latency) as sandbox,
                    temporary_customer() as customer,
                ):
                    phases[f"latency_{label}"] = _phase(customer, sandbox, demo, n)
            slow = phases["latency_one_at_a_time"]["seconds"]
            fast = phases["latency_parallel"]["seconds"]
            result["parallel_speedup"] = round(slow / fast, 2) if fast else None
        full = phases["full_sync"]
        new_parties = full["counts"].get("parties", {}).get("created", 0)
        result["checks"] = {
            "full_requests_per_write_and_page": round(
                full["requests_total"] / max(1, full["writes"] + full["pages_read"]), 3
            ),
            "full_party_lookups": full["party_lookups"],
            "full_new_parties": new_parties,
            "full_party_lookups_per_100_new_parties": round(
                100 * full["party_lookups"] / max(1, new_parties), 3
            ),
            "full_requests_per_write_besides_lookups": round(
                (full["requests_total"] - full["party_lookups"]) / max(1, full["writes"]), 3
            ),
            "no_change_writes": phases["no_change_resync"]["writes"],
            "no_change_share_of_full_time": round(
                phases["no_change_resync"]["seconds"] / max(full["seconds"], 1e-9), 3
            ),
            "one_percent_writes": phases["one_percent_changed"]["writes"],
            "one_percent_parties_updated": phases["one_percent_changed"]["counts"]
            .get("parties", {})
            .get("updated", 0),
        }
        result["peak_memory_mb"] = peak_memory_mb()
        self.stdout.write(json.dumps(result, indent=2))


def _phase(customer: Any, sandbox: SandboxHandle, connector: Any, workers: int) -> dict[str, Any]:

    mandanten = frozenset(m.mandant_nr for m in connector.list_mandanten())
    run = new_run(customer, "stammdaten")
    sandbox.reset_counters()
    started = time.perf_counter()
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password, workers=workers) as client:
        engine = StammdatenSync(
            ledger=OrmRunLedger(run),
            client=client,
            connector=connector,
            today=TODAY,
            settings=StammdatenSettings(separator="-", mandanten=mandanten, default_tenant_id=1),
        )
        engine.execute()
    seconds = time.perf_counter() - started
    finish_run(run)
    counters = sandbox.counters()
    by_route: dict[str, int] = counters["by_route"]
    writes = sum(n for route, n in by_route.items() if is_write(route))
    pages = sum(
        n for route, n in by_route.items() if route.startswith("GET ") and "{id}" not in route
    )
    lookups = by_route.get("POST /api/parties/external-ids/search", 0)
    searches = sum(n for route, n in by_route.items() if "/search" in route) - lookups
    counts = engine.counts.as_dict()
    return {
        "records_read": engine.done,
        "records_written": sum(
            n
            for actions in counts.values()
            for action, n in actions.items()
            if action in ("created", "updated", "terminated", "deleted")
        ),
        "writes": writes,
        "pages_read": pages,
        "searches": searches,
        "party_lookups": lookups,
        "requests_total": counters["total"],
        "requests_by_method": counters["by_method"],
        "seconds": round(seconds, 2),
        "records_per_second": round(engine.done / seconds, 1) if seconds else None,
        "peak_memory_mb": peak_memory_mb(),
        "counts": counts,
    }


def _plant_foreign(sandbox: SandboxHandle, demo: InMemoryErp, count: int) -> dict[str, int]:
    """``count`` parties of another company: first with the ids this customer computes for its
    persons (``M-P``), then with made-up ones."""
    ours = sorted({f"{p.mandant_nr}-{p.person_nr}" for p in demo.items if isinstance(p, Person)})
    values = ours[:count] + [f"9{n:07d}-{n}" for n in range(max(0, count - len(ours)))]
    for start in range(0, len(values), 1000):
        sandbox.plant_parties(
            99,
            [
                {"secondaryName": f"Fremd {n}", "externalIds": [value]}
                for n, value in enumerate(values[start : start + 1000], start=start)
            ],
        )
    return {"planted": count, "with_our_id_strings": min(count, len(ours))}
