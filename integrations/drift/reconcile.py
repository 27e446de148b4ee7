"""The reconciliation ("Abgleich"): facilioo's records against what the product last sent.

It pages through facilioo's properties, units, unit contracts and parties (read only, through
the client's ``iter_pages``) and reports three kinds of findings:

- **changed in facilioo**: a record of ours whose facilioo fields differ from what we last sent
  (the next run would overwrite them, unless a field is marked "facilioo behält");
- **gone from facilioo**: a record we created that facilioo no longer has (the next run would
  create it again);
- **unknown to us**: a record in the customer's facilioo tenants (projects) that we did not create.

"In our tenants" follows facilioo's references: properties of the assigned tenants, units on
their entrances, contracts on those units, and the parties of those contracts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.drift.facilioo_names import (
    CONTRACT_PARTY,
    CONTRACT_UNIT,
    DELETED,
    EXTERNAL_ID,
    LIST_PATH,
    PROPERTY_TENANT,
    RECORD_ID,
    UNIT_ENTRANCE,
    compared,
    live_value,
    same_value,
)
from integrations.facilioo.client import FaciliooClient
from integrations.facilioo.errors import FaciliooError
from integrations.models import (
    ExternalLink,
    FieldHold,
    FindingKind,
    Reconciliation,
    ReconciliationFinding,
    ReconciliationStatus,
)
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

KEY_SEPARATOR = "\x1f"
ALIAS_PREFIX = "vertrag_nr" + KEY_SEPARATOR
# Parties last: which parties are "in our tenants" follows from the contracts.
ENTITIES = ("properties", "units", "unit-contracts", "parties")
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
) -> Iterator[tuple[str, str, ExternalLink | None, dict[str, Any] | None, dict[str, Any]]]:
    """(kind, entity, link, live record, changed fields) per finding, entity by entity."""
    scope = _Scope(tenants)
    held: dict[tuple[str, str], set[str]] = {}
    for entity, nk, name in FieldHold.objects.filter(customer_id=customer_id).values_list(
        "entity", "natural_key", "field"
    ):
        held.setdefault((entity, nk), set()).add(name)
    for entity in ENTITIES:
        links = {
            link.facilioo_id: link
            for link in ExternalLink.objects.filter(
                customer_id=customer_id, entity=entity, deleted=False
            ).exclude(natural_key__startswith=ALIAS_PREFIX)
            if link.natural_key.split(KEY_SEPARATOR)[1] in mandanten
        }
        seen: set[int] = set()
        for record in client.iter_pages(LIST_PATH[entity]):
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


def reconciliation_execute(*, reconciliation_id: int) -> Reconciliation:
    """Run one reconciliation to its end (succeeded or failed with a German message)."""
    from connect.models import FaciliooConnection, UseCaseActivation
    from connect.services.credentials import facilioo_client_for
    from integrations.sync.settings import stammdaten_from_stored

    rec = Reconciliation.objects.select_related("customer").get(pk=reconciliation_id)
    if rec.status != ReconciliationStatus.QUEUED:
        return rec
    rec.status = ReconciliationStatus.RUNNING
    rec.started_at = timezone.now()
    rec.save(update_fields=["status", "started_at"])
    activation = UseCaseActivation.objects.filter(
        customer=rec.customer, use_case=UseCase.STAMMDATEN
    ).first()
    connection = FaciliooConnection.objects.filter(customer=rec.customer).first()
    if rec.use_case != UseCase.STAMMDATEN:
        return _finish(rec, error=_("Der Abgleich ist für die Stammdaten verfügbar."))
    if activation is None or not activation.settings:
        return _finish(rec, error=_("Der Anwendungsfall ist nicht eingerichtet."))
    if connection is None:
        return _finish(rec, error=_("Es ist keine facilioo-Verbindung eingerichtet."))
    try:
        settings = stammdaten_from_stored(dict(activation.settings))
    except (TypeError, ValueError):
        return _finish(
            rec,
            error=_(
                "Die Stammdaten-Einstellungen sind unvollständig; bitte speichern Sie sie neu."
            ),
        )
    tenants = {t for t in [settings.default_tenant_id, *settings.tenant_overrides.values()] if t}
    counts = {"changed": 0, "gone": 0, "unknown": 0}
    rows: list[ReconciliationFinding] = []
    try:
        with facilioo_client_for(connection=connection, workers=1) as client:
            for kind, entity, link, record, changed in findings(
                customer_id=rec.customer_id,
                client=client,
                tenants=tenants,
                mandanten=settings.mandanten,
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
