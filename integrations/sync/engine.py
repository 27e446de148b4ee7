"""The one sync pipeline: read ERP → map → diff → adopt → write → record, in committed batches.

Every use case runs on this engine. A use case is a ``Pipeline``: a ``Mapper`` that turns the
ERP records into facilioo payloads (``TargetPayload``), skips (``Skip``) and counted filters
(``Counted``), and one ``Stream`` per facilioo entity it writes, which declares what differs for
that entity: its parents (``TargetPayload.refs``), its write steps (one request, or several, as
a party needs create, external ids and contact details and a document needs file, upload and
document), what makes a found record provably ours, and how it leaves facilioo. The engine does
the rest once:

- reading: the ERP read is streamed (memory does not grow with the portfolio beyond small key
  sets), records are cut into batches of one record type in dependency order;
- diffing against the links (``links.LinkStore``), "facilioo behält" fields, parent ids;
- adoption of records facilioo already has with our external id (only what is provably ours);
- parallel writes through the one facilioo client (rate limit, retries), links, log rows and
  counts, committed per batch in one transaction with the heartbeat;
- resume: a resumed attempt replays the batches its predecessor committed without writing, and
  counts what the predecessor created without committing (the write journal) as created;
- dry run: the same decisions, logged as "Vorschau", no write, no link;
- cancellation at every commit; removals after a complete read only, behind the safety brake.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext_noop

from integrations.erp.base import ErpConnector
from integrations.erp.records import NaturalKey, RecordProblem
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooRecordRejected
from integrations.phrases import Phrase, phrase
from integrations.reasons import ATTENTION_REASONS
from integrations.sync.differ import ChangeKind, diff
from integrations.sync.existing import ADOPT_MARK
from integrations.sync.links import (
    ItemRecord,
    Link,
    LinkStore,
    LinkWrite,
    OrmLinkStore,
    RunLedger,
)
from integrations.sync.mapping_table import MappingRow
from integrations.sync.stream import (
    JSON,
    KEY_SEPARATOR,
    LinkReader,
    R,
    S,
    StreamBase,
    Write,
    erp_key_label,
    key_of,
    key_str,
)
from integrations.sync.types import MapContext, Skip, TargetPayload
from integrations.usecases import UseCase

__all__ = [
    "JSON",
    "KEY_SEPARATOR",
    "Counted",
    "Lookups",
    "Mapped",
    "Mapper",
    "Pipeline",
    "Seen",
    "SyncEngine",
    "erp_key_label",
    "key_of",
    "key_str",
]

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Up to this many new records of a batch are looked up one by one; beyond, the entity is
# listed once per run (a first sync) and looked up in that index.
SEARCH_LIMIT = 20


class RunCancelled(Exception):
    pass


class SafetyBrakeTripped(Exception):
    def __init__(self, message: str | Phrase) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.sentence = message  # what the run stores: read in the reader's language


class ErpReadIncomplete(SafetyBrakeTripped):
    """The ERP read ended before its end: nothing is removed, the run fails."""


def erp_read_incomplete_message() -> Phrase:
    return phrase(
        gettext_noop(
            "Das ERP wurde nicht vollständig gelesen; es wurde nichts aus facilioo entfernt. "
            "Bitte prüfen Sie den ERP-Export und starten Sie den Lauf erneut."
        )
    )


@dataclass
class Counts:
    by_entity: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, entity: str, action: str, n: int = 1) -> None:
        bucket = self.by_entity[str(entity)]  # an ``Entity`` counts under its name
        bucket[action] = bucket.get(action, 0) + n

    def load(self, stored: Mapping[str, Mapping[str, int]]) -> None:
        for entity, actions in stored.items():
            for action, n in actions.items():
                self.add(entity, action, n)

    def total(self, action: str) -> int:
        return sum(actions.get(action, 0) for actions in self.by_entity.values())

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {entity: dict(actions) for entity, actions in self.by_entity.items()}


# ---------------------------------------------------------------------------------------------
# What mappers and streams hand the engine
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counted:
    """A record left out by a filter that is only counted, never logged."""

    entity: str
    action: str


@dataclass(frozen=True, slots=True)
class Seen:
    """A record that stays in the sync's scope without a payload of its own (a document's file)."""

    entity: str
    key: NaturalKey


Mapped = TargetPayload | Skip | Counted | Seen


@dataclass(frozen=True, slots=True)
class Lookups:
    """What a mapper's context needs from facilioo, read once per run (one listing each)."""

    unit_types: list[JSON] = field(default_factory=list)
    file_types: list[JSON] = field(default_factory=list)


