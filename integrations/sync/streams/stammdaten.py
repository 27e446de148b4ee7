"""Stammdaten on the engine: properties (with their entrances), units, parties, unit contracts.

The mapper keeps what one read needs across records: the Wirtschaftseinheiten (a property is
named and assigned to a tenant by its WE), which persons are tenants with a usable e-mail and
which are owners (a contract is synced only for a known person), and which parties were mapped
already (a person who is tenant and owner is one party). The streams declare what differs per
entity: what makes a record found in facilioo provably ours, the party's write steps (create,
external ids, contact details), and how a record leaves facilioo (contracts are ended, parties
detached and never deleted, properties and units deleted or reported by the deletion policy).
"""

from __future__ import annotations

import contextlib
import functools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from django.utils.translation import gettext_noop

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
from integrations.facilioo.errors import FaciliooNotFound
from integrations.facilioo.parties import PARTS, PartyWriter
from integrations.phrases import Phrase, phrase
from integrations.reasons import REASONS
from integrations.sync import stammdaten_bodies as maps
from integrations.sync.differ import ChangeKind
from integrations.sync.engine import Counted, Lookups, Mapped, Mapper, Pipeline, SyncEngine
from integrations.sync.filters import mandant_in_scope
from integrations.sync.ids import AmbiguousKey, compose
from integrations.sync.links import Link, LinkWrite
from integrations.sync.stream import (
    JSON,
    KEY_SEPARATOR,
    Sent,
    Stream,
    StreamContext,
    Write,
    delete_quietly,
    key_of,
    key_str,
)
from integrations.sync.types import MapContext, Skip, StammdatenSettings, TargetPayload
from integrations.usecases import UseCase

# Bookkeeping of a party's parts (its body and contact details), never removal candidates.
PARTY_PARTS = "party-parts"
# The facilioo entity behind the first part of a natural key.
ENTITY_OF_KIND = {
    "gebaeude": Entity.PROPERTIES,
    "eingang": Entity.ENTRANCES,
    "einheit": Entity.UNITS,
    "person": Entity.PARTIES,
    "unit_contract": Entity.UNIT_CONTRACTS,
}
# The alias under which an ERP contract's unit contracts are found by the Dokumente sync.
ALIAS_KIND = "vertrag_nr"


def _entity_for_record(record: Any) -> str:
    kind = str(record.key[0])
    if kind == "vertrag":
        return Entity.UNIT_CONTRACTS
    return ENTITY_OF_KIND.get(kind, kind)


class StammdatenMapper(Mapper):
    use_case = UseCase.STAMMDATEN
    entity_of_kind = ENTITY_OF_KIND

    def __init__(self, settings: StammdatenSettings) -> None:
        self.settings = settings
        self._wes: dict[NaturalKey, Wirtschaftseinheit] = {}
        self._tenant_status: dict[tuple[str, str], bool | str] = {}
        self._owners: set[tuple[str, str]] = set()
        self._parties: set[tuple[str, str]] = set()

    def lookups(self, client: FaciliooClient) -> Lookups:
        return Lookups(unit_types=client.list_unit_types())

    def build_context(self, today: date, lookups: Lookups) -> MapContext:
        unit_types = {str(t.get(dialect.NAME)): int(t[dialect.ID]) for t in lookups.unit_types}
        return MapContext(
            separator=self.settings.separator,
            today=today,
            unit_type_ids=unit_types,
            tenant_for_we=self.settings.tenant_for_we,
        )

    def map(self, item: Any, ctx: MapContext) -> list[Mapped]:
        if isinstance(item, RecordProblem):
            entity = ENTITY_OF_KIND.get(item.key[0], item.entity)
            return [Skip(reason=item.reason, message=item.message, entity=entity, key=item.key)]
        if not mandant_in_scope(item, self.settings.mandanten):
            return [Counted(_entity_for_record(item), "skipped_mandant")]
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
                        Entity.PROPERTIES,
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

    def _map_person(self, person: Person, ctx: MapContext) -> list[Mapped]:
        ident = (person.mandant_nr, person.person_nr)
        if person.rolle is PersonRolle.MIETER:
            self._tenant_status[ident] = maps.contract_person_status(
                person, VertragsArt.MIETVERTRAG
            )
        else:
            self._owners.add(ident)
        result = maps.map_person(person, ctx, tenant_party_mapped=ident in self._parties)
        if result is None:
            return []  # tenant and owner: one party, already mapped from the Mieter record
        if isinstance(result, TargetPayload):
            self._parties.add(ident)
        return [result]

    def _person_ok(self, vertrag: Vertrag) -> Callable[[str], bool | str]:
        def ok(person_nr: str) -> bool | str:
            ident = (vertrag.mandant_nr, person_nr)
            if vertrag.art is VertragsArt.MIETVERTRAG:
                return self._tenant_status.get(ident, "missing_reference")
            return True if ident in self._owners else "missing_reference"

        return ok

    def external_id_of(self, key: NaturalKey) -> str:
        if key[0] not in {"gebaeude", "eingang", "einheit", "person"}:
            return ""
        try:
            return compose(self.settings.separator, *key[1:])
        except AmbiguousKey:
            return ""


