"""The reconciliation ("Abgleich"): facilioo's records against what the product last sent.

Per use case it pages through facilioo's records (read only, through the client's
``iter_pages``): for Stammdaten the properties, units, unit contracts and parties, for Dokumente
the document groups and documents. It reports three kinds of findings:

- **changed in facilioo**: a record of ours whose facilioo fields differ from what we last sent
  (the next run would overwrite them, unless a field is marked "facilioo behält");
- **gone from facilioo**: a record we created that facilioo no longer has (the next run would
  create it again);
- **unknown to us**: a record in the customer's facilioo tenants (projects) that we did not create.

"In our tenants" follows facilioo's references: properties of the assigned tenants, units on
their entrances, contracts on those units, and the parties of those contracts. For Dokumente,
"in our scope" is a document group of ours or below one of ours, and a document in such a group
or linked to a Stammdaten record of ours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from integrations.drift.facilioo_names import (
    CONTRACT_PARTY,
    CONTRACT_UNIT,
    DELETED,
    DOCUMENT_GROUP,
    DOCUMENT_TARGET,
    GROUP_PARENT,
    LIST_PATH,
    PROPERTY_TENANT,
    RECORD_ID,
    UNIT_ENTRANCE,
    compared,
    live_value,
    same_value,
)
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.models import (
    ExternalLink,
    FieldHold,
    FindingKind,
)
from integrations.sync import stream
from integrations.sync.stream import KEY_SEPARATOR
from integrations.sync.streams.dokumente import DOKUMENTE
from integrations.sync.streams.stammdaten import ALIAS_KIND, STAMMDATEN
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

ALIAS_PREFIX = ALIAS_KIND + KEY_SEPARATOR
# The entities compared, as each pipeline declares them (``Pipeline.reconciled``).
ENTITIES = STAMMDATEN.reconciled
DOKUMENTE_ENTITIES = DOKUMENTE.reconciled
# Fields compared: what we sent, minus the ones the reconciliation cannot judge.
NOT_COMPARED = frozenset({"externalId"})


def erp_key_label(natural_key: str) -> str:
    """A stored natural key as the run log writes it: ``einheit 1000/0001/01/003``."""
    return stream.erp_key_label(stream.key_of(natural_key))


class _Scope:
    """facilioo ids in the customer's tenants, filled entity by entity."""

    def __init__(self, tenants: set[int]) -> None:
        self.tenants = tenants
        self.properties: set[int] = set()
        self.units: set[int] = set()
        self.parties: set[int] = set()

    def takes(self, entity: str, record: dict[str, Any], ours: bool) -> bool:
        """Whether ``record`` is in the customer's tenants (and remember it for the children)."""
        rid = int_or_none(record.get(RECORD_ID))
        if entity == Entity.PROPERTIES:
            inside = ours or int_or_none(record.get(PROPERTY_TENANT)) in self.tenants
            if inside and rid is not None:
                self.properties.add(rid)
            return inside
        if entity == Entity.UNITS:
            inside = ours or int_or_none(record.get(UNIT_ENTRANCE)) in self.properties
            if inside and rid is not None:
                self.units.add(rid)
            return inside
        if entity == Entity.UNIT_CONTRACTS:
            inside = ours or int_or_none(record.get(CONTRACT_UNIT)) in self.units
            party = int_or_none(record.get(CONTRACT_PARTY))
            if inside and party is not None:
                self.parties.add(party)
            return inside
        return ours or rid in self.parties

    def prepare(self, entity: str, records: list[dict[str, Any]], ours: set[int]) -> None:
        """Nothing to learn before the records are judged one by one."""


class _DokumenteScope:
    """Document groups of ours and below ours; documents in them or on our Stammdaten."""

    def __init__(self, stammdaten_ids: dict[str, set[int]]) -> None:
        self.stammdaten_ids = stammdaten_ids
        self.groups: set[int] = set()

    def prepare(self, entity: str, records: list[dict[str, Any]], ours: set[int]) -> None:
        if entity != Entity.DOCUMENT_GROUPS:
            return
        parent_of = {
            rid: int_or_none(record.get(GROUP_PARENT))
            for record in records
            if (rid := int_or_none(record.get(RECORD_ID))) is not None
        }
        inside = set(ours)
        changed = True
        while changed:  # a folder below one of ours is in our scope, at any depth
            grown = {rid for rid, parent in parent_of.items() if parent in inside}
            changed = not grown <= inside
            inside |= grown
        self.groups = inside

    def takes(self, entity: str, record: dict[str, Any], ours: bool) -> bool:
        if entity == Entity.DOCUMENT_GROUPS:
            return ours or int_or_none(record.get(RECORD_ID)) in self.groups
        if ours or int_or_none(record.get(DOCUMENT_GROUP)) in self.groups:
            return True
        return any(
            int_or_none(record.get(wire)) in self.stammdaten_ids.get(target, set())
            for target, wire in DOCUMENT_TARGET.items()
        )


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def compare(
    sent: dict[str, Any] | None, live: dict[str, Any], entity: str, held: set[str]
) -> dict[str, dict[str, Any]]:
    """{field: {"sent", "live"}} for every field facilioo holds differently from what we sent."""
    changed: dict[str, dict[str, Any]] = {}
    for name, value in (sent or {}).items():
        if name in NOT_COMPARED or name in held or not compared(entity, name):
            continue
        now = live_value(entity, live, name)
        if not same_value(value, now):
            changed[name] = {"sent": value, "live": now}
    return changed


