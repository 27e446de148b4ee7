"""What a stream is, and the narrow context through which it works.

A stream is one facilioo entity of a use case: what differs for that entity from the engine's
defaults (see ``integrations.sync.engine``). It receives a ``StreamContext`` and nothing else of
the engine: the facilioo client, the links it may read, read-only facts of the run (``today``,
``dry_run``, the write journal, facilioo's records under an external id) and a way to emit what
it did (log rows, counts, links, marks, removals). It never changes the engine's state, and it
never reaches into another stream: where one record's removal needs another's first (a party's
open contracts), the stream names them (``Stream.removed_first``) and the engine removes them.

Each stream states its own per-write state (``S``, e.g. a document's file) and the result of its
write steps (``R``, ``Sent`` for one facilioo record): both are typed, neither changes type on
the way from ``prepare`` to ``record``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from django.utils.translation import gettext_noop

from integrations.erp.records import NaturalKey
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooNotFound, FaciliooRecordRejected
from integrations.phrases import Phrase, phrase
from integrations.sync.differ import ChangeKind, target_hash
from integrations.sync.ids import external_id_change_reason
from integrations.sync.links import Link, LinkWrite
from integrations.sync.types import Skip, TargetPayload

JSON = dict[str, Any]
KEY_SEPARATOR = "\x1f"

S = TypeVar("S")  # a stream's own state of one write
R = TypeVar("R")  # what a stream's write steps report


def key_str(key: NaturalKey) -> str:
    return KEY_SEPARATOR.join(key)


def key_of(natural_key: str) -> NaturalKey:
    return tuple(natural_key.split(KEY_SEPARATOR))


def erp_key_label(key: NaturalKey) -> str:
    """A readable ERP key for the run log: ``einheit 1000/0001/01/003``."""
    return f"{key[0]} {'/'.join(key[1:])}"


def payload_link(
    payload: TargetPayload,
    facilioo_id: int,
    digest: str,
    *,
    sent_body: Mapping[str, Any] | None = None,
) -> LinkWrite:
    """The link of a written record, with what was sent (record inspector, reconciliation)."""
    return LinkWrite(
        payload.entity,
        key_str(payload.key),
        payload.external_id,
        facilioo_id,
        digest,
        dict(sent_body) if sent_body is not None else None,
    )


@dataclass
class Write(Generic[S]):
    """One facilioo record a batch writes (or, in a dry run, would write)."""

    payload: TargetPayload
    body: dict[str, Any]
    digest: str
    kind: ChangeKind
    facilioo_id: int | None  # known target (update, entrance, adoption)
    link: Link | None
    state: S  # the stream's own (a document's file); ``None`` for most streams
    created: bool = False  # logged and counted as created (decided before the request)
    adopted: bool = False  # found in facilioo by our external id (not through our link)
    # The body with the fields "facilioo behält" leaves out of an update: what a record that
    # was deleted in facilioo behind our back is created again with (None: nothing held).
    full_body: dict[str, Any] | None = None

    def create_body(self) -> dict[str, Any]:
        return self.full_body if self.full_body is not None else self.body


@dataclass
class Sent:
    """What one record's write steps did: its id and further links (its parts)."""

    facilioo_id: int
    parts: list[LinkWrite] = field(default_factory=list)
    # Deleted in facilioo behind our back, and created again by this write.
    recreated: bool = False


class LinkReader(Protocol):
    """The links a stream may read (never write: it emits them through its context)."""

    def get(self, entity: str, keys: Sequence[str]) -> dict[str, Link]: ...

    def held(self, entity: str, keys: Sequence[str]) -> dict[str, set[str]]: ...


class StreamContext(Protocol):
    """What a stream gets of the run: the client, the links, read-only facts, and emitters."""

    @property
    def client(self) -> FaciliooClient: ...

    @property
    def links(self) -> LinkReader: ...

    @property
    def today(self) -> date: ...

    @property
    def dry_run(self) -> bool: ...

    def journaled(self, entity: str, key: NaturalKey) -> bool:
        """True if a predecessor of this run was creating the record when it stopped."""
        ...

    def find(self, entity: str, external_ids: list[str]) -> list[list[JSON]]:
        """The live records facilioo has under each external id (one listing per run)."""
        ...

    def log(self, entity: str, action: str, key: NaturalKey, **fields: Any) -> None:
        """One row of the run log, counted under ``entity``/``action``."""
        ...

    def count(self, entity: str, action: str) -> None:
        """Counted only, without a log row (a document's file)."""
        ...

    def link(self, link: LinkWrite) -> None:
        """A link written (or confirmed) by this batch; stored by the batch's commit."""
        ...

    def mark(self, link: Link, **mark: Any) -> None:
        """A mark on a stored link (terminated, deleted); stored by the batch's commit."""
        ...

    def rejected(
        self,
        payload: TargetPayload,
        error: Exception,
        facilioo_id: int | None,
        *,
        number_taken: bool = False,
    ) -> None:
        """facilioo refused the record (``number_taken``: its number is taken in the tenant):
        logged as failed, the run ends as a warning."""
        ...

    def uploaded(self, size: int) -> None:
        """Bytes sent through a pre-signed upload URL."""
        ...

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
        ...

    def reported(self, link: Link) -> None:
        """A record reported as missing: reported once (a resumed attempt does not again)."""
        ...