# -- streams ----------------------------------------------------------------------------------


class _Removable(Stream):
    """Properties and units: deleted or reported as missing, by the deletion policy."""

    settings: StammdatenSettings

    def remove(self, ctx: StreamContext, link: Link) -> None:
        if self.settings.deletion_policy == "delete":
            ctx.remove(
                link,
                lambda: delete_quietly(ctx.client, link.entity, link.facilioo_id),
                action="deleted",
                mark={"deleted": True},
                message=phrase(gettext_noop("Fehlt im ERP; in facilioo gelöscht.")),
            )
            return
        ctx.reported(link)
        ctx.log(
            link.entity,
            "missing",
            key_of(link.natural_key),
            reason="missing_in_erp",
            message=Phrase.reason("missing_in_erp"),
            external_id=link.external_id,
            facilioo_id=link.facilioo_id,
        )


class PropertyStream(_Removable):
    entity = Entity.PROPERTIES
    kind, key_parts = "gebaeude", 3

    def provably_ours(self, w: Write[None], record: JSON) -> bool:
        """A property in one of the customer's assigned tenants."""
        return dialect.read_back(self.entity, record).get("tenantId") in self.settings.tenants()


class EntranceStream(Stream):
    """The entrance facilioo creates with each property: patched under the property's id."""

    entity = Entity.ENTRANCES
    kind, key_parts = "eingang", 3


class UnitStream(_Removable):
    entity = Entity.UNITS
    kind, key_parts = "einheit", 4

    def provably_ours(self, w: Write[None], record: JSON) -> bool:
        """A unit on our entrance."""
        entrance = dialect.read_back(self.entity, record).get("entranceId")
        return entrance is not None and entrance == w.body.get("entranceId")


class ContractStream(Stream):
    entity = Entity.UNIT_CONTRACTS
    kind, key_parts = "unit_contract", 4
    settings: StammdatenSettings

    def creation_skip(self, ctx: StreamContext, payload: TargetPayload) -> Skip | None:
        """A contract that ended before the "former tenants" window is not created."""
        return maps.creation_skip(payload, ctx.today, self.settings.former_contract_months)

    def provably_ours(self, w: Write[None], record: JSON) -> bool:
        """A contract on our unit."""
        unit = dialect.read_back(self.entity, record).get("unitId")
        return unit is not None and unit == w.body.get("unitId")

    def left_facilioo(self, link: Link) -> bool:
        return link.terminated

    def remove(self, ctx: StreamContext, link: Link) -> None:
        """A contract that left the ERP is ended: its termination date is today."""

        def terminate() -> None:
            ctx.client.patch(
                Entity.UNIT_CONTRACTS, link.facilioo_id, {"terminationAt": ctx.today.isoformat()}
            )

        ctx.remove(
            link,
            terminate,
            action="terminated",
            mark={"terminated": True},
            message=phrase(gettext_noop("Vertrag fehlt im ERP; Kündigungsdatum gesetzt.")),
        )


