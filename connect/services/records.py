"""The record inspector for the portal and the API: builds the explanation, audits support."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from connect.models import Customer, FaciliooConnection, UseCaseActivation, User
from connect.selectors.credentials import facilioo_client_for
from connect.selectors.customers import role_of
from connect.selectors.erp_exports import erp_export_current
from connect.selectors.erp_sources import FILE, NoValidExport, connector_for_customer
from connect.services.audit import audit_record
from connect.services.inspector import (
    LIVE_TIMEOUT_S,
    Explanation,
    pipeline_of,
    record_explain,
    record_explain_declared,
    record_owner,
)
from integrations import registry
from integrations.erp.base import ErpConnector, ErpRead, GeneratorRead
from integrations.erp.records import Mandant
from integrations.facilioo.client import FaciliooClient
from integrations.sync.settings import dokumente_from_stored, stammdaten_from_stored
from integrations.usecases import UseCase


class _NoExport:
    """No export to read: the record is shown without its ERP side."""

    def list_mandanten(self) -> list[Mandant]:
        return []

    def read(self, use_case: UseCase, *, mandanten: Collection[str]) -> ErpRead:
        return GeneratorRead(lambda: iter(()))

    def close(self) -> None:
        pass


def erp_source_of(customer: Customer) -> tuple[str, datetime | None]:
    """The name and time of the export the customer's syncs read now."""

    if customer.erp_source == FILE:
        current = erp_export_current(customer=customer)
        if current is not None:
            return current.original_name, current.uploaded_at
        return customer.erp_path or "", None
    return _("Demo-Portfolio (%(units)s Einheiten, Seed %(seed)s)") % {
        "units": customer.demo_units,
        "seed": customer.demo_seed,
    }, None


def record_inspect(
    *,
    customer: Customer,
    user: User,
    entity: str,
    erp_key: str,
    connector: ErpConnector | None = None,
) -> Explanation:
    """Explain one Stammdaten or Dokumente record (``UnknownRecord`` for a key that names none).

    Support opening a customer's record is audited (``record.inspect``). Raises
    ``NoValidExport`` when a file-source customer has no valid export.
    """
    owner = record_owner(customer=customer, entity=entity, erp_key=erp_key)
    if owner is not None:  # a use case declared through its pipeline
        use_case = owner[0]
        from_stored = registry.entry(use_case).from_stored
    else:
        use_case = pipeline_of(entity).use_case
        dokumente = use_case == UseCase.DOKUMENTE
        from_stored = dokumente_from_stored if dokumente else stammdaten_from_stored
    activation = UseCaseActivation.objects.filter(customer=customer, use_case=use_case).first()
    settings: Any
    try:
        settings = from_stored(dict(activation.settings) if activation else {})
    except (TypeError, ValueError):  # settings saved by an older version: explain with defaults
        settings = from_stored({})
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    factory: Callable[[], FaciliooClient] | None = None
    if connection is not None:

        def factory() -> FaciliooClient:

            return facilioo_client_for(
                connection=connection, timeout=LIVE_TIMEOUT_S, max_retries=0, workers=1
            )

    source = erp_source_of(customer)
    owned = connector is None  # built here: closed here
    if connector is None:
        try:
            connector = connector_for_customer(customer)
        except NoValidExport as exc:
            connector, source = _NoExport(), (exc.message, None)
    try:
        if owner is not None:
            explanation = record_explain_declared(
                customer=customer,
                use_case=owner[0],
                entity=entity,
                key=owner[1],
                settings=settings,
                connector=connector,
                source=source,
                client_factory=factory,
            )
        else:
            explanation = record_explain(
                customer=customer,
                entity=entity,
                erp_key=erp_key,
                settings=settings,
                connector=connector,
                source=source,
                client_factory=factory,
            )
    finally:
        if owned:
            connector.close()
    if role_of(user=user, customer=customer) == "support":
        audit_record(
            customer=customer,
            actor=user,
            action="record.inspect",
            object_type="record",
            changes={"record": [None, f"{entity} {explanation.erp_key}"]},
        )
    return explanation