class Mapper:
    """Turns one use case's ERP records into payloads; may keep state over one read."""

    use_case: str
    # The facilioo entity behind the first part of a natural key (parents, skips, problems).
    entity_of_kind: Mapping[str, Entity] = {}

    def lookups(self, client: FaciliooClient) -> Lookups:
        """The facilioo listings ``build_context`` needs (the requests of a run's start)."""
        return Lookups()

    def build_context(self, today: date, lookups: Lookups) -> MapContext:
        """The map context of one run, or of one record the record inspector explains: the
        one place it is built."""
        raise NotImplementedError

    def context(self, client: FaciliooClient, today: date) -> MapContext:
        return self.build_context(today, self.lookups(client))

    def map(self, item: Any, ctx: MapContext) -> list[Mapped]:
        raise NotImplementedError

    def external_id_of(self, key: NaturalKey) -> str:
        """The externalId a skipped record would carry, so support can search for it."""
        return ""


@dataclass(frozen=True)
class Pipeline:
    """A use case on the engine: its mapper, its streams in write order, its removals."""

    use_case: str  # the registry name (``UseCase`` for the built-in ones)
    mapper: Callable[[Any], Mapper]  # (settings) -> a fresh mapper for one run
    streams: Sequence[type[StreamBase[Any, Any]]]  # in write order: a parent before its children
    # The entities whose links are removal candidates after a complete read, in this order.
    removal_order: tuple[Entity, ...] = ()
    # The entities the reconciliation compares with facilioo, in the order it reads them.
    reconciled: tuple[Entity, ...] = ()
    # Natural keys of these kinds are alias links: never removal candidates.
    alias_kinds: frozenset[str] = frozenset()
    # "Sicherheitsbremse: 3 von 10 bekannten <noun> fehlen im ERP".
    # The plural noun of the safety brake's sentence ("… of 120 known records …").
    brake_noun: Callable[[], Phrase] = lambda: phrase(gettext_noop("Datensätzen"))
    # The part of the ERP export the use case reads (None: the one named like the use case).
    reads: UseCase | None = None
    # The rows of the field-mapping page for the records of a use case declared outside the
    # product's table (``sync.mapping_table.MAPPING`` describes Stammdaten and Dokumente).
    mapping: tuple[MappingRow, ...] = ()

    @property
    def entities(self) -> tuple[Entity, ...]:
        """The facilioo entities the use case writes, in order."""
        return tuple(kind.entity for kind in self.streams)

    def stream(self, entity: str) -> type[StreamBase[Any, Any]] | None:
        """The stream of ``entity`` (None: the use case does not write it)."""
        return next((kind for kind in self.streams if kind.entity == entity), None)

    def parse_key(self, entity: str, erp_key: str) -> NaturalKey | None:
        """``("units", "1000/0001/01/003")`` -> ``("einheit", "1000", "0001", "01", "003")``;
        None if it names no record of the entity."""
        stream = self.stream(entity)
        if stream is None or not stream.kind:
            return None
        text = erp_key.strip("/")
        # A folder's or document's id is any text: slashes stay in the last part.
        parts = tuple(text.split("/", stream.key_parts - 1) if stream.free_id else text.split("/"))
        if len(parts) != stream.key_parts or not all(parts):
            return None
        return (stream.kind, *parts)


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


