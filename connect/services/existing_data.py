"""Existing facilioo data at go-live ("Bestehende facilioo-Daten zuordnen").

The suggestions come from facilioo (the properties and units in the customer's assigned tenants
that carry none of our ids) and the ERP; the admin confirms or rejects each. A confirmed match
becomes a link that the next Stammdaten run adopts (counted as ``adopted``), never a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError, ServiceUnavailable
from connect.models import Customer, FaciliooConnection, UseCaseActivation, User
from connect.selectors.activations import _credentials_fingerprint, _export_fingerprint
from connect.selectors.credentials import facilioo_client_for
from connect.selectors.erp_sources import NoValidExport, connector_for_customer
from connect.services.audit import audit_record
from integrations.facilioo.errors import FaciliooError, FaciliooTransientError
from integrations.models import ExistingMatchDecision, ExternalLink
from integrations.sync.existing import ADOPT_MARK, ENTITIES, facilioo_records, suggest
from integrations.sync.settings import stammdaten_from_stored
from integrations.sync.stream import KEY_SEPARATOR
from integrations.sync.streams.stammdaten import STAMMDATEN
from integrations.usecases import UseCase


class ExistingDataNotConfigured(ApplicationError):
    """No facilioo connection or no Stammdaten settings yet: nothing to match."""


@dataclass(frozen=True)
class ExistingRow:
    entity: str
    facilioo_id: int
    facilioo_label: str
    natural_key: str  # joined with KEY_SEPARATOR; "" when no ERP record matches
    erp_label: str
    external_id: str
    rule: str
    decision: str  # "", "confirmed" or "rejected"


# facilioo's answer and the export's parse are kept this long per customer (seconds), like the
# settings page's (SETTINGS_PAGE_CACHE_SECONDS).
CACHE_SECONDS_DEFAULT = 300


class ExistingDataNotLoaded(ApplicationError):
    """Not in the cache, and this visit may not call facilioo (a viewer's)."""


def _cache_seconds() -> int:
    return int(getattr(settings, "SETTINGS_PAGE_CACHE_SECONDS", CACHE_SECONDS_DEFAULT))


def _generation_key(customer: Customer) -> str:
    return f"connect:existing-data:{customer.pk}:generation"


def existing_data_refresh(*, customer: Customer) -> None:
    """The refresh button: the next visit reads facilioo and the ERP again."""
    key = _generation_key(customer)
    cache.set(key, int(cache.get(key) or 0) + 1, None)


def _cache_key(
    customer: Customer, connection: FaciliooConnection, activation: UseCaseActivation
) -> str:
    """Changes with the refresh button, the credentials, the ERP data, the settings and the
    links our runs made (a record adopted since is no longer suggested)."""

    links = ExternalLink.objects.filter(customer=customer, entity__in=ENTITIES).aggregate(
        count=Count("pk"), last=Max("pk")
    )
    parts = (
        json.dumps(activation.settings or {}, sort_keys=True, default=str),
        links["count"],
        links["last"],
    )
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return (
        f"connect:existing-data:{customer.pk}:{int(cache.get(_generation_key(customer)) or 0)}:"
        f"{_credentials_fingerprint(connection)}:{_export_fingerprint(customer)}:{digest}"
    )


def existing_data_rows(*, customer: Customer, may_load: bool = True) -> list[ExistingRow]:
    """Suggested matches of existing facilioo properties and units to the customer's ERP data.

    facilioo's answer and the export's parse come from a short-lived cache per customer (like
    the settings page), keyed by the credentials, the ERP data, the settings and our links; on a
    miss they are read only if ``may_load`` (a viewer's visit never calls facilioo:
    ``ExistingDataNotLoaded``). The admin's decisions are always read fresh. Raises
    ``ApplicationError`` with a German message when facilioo or the ERP cannot be read or
    Stammdaten is not configured.
    """

    activation = UseCaseActivation.objects.filter(customer=customer, use_case="stammdaten").first()
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if activation is None or connection is None:
        raise ExistingDataNotConfigured(
            _(
                "Bitte richten Sie zuerst die facilioo-Verbindung und die Stammdaten-"
                "Einstellungen ein."
            )
        )
    key = _cache_key(customer, connection, activation)
    suggestions: list[ExistingRow] | None = cache.get(key)
    if suggestions is None:
        if not may_load:
            raise ExistingDataNotLoaded(
                _(
                    "Die facilioo-Daten sind noch nicht geladen. Sie werden geladen, sobald "
                    "eine Administratorin oder ein Administrator die Seite öffnet."
                )
            )
        suggestions = _suggestions(customer, connection, activation)
        cache.set(key, suggestions, _cache_seconds())
    decisions = {
        (d.entity, d.facilioo_id): d
        for d in ExistingMatchDecision.objects.filter(customer=customer)
    }
    rows = []
    for row in suggestions:
        decision = decisions.get((row.entity, row.facilioo_id))
        rows.append(
            replace(
                row,
                decision=""
                if decision is None
                else ("confirmed" if decision.confirmed else "rejected"),
            )
        )
    return rows


def _suggestions(
    customer: Customer, connection: FaciliooConnection, activation: UseCaseActivation
) -> list[ExistingRow]:
    """facilioo's records without our ids, matched to the ERP's (reads both)."""

    stored = stammdaten_from_stored(activation.settings or {})
    tenants = set(stored.tenants())
    ours = set(
        ExternalLink.objects.filter(customer=customer, entity__in=ENTITIES).values_list(
            "external_id", flat=True
        )
    )
    try:
        with facilioo_client_for(connection=connection, max_retries=2) as client:
            properties, units = facilioo_records(client)
        connector = connector_for_customer(customer)
        try:
            records = list(connector.read(UseCase.STAMMDATEN, mandanten=stored.mandanten))
        finally:
            connector.close()
    except FaciliooTransientError as exc:
        raise ServiceUnavailable(str(exc.message)) from None
    except FaciliooError as exc:
        raise ApplicationError(str(exc.message)) from None
    except NoValidExport as exc:
        raise ApplicationError(str(exc.message)) from None
    found = suggest(
        facilioo_properties=properties,
        facilioo_units=units,
        erp_records=records,
        separator=stored.separator,
        tenants=tenants,
        ours=ours,
    )
    return [
        ExistingRow(
            entity=s.entity,
            facilioo_id=s.facilioo_id,
            facilioo_label=s.facilioo_label,
            natural_key=KEY_SEPARATOR.join(s.natural_key) if s.natural_key else "",
            erp_label=s.erp_label,
            external_id=s.external_id,
            rule=s.rule,
            decision="",
        )
        for s in found
    ]


def existing_data_decide(
    *,
    customer: Customer,
    actor: User | None,
    entity: str,
    facilioo_id: int,
    natural_key: str,
    external_id: str,
    confirm: bool,
) -> None:
    """Confirm (the next run adopts the record) or reject one suggested match; audited."""

    if entity not in ENTITIES:
        raise ApplicationError(_("Nur Gebäude und Einheiten können zugeordnet werden."))
    parts = natural_key.split(KEY_SEPARATOR)
    stream = STAMMDATEN.stream(entity)
    assert stream is not None  # noqa: S101 (every entity matched is one the sync writes)
    if confirm and (parts[0] != stream.kind or len(parts) != stream.key_parts + 1):
        raise ApplicationError(_("Der ERP-Datensatz passt nicht zu diesem facilioo-Datensatz."))
    taken = ExternalLink.objects.filter(customer=customer, entity=entity, deleted=False)
    if confirm and taken.filter(natural_key=natural_key).exclude(payload_hash=ADOPT_MARK).exists():
        raise ApplicationError(
            _("Dieser ERP-Datensatz ist bereits mit einem facilioo-Datensatz verknüpft.")
        )
    ExistingMatchDecision.objects.update_or_create(
        customer=customer,
        entity=entity,
        facilioo_id=facilioo_id,
        defaults={"natural_key": natural_key, "confirmed": confirm, "decided_by": actor},
    )
    if confirm:
        ExternalLink.objects.update_or_create(
            customer=customer,
            entity=entity,
            natural_key=natural_key,
            defaults={
                "external_id": external_id,
                "facilioo_id": facilioo_id,
                "payload_hash": ADOPT_MARK,
                "terminated": False,
                "deleted": False,
            },
        )
    else:
        taken.filter(facilioo_id=facilioo_id, payload_hash=ADOPT_MARK).delete()
    changes: dict[str, Any] = {
        "entity": [None, entity],
        "facilioo_id": [None, facilioo_id],
        "erp_key": [None, natural_key.replace(KEY_SEPARATOR, "/")],
    }
    audit_record(
        customer=customer,
        actor=actor,
        action="existing_data.confirm" if confirm else "existing_data.reject",
        object_type="existing_match",
        changes=changes,
    )
