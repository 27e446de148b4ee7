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

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.drift.facilioo_names import (
    CONTRACT_PARTY,
    CONTRACT_UNIT,
    DELETED,
    DOCUMENT_GROUP,
    DOCUMENT_TARGET,
    EXTERNAL_ID,
    GROUP_PARENT,
    LIST_PATH,
    PROPERTY_TENANT,
    RECORD_ID,
    UNIT_ENTRANCE,
    compared,
    live_value,
    same_value,
)
from integrations.drift.services import links_rewrite_next_run
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooError
from integrations.models import (
    ExternalLink,
    FieldHold,
    FindingKind,
    Reconciliation,
    ReconciliationFinding,
    ReconciliationStatus,
)
from integrations.sync.engine import KEY_SEPARATOR
from integrations.sync.streams.stammdaten import ALIAS_KIND
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

ALIAS_PREFIX = ALIAS_KIND + KEY_SEPARATOR
# Parties last: which parties are "in our tenants" follows from the contracts.
ENTITIES = ("properties", "units", "unit-contracts", "parties")
# Folders first: which documents are "in our scope" follows from the folders.
DOKUMENTE_ENTITIES = ("document-groups", "documents")
# Fields compared: what we sent, minus the ones the reconciliation cannot judge.
NOT_COMPARED = frozenset({"externalId"})


def erp_key_label(natural_key: str) -> str:
    parts = natural_key.split(KEY_SEPARATOR)
    return f"{parts[0]} {'/'.join(parts[1:])}"


class _Scope:
    """facilioo ids in the customer's tenants, filled entity by entity."""

    def __init__(self, tenants: set[int]) -> None:
        self.tenants = tenants
        self.properties: set[int] = set()
        self.units: set[int] = set()
        self.parties: set[int] = set()

    def takes(self, entity: str, record: dict[str, Any], ours: bool) -> bool:
        """Whether ``record`` is in the customer's tenants (and remember it for the children)."""
        rid = _int(record.get(RECORD_ID))
        if entity == "properties":
            inside = ours or _int(record.get(PROPERTY_TENANT)) in self.tenants
            if inside and rid is not None:
                self.properties.add(rid)
            return inside
        if entity == "units":
            inside = ours or _int(record.get(UNIT_ENTRANCE)) in self.properties
            if inside and rid is not None:
                self.units.add(rid)
            return inside
        if entity == "unit-contracts":
            inside = ours or _int(record.get(CONTRACT_UNIT)) in self.units
            party = _int(record.get(CONTRACT_PARTY))
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
        if entity != "document-groups":
            return
        parent_of = {
            rid: _int(record.get(GROUP_PARENT))
            for record in records
            if (rid := _int(record.get(RECORD_ID))) is not None
        }
        inside = set(ours)
        changed = True
        while changed:  # a folder below one of ours is in our scope, at any depth
            grown = {rid for rid, parent in parent_of.items() if parent in inside}
            changed = not grown <= inside
            inside |= grown
        self.groups = inside

    def takes(self, entity: str, record: dict[str, Any], ours: bool) -> bool:
        if entity == "document-groups":
            return ours or _int(record.get(RECORD_ID)) in self.groups
        if ours or _int(record.get(DOCUMENT_GROUP)) in self.groups:
            return True
        return any(
            _int(record.get(wire)) in self.stammdaten_ids.get(target, set())
            for target, wire in DOCUMENT_TARGET.items()
        )


def _int(value: Any) -> int | None:
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
        entities: tuple[str, ...] = DOKUMENTE_ENTITIES
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
        if entity == "parties" and isinstance(scope, _Scope):
            records, ours = _our_parties(client, scope)
            # A linked party that no longer carries an id of ours is not ours to compare: what
            # another company's id still reaches is never shown.
            for lost in [fid for fid in links if fid not in ours]:
                yield FindingKind.GONE, entity, links.pop(lost), None, {}
        else:
            records = client.iter_pages(LIST_PATH[entity])
        if entity == "document-groups":  # the tree is known only once every folder is read
            records = list(records)
            scope.prepare(entity, list(records), set(links))
        for record in records:
            rid = _int(record.get(RECORD_ID))
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


