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

from connect.services.sync_logs import ItemRecord, sync_run_items_record, sync_run_progress
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
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooNotFound, FaciliooRecordRejected
from integrations.models import ExternalLink, FieldHold
from integrations.sync import stammdaten as maps
from integrations.sync.differ import ChangeKind, diff, target_hash
from integrations.sync.filters import mandant_in_scope
from integrations.sync.ids import AmbiguousKey, compose
from integrations.sync.types import REASONS, MapContext, Skip, StammdatenSettings, TargetPayload
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

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


@dataclass
class _Write:
    payload: TargetPayload
    body: dict[str, Any]
    digest: str
    kind: ChangeKind
    facilioo_id: int | None  # known target (update, entrance, adoption)
    link: _Link | None


class RunBookkeeping:
    """What every engine does with its run: log rows, counts, seen keys, progress, cancellation.

    It also holds what every engine is built from (run, client, connector, day, batch size);
    ``_commit`` writes log rows, counts and seen keys in one transaction per batch.
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
        self.resume_from = run.progress_done if run.attempts > 1 else 0
        self.had_failures = False
        self._items: list[ItemRecord] = []
        self._seen: list[tuple[str, str]] = []  # (entity, natural key) read from the ERP
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

    def _commit(self) -> None:
        """One transaction: links seen, per-record log, counts, progress. Then check cancel."""
        with transaction.atomic():
            if not self.dry_run and self._seen:
                by_entity: dict[str, list[str]] = defaultdict(list)
                for entity, nk in self._seen:
                    by_entity[entity].append(nk)
                for entity, keys in by_entity.items():
                    for start in range(0, len(keys), 500):
                        ExternalLink.objects.filter(
                            customer_id=self.customer_id,
                            entity=entity,
                            natural_key__in=keys[start : start + 500],
                        ).update(seen_run_id=self.run.pk)
            sync_run_items_record(run=self.run, items=self._items)
            cancelled = sync_run_progress(
                run=self.run, done=self.done, counts=self.counts.as_dict()
            )
        self._items, self._seen = [], []
        if cancelled:
            raise RunCancelled

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

    # -- the run ----------------------------------------------------------------------------

    def execute(self) -> None:
        unit_types = {str(t.get("name")): int(t["id"]) for t in self.client.list_unit_types()}
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
            raise RuntimeError("ERP read ended without completing")
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
            writes.append(_Write(payload, body, digest, kind, target, link))
        if unchanged_aliases and not self.dry_run:
            self._ensure_aliases(unchanged_aliases)
        self._adopt(writes)
        if self.dry_run:
            for w in writes:
                action = "created" if w.facilioo_id is None else "updated"
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
            for nk, fid, digest, seen in ExternalLink.objects.filter(
                customer_id=self.customer_id, entity=entity, natural_key__in=keys, deleted=False
            ).values_list("natural_key", "facilioo_id", "payload_hash", "seen_run_id"):
                found[(entity, nk)] = _Link(fid, digest, seen)
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
        return {**planned, **ids}

    def _adopt(self, writes: list[_Write]) -> None:
        """Records facilioo already has with our externalId are updated, never duplicated."""
        creates = [w for w in writes if w.facilioo_id is None]
        if not creates:
            return
        entity = creates[0].payload.entity
        if entity not in self._index and len(creates) <= 20:
            for w in creates:
                matches = self.client.search_by_external_id(
                    Entity(w.payload.entity), w.payload.external_id
                )
                if matches:
                    w.facilioo_id = int(max(matches, key=lambda m: m.get("id") or 0)["id"])
                    w.kind = ChangeKind.UPDATE
            return
        index = self._index.get(entity)
        if index is None:
            index = {}
            for record in self.client.iter_pages(f"/api/{entity}"):
                if not record.get("deleted") and record.get("externalId"):
                    index[str(record["externalId"])] = int(record["id"])
            self._index[entity] = index
        for w in creates:
            found = index.get(w.payload.external_id)
            if found is not None:
                w.facilioo_id = found
                w.kind = ChangeKind.UPDATE

    def _write(self, writes: list[_Write]) -> None:
        def send(w: _Write) -> int:
            entity = Entity(w.payload.entity)
            if w.facilioo_id is None:
                return int(self.client.create(entity, w.body)["id"])
            try:
                self.client.patch(entity, w.facilioo_id, w.body)
            except FaciliooNotFound:
                if w.payload.same_id_as is not None:
                    raise
                # Deleted in facilioo behind our back: create it again.
                return int(self.client.create(entity, w.body)["id"])
            return w.facilioo_id

        for w, result in self.client.map_parallel(send, writes):
            if isinstance(result, FaciliooRecordRejected):
                self.had_failures = True
                self._log(
                    w.payload.entity,
                    "failed",
                    w.payload.key,
                    reason="facilioo_rejected",
                    message=str(result.message),
                    external_id=w.payload.external_id,
                    http_status=getattr(result, "status", None),
                    facilioo_id=w.facilioo_id,
                )
                continue
            if isinstance(result, Exception):
                raise result
            created = w.link is None and w.payload.same_id_as is None and w.facilioo_id is None
            self._store_link(w, result)
            self._log(
                w.payload.entity,
                "created" if created else "updated",
                w.payload.key,
                external_id=w.payload.external_id,
                facilioo_id=result,
            )

    def _store_link(self, w: _Write, facilioo_id: int) -> None:
        ExternalLink.objects.update_or_create(
            customer_id=self.customer_id,
            entity=w.payload.entity,
            natural_key=key_str(w.payload.key),
            defaults={
                "external_id": w.payload.external_id,
                "facilioo_id": facilioo_id,
                "payload_hash": w.digest,
                "sent_body": w.body,
                "last_run_id": self.run.pk,
                "seen_run_id": self.run.pk,
                "terminated": False,
                "deleted": False,
            },
        )
        # Further keys under which other use cases find this record (the contract a document
        # on an ERP contract is linked to). Not counted, not logged, never removed on their own.
        for alias in w.payload.aliases:
            ExternalLink.objects.update_or_create(
                customer_id=self.customer_id,
                entity=w.payload.entity,
                natural_key=key_str(alias),
                defaults={
                    "external_id": w.payload.external_id,
                    "facilioo_id": facilioo_id,
                    "payload_hash": "",
                    "last_run_id": self.run.pk,
                    "seen_run_id": self.run.pk,
                    "terminated": False,
                    "deleted": False,
                },
            )

    # -- removals ----------------------------------------------------------------------------

    def _remove_missing(self) -> None:
        """After a complete read: terminate gone contracts, report (and maybe delete) the rest."""
        candidates = [
            link
            for link in ExternalLink.objects.filter(
                customer_id=self.customer_id, entity__in=REMOVAL_ORDER, deleted=False
            )
            .exclude(seen_run_id=self.run.pk)
            .exclude(natural_key__startswith=ALIAS_PREFIX)
            if link.natural_key.split(KEY_SEPARATOR)[1] in self.settings.mandanten
            and not (link.entity == "unit-contracts" and link.terminated)
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
            elif self.settings.deletion_policy == "delete" and not self._party_has_contracts(link):
                self._delete(link, key)
            else:
                self._log(
                    link.entity,
                    "missing",
                    key,
                    reason="missing_in_erp",
                    message=_("Fehlt im ERP; in facilioo nicht gelöscht."),
                    external_id=link.external_id,
                    facilioo_id=link.facilioo_id,
                )
            if len(self._items) >= self.batch_size:
                self._commit()

    def _terminate(self, link: ExternalLink, key: NaturalKey) -> None:
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

    def _party_has_contracts(self, link: ExternalLink) -> bool:
        if link.entity != "parties":
            return False
        _kind, mandant, person = link.natural_key.split(KEY_SEPARATOR)
        return ExternalLink.objects.filter(
            customer_id=self.customer_id,
            entity="unit-contracts",
            deleted=False,
            terminated=False,
            natural_key__startswith=f"unit_contract{KEY_SEPARATOR}{mandant}{KEY_SEPARATOR}",
            natural_key__endswith=f"{KEY_SEPARATOR}{person}",
        ).exists()

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
    ) -> None:
        """One removal: the facilioo write (not in a dry run), the link marked, the log row."""
        if not self.dry_run:
            try:
                write()
            except FaciliooRecordRejected as exc:
                self._log(
                    link.entity,
                    "failed",
                    key,
                    reason="facilioo_rejected",
                    message=str(exc.message),
                    external_id=link.external_id,
                )
                return
            ExternalLink.objects.filter(pk=link.pk).update(**mark)
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


def _entity_of(result: TargetPayload | Skip) -> str | None:
    return result.entity


def _entity_for_record(record: Any) -> str:
    kind = str(record.key[0])
    if kind == "vertrag":
        return "unit-contracts"
    return ENTITY_OF_KIND.get(kind, kind)
