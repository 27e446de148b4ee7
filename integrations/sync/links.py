"""The link store: what the engine knows of the records it wrote, and its run's ledger.

The engine never queries the ORM itself. It asks a ``LinkStore`` for the links of a batch
(ERP natural key → facilioo id, payload hash, seen mark), the facilioo ids of parents, the
fields marked "facilioo behält", and the live links that may be removed, and hands it what a
batch wrote. A ``RunLedger`` takes the run's progress, log rows, counts and write journal.
``OrmLinkStore`` keeps links in PostgreSQL (``ExternalLink``, ``FieldHold``); the product keeps a
run's ledger in its ``SyncRun`` rows (``connect.services.run_ledger``). ``MemoryLinkStore`` and
``MemoryRunLedger`` keep them in dictionaries, so the engine can be tested without a database.

A batch is committed in one ``atomic()`` block: links, seen marks, removal marks, log rows,
counts and heartbeat together, or none of them.
"""

from __future__ import annotations

import contextlib
import copy
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from django.db import transaction

from integrations.facilioo.entity import Entity
from integrations.models import ExternalLink, FieldHold
from integrations.phrases import Phrase

CHUNK = 500


class Link(NamedTuple):
    """What the engine needs of a stored link (read without building model instances)."""

    pk: Any
    entity: str
    natural_key: str
    external_id: str
    facilioo_id: int
    payload_hash: str
    seen_run_id: int | None
    terminated: bool = False


@dataclass(frozen=True)
class LinkWrite:
    """A link written (or confirmed) by a batch: stored as seen by the run, live again."""

    entity: str
    natural_key: str
    external_id: str
    facilioo_id: int
    payload_hash: str
    sent_body: dict[str, Any] | None = None


@dataclass(frozen=True)
class ItemRecord:
    """One row of a run's log: what happened to one record."""

    entity: str
    action: str
    erp_key: str
    reason: str = ""
    message: str | Phrase = ""
    external_id: str = ""
    facilioo_id: int | None = None
    http_status: int | None = None


class LinkStore(Protocol):
    """The links of one customer."""

    def get(self, entity: str, keys: Sequence[str]) -> dict[str, Link]:
        """The live (not deleted) links of ``entity`` under these natural keys."""

    def ids(self, keys: Mapping[str, str]) -> dict[str, int]:
        """facilioo ids by natural key, for keys mapped to the entity their link must have."""

    def held(self, entity: str, keys: Sequence[str]) -> dict[str, set[str]]:
        """Fields marked "facilioo behält" per natural key."""

    def live(self, entities: Collection[str]) -> list[Link]:
        """Every live link of these entities (the removal candidates and their count)."""

    def write(self, links: Iterable[LinkWrite], *, run_id: int) -> None:
        """Store links: seen and last written by ``run_id``, not terminated, not deleted."""

    def mark_seen(self, entity: str, keys: Sequence[str], *, run_id: int) -> None:
        """Mark links as read from the ERP by ``run_id`` (no other change)."""

    def mark(self, pk: Any, **fields: Any) -> None:
        """Set a removal's marks on one link (terminated, deleted, seen, payload hash)."""

    def atomic(self) -> contextlib.AbstractContextManager[Any]:
        """One transaction around a batch's commit."""


class RunLedger(Protocol):
    """The run an engine executes: its state at the start and what it records."""

    run_id: int
    customer_id: int
    dry_run: bool
    resumed: bool
    counts: Mapping[str, Mapping[str, int]]
    progress_done: int
    journal: Sequence[tuple[str, str]]

    def progress(
        self,
        *,
        phase: str | None = None,
        done: int | None = None,
        total: int | None = None,
        counts: Mapping[str, Mapping[str, int]] | None = None,
        clear_journal: bool = False,
    ) -> bool:
        """Heartbeat and progress; True when a cancellation was requested."""

    def record_items(self, items: Sequence[Any]) -> None:
        """The per-record log rows (``ItemRecord``) of a batch."""

    def record_journal(self, creates: Sequence[tuple[str, str]]) -> None:
        """Before a batch's requests: what it creates (entity, natural key)."""

    def previous_total(self) -> int | None:
        """The size of the customer's last complete read of this use case, if any."""

    def skipped_for(self, reasons: Collection[str]) -> int:
        """How many records this run (all its attempts) logged as skipped for these reasons."""