def delete_quietly(client: FaciliooClient, entity: str, facilioo_id: int) -> None:
    """Delete a facilioo record; one already gone is the goal reached."""
    with contextlib.suppress(FaciliooNotFound):
        client.delete(Entity(entity), facilioo_id)


class StreamBase(Generic[S, R]):
    """One facilioo entity of a use case: what differs from the engine's defaults.

    The engine prepares the writes (parents, held fields, diff against the links) and asks the
    stream only what it declares: its per-write ``plan``, its ``digest``, what makes a found
    record ours, its write steps (``send``) and what they leave behind (``record``), and how a
    record leaves facilioo (``remove``).
    """

    entity: Entity
    # The first part of the natural key of this entity's records, and the parts after it.
    kind: str = ""
    key_parts: int = 0
    free_id: bool = False  # the last part is any text (a folder's or document's id)
    # A parent of the same entity may be in the same batch (folders): written in waves.
    waves: bool = False
    # Refs the stream's write steps fill themselves (a document's file): not resolved ahead.
    own_refs: frozenset[str] = frozenset()

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    # -- prepare ----------------------------------------------------------------------------

    def plan(self, ctx: StreamContext, payloads: Sequence[TargetPayload]) -> list[S]:
        """The stream's own state of each payload's write (read once per batch)."""
        raise NotImplementedError

    def digest(self, payload: TargetPayload, body: dict[str, Any], state: S) -> str:
        """The payload hash a link keeps of what was written."""
        return target_hash(payload, body)

    def settled(self, state: S) -> bool:
        """False if the record must be written although its body did not change."""
        return True

    def missing_parent(self, payload: TargetPayload, missing: Sequence[str]) -> str | Phrase:
        """The message of a record whose parents (``missing``: the ref names) facilioo lacks."""
        return phrase(gettext_noop("Der übergeordnete Datensatz ist in facilioo nicht vorhanden."))

    def creation_skip(self, ctx: StreamContext, payload: TargetPayload) -> Skip | None:
        """Why a record facilioo does not have yet is not created (None: it is)."""
        return None

    # -- adopt ------------------------------------------------------------------------------

    def provably_ours(self, w: Write[S], record: JSON) -> bool:
        """A record found with our external id may be taken over (docs/facilioo.md)."""
        return True

    def find(self, ctx: StreamContext, creates: list[Write[S]]) -> list[list[JSON]]:
        """Records facilioo has with each write's external id."""
        return ctx.find(self.entity, [w.payload.external_id for w in creates])

    def adopt(self, ctx: StreamContext, writes: list[Write[S]]) -> list[Write[S]]:
        """Records facilioo already has with our externalId are updated, never duplicated.

        Only what is provably ours is taken over (``provably_ours``); any other match is
        logged as ``foreign_match`` and left alone. Returns the writes that remain.
        """
        creates = [w for w in writes if w.facilioo_id is None]
        if not creates:
            return writes
        foreign: list[tuple[Write[S], JSON]] = []
        for w, matches in zip(creates, self.find(ctx, creates), strict=True):
            ours = [m for m in matches if self.provably_ours(w, m)]
            if ours:
                w.facilioo_id = int(max(ours, key=lambda m: m.get(dialect.ID) or 0)[dialect.ID])
                w.kind = ChangeKind.UPDATE
                w.adopted = True
            elif matches:
                foreign.append((w, matches[0]))
        for w, record in foreign:
            ctx.log(
                w.payload.entity,
                "skipped",
                w.payload.key,
                reason="foreign_match",
                message=Phrase.reason_with(
                    "foreign_match",
                    phrase(gettext_noop("facilioo-ID %(id)s"), id=str(record.get(dialect.ID))),
                ),
                external_id=w.payload.external_id,
                facilioo_id=record.get(dialect.ID),
            )
        dropped = {id(w) for w, _record in foreign}
        return [w for w in writes if id(w) not in dropped]

    def is_created(self, ctx: StreamContext, w: Write[S]) -> bool:
        """Logged and counted as created: new to facilioo, or created by a predecessor of this
        run that died before its commit (the write journal)."""
        return (
            w.link is None
            and w.payload.same_id_as is None
            and (w.facilioo_id is None or ctx.journaled(w.payload.entity, w.payload.key))
        )

    # -- write ------------------------------------------------------------------------------

    def journal_keys(self, w: Write[S]) -> list[tuple[str, NaturalKey]]:
        return [(w.payload.entity, w.payload.key)] if w.created else []

    def send(self, ctx: StreamContext, w: Write[S]) -> R:
        """The write steps of one record; runs in a worker thread of the client."""
        raise NotImplementedError

    def record(self, ctx: StreamContext, w: Write[S], result: R | Exception) -> Exception | None:
        """Links and log row of one write; returns an error that fails the batch."""
        raise NotImplementedError

    # -- remove -----------------------------------------------------------------------------

    def left_facilioo(self, link: Link) -> bool:
        """The record left facilioo already (a contract ended): no removal candidate."""
        return False

    def removed_first(self, link: Link, live: Sequence[Link]) -> list[Link]:
        """Live links of other entities the engine removes before this one (a party's open
        contracts)."""
        return []

    def remove(self, ctx: StreamContext, link: Link) -> None:
        """A record that left the ERP (after a complete read, behind the brake)."""
        raise NotImplementedError