class SyncEngine:
    """Executes one run of one use case.

    A batch's links, marks, seen keys, log rows, counts and heartbeat are kept in memory and
    written by ``commit`` in one transaction, so a run that is interrupted and resumed ends with
    the same counts and log as one that was not: what its predecessor committed is replayed
    without writing, what it did not commit is done (and logged) again, and records the
    predecessor created without committing are recognised through the write journal.

    The streams see none of this: each gets the run's ``StreamContext`` (``_Context``), and
    what they emit through it lands in the batch that the next commit stores.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        ledger: RunLedger,
        client: FaciliooClient,
        connector: ErpConnector,
        settings: Any,
        today: date,
        batch_size: int = BATCH_SIZE,
        safety_brake_percent: int | None = None,  # default: the settings'
        store: LinkStore | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.settings = settings
        self.client = client
        self.connector = connector
        self.today = today
        self.batch_size = batch_size
        self.safety_brake_percent = (
            settings.safety_brake_percent if safety_brake_percent is None else safety_brake_percent
        )
        self.store: LinkStore = store if store is not None else OrmLinkStore(ledger.customer_id)
        self.ledger: RunLedger = ledger
        self.run_id = self.ledger.run_id
        self.dry_run = self.ledger.dry_run
        self.mapper = pipeline.mapper(settings)
        self.streams: dict[str, StreamBase[Any, Any]] = {
            kind.entity: kind(settings) for kind in pipeline.streams
        }
        self.counts = Counts()
        self.counts.load(self.ledger.counts or {})
        # Read position. A resumed attempt reads again from the start; the batches up to the
        # position its predecessor committed are replayed only to rebuild the mapper's state.
        self.done = 0
        self.resume_from = self.ledger.progress_done if self.ledger.resumed else 0
        self.journal: frozenset[tuple[str, str]] = frozenset(
            (str(e), str(nk)) for e, nk in self.ledger.journal if self.ledger.resumed
        )
        self.had_failures = False
        self.bytes_uploaded = 0  # through pre-signed upload URLs
        self.ctx: MapContext | None = None
        self.stream_ctx = _Context(self)
        self._items: list[ItemRecord] = []
        self._seen: list[tuple[str, str]] = []  # (entity, natural key) read from the ERP
        self._dry_seen: set[tuple[str, str]] = set()  # a dry run marks no link
        self._pending: dict[tuple[str, str], LinkWrite] = {}
        self._marks: list[tuple[Any, dict[str, Any]]] = []
        self._planned: dict[NaturalKey, int] = {}  # dry run: placeholder ids of new records
        self._found: dict[str, dict[str, list[JSON]]] = {}  # externalId index per entity
        self._marked: set[Any] = set()  # links a removal of this run marked already

    # -- the run ----------------------------------------------------------------------------

    def execute(self) -> None:
        self.ctx = self.mapper.context(self.client, self.today)
        self.progress(phase="writing", total=self._expected_total())
        read = self._read()
        batch: list[Mapped] = []
        kind: str | None = None
        for item in read:
            item_kind = kind if _is_problem(item) else type(item).__name__
            if (kind is not None and item_kind != kind) or len(batch) >= self.batch_size:
                self._flush(batch)
                batch = []
            kind = item_kind
            self.done += 1
            batch.extend(self.mapper.map(item, self.ctx))
        self._flush(batch)
        if not read.complete:
            raise ErpReadIncomplete(erp_read_incomplete_message())
        self.progress(phase="removing", total=self.done)
        self._remove_missing()
        self.commit()

    def _read(self) -> Any:
        reads = self.pipeline.reads or UseCase(self.pipeline.use_case)
        return self.connector.read(reads, mandanten=self.settings.mandanten)

    def _expected_total(self) -> int:
        """The progress total: the size of the last complete read, else one counting pass.

        Counting costs a whole extra ERP read, so it happens only before a customer's first
        run; afterwards the previous read's size is the estimate (corrected at the end).
        """
        previous = self.ledger.previous_total()
        if previous:
            return max(previous, self.resume_from)
        self.progress(phase="counting")
        return sum(1 for _ in self._read())

    def replaying(self) -> bool:
        """True while a resumed attempt re-reads batches its predecessor committed."""
        return self.done <= self.resume_from

    def _flush(self, batch: list[Mapped]) -> None:
        """Write one batch, stream by stream in the pipeline's order; one commit."""
        if not batch or self.replaying():
            return  # nothing, or committed by an earlier attempt of this run
        by_entity: dict[str, list[TargetPayload]] = defaultdict(list)
        for item in batch:
            if isinstance(item, Counted):
                self.counts.add(item.entity, item.action)
            elif isinstance(item, Seen):
                self._seen.append((item.entity, key_str(item.key)))
            elif isinstance(item, Skip):
                self._log_skip(item)
            else:
                by_entity[item.entity].append(item)
        for entity, stream in self.streams.items():
            if by_entity.get(entity):
                self._write_stream(stream, by_entity[entity])
        self.commit()

    def _log_skip(self, skipped: Skip) -> None:
        entity = skipped.entity or "?"
        key = skipped.key or ("?",)
        if skipped.in_scope:
            self._seen.append((entity, key_str(key)))
        self.log(
            entity,
            "skipped",
            key,
            reason=skipped.reason,
            message=skipped.message,
            external_id=self.mapper.external_id_of(key) or None,
        )

    def _write_stream(self, stream: StreamBase[Any, Any], payloads: list[TargetPayload]) -> None:
        if not stream.waves:
            self._write(stream, self.prepare(stream, payloads))
            return
        # Waves: a record is written once its parent (if it is in this batch) has its id.
        remaining = payloads
        while remaining:
            waiting = {p.key for p in remaining}
            wave = [p for p in remaining if not (set(p.refs.values()) & (waiting - {p.key}))]
            if not wave:  # a cycle: no parent ever gets an id
                for payload in remaining:
                    self._seen.append((payload.entity, key_str(payload.key)))
                    self.log_missing(payload, stream.missing_parent(payload, list(payload.refs)))
                return
            self._write(stream, self.prepare(stream, wave))
            written = {p.key for p in wave}
            remaining = [p for p in remaining if p.key not in written]

    # -- one stream of one batch ------------------------------------------------------------

    def prepare(self, stream: StreamBase[S, Any], payloads: list[TargetPayload]) -> list[Write[S]]:
        """Resolve parents, leave out held fields, diff against the links: what must be written.

        The stream adds its own per-write state (``plan``), its digest, whether an unchanged
        body still needs a write (``settled``) and what it says of a missing parent."""
        keys = [key_str(p.key) for p in payloads]
        links = self.store.get(stream.entity, keys)
        own = stream.own_refs
        parents = self.parent_ids(
            [
                ref
                for p in payloads
                for ref in (
                    *(ref for name, ref in p.refs.items() if name not in own),
                    *filter(None, [p.same_id_as]),
                )
            ]
        )
        held = self.store.held(stream.entity, keys) if links else {}
        states = stream.plan(self.stream_ctx, payloads)
        writes: list[Write[S]] = []
        unchanged_aliases: list[tuple[TargetPayload, int]] = []
        for payload, nk, state in zip(payloads, keys, states, strict=True):
            self._seen.append((payload.entity, nk))
            link = links.get(nk)
            if link is not None and link.seen_run_id == self.run_id and not self.dry_run:
                continue  # done by an earlier attempt of this run (resume)
            missing = [
                name for name, ref in payload.refs.items() if name not in own and ref not in parents
            ]
            if missing or (payload.same_id_as is not None and payload.same_id_as not in parents):
                self.log_missing(payload, stream.missing_parent(payload, missing))
                continue
            body = dict(payload.body)
            body.update(
                {name: parents[ref] for name, ref in payload.refs.items() if name not in own}
            )
            same_id = parents[payload.same_id_as] if payload.same_id_as else None
            full_body = None
            if link is not None and (keep := held.get(nk)):
                # "facilioo behält": these fields are left out of the write (and the hash).
                full_body = body
                body = {name: value for name, value in body.items() if name not in keep}
            digest = stream.digest(payload, body, state)
            kind = diff(digest, link.payload_hash if link else None, link is not None)
            if (
                kind is ChangeKind.UNCHANGED
                and link is not None
                and link.external_id
                and link.external_id.casefold() != payload.external_id.casefold()
            ) or (kind is ChangeKind.UNCHANGED and not stream.settled(state)):
                # Our external id changed (a new separator) where the body does not carry it:
                # a party's list of external ids is rewritten. Letter case alone is no change:
                # facilioo compares external ids without regard to case. Or the stream's own
                # part changed (a document's file).
                kind = ChangeKind.UPDATE
            if kind is ChangeKind.UNCHANGED:
                self.counts.add(payload.entity, "unchanged")
                if payload.aliases and link is not None:
                    unchanged_aliases.append((payload, link.facilioo_id))
                continue
            if kind is ChangeKind.CREATE:
                if same_id is not None:
                    kind = ChangeKind.UPDATE  # the entrance exists with its property
                elif (why := stream.creation_skip(self.stream_ctx, payload)) is not None:
                    self.log(
                        payload.entity,
                        "skipped",
                        payload.key,
                        reason=why.reason,
                        message=why.message,
                        external_id=payload.external_id,
                    )
                    continue
            target = same_id if same_id is not None else (link.facilioo_id if link else None)
            # A match the admin confirmed ("Bestehende facilioo-Daten zuordnen") is adopted.
            confirmed = link is not None and link.payload_hash == ADOPT_MARK
            writes.append(
                Write(
                    payload,
                    body,
                    digest,
                    kind,
                    target,
                    link,
                    state,
                    adopted=confirmed,
                    full_body=full_body,
                )
            )
        if unchanged_aliases and not self.dry_run:
            self._ensure_aliases(unchanged_aliases)
        return writes

    def _write(self, stream: StreamBase[S, R], writes: list[Write[S]]) -> None:
        ctx = self.stream_ctx
        writes = stream.adopt(ctx, writes)
        for w in writes:
            w.created = stream.is_created(ctx, w)
        if self.dry_run:
            for w in writes:
                if w.facilioo_id is None:
                    self._planned[w.payload.key] = -(len(self._planned) + 1)
                self.log(
                    w.payload.entity,
                    "created" if w.facilioo_id is None else ("adopted" if w.adopted else "updated"),
                    w.payload.key,
                    external_id=w.payload.external_id,
                    # A placeholder (a record under a new parent) is no facilioo id.
                    facilioo_id=w.facilioo_id if (w.facilioo_id or 0) > 0 else None,
                    message=phrase(gettext_noop("Vorschau: würde geschrieben.")),
                )
            return
        creates = [key for w in writes for key in stream.journal_keys(w)]
        if creates:
            self.ledger.record_journal([(entity, key_str(key)) for entity, key in creates])
        failure: Exception | None = None

        def send(w: Write[S]) -> R:
            return stream.send(ctx, w)

        for w, result in self.client.map_parallel(send, writes):
            error = stream.record(ctx, w, result)
            failure = failure or error
        if failure is not None:
            raise failure  # nothing of the batch is committed: a resumed attempt does it again

    def find(self, entity: str, external_ids: list[str]) -> list[list[JSON]]:
        """The live records facilioo has under each external id (case ignored), from one
        listing of the entity per run: no search filter by external id is documented, and an
        ignored filter would page through every record once per id."""
        if not external_ids:
            return []
        index = self._found.get(entity)
        if index is None:
            index = {}
            for record in self.client.iter_collection(Entity(entity)):
                if not record.get(dialect.DELETED) and record.get(dialect.EXTERNAL_ID):
                    index.setdefault(str(record[dialect.EXTERNAL_ID]).casefold(), []).append(record)
            self._found[entity] = index
        return [index.get(external_id.casefold(), []) for external_id in external_ids]

    # -- links ------------------------------------------------------------------------------

    def parent_ids(self, keys: Iterable[NaturalKey]) -> dict[NaturalKey, int]:
        """facilioo ids of the records behind natural keys (dry run: placeholders as well)."""
        wanted = set(keys)
        if not wanted:
            return {}
        by_str = {key_str(k): k for k in wanted}
        entity_of = self.mapper.entity_of_kind
        found = self.store.ids(
            {nk: entity_of[k[0]] for nk, k in by_str.items() if k[0] in entity_of}
        )
        ids = {k: self._planned[k] for k in wanted if k in self._planned}
        ids.update({by_str[nk]: fid for nk, fid in found.items()})
        for key in wanted:  # written by this batch, not yet committed
            fresh = self._pending.get((entity_of.get(key[0], ""), key_str(key)))
            if fresh is not None:
                ids[key] = fresh.facilioo_id
        return ids

    def _ensure_aliases(self, pairs: list[tuple[TargetPayload, int]]) -> None:
        """Alias links of unchanged records (older runs did not store them): no request."""
        wanted = {
            key_str(alias): (payload, facilioo_id)
            for payload, facilioo_id in pairs
            for alias in payload.aliases
        }
        existing = self.store.ids({nk: payload.entity for nk, (payload, _id) in wanted.items()})
        for nk, (payload, facilioo_id) in wanted.items():
            if existing.get(nk) != facilioo_id:
                self.stage(LinkWrite(payload.entity, nk, payload.external_id, facilioo_id, ""))

    def stage(self, link: LinkWrite) -> None:
        """A link written (or confirmed) by this batch; stored by the batch's commit."""
        self._pending[(link.entity, link.natural_key)] = link

    def stage_mark(self, link: Link, **mark: Any) -> None:
        """A removal's mark on a link (terminated, deleted, reported); stored by the commit."""
        self._marked.add(link.pk)
        self._marks.append((link.pk, mark))

    def removed_this_run(self, link: Link) -> bool:
        """True if a removal of this run took care of the link already (or would have)."""
        return link.pk in self._marked

    def journaled(self, entity: str, key: NaturalKey) -> bool:
        """True if a predecessor of this run was creating the record when it stopped."""
        return (entity, key_str(key)) in self.journal

    def was_seen(self, link: Link) -> bool:
        """True if this run read the record from the ERP (a dry run marks no link)."""
        if self.dry_run:
            return (link.entity, link.natural_key) in self._dry_seen
        return link.seen_run_id == self.run_id

    # -- commit, progress, log --------------------------------------------------------------

    def commit(self) -> None:
        """One transaction: links, marks, seen keys, log rows, counts, progress; check cancel."""
        with self.store.atomic():
            if not self.dry_run:
                self.store.write(self._pending.values(), run_id=self.run_id)
                seen: dict[str, list[str]] = defaultdict(list)
                for entity, nk in self._seen:
                    if (entity, nk) not in self._pending:
                        seen[entity].append(nk)
                for entity, keys in seen.items():
                    self.store.mark_seen(entity, keys, run_id=self.run_id)
                for pk, mark in self._marks:
                    self.store.mark(pk, **mark)
            else:
                self._dry_seen.update(self._seen)
            self.ledger.record_items(self._items)
            cancelled = self.ledger.progress(
                done=self.done, counts=self.counts.as_dict(), clear_journal=not self.dry_run
            )
        self._items, self._seen, self._pending, self._marks = [], [], {}, []
        if cancelled:
            raise RunCancelled

    def progress(self, *, phase: str, total: int | None = None) -> None:
        if self.ledger.progress(phase=phase, total=total):
            raise RunCancelled

    def needs_attention(self) -> bool:
        """True if the run (any attempt of it) skipped records for a reason someone must act
        on (``ATTENTION_REASONS``): it ends as a warning with an alert."""
        return self.ledger.skipped_for(ATTENTION_REASONS) > 0

    def log(self, entity: str, action: str, key: NaturalKey, **fields: Any) -> None:
        self.counts.add(entity, action)
        self._items.append(
            ItemRecord(
                entity=entity,
                action=action,
                erp_key=erp_key_label(key),
                **{k: v for k, v in fields.items() if v not in (None, "")},
            )
        )

    def log_missing(self, payload: TargetPayload, detail: str | Phrase) -> None:
        self.log(
            payload.entity,
            "skipped",
            payload.key,
            reason="missing_reference",
            message=Phrase.reason_with("missing_reference", detail),
            external_id=payload.external_id,
        )

    def log_rejected(
        self,
        payload: TargetPayload,
        error: Exception,
        facilioo_id: int | None,
        *,
        number_taken: bool = False,
    ) -> None:
        self.had_failures = True
        message: str | Phrase = str(getattr(error, "message", error))
        self.log(
            payload.entity,
            "failed",
            payload.key,
            reason="number_taken" if number_taken else "facilioo_rejected",
            message=Phrase.reason_with("number_taken", message) if number_taken else message,
            external_id=payload.external_id,
            http_status=getattr(error, "status", None),
            facilioo_id=facilioo_id,
        )

    # -- removals ---------------------------------------------------------------------------

    def _remove_missing(self) -> None:
        """After a complete read: what left the ERP leaves facilioo, behind the safety brake."""
        order = self.pipeline.removal_order
        if not order:
            return
        aliases = self.pipeline.alias_kinds
        in_scope = [
            link
            for link in self.store.live(order)
            if link.natural_key.split(KEY_SEPARATOR, 1)[0] not in aliases
            and key_of(link.natural_key)[1] in self.settings.mandanten
        ]
        candidates = [
            link
            for link in in_scope
            if not self.was_seen(link) and not self.streams[link.entity].left_facilioo(link)
        ]
        known = len(in_scope)
        if known and len(candidates) * 100 > known * self.safety_brake_percent:
            raise SafetyBrakeTripped(
                phrase(
                    gettext_noop(
                        "Sicherheitsbremse: %(n)d von %(known)d bekannten %(noun)s fehlen im ERP "
                        "(mehr als %(pct)d %%). Die ERP-Daten sehen unvollständig aus; es wurde "
                        "nichts entfernt."
                    ),
                    n=len(candidates),
                    known=known,
                    noun=self.pipeline.brake_noun(),
                    pct=self.safety_brake_percent,
                )
            )
        rank: dict[str, int] = {entity: i for i, entity in enumerate(order)}
        for link in sorted(candidates, key=lambda lk: rank[lk.entity]):
            if self.removed_this_run(link):
                continue  # already removed with another record of this run
            stream = self.streams[link.entity]
            # What must leave first (a party's open contracts): removed by their own streams.
            for first in stream.removed_first(link, in_scope):
                if not self.removed_this_run(first):
                    self.streams[first.entity].remove(self.stream_ctx, first)
            stream.remove(self.stream_ctx, link)
            if len(self._items) >= self.batch_size:
                self.commit()

    def remove(
        self,
        link: Link,
        write: Callable[[], None],
        *,
        action: str,
        mark: dict[str, Any],
        message: str | Phrase,
    ) -> bool:
        """One removal: the facilioo write (not in a dry run), the link marked, the log row."""
        key = key_of(link.natural_key)
        if not self.dry_run:
            try:
                write()
            except FaciliooRecordRejected as exc:
                self.stage_mark(link, seen_run_id=self.run_id)  # reported once
                self.log(
                    link.entity,
                    "failed",
                    key,
                    reason="facilioo_rejected",
                    message=exc.sentence,
                    external_id=link.external_id,
                )
                return False
            self.stage_mark(link, **mark)
        else:
            self._marked.add(link.pk)
        self.log(
            link.entity,
            action,
            key,
            external_id=link.external_id,
            facilioo_id=link.facilioo_id,
            message=message,
        )
        return True