def findings(
    *,
    customer_id: int,
    client: FaciliooClient,
    tenants: set[int],
    mandanten: frozenset[str],
    use_case: str = UseCase.STAMMDATEN,
) -> Iterator[tuple[str, str, ExternalLink | None, dict[str, Any] | None, dict[str, Any]]]:
    """(kind, entity, link, live record, changed fields) per finding, entity by entity."""
    scope: _Scope | _DokumenteScope
    if use_case == UseCase.DOKUMENTE:
        entities: tuple[Entity, ...] = DOKUMENTE_ENTITIES
        stammdaten_ids: dict[str, set[int]] = {}
        for entity, fid in ExternalLink.objects.filter(
            customer_id=customer_id, entity__in=list(DOCUMENT_TARGET), deleted=False
        ).values_list("entity", "facilioo_id"):
            stammdaten_ids.setdefault(entity, set()).add(fid)
        scope = _DokumenteScope(stammdaten_ids)
    else:
        entities = ENTITIES
        scope = _Scope(tenants)
    held: dict[tuple[str, str], set[str]] = {}
    for entity, nk, name in FieldHold.objects.filter(customer_id=customer_id).values_list(
        "entity", "natural_key", "field"
    ):
        held.setdefault((entity, nk), set()).add(name)
    for entity in entities:
        links = {
            link.facilioo_id: link
            for link in ExternalLink.objects.filter(
                customer_id=customer_id, entity=entity, deleted=False
            ).exclude(natural_key__startswith=ALIAS_PREFIX)
            if link.natural_key.split(KEY_SEPARATOR)[1] in mandanten
        }
        seen: set[int] = set()
        records: Iterable[dict[str, Any]]
        if entity == Entity.PARTIES and isinstance(scope, _Scope):
            records, ours = _our_parties(client, scope)
            # A linked party that no longer carries an id of ours is not ours to compare: what
            # another company's id still reaches is never shown.
            for lost in [fid for fid in links if fid not in ours]:
                yield FindingKind.GONE, entity, links.pop(lost), None, {}
        else:
            records = client.iter_pages(LIST_PATH[entity])
        if entity == Entity.DOCUMENT_GROUPS:  # the tree is known only once every folder is read
            records = list(records)
            scope.prepare(entity, list(records), set(links))
        for record in records:
            rid = int_or_none(record.get(RECORD_ID))
            if rid is None or record.get(DELETED):
                continue
            link = links.get(rid)
            if not scope.takes(entity, record, ours=link is not None):
                continue
            if link is None:
                yield FindingKind.UNKNOWN, entity, None, record, {}
                continue
            seen.add(rid)
            changed = compare(
                link.sent_body, record, entity, held.get((entity, link.natural_key), set())
            )
            if changed:
                yield FindingKind.CHANGED, entity, link, record, changed
        for rid, link in links.items():
            if rid not in seen:
                yield FindingKind.GONE, entity, link, None, {}


def _our_parties(client: FaciliooClient, scope: _Scope) -> tuple[list[dict[str, Any]], set[int]]:
    """The parties to judge, and those that carry an id our company owns.

    Parties are shared by every company on facilioo: a listing would read everyone's. So the
    parties are read by id: those our ids point to (the owner-scoped lookup, one page per 100
    of our ids) and those on contracts in the customer's tenants, 100 a request.
    """
    ours = {pid for ids in client.owned_party_ids().values() for pid in ids}
    wanted = sorted(ours | scope.parties)
    records: list[dict[str, Any]] = []
    for start in range(0, len(wanted), dialect.LOOKUP_BATCH):
        chunk = wanted[start : start + dialect.LOOKUP_BATCH]
        records.extend(client.search(Entity.PARTIES, {dialect.SEARCH_IDS: chunk}))
    return records, ours