class Stream(StreamBase[None, Sent]):
    """A stream whose record is one facilioo record, written with one request (the default)."""

    def plan(self, ctx: StreamContext, payloads: Sequence[TargetPayload]) -> list[None]:
        return [None] * len(payloads)

    def send(self, ctx: StreamContext, w: Write[None]) -> Sent:
        client, entity = ctx.client, self.entity
        if w.facilioo_id is None:
            return Sent(int(client.create(entity, w.body)[dialect.ID]))
        try:
            client.patch(entity, w.facilioo_id, w.body)
        except FaciliooNotFound:
            if w.payload.same_id_as is not None:
                raise
            # Deleted in facilioo behind our back: create it again, with its held fields.
            return Sent(int(client.create(entity, w.create_body())[dialect.ID]), recreated=True)
        return Sent(w.facilioo_id)

    def record(
        self, ctx: StreamContext, w: Write[None], result: Sent | Exception
    ) -> Exception | None:
        """The record's link (and its parts' and aliases' links) and log row."""
        p = w.payload
        if isinstance(result, FaciliooRecordRejected):
            number_taken = w.facilioo_id is None and _number_taken(p.entity, result)
            ctx.rejected(p, result, w.facilioo_id, number_taken=number_taken)
            return None
        if isinstance(result, Exception):
            return result
        ctx.link(payload_link(p, result.facilioo_id, w.digest, sent_body=w.body))
        # Further keys under which other use cases find this record (the contract a document
        # on an ERP contract is linked to). Not counted, not logged, never removed on their own.
        for alias in p.aliases:
            ctx.link(LinkWrite(p.entity, key_str(alias), p.external_id, result.facilioo_id, ""))
        for part in result.parts:
            ctx.link(part)
        # An update that moved our externalId says why (a new separator, the contract kind).
        previous = w.link.external_id if w.link and not (w.created or w.adopted) else ""
        reason = external_id_change_reason(previous, p.external_id)
        message: Phrase | None = (
            Phrase.reason_with(
                reason, phrase(gettext_noop("bisher: %(previous)s"), previous=previous)
            )
            if reason
            else None
        )
        if result.recreated:  # deleted in facilioo: created again, with every field
            reason, message = "deleted_in_facilioo", Phrase.reason("deleted_in_facilioo")
        ctx.log(
            p.entity,
            "created" if w.created or result.recreated else ("adopted" if w.adopted else "updated"),
            p.key,
            external_id=p.external_id,
            facilioo_id=result.facilioo_id,
            reason=reason,
            message=message,
        )
        return None


def _number_taken(entity: str, error: FaciliooRecordRejected) -> bool:
    """A create refused because the number is taken in the tenant (properties and units)."""
    if entity not in {Entity.PROPERTIES, Entity.UNITS} or error.status not in (400, 409):
        return False
    wire = dialect.wire_name(entity, "number").casefold()
    return any(str(name).casefold() == wire for name in error.errors) or error.status == 409