class PartyStream(Stream):
    """Parties: shared in facilioo, so found by our id in their list, and never deleted."""

    entity = Entity.PARTIES
    kind, key_parts = "person", 2

    # One batch with more new parties than one lookup request takes: the run reads every id
    # our company owns once (one page per 100 owned ids) and looks the rest up there.
    _owned: dict[str, list[int]] | None = None

    def find(self, ctx: StreamContext, creates: list[Write[None]]) -> list[list[JSON]]:
        """Our parties by our ids, through facilioo's owner-scoped batch lookup: by value (one
        request per 100 ids) or, for a batch with more, from one listing of our own ids per
        run. Only ids our company owns are answered, so every party found carries our id and
        is ours to adopt; a party only another company's id points to is never found."""
        if self._owned is None and len(creates) > dialect.LOOKUP_BATCH:
            self._owned = ctx.client.owned_party_ids()
        found = PartyWriter(ctx.client).find(
            [w.payload.external_id for w in creates], owned=self._owned
        )
        return [
            [{dialect.ID: party_id}]
            if (party_id := found.get(w.payload.external_id.casefold())) is not None
            else []
            for w in creates
        ]

    def adopt(self, ctx: StreamContext, writes: list[Write[None]]) -> list[Write[None]]:
        self._confirm_links(ctx, writes)
        writes = super().adopt(ctx, writes)
        # The parts we wrote of these parties (contact details): what an update compares.
        self._parts = _party_parts(ctx, [w for w in writes if w.facilioo_id is not None])
        return writes

    @staticmethod
    def carries_our_id(
        hits: Mapping[str, list[int]], facilioo_id: int | None, external_id: str
    ) -> bool:
        """Whether a linked party is still ours: facilioo's owner-scoped lookup of our id
        (``hits``: lower-case id → party ids) finds it. A party merged into another, or one
        whose id was changed by hand, is not (record inspector, adoption)."""
        return facilioo_id in hits.get(external_id.casefold(), [])

    def _confirm_links(self, ctx: StreamContext, writes: list[Write[None]]) -> None:
        """A linked party is written only while it carries the id we gave it (one lookup per
        100 updates): one facilioo merged into another is followed to the party that carries
        our id now; one that carries none of ours is not written, the person is found or
        created anew like a new one."""
        linked = [w for w in writes if w.facilioo_id is not None and w.link is not None]
        linked = [w for w in linked if not w.adopted and w.link and w.link.external_id]
        if not linked:
            return
        writer = PartyWriter(ctx.client)
        hits = writer.lookup([w.link.external_id for w in linked if w.link], owned=self._owned)
        moved = [
            w
            for w in linked
            if w.link and not self.carries_our_id(hits, w.facilioo_id, w.link.external_id)
        ]
        if not moved:
            return
        found = writer.find([w.link.external_id for w in moved if w.link], owned=hits)
        for w in moved:
            assert w.link is not None  # noqa: S101 (filtered above)
            party = found.get(w.link.external_id.casefold())
            w.facilioo_id = party
            w.kind = ChangeKind.UPDATE if party is not None else ChangeKind.CREATE
            w.adopted = party is not None

    def send(self, ctx: StreamContext, w: Write[None]) -> Sent:
        writer = PartyWriter(ctx.client)
        if w.facilioo_id is None:
            result = writer.create(w.body, w.payload.external_id)
        else:
            result = writer.update(
                w.facilioo_id,
                w.body,
                w.payload.external_id,
                previous_external_id=w.link.external_id if w.link else None,
                known_contacts=self._parts.get(key_str(w.payload.key), {}),
                check_ids=w.adopted or w.link is None or not w.link.payload_hash,
            )
        nk = key_str(w.payload.key)
        return Sent(
            result.facilioo_id,
            parts=[
                LinkWrite(
                    PARTY_PARTS,
                    f"{nk}{KEY_SEPARATOR}{part}",
                    w.payload.external_id,
                    detail_id,
                    digest,
                )
                for part, (detail_id, digest) in result.contacts.items()
            ],
            recreated=result.created and w.facilioo_id is not None,
        )

    def left_facilioo(self, link: Link) -> bool:
        return link.terminated

    def removed_first(self, link: Link, live: Sequence[Link]) -> list[Link]:
        """A party's open contracts end first (they left with it)."""
        _kind, mandant, person = link.natural_key.split(KEY_SEPARATOR)
        prefix = f"unit_contract{KEY_SEPARATOR}{mandant}{KEY_SEPARATOR}"
        suffix = f"{KEY_SEPARATOR}{person}"
        return [
            contract
            for contract in live
            if contract.entity == Entity.UNIT_CONTRACTS
            and not contract.terminated
            and contract.natural_key.startswith(prefix)
            and contract.natural_key.endswith(suffix)
        ]

    def remove(self, ctx: StreamContext, link: Link) -> None:
        """A party that left the ERP is never deleted (it is shared in facilioo): our external
        id is removed from its list (its contracts were ended first: ``removed_first``)."""

        def unlink() -> None:
            with contextlib.suppress(FaciliooNotFound):
                PartyWriter(ctx.client).remove_external_id(link.facilioo_id, link.external_id)

        # The hash is cleared: should the person come back, the next run writes it (and our
        # id) again instead of finding it unchanged.
        ctx.remove(
            link,
            unlink,
            action="unlinked",
            mark={"terminated": True, "payload_hash": ""},
            message=phrase(
                gettext_noop(
                    "Fehlt im ERP; die Person bleibt in facilioo, unsere externe ID wurde entfernt."
                )
            ),
        )


def _party_parts(
    ctx: StreamContext, writes: list[Write[None]]
) -> dict[str, dict[str, tuple[int, str]]]:
    """The parts we wrote of these parties: party key → part → (facilioo id, digest)."""
    keys = [key_str(w.payload.key) for w in writes]
    wanted = [f"{nk}{KEY_SEPARATOR}{part}" for nk in keys for part in PARTS]
    found: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for nk, link in ctx.links.get(PARTY_PARTS, wanted).items():
        party_nk, _sep, part = nk.rpartition(KEY_SEPARATOR)
        found[party_nk][part] = (link.facilioo_id, link.payload_hash)
    return found


STAMMDATEN = Pipeline(
    use_case=UseCase.STAMMDATEN,
    mapper=StammdatenMapper,
    streams=(PropertyStream, EntranceStream, UnitStream, PartyStream, ContractStream),
    # Contracts first: a party is never detached, a unit never deleted, with open contracts.
    removal_order=(Entity.UNIT_CONTRACTS, Entity.UNITS, Entity.PROPERTIES, Entity.PARTIES),
    # Parties last: which parties are "in our tenants" follows from the contracts.
    reconciled=(Entity.PROPERTIES, Entity.UNITS, Entity.UNIT_CONTRACTS, Entity.PARTIES),
    alias_kinds=frozenset({ALIAS_KIND}),
    brake_noun=lambda: phrase(gettext_noop("Datensätzen")),
)


# The engine of one run of this use case: ``StammdatenSync(run=, client=, connector=, settings=,
# today=, …)``.
StammdatenSync = functools.partial(SyncEngine, STAMMDATEN)