# ---------------------------------------------------------------------------------------------
# PostgreSQL (the product)
# ---------------------------------------------------------------------------------------------

_LINK_COLUMNS = (
    "pk",
    "entity",
    "natural_key",
    "external_id",
    "facilioo_id",
    "payload_hash",
    "seen_run_id",
    "terminated",
)


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class OrmLinkStore:
    """``ExternalLink`` and ``FieldHold`` rows of one customer."""

    def __init__(self, customer_id: int) -> None:
        self.customer_id = customer_id

    def _links(self) -> Any:

        return ExternalLink.objects.filter(customer_id=self.customer_id)

    def get(self, entity: str, keys: Sequence[str]) -> dict[str, Link]:
        found: dict[str, Link] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            for row in (
                self._links()
                .filter(entity=entity, natural_key__in=chunk, deleted=False)
                .values_list(*_LINK_COLUMNS)
            ):
                link = Link(*row)
                found[link.natural_key] = link
        return found

    def ids(self, keys: Mapping[str, str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(list(keys)):
            for nk, entity, fid in (
                self._links()
                .filter(natural_key__in=chunk, deleted=False)
                .values_list("natural_key", "entity", "facilioo_id")
            ):
                if keys[nk] == entity:
                    found[nk] = int(fid)
        return found

    def held(self, entity: str, keys: Sequence[str]) -> dict[str, set[str]]:

        held: dict[str, set[str]] = defaultdict(set)
        for chunk in _chunks(list(keys)):
            for nk, name in FieldHold.objects.filter(
                customer_id=self.customer_id, entity=entity, natural_key__in=chunk
            ).values_list("natural_key", "field"):
                held[nk].add(name)
        return dict(held)

    def live(self, entities: Collection[str]) -> list[Link]:
        return [
            Link(*row)
            for row in self._links()
            .filter(entity__in=list(entities), deleted=False)
            .order_by("pk")
            .values_list(*_LINK_COLUMNS)
        ]

    def write(self, links: Iterable[LinkWrite], *, run_id: int) -> None:

        rows = {
            (w.entity, w.natural_key): ExternalLink(
                customer_id=self.customer_id,
                entity=w.entity,
                natural_key=w.natural_key,
                external_id=w.external_id,
                facilioo_id=w.facilioo_id,
                payload_hash=w.payload_hash,
                sent_body=w.sent_body,
                last_run_id=run_id,
                seen_run_id=run_id,
                terminated=False,
                deleted=False,
            )
            for w in links
        }
        if not rows:
            return
        ExternalLink.objects.bulk_create(
            list(rows.values()),
            batch_size=CHUNK,
            update_conflicts=True,
            unique_fields=["customer", "entity", "natural_key"],
            update_fields=[
                "external_id",
                "facilioo_id",
                "payload_hash",
                "sent_body",
                "last_run_id",
                "seen_run_id",
                "terminated",
                "deleted",
                "synced_at",
            ],
        )

    def mark_seen(self, entity: str, keys: Sequence[str], *, run_id: int) -> None:
        for chunk in _chunks(list(keys)):
            self._links().filter(entity=entity, natural_key__in=chunk).update(seen_run_id=run_id)

    def mark(self, pk: Any, **fields: Any) -> None:
        self._links().filter(pk=pk).update(**fields)

    def atomic(self) -> contextlib.AbstractContextManager[Any]:
        return transaction.atomic()


def links_rewrite_next_run(*, customer_id: int, records: list[tuple[str, str]]) -> int:
    """The next run writes these records again (entity, natural key): deleted or changed in
    facilioo behind our back. Their last-sent hash is cleared, so the next run updates them, and
    facilioo's "not found" makes it create a deleted one again with every field (held fields
    included). A property's entrance is written again with it. Returns the links marked."""

    wanted = set(records)
    for entity, natural_key in records:
        if entity == Entity.PROPERTIES and natural_key.startswith("gebaeude\x1f"):
            wanted.add((Entity.ENTRANCES, "eingang" + natural_key.removeprefix("gebaeude")))
    marked = 0
    for entity in {e for e, _nk in wanted}:
        keys = [nk for e, nk in wanted if e == entity]
        marked += (
            ExternalLink.objects.filter(
                customer_id=customer_id, entity=entity, natural_key__in=keys
            )
            .exclude(payload_hash="")
            .update(payload_hash="")
        )
    return marked


# ---------------------------------------------------------------------------------------------
# In memory (tests of the engine without a database)
# ---------------------------------------------------------------------------------------------


@dataclass
class _Row:
    pk: int
    entity: str
    natural_key: str
    external_id: str
    facilioo_id: int
    payload_hash: str
    sent_body: dict[str, Any] | None
    last_run_id: int | None
    seen_run_id: int | None
    terminated: bool = False
    deleted: bool = False

    def link(self) -> Link:
        return Link(
            self.pk,
            self.entity,
            self.natural_key,
            self.external_id,
            self.facilioo_id,
            self.payload_hash,
            self.seen_run_id,
            self.terminated,
        )


class MemoryLinkStore:
    """Links and held fields in dictionaries; ``atomic`` keeps all or nothing of a batch."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], _Row] = {}
        self.holds: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._next_pk = 1

    def get(self, entity: str, keys: Sequence[str]) -> dict[str, Link]:
        found = {}
        for nk in keys:
            row = self.rows.get((entity, nk))
            if row is not None and not row.deleted:
                found[nk] = row.link()
        return found

    def ids(self, keys: Mapping[str, str]) -> dict[str, int]:
        found = {}
        for nk, entity in keys.items():
            row = self.rows.get((entity, nk))
            if row is not None and not row.deleted:
                found[nk] = row.facilioo_id
        return found

    def held(self, entity: str, keys: Sequence[str]) -> dict[str, set[str]]:
        return {nk: set(self.holds[(entity, nk)]) for nk in keys if self.holds.get((entity, nk))}

    def live(self, entities: Collection[str]) -> list[Link]:
        rows = sorted(self.rows.values(), key=lambda r: r.pk)
        return [r.link() for r in rows if r.entity in entities and not r.deleted]

    def write(self, links: Iterable[LinkWrite], *, run_id: int) -> None:
        for w in links:
            row = self.rows.get((w.entity, w.natural_key))
            if row is None:
                row = _Row(self._next_pk, w.entity, w.natural_key, "", 0, "", None, None, None)
                self._next_pk += 1
                self.rows[(w.entity, w.natural_key)] = row
            row.external_id, row.facilioo_id = w.external_id, w.facilioo_id
            row.payload_hash, row.sent_body = w.payload_hash, w.sent_body
            row.last_run_id = row.seen_run_id = run_id
            row.terminated = row.deleted = False

    def mark_seen(self, entity: str, keys: Sequence[str], *, run_id: int) -> None:
        for nk in keys:
            if (row := self.rows.get((entity, nk))) is not None:
                row.seen_run_id = run_id

    def mark(self, pk: Any, **fields: Any) -> None:
        for row in self.rows.values():
            if row.pk == pk:
                for name, value in fields.items():
                    setattr(row, name, value)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:

        saved = copy.deepcopy(self.rows)
        try:
            yield
        except BaseException:
            self.rows = saved
            raise


@dataclass
class MemoryRunLedger:
    """A run in memory: its progress, log rows and journal, for engine tests."""

    run_id: int = 1
    customer_id: int = 1
    dry_run: bool = False
    resumed: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    progress_done: int = 0
    journal: list[tuple[str, str]] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    total: int | None = None
    cancel_requested: bool = False
    last_total: int | None = None

    def progress(
        self,
        *,
        phase: str | None = None,
        done: int | None = None,
        total: int | None = None,
        counts: Mapping[str, Mapping[str, int]] | None = None,
        clear_journal: bool = False,
    ) -> bool:
        if phase is not None:
            self.phases.append(phase)
        if done is not None:
            self.progress_done = done
        if total is not None:
            self.total = total
        if counts is not None:
            self.counts = {k: dict(v) for k, v in counts.items()}
        if clear_journal:
            self.journal = []
        return self.cancel_requested

    def record_items(self, items: Sequence[Any]) -> None:
        self.items.extend(items)

    def record_journal(self, creates: Sequence[tuple[str, str]]) -> None:
        self.journal.extend(creates)

    def previous_total(self) -> int | None:
        return self.last_total

    def skipped_for(self, reasons: Collection[str]) -> int:
        return sum(
            1
            for item in self.items
            if getattr(item, "action", "") == "skipped" and getattr(item, "reason", "") in reasons
        )