class _Context:
    """The ``StreamContext`` of one run: the narrow view its streams have of the engine."""

    def __init__(self, engine: SyncEngine) -> None:
        self._engine = engine

    @property
    def client(self) -> FaciliooClient:
        return self._engine.client

    @property
    def links(self) -> LinkReader:
        return self._engine.store

    @property
    def today(self) -> date:
        return self._engine.today

    @property
    def dry_run(self) -> bool:
        return self._engine.dry_run

    def journaled(self, entity: str, key: NaturalKey) -> bool:
        return self._engine.journaled(entity, key)

    def find(self, entity: str, external_ids: list[str]) -> list[list[JSON]]:
        return self._engine.find(entity, external_ids)

    def log(self, entity: str, action: str, key: NaturalKey, **fields: Any) -> None:
        self._engine.log(entity, action, key, **fields)

    def count(self, entity: str, action: str) -> None:
        self._engine.counts.add(entity, action)

    def link(self, link: LinkWrite) -> None:
        self._engine.stage(link)

    def mark(self, link: Link, **mark: Any) -> None:
        self._engine.stage_mark(link, **mark)

    def rejected(
        self,
        payload: TargetPayload,
        error: Exception,
        facilioo_id: int | None,
        *,
        number_taken: bool = False,
    ) -> None:
        self._engine.log_rejected(payload, error, facilioo_id, number_taken=number_taken)

    def uploaded(self, size: int) -> None:
        self._engine.bytes_uploaded += size

    def remove(
        self,
        link: Link,
        write: Callable[[], None],
        *,
        action: str,
        mark: dict[str, Any],
        message: str | Phrase,
    ) -> bool:
        return self._engine.remove(link, write, action=action, mark=mark, message=message)

    def reported(self, link: Link) -> None:
        self._engine.stage_mark(link, seen_run_id=self._engine.run_id)


def _is_problem(item: Any) -> bool:

    return isinstance(item, RecordProblem)
