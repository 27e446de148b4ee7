"""The Stammdaten pipeline: read ERP → filter → map → diff → write → record, in batches.

One ``StammdatenSync`` executes one run. It streams the ERP read (memory does not grow with the
portfolio beyond small key sets), processes records in batches of one entity type in dependency
order, and commits each batch (links, per-record log, counts, heartbeat) in one transaction, so
a run whose worker died continues where its last committed batch ended without repeating writes.
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.db import transaction
from django.utils.translation import gettext as _

from connect.services.sync_logs import (
    ItemRecord,
    sync_run_items_record,
    sync_run_journal,
    sync_run_progress,
)
from integrations.erp.base import ErpConnector
from integrations.erp.records import (
    Einheit,
    Gebaeude,
    NaturalKey,
    Person,
    PersonRolle,
    RecordProblem,
    Vertrag,
    VertragsArt,
    Wirtschaftseinheit,
)
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooNotFound, FaciliooRecordRejected
from integrations.facilioo.parties import PARTS, PartyWriter
from integrations.models import ExternalLink, FieldHold
from integrations.sync import stammdaten as maps
from integrations.sync.differ import ChangeKind, diff, target_hash
from integrations.sync.existing import ADOPT_MARK
from integrations.sync.filters import mandant_in_scope
from integrations.sync.ids import AmbiguousKey, compose
from integrations.sync.types import REASONS, MapContext, Skip, StammdatenSettings, TargetPayload
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
# Bookkeeping of a party's parts (its body and contact details), never removal candidates.
PARTY_PARTS = "party-parts"

KEY_SEPARATOR = "\x1f"
BATCH_SIZE = 500
# The facilioo entity behind the first part of a natural key.
ENTITY_OF_KIND = {
    "gebaeude": "properties",
    "eingang": "entrances",
    "einheit": "units",
    "person": "parties",
    "unit_contract": "unit-contracts",
}
# Natural keys of alias links (``TargetPayload.aliases``) start with this: never removal candidates.
ALIAS_PREFIX = "vertrag_nr" + KEY_SEPARATOR
# Removal order: contracts first (a party is never deleted while it has contracts).
REMOVAL_ORDER = ("unit-contracts", "units", "properties", "parties")


def key_str(key: NaturalKey) -> str:
    return KEY_SEPARATOR.join(key)


def erp_key_label(key: NaturalKey) -> str:
    """A readable ERP key for the run log: ``einheit 1000/0001/01/003``."""
    return f"{key[0]} {'/'.join(key[1:])}"


class RunCancelled(Exception):
    pass


class SafetyBrakeTripped(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ErpReadIncomplete(SafetyBrakeTripped):
    """The ERP read ended before its end: nothing is removed, the run fails."""


def erp_read_incomplete_message() -> str:
    return _(
        "Das ERP wurde nicht vollständig gelesen; es wurde nichts aus facilioo entfernt. "
        "Bitte prüfen Sie den ERP-Export und starten Sie den Lauf erneut."
    )


@dataclass
class Counts:
    by_entity: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, entity: str, action: str, n: int = 1) -> None:
        bucket = self.by_entity[entity]
        bucket[action] = bucket.get(action, 0) + n

    def load(self, stored: dict[str, dict[str, int]]) -> None:
        for entity, actions in stored.items():
            for action, n in actions.items():
                self.add(entity, action, n)

    def total(self, action: str) -> int:
        return sum(actions.get(action, 0) for actions in self.by_entity.values())

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {entity: dict(actions) for entity, actions in self.by_entity.items()}


class _Link(NamedTuple):
    """What the diff needs of an ExternalLink (read without building model instances)."""

    facilioo_id: int
    payload_hash: str
    seen_run_id: int | None
    external_id: str = ""


@dataclass
class _Write:
    payload: TargetPayload
    body: dict[str, Any]
    digest: str
    kind: ChangeKind
    facilioo_id: int | None  # known target (update, entrance, adoption)
    link: _Link | None
    created: bool = False  # logged and counted as created (decided before the request)
    adopted: bool = False  # found in facilioo by our external id (not through our link)


class RunBookkeeping:
    """What every engine does with its run: log rows, counts, links, seen keys, progress.

    It also holds what every engine is built from (run, client, connector, day, batch size).
    A batch's links, removal marks, seen keys, log rows, counts and heartbeat are kept in memory
    (``_stage_link``, ``_stage_mark``, ``_seen``, ``_log``) and written by ``_commit`` in one
    transaction, so a run that is interrupted and resumed ends with the same counts and log as
    one that was not: what its predecessor committed is skipped, what it did not commit is done
    (and logged) again, and records the predecessor created without committing are recognised
    through the run's write journal (``_journal_creates``).
    """

    def __init__(
        self,
        *,
        run: Any,
        client: FaciliooClient,
        connector: ErpConnector,
        today: date,
        batch_size: int,
    ) -> None:
        self.run = run
        self.customer_id: int = run.customer_id
        self.dry_run: bool = run.dry_run
        self.client = client
        self.connector = connector
        self.today = today
        self.batch_size = batch_size
        self.counts = Counts()
        self.counts.load(run.counts or {})
        # Read position. A resumed attempt reads again from the start; the batches up to the
        # position its predecessor committed are replayed only to rebuild the in-memory state:
        # their writes, log rows and counts are already committed.
        self.done = 0
        resumed = run.attempts > 1
        self.resume_from = run.progress_done if resumed else 0
        # Records the batch a predecessor did not commit was creating: (entity, natural key).
        self.journal: frozenset[tuple[str, str]] = frozenset(
            (str(entity), str(nk)) for entity, nk in (run.write_journal or ()) if resumed
        )
        self.had_failures = False
        self._items: list[ItemRecord] = []
        self._seen: list[tuple[str, str]] = []  # (entity, natural key) read from the ERP
        # A dry run marks no link as seen; it remembers what it read for the removal check.
        self._dry_seen: set[tuple[str, str]] = set()
        # Links and removal marks of the batch in flight, written by _commit.
        self._pending_links: dict[tuple[str, str], ExternalLink] = {}
        self._pending_marks: list[tuple[int, dict[str, Any]]] = []
        # Dry run: placeholder ids of records that would be created, so children resolve.
        self._planned: dict[NaturalKey, int] = {}
        self._index: dict[str, dict[str, int]] = {}  # facilioo externalId → id, per entity
        self.ctx: MapContext | None = None

    def _log(self, entity: str, action: str, key: NaturalKey, **fields: Any) -> None:
        self.counts.add(entity, action)
        self._items.append(
            ItemRecord(
                entity=entity,
                action=action,
                erp_key=erp_key_label(key),
                **{k: v for k, v in fields.items() if v not in (None, "")},
            )
        )

    def _stage_link(
        self,
        entity: str,
        key: NaturalKey,
        external_id: str,
        facilioo_id: int,
        digest: str,
        *,
        sent_body: dict[str, Any] | None = None,
    ) -> None:
        """A link written (or confirmed) by this batch; stored by the batch's commit.

        ``sent_body``: what was sent, for the record inspector and the reconciliation."""
        nk = key_str(key)
        self._pending_links[(entity, nk)] = ExternalLink(
            customer_id=self.customer_id,
            entity=entity,
            natural_key=nk,
            external_id=external_id,
            facilioo_id=facilioo_id,
            payload_hash=digest,
            sent_body=sent_body,
            last_run_id=self.run.pk,
            seen_run_id=self.run.pk,
            terminated=False,
            deleted=False,
        )

    def _pending_id(self, entity: str | None, key: NaturalKey) -> int | None:
        if entity is None:
            return None
        link = self._pending_links.get((entity, key_str(key)))
        return link.facilioo_id if link is not None else None

    def _stage_mark(self, link_pk: int, **mark: Any) -> None:
        """A removal's mark on a link (terminated, deleted, reported); stored by the commit."""
        self._pending_marks.append((link_pk, mark))

    def _was_seen(self, entity: str, natural_key: str, seen_run_id: int | None) -> bool:
        """True if this run read the record from the ERP (a dry run marks no link)."""
        if self.dry_run:
            return (entity, natural_key) in self._dry_seen
        return bool(seen_run_id == self.run.pk)

    def _journal_creates(self, creates: list[tuple[str, NaturalKey]]) -> None:
        """Before a batch's requests: note what it creates, for a successor that finds it."""
        if creates and not self.dry_run:
            sync_run_journal(run=self.run, creates=[(e, key_str(k)) for e, k in creates])

    def _journaled(self, entity: str, key: NaturalKey) -> bool:
        """True if a predecessor of this run was creating the record when it stopped."""
        return (entity, key_str(key)) in self.journal

    def _commit(self) -> None:
        """One transaction: links, marks, seen keys, log rows, counts, progress; check cancel."""
        with transaction.atomic():
            if not self.dry_run:
                self._write_links()
                self._write_seen()
                for pk, mark in self._pending_marks:
                    ExternalLink.objects.filter(pk=pk).update(**mark)
            else:
                self._dry_seen.update(self._seen)
            sync_run_items_record(run=self.run, items=self._items)
            cancelled = sync_run_progress(
                run=self.run,
                done=self.done,
                counts=self.counts.as_dict(),
                clear_journal=not self.dry_run,
            )
        self._items, self._seen = [], []
        self._pending_links, self._pending_marks = {}, []
        if cancelled:
            raise RunCancelled

    def _write_links(self) -> None:
        if not self._pending_links:
            return
        ExternalLink.objects.bulk_create(
            list(self._pending_links.values()),
            batch_size=500,
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

    def _write_seen(self) -> None:
        by_entity: dict[str, list[str]] = defaultdict(list)
        for entity, nk in self._seen:
            if (entity, nk) not in self._pending_links:
                by_entity[entity].append(nk)
        for entity, keys in by_entity.items():
            for start in range(0, len(keys), 500):
                ExternalLink.objects.filter(
                    customer_id=self.customer_id,
                    entity=entity,
                    natural_key__in=keys[start : start + 500],
                ).update(seen_run_id=self.run.pk)

    def _progress(self, *, phase: str, total: int | None = None) -> None:
        if sync_run_progress(run=self.run, phase=phase, total=total):
            raise RunCancelled


class StammdatenSync(RunBookkeeping):
    def __init__(
        self,
        *,
        run: Any,
        client: FaciliooClient,
        connector: ErpConnector,
        settings: StammdatenSettings,
        today: date,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        super().__init__(
            run=run, client=client, connector=connector, today=today, batch_size=batch_size
        )
        self.settings = settings
        self._wes: dict[NaturalKey, Wirtschaftseinheit] = {}
        self._tenant_status: dict[tuple[str, str], bool | str] = {}
        self._owners: set[tuple[str, str]] = set()
        self._parties_this_run: set[tuple[str, str]] = set()
        # facilioo externalId → records, per entity (first sync: one list instead of searches)
        self._found: dict[str, dict[str, list[JSON]]] = {}
        self._terminated_links: set[int] = set()  # contracts this run ended (marks pending)

    # -- the run ----------------------------------------------------------------------------

    def execute(self) -> None:
        unit_types = {
            str(t.get(dialect.NAME)): int(t[dialect.ID]) for t in self.client.list_unit_types()
        }
        self.ctx = MapContext(
            separator=self.settings.separator,
            today=self.today,
            unit_type_ids=unit_types,
            tenant_for_we=self.settings.tenant_for_we,
        )
        self._progress(phase="writing", total=self._expected_total())
        read = self.connector.read(UseCase.STAMMDATEN, mandanten=self.settings.mandanten)
        batch: list[TargetPayload | Skip] = []
        entrances: list[TargetPayload | Skip] = []
        kind: str | None = None
        for item in read:
            item_kind = type(item).__name__ if not isinstance(item, RecordProblem) else kind
            if (kind is not None and item_kind != kind) or len(batch) >= self.batch_size:
                self._flush_batch(batch, entrances)
                batch, entrances = [], []
            kind = item_kind
            self.done += 1
            for result in self._map(item):
                (entrances if _entity_of(result) == "entrances" else batch).append(result)
        self._flush_batch(batch, entrances)
        if not read.complete:
            raise ErpReadIncomplete(erp_read_incomplete_message())
        self._progress(phase="removing", total=self.done)
        self._remove_missing()
        self._commit()

    def _expected_total(self) -> int:
        """The progress total: the size of the last complete read, else one counting pass.

        Counting costs a whole extra ERP read, so it happens only before a customer's first
        run; afterwards the previous read's size is the estimate (corrected at the end).
        """
        from connect.models import RunStatus, SyncRun

        previous = (
            SyncRun.objects.filter(
                customer_id=self.customer_id,
                use_case=UseCase.STAMMDATEN,
                status__in=(RunStatus.SUCCEEDED, RunStatus.WARNING),
                progress_done__gt=0,
            )
            .exclude(pk=self.run.pk)
            .order_by("-id")
            .values_list("progress_done", flat=True)
            .first()
        )
        if previous:
            return max(int(previous), self.resume_from)
        self._progress(phase="counting")
        return sum(1 for _ in self._read())

    def _read(self) -> Iterator[Any]:
        return iter(self.connector.read(UseCase.STAMMDATEN, mandanten=self.settings.mandanten))

    # -- mapping ----------------------------------------------------------------------------

    def _map(self, item: Any) -> list[TargetPayload | Skip]:
        assert self.ctx is not None  # noqa: S101 (set in execute)
        ctx = self.ctx
        if isinstance(item, RecordProblem):
            entity = ENTITY_OF_KIND.get(item.key[0], item.entity)
            self._seen.append((entity, key_str(item.key)))
            return [Skip(reason=item.reason, message=item.message, entity=entity, key=item.key)]
        if not mandant_in_scope(item, self.settings.mandanten):
            if not self._replaying():
                self.counts.add(_entity_for_record(item), "skipped_mandant")
            return []
        if isinstance(item, Wirtschaftseinheit):
            self._wes[item.key] = item
            return []
        if isinstance(item, Gebaeude):
            we = self._wes.get(("we", item.mandant_nr, item.we_nr))
            if we is None:
                return [
                    Skip(
                        "missing_reference",
                        str(REASONS["missing_reference"]),
                        "properties",
                        item.key,
                    )
                ]
            prop = maps.map_property(item, we, ctx)
            if isinstance(prop, Skip):
                return [prop]
            return [prop, maps.map_entrance(item, ctx)]
        if isinstance(item, Einheit):
            return [maps.map_unit(item, ctx)]
        if isinstance(item, Person):
            return self._map_person(item, ctx)
        if isinstance(item, Vertrag):
            return list(maps.map_contracts(item, ctx, person_ok=self._person_ok(item)))
        return []

    def _map_person(self, person: Person, ctx: MapContext) -> list[TargetPayload | Skip]:
        ident = (person.mandant_nr, person.person_nr)
        if person.rolle is PersonRolle.MIETER:
            self._tenant_status[ident] = maps.contract_person_status(
                person, VertragsArt.MIETVERTRAG
            )
        else:
            self._owners.add(ident)
            if ident in self._parties_this_run:
                return []  # tenant and owner: one party, already mapped from the Mieter record
        result = maps.map_party(person, ctx)
        if isinstance(result, TargetPayload):
            self._parties_this_run.add(ident)
        return [result]

    def _person_ok(self, vertrag: Vertrag) -> Callable[[str], bool | str]:
        def ok(person_nr: str) -> bool | str:
            ident = (vertrag.mandant_nr, person_nr)
            if vertrag.art is VertragsArt.MIETVERTRAG:
                return self._tenant_status.get(ident, "missing_reference")
            return True if ident in self._owners else "missing_reference"

        return ok

    # -- one batch ---------------------------------------------------------------------------

    def _replaying(self) -> bool:
        """True while a resumed attempt re-reads batches its predecessor committed."""
        return self.done <= self.resume_from

    def _flush_batch(
        self, batch: list[TargetPayload | Skip], entrances: list[TargetPayload | Skip]
    ) -> None:
        """Write one batch, then its entrances (they need the properties' ids); one commit."""
        if not batch and not entrances:
            return
        if self._replaying():
            return  # committed by an earlier attempt of this run (links, log rows, counts)
        self._flush(batch)
        self._flush(entrances)
        self._commit()

    def _flush(self, batch: list[TargetPayload | Skip]) -> None:
        if not batch:
            return
        payloads = [p for p in batch if isinstance(p, TargetPayload)]
        for skipped in (p for p in batch if isinstance(p, Skip)):
            entity = skipped.entity or "?"
            key = skipped.key or ("?",)
            self._seen.append((entity, key_str(key)))
            self._log(
                entity,
                "skipped",
                key,
                reason=skipped.reason,
                message=skipped.message,
                external_id=self._external_id_of(key) or None,
            )
        links = self._links(payloads)
        parents = self._parent_ids(payloads)
        held = self._held_fields(payloads)
        writes: list[_Write] = []
        unchanged_aliases: list[tuple[TargetPayload, int]] = []
        for payload in payloads:
            nk = key_str(payload.key)
            self._seen.append((payload.entity, nk))
            link = links.get((payload.entity, nk))
            if link is not None and link.seen_run_id == self.run.pk and not self.dry_run:
                continue  # done by an earlier attempt of this run (resume)
            try:
                body = payload.resolved_body(parents)
                same_id = parents[payload.same_id_as] if payload.same_id_as else None
                if link is not None and (keep := held.get((payload.entity, nk))):
                    # "facilioo behält": these fields are left out of the write (and the hash).
                    body = {name: value for name, value in body.items() if name not in keep}
            except KeyError:
                self._log(
                    payload.entity,
                    "skipped",
                    payload.key,
                    reason="missing_reference",
                    message=_("Der übergeordnete Datensatz ist in facilioo nicht vorhanden."),
                    external_id=payload.external_id,
                )
                continue
            digest = target_hash(payload, body)
            kind = diff(digest, link.payload_hash if link else None, link is not None)
            if kind is ChangeKind.UNCHANGED and link is not None and link.external_id not in (
                "",
                payload.external_id,
            ):
                # Our external id changed (a new separator) where the body does not carry it:
                # a party's list of external ids is rewritten.
                kind = ChangeKind.UPDATE
            if kind is ChangeKind.UNCHANGED:
                self.counts.add(payload.entity, "unchanged")
                if payload.aliases and link is not None:
                    unchanged_aliases.append((payload, link.facilioo_id))
                continue
            if kind is ChangeKind.CREATE:
                if same_id is not None:
                    kind = ChangeKind.UPDATE  # the entrance exists with its property
                elif (
                    why := maps.creation_skip(
                        payload, self.today, self.settings.former_contract_months
                    )
                ) is not None:
                    self._log(
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
            writes.append(_Write(payload, body, digest, kind, target, link, adopted=confirmed))
        if unchanged_aliases and not self.dry_run:
            self._ensure_aliases(unchanged_aliases)
        writes = self._adopt(writes)
        for w in writes:
            # New to facilioo, or created by a predecessor of this run that died uncommitted.
            w.created = (
                w.link is None
                and w.payload.same_id_as is None
                and (w.facilioo_id is None or self._journaled(w.payload.entity, w.payload.key))
            )
        if self.dry_run:
            for w in writes:
                action = (
                    "created" if w.facilioo_id is None else ("adopted" if w.adopted else "updated")
                )
                if w.facilioo_id is None:
                    self._planned[w.payload.key] = -(len(self._planned) + 1)
                self._log(
                    w.payload.entity,
                    action,
                    w.payload.key,
                    external_id=w.payload.external_id,
                    facilioo_id=w.facilioo_id,
                    message=_("Vorschau: würde geschrieben."),
                )
        else:
            self._journal_creates([(w.payload.entity, w.payload.key) for w in writes if w.created])
            self._write(writes)

    def _ensure_aliases(self, pairs: list[tuple[TargetPayload, int]]) -> None:
        """Alias links of unchanged records (older runs did not store them): no facilioo request."""
        wanted = {
            (payload.entity, key_str(alias)): (payload, facilioo_id)
            for payload, facilioo_id in pairs
            for alias in payload.aliases
        }
        existing = {
            (entity, nk): fid
            for entity, nk, fid in ExternalLink.objects.filter(
                customer_id=self.customer_id,
                natural_key__in=[nk for _entity, nk in wanted],
                deleted=False,
            ).values_list("entity", "natural_key", "facilioo_id")
        }
        for (entity, nk), (payload, facilioo_id) in wanted.items():
            if existing.get((entity, nk)) == facilioo_id:
                continue
            ExternalLink.objects.update_or_create(
                customer_id=self.customer_id,
                entity=entity,
                natural_key=nk,
                defaults={
                    "external_id": payload.external_id,
                    "facilioo_id": facilioo_id,
                    "payload_hash": "",
                    "last_run_id": self.run.pk,
                    "seen_run_id": self.run.pk,
                    "terminated": False,
                    "deleted": False,
                },
            )

    def _links(self, payloads: list[TargetPayload]) -> dict[tuple[str, str], _Link]:
        by_entity: dict[str, list[str]] = defaultdict(list)
        for p in payloads:
            by_entity[p.entity].append(key_str(p.key))
        found: dict[tuple[str, str], _Link] = {}
        for entity, keys in by_entity.items():
            for nk, fid, digest, seen, ext in ExternalLink.objects.filter(
                customer_id=self.customer_id, entity=entity, natural_key__in=keys, deleted=False
            ).values_list(
                "natural_key", "facilioo_id", "payload_hash", "seen_run_id", "external_id"
            ):
                found[(entity, nk)] = _Link(fid, digest, seen, ext)
        return found

    def _held_fields(self, payloads: list[TargetPayload]) -> dict[tuple[str, str], set[str]]:
        """Fields marked "facilioo behält" per (entity, natural key) of this batch."""
        if not payloads:
            return {}
        held: dict[tuple[str, str], set[str]] = defaultdict(set)
        for entity, nk, name in FieldHold.objects.filter(
            customer_id=self.customer_id,
            entity__in={p.entity for p in payloads},
            natural_key__in=[key_str(p.key) for p in payloads],
        ).values_list("entity", "natural_key", "field"):
            held[(entity, nk)].add(name)
        return held

    def _parent_ids(self, payloads: list[TargetPayload]) -> dict[NaturalKey, int]:
        wanted: set[NaturalKey] = set()
        for p in payloads:
            wanted.update(p.refs.values())
            if p.same_id_as:
                wanted.add(p.same_id_as)
        if not wanted:
            return {}
        planned = {k: self._planned[k] for k in wanted if k in self._planned}
        by_str = {key_str(k): k for k in wanted}
        ids: dict[NaturalKey, int] = {}
        for nk, entity, fid in ExternalLink.objects.filter(
            customer_id=self.customer_id, natural_key__in=list(by_str), deleted=False
        ).values_list("natural_key", "entity", "facilioo_id"):
            if entity == ENTITY_OF_KIND.get(by_str[nk][0]):
                ids[by_str[nk]] = fid
        for key in wanted:  # written by this batch, not yet committed
            fresh = self._pending_id(ENTITY_OF_KIND.get(key[0]), key)
            if fresh is not None:
                ids[key] = fresh
        return {**planned, **ids}

    def _adopt(self, writes: list[_Write]) -> list[_Write]:
        """Records facilioo already has with our externalId are updated, never duplicated.

        Only what is provably ours is taken over (SPEC 4.2): a property in one of the
        customer's assigned tenants, a unit on our property, a contract on our unit, a party
        whose list of external ids holds ours. Any other match is logged as ``foreign_match``
        and left alone. Returns the writes that remain.
        """
        creates = [w for w in writes if w.facilioo_id is None]
        if not creates:
            return writes
        entity = creates[0].payload.entity
        foreign: list[tuple[_Write, JSON]] = []
        if entity == "parties":
            for w in creates:
                self._adopt_party(w, foreign)
        elif entity not in self._found and len(creates) <= 20:
            for w in creates:
                matches = self.client.search_by_external_id(
                    Entity(w.payload.entity), w.payload.external_id
                )
                self._take(w, matches, foreign)
        else:
            index = self._found.get(entity)
            if index is None:
                index = {}
                for record in self.client.iter_collection(Entity(entity)):
                    if not record.get(dialect.DELETED) and record.get(dialect.EXTERNAL_ID):
                        index.setdefault(str(record[dialect.EXTERNAL_ID]), []).append(record)
                self._found[entity] = index
            for w in creates:
                self._take(w, index.get(w.payload.external_id, []), foreign)
        for w, record in foreign:
            self._log(
                w.payload.entity,
                "skipped",
                w.payload.key,
                reason="foreign_match",
                message=f"{REASONS['foreign_match']} (facilioo-ID {record.get(dialect.ID)})",
                external_id=w.payload.external_id,
                facilioo_id=record.get(dialect.ID),
            )
        dropped = {id(w) for w, _record in foreign}
        return [w for w in writes if id(w) not in dropped]

    def _take(self, w: _Write, matches: list[JSON], foreign: list[tuple[_Write, JSON]]) -> None:
        ours = [m for m in matches if self._provably_ours(w, m)]
        if ours:
            w.facilioo_id = int(max(ours, key=lambda m: m.get(dialect.ID) or 0)[dialect.ID])
            w.kind = ChangeKind.UPDATE
            w.adopted = True
        elif matches:
            foreign.append((w, matches[0]))

    def _provably_ours(self, w: _Write, record: JSON) -> bool:
        got = dialect.read_back(w.payload.entity, record)
        if w.payload.entity == "properties":
            return got.get("tenantId") in self._assigned_tenants()
        if w.payload.entity == "units":
            return got.get("entranceId") is not None and got.get("entranceId") == w.body.get(
                "entranceId"
            )
        if w.payload.entity == "unit-contracts":
            return got.get("unitId") is not None and got.get("unitId") == w.body.get("unitId")
        return True

    def _assigned_tenants(self) -> set[int]:
        tenants = set(self.settings.tenant_overrides.values())
        if self.settings.default_tenant_id is not None:
            tenants.add(self.settings.default_tenant_id)
        return tenants

    def _adopt_party(self, w: _Write, foreign: list[tuple[_Write, JSON]]) -> None:
        writer = PartyWriter(self.client)
        matches = self.client.search_by_external_id(Entity.PARTIES, w.payload.external_id)
        for record in sorted(matches, key=lambda m: -int(m.get(dialect.ID) or 0)):
            if writer.has_external_id(int(record[dialect.ID]), w.payload.external_id):
                w.facilioo_id = int(record[dialect.ID])
                w.kind = ChangeKind.UPDATE
                w.adopted = True
                return
        if matches:
            foreign.append((w, matches[0]))

    def _contact_links(self, writes: list[_Write]) -> dict[str, dict[str, tuple[int, str]]]:
        """The parts we wrote of these parties: party key → part → (facilioo id, digest)."""
        keys = {key_str(w.payload.key): w for w in writes}
        if not keys:
            return {}
        found: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
        prefixes = {f"{nk}{KEY_SEPARATOR}" for nk in keys}
        for nk, fid, digest in ExternalLink.objects.filter(
            customer_id=self.customer_id,
            entity=PARTY_PARTS,
            deleted=False,
            natural_key__in=[f"{p}{t}" for p in prefixes for t in PARTS],
        ).values_list("natural_key", "facilioo_id", "payload_hash"):
            party_nk, _sep, contact_type = nk.rpartition(KEY_SEPARATOR)
            found[party_nk][contact_type] = (fid, digest)
        return found

    def _store_contacts(self, w: _Write, contacts: dict[str, tuple[int, str]]) -> None:
        for contact_type, (detail_id, digest) in contacts.items():
            ExternalLink.objects.update_or_create(
                customer_id=self.customer_id,
                entity=PARTY_PARTS,
                natural_key=f"{key_str(w.payload.key)}{KEY_SEPARATOR}{contact_type}",
                defaults={
                    "external_id": w.payload.external_id,
                    "facilioo_id": detail_id,
                    "payload_hash": digest,
                    "last_run_id": self.run.pk,
                    "seen_run_id": self.run.pk,
                    "terminated": False,
                    "deleted": False,
                },
            )

    def _write(self, writes: list[_Write]) -> None:
        parties = [w for w in writes if w.payload.entity == "parties"]
        contact_links = self._contact_links(parties)
        contacts: dict[int, dict[str, tuple[int, str]]] = {}  # id(write) → contacts written
        writer = PartyWriter(self.client)

        def send_party(w: _Write) -> int:
            if w.facilioo_id is None:
                result = writer.create(w.body, w.payload.external_id)
            else:
                result = writer.update(
                    w.facilioo_id,
                    w.body,
                    w.payload.external_id,
                    previous_external_id=w.link.external_id if w.link else None,
                    known_contacts=contact_links.get(key_str(w.payload.key), {}),
                    check_ids=w.adopted or w.link is None or not w.link.payload_hash,
                )
            contacts[id(w)] = result.contacts
            return result.facilioo_id

        def send(w: _Write) -> int:
            if w.payload.entity == "parties":
                return send_party(w)
            entity = Entity(w.payload.entity)
            if w.facilioo_id is None:
                return int(self.client.create(entity, w.body)[dialect.ID])
            try:
                self.client.patch(entity, w.facilioo_id, w.body)
            except FaciliooNotFound:
                if w.payload.same_id_as is not None:
                    raise
                # Deleted in facilioo behind our back: create it again.
                return int(self.client.create(entity, w.body)[dialect.ID])
            return w.facilioo_id

        for w, result in self.client.map_parallel(send, writes):
            if isinstance(result, FaciliooRecordRejected):
                self.had_failures = True
                number_taken = w.facilioo_id is None and _number_taken(w.payload.entity, result)
                self._log(
                    w.payload.entity,
                    "failed",
                    w.payload.key,
                    reason="number_taken" if number_taken else "facilioo_rejected",
                    message=(
                        f"{REASONS['number_taken']} ({result.message})"
                        if number_taken
                        else str(result.message)
                    ),
                    external_id=w.payload.external_id,
                    http_status=getattr(result, "status", None),
                    facilioo_id=w.facilioo_id,
                )
                continue
            if isinstance(result, Exception):
                raise result
            self._store_link(w, result)
            if id(w) in contacts:
                self._store_contacts(w, contacts[id(w)])
            self._log(
                w.payload.entity,
                "created" if w.created else ("adopted" if w.adopted else "updated"),
                w.payload.key,
                external_id=w.payload.external_id,
                facilioo_id=result,
            )

    def _store_link(self, w: _Write, facilioo_id: int) -> None:
        p = w.payload
        self._stage_link(p.entity, p.key, p.external_id, facilioo_id, w.digest, sent_body=w.body)
        # Further keys under which other use cases find this record (the contract a document
        # on an ERP contract is linked to). Not counted, not logged, never removed on their own.
        for alias in p.aliases:
            self._stage_link(p.entity, alias, p.external_id, facilioo_id, "")

    # -- removals ----------------------------------------------------------------------------

    def _remove_missing(self) -> None:
        """After a complete read: terminate gone contracts, report (and maybe delete) the rest."""
        candidates = [
            link
            for link in ExternalLink.objects.filter(
                customer_id=self.customer_id, entity__in=REMOVAL_ORDER, deleted=False
            ).exclude(natural_key__startswith=ALIAS_PREFIX)
            if not self._was_seen(link.entity, link.natural_key, link.seen_run_id)
            and link.natural_key.split(KEY_SEPARATOR)[1] in self.settings.mandanten
            and not (link.entity in {"unit-contracts", "parties"} and link.terminated)
        ]
        known = (
            ExternalLink.objects.filter(
                customer_id=self.customer_id, entity__in=REMOVAL_ORDER, deleted=False
            )
            .exclude(natural_key__startswith=ALIAS_PREFIX)
            .count()
        )
        if known and len(candidates) * 100 > known * self.settings.safety_brake_percent:
            raise SafetyBrakeTripped(
                _(
                    "Sicherheitsbremse: %(n)d von %(known)d bekannten Datensätzen fehlen im ERP "
                    "(mehr als %(pct)d %%). Die ERP-Daten sehen unvollständig aus; es wurde "
                    "nichts entfernt."
                )
                % {"n": len(candidates), "known": known, "pct": self.settings.safety_brake_percent}
            )
        order = {entity: i for i, entity in enumerate(REMOVAL_ORDER)}
        for link in sorted(candidates, key=lambda lk: order[lk.entity]):
            key = tuple(link.natural_key.split(KEY_SEPARATOR))
            if link.entity == "unit-contracts":
                self._terminate(link, key)
            elif link.entity == "parties":
                # A party is never deleted, whatever the policy (SPEC 2.7): it may belong to
                # other companies. Its contracts are ended; our external id leaves its list.
                self._unlink_party(link, key)
            elif self.settings.deletion_policy == "delete":
                self._delete(link, key)
            else:
                # Reported once: a resumed attempt does not report it again.
                self._stage_mark(link.pk, seen_run_id=self.run.pk)
                self._log(
                    link.entity,
                    "missing",
                    key,
                    reason="missing_in_erp",
                    message=str(REASONS["missing_in_erp"]),
                    external_id=link.external_id,
                    facilioo_id=link.facilioo_id,
                )
            if len(self._items) >= self.batch_size:
                self._commit()

    def _terminate(self, link: ExternalLink, key: NaturalKey) -> None:
        self._terminated_links.add(link.pk)

        def terminate() -> None:
            self.client.patch(
                Entity.UNIT_CONTRACTS, link.facilioo_id, {"terminationAt": self.today.isoformat()}
            )

        self._remove(
            link,
            key,
            terminate,
            action="terminated",
            mark={"terminated": True},
            message=_("Vertrag fehlt im ERP; Kündigungsdatum gesetzt."),
        )

    def _unlink_party(self, link: ExternalLink, key: NaturalKey) -> None:
        """A party that left the ERP is never deleted (it is shared, SPEC 2.7): its contracts
        are ended (they left with it) and our external id is removed from its list."""

        _kind, mandant, person = link.natural_key.split(KEY_SEPARATOR)
        open_contracts = ExternalLink.objects.filter(
            customer_id=self.customer_id,
            entity="unit-contracts",
            deleted=False,
            terminated=False,
            natural_key__startswith=f"unit_contract{KEY_SEPARATOR}{mandant}{KEY_SEPARATOR}",
            natural_key__endswith=f"{KEY_SEPARATOR}{person}",
        )
        for contract in open_contracts:
            if contract.pk not in self._terminated_links:  # not already ended by this run
                self._terminate(contract, tuple(contract.natural_key.split(KEY_SEPARATOR)))

        def unlink() -> None:
            with contextlib.suppress(FaciliooNotFound):
                PartyWriter(self.client).remove_external_id(link.facilioo_id, link.external_id)

        # The hash is cleared: should the person come back, the next run writes it (and our
        # id) again instead of finding it unchanged.
        self._remove(
            link,
            key,
            unlink,
            action="unlinked",
            mark={"terminated": True},
            clear_hash=True,
            message=_(
                "Fehlt im ERP; die Person bleibt in facilioo, unsere externe ID wurde entfernt."
            ),
        )

    def _delete(self, link: ExternalLink, key: NaturalKey) -> None:
        def delete() -> None:
            # Already gone in facilioo: the goal is reached.
            with contextlib.suppress(FaciliooNotFound):
                self.client.delete(Entity(link.entity), link.facilioo_id)

        self._remove(
            link,
            key,
            delete,
            action="deleted",
            mark={"deleted": True},
            message=_("Fehlt im ERP; in facilioo gelöscht."),
        )

    def _remove(
        self,
        link: ExternalLink,
        key: NaturalKey,
        write: Callable[[], None],
        *,
        action: str,
        mark: dict[str, bool],
        message: str,
        clear_hash: bool = False,
    ) -> None:
        """One removal: the facilioo write (not in a dry run), the link marked, the log row."""
        if not self.dry_run:
            try:
                write()
            except FaciliooRecordRejected as exc:
                self._stage_mark(link.pk, seen_run_id=self.run.pk)  # reported once
                self._log(
                    link.entity,
                    "failed",
                    key,
                    reason="facilioo_rejected",
                    message=str(exc.message),
                    external_id=link.external_id,
                )
                return
            extra = {"payload_hash": ""} if clear_hash else {}
            self._stage_mark(link.pk, **mark, **extra)
        self._log(
            link.entity,
            action,
            key,
            external_id=link.external_id,
            facilioo_id=link.facilioo_id,
            message=message,
        )

    def _external_id_of(self, key: NaturalKey) -> str:
        """The externalId a skipped record would carry, so support can search for it."""
        if key[0] not in {"gebaeude", "eingang", "einheit", "person"}:
            return ""
        try:
            return compose(self.settings.separator, *key[1:])
        except AmbiguousKey:
            return ""

    # -- bookkeeping -------------------------------------------------------------------------


def _number_taken(entity: str, error: FaciliooRecordRejected) -> bool:
    """A create refused because the number is taken in the tenant (properties, SPEC 4.2)."""
    if entity not in {"properties", "units"} or error.status not in (400, 409):
        return False
    wire = dialect.wire_name(entity, "number").casefold()
    return any(str(name).casefold() == wire for name in error.errors) or error.status == 409


def _entity_of(result: TargetPayload | Skip) -> str | None:
    return result.entity


def _entity_for_record(record: Any) -> str:
    kind = str(record.key[0])
    if kind == "vertrag":
        return "unit-contracts"
    return ENTITY_OF_KIND.get(kind, kind)