def not_reconcilable_message() -> str:
    return _("Für diesen Datenbereich gibt es keinen Abgleich.")


def reconciliation_execute(*, reconciliation_id: int) -> Reconciliation:
    """Run one reconciliation to its end (succeeded or failed with a German message)."""
    from connect.models import FaciliooConnection, UseCaseActivation
    from connect.services.credentials import facilioo_client_for
    from integrations.registry import UnknownUseCase, entry

    rec = Reconciliation.objects.select_related("customer").get(pk=reconciliation_id)
    if rec.status != ReconciliationStatus.QUEUED:
        return rec
    rec.status = ReconciliationStatus.RUNNING
    rec.started_at = timezone.now()
    rec.save(update_fields=["status", "started_at"])
    try:
        registered = entry(rec.use_case)
    except UnknownUseCase:
        registered = None
    if registered is None or not registered.reconcilable:
        return _finish(rec, error=not_reconcilable_message())
    activation = UseCaseActivation.objects.filter(
        customer=rec.customer, use_case=rec.use_case
    ).first()
    connection = FaciliooConnection.objects.filter(customer=rec.customer).first()
    if activation is None or not activation.settings:
        return _finish(rec, error=_("Der Datenbereich ist nicht eingerichtet."))
    if connection is None:
        return _finish(rec, error=_("Es ist keine facilioo-Verbindung eingerichtet."))
    try:
        settings = registered.from_stored(dict(activation.settings))
    except (TypeError, ValueError):
        if rec.use_case == UseCase.DOKUMENTE:
            message = _(
                "Die Dokumente-Einstellungen sind unvollständig; bitte speichern Sie sie neu."
            )
        else:
            message = _(
                "Die Stammdaten-Einstellungen sind unvollständig; bitte speichern Sie sie neu."
            )
        return _finish(rec, error=message)
    tenants: set[int] = set()
    if rec.use_case == UseCase.STAMMDATEN:
        tenants = {
            t for t in [settings.default_tenant_id, *settings.tenant_overrides.values()] if t
        }
    counts = {"changed": 0, "gone": 0, "unknown": 0}
    rows: list[ReconciliationFinding] = []
    try:
        with facilioo_client_for(connection=connection, workers=1) as client:
            for kind, entity, link, record, changed in findings(
                customer_id=rec.customer_id,
                client=client,
                tenants=tenants,
                mandanten=frozenset(settings.mandanten),
                use_case=rec.use_case,
            ):
                counts[kind] += 1
                rows.append(
                    ReconciliationFinding(
                        reconciliation=rec,
                        customer_id=rec.customer_id,
                        kind=kind,
                        entity=entity,
                        natural_key=link.natural_key if link else "",
                        erp_key=erp_key_label(link.natural_key) if link else "",
                        external_id=(
                            link.external_id if link else str((record or {}).get(EXTERNAL_ID) or "")
                        ),
                        facilioo_id=(
                            link.facilioo_id if link else _int((record or {}).get(RECORD_ID))
                        ),
                        fields=changed,
                    )
                )
    except FaciliooError as exc:
        return _finish(rec, error=str(exc.message), counts=counts)
    with transaction.atomic():
        ReconciliationFinding.objects.bulk_create(rows, batch_size=500)
        # What facilioo lost or changed behind our back is written again by the next run
        # (fields "facilioo behält" holds excepted: they never reach a finding's fields).
        links_rewrite_next_run(
            customer_id=rec.customer_id,
            records=[
                (row.entity, row.natural_key)
                for row in rows
                if row.natural_key and row.kind in (FindingKind.GONE, FindingKind.CHANGED)
            ],
        )
        return _finish(rec, counts=counts)


def _finish(
    rec: Reconciliation, *, error: str = "", counts: dict[str, int] | None = None
) -> Reconciliation:
    rec.status = ReconciliationStatus.FAILED if error else ReconciliationStatus.SUCCEEDED
    rec.error_message = error
    rec.counts = counts or {}
    rec.finished_at = timezone.now()
    rec.save(update_fields=["status", "error_message", "counts", "finished_at"])
    logger.info("reconciliation finished", extra={"reconciliation": rec.pk, "counts": rec.counts})
    return rec
