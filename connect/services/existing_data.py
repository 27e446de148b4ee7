"""Existing facilioo data at go-live ("Bestehende facilioo-Daten zuordnen", SPEC 4.2).

The suggestions come from facilioo (the properties and units in the customer's assigned tenants
that carry none of our ids) and the ERP; the admin confirms or rejects each. A confirmed match
becomes a link that the next Stammdaten run adopts (counted as ``adopted``), never a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError, ServiceUnavailable
from connect.models import Customer, FaciliooConnection, UseCaseActivation, User
from connect.services.audit import audit_record

KEY_SEPARATOR = "\x1f"
ENTITIES = ("properties", "units")


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


def existing_data_rows(*, customer: Customer) -> list[ExistingRow]:
    """Suggested matches of existing facilioo properties and units to the customer's ERP data.

    Reads facilioo and the ERP: raises ``ApplicationError`` with a German message when either
    cannot be read or Stammdaten is not configured.
    """
    from connect.services.credentials import facilioo_client_for
    from integrations.erp.sources import NoValidExport, connector_for_customer
    from integrations.facilioo.errors import FaciliooError, FaciliooTransientError
    from integrations.models import ExistingMatchDecision, ExternalLink
    from integrations.sync.existing import facilioo_records, suggest
    from integrations.sync.settings import stammdaten_from_stored
    from integrations.usecases import UseCase

    activation = UseCaseActivation.objects.filter(customer=customer, use_case="stammdaten").first()
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if activation is None or connection is None:
        raise ExistingDataNotConfigured(
            _(
                "Bitte richten Sie zuerst die facilioo-Verbindung und die Stammdaten-"
                "Einstellungen ein."
            )
        )
    settings = stammdaten_from_stored(activation.settings or {})
    tenants = set(settings.tenant_overrides.values())
    if settings.default_tenant_id is not None:
        tenants.add(settings.default_tenant_id)
    ours = set(
        ExternalLink.objects.filter(customer=customer, entity__in=ENTITIES).values_list(
            "external_id", flat=True
        )
    )
    try:
        with facilioo_client_for(connection=connection, max_retries=2) as client:
            properties, units = facilioo_records(client)
        connector = connector_for_customer(customer)
        records = list(connector.read(UseCase.STAMMDATEN, mandanten=settings.mandanten))
    except FaciliooTransientError as exc:
        raise ServiceUnavailable(str(exc.message)) from None
    except FaciliooError as exc:
        raise ApplicationError(str(exc.message)) from None
    except NoValidExport as exc:
        raise ApplicationError(str(exc.message)) from None
    suggestions = suggest(
        facilioo_properties=properties,
        facilioo_units=units,
        erp_records=records,
        separator=settings.separator,
        tenants=tenants,
        ours=ours,
    )
    decisions = {
        (d.entity, d.facilioo_id): d
        for d in ExistingMatchDecision.objects.filter(customer=customer)
    }
    rows = []
    for s in suggestions:
        decision = decisions.get((s.entity, s.facilioo_id))
        rows.append(
            ExistingRow(
                entity=s.entity,
                facilioo_id=s.facilioo_id,
                facilioo_label=s.facilioo_label,
                natural_key=KEY_SEPARATOR.join(s.natural_key) if s.natural_key else "",
                erp_label=s.erp_label,
                external_id=s.external_id,
                rule=s.rule,
                decision=""
                if decision is None
                else ("confirmed" if decision.confirmed else "rejected"),
            )
        )
    return rows


@transaction.atomic
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
    from integrations.models import ExistingMatchDecision, ExternalLink
    from integrations.sync.existing import ADOPT_MARK

    if entity not in ENTITIES:
        raise ApplicationError(_("Nur Gebäude und Einheiten können zugeordnet werden."))
    parts = natural_key.split(KEY_SEPARATOR)
    expected = {"properties": ("gebaeude", 4), "units": ("einheit", 5)}[entity]
    if confirm and (parts[0] != expected[0] or len(parts) != expected[1]):
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
