"""Reconciliations: start one, execute one, and keep "facilioo behält" choices (audited).

What a reconciliation compares is ``integrations.drift.reconcile``; this module runs it for a
customer and stores its findings.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from connect import jobs
from connect.exceptions import ApplicationError
from connect.models import Customer, FaciliooConnection, UseCaseActivation, User
from connect.selectors.credentials import facilioo_client_for
from connect.services.audit import audit_record
from integrations.drift.facilioo_names import EXTERNAL_ID, RECORD_ID
from integrations.drift.reconcile import erp_key_label, findings, int_or_none
from integrations.facilioo.errors import FaciliooError
from integrations.models import (
    FieldHold,
    FindingKind,
    Reconciliation,
    ReconciliationFinding,
    ReconciliationStatus,
)
from integrations.phrases import Phrase, phrase, to_data
from integrations.registry import ENTRIES, UnknownUseCase, entry
from integrations.sync.links import links_rewrite_next_run
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)


NOT_RECONCILABLE = gettext_noop("Für diesen Datenbereich gibt es keinen Abgleich.")


def not_reconcilable_message() -> str:
    return _(NOT_RECONCILABLE)


def reconciliation_request(
    *, customer: Customer, use_case: str, trigger: str, actor: User | None = None
) -> Reconciliation:
    """A queued reconciliation and its task. One at a time per customer and use case."""
    rec = reconciliation_create(customer=customer, use_case=use_case, trigger=trigger, actor=actor)
    jobs.enqueue(jobs.RECONCILE, rec.pk)
    return rec


def reconciliation_create(
    *, customer: Customer, use_case: str, trigger: str, actor: User | None = None
) -> Reconciliation:
    """A queued reconciliation, without a task (the CLI executes it in its own process)."""
    registered = ENTRIES.get(str(use_case))
    if registered is None or not registered.reconcilable:
        raise ApplicationError(not_reconcilable_message())
    active = Reconciliation.objects.filter(
        customer=customer,
        use_case=use_case,
        status__in=(ReconciliationStatus.QUEUED, ReconciliationStatus.RUNNING),
    ).first()
    if active is not None:
        raise ApplicationError(
            _("Es läuft bereits ein Abgleich (#%(id)s).") % {"id": active.pk},
            extra={"reconciliation_id": active.pk},
        )
    rec = Reconciliation.objects.create(
        customer=customer, use_case=use_case, trigger=trigger, requested_by=actor
    )
    if actor is not None:
        audit_record(customer=customer, actor=actor, action="reconciliation.start", obj=rec)
    return rec


def reconciliation_request_due() -> list[int]:
    """Reconciliations for the activations whose last one is older than the interval.

    Every use case the registry marks ``reconcilable`` (Stammdaten and Dokumente)."""
    every = timedelta(days=int(settings.RECONCILE_EVERY_DAYS))
    reconcilable = [name for name, registered in ENTRIES.items() if registered.reconcilable]
    started: list[int] = []
    for activation in (
        UseCaseActivation.objects.filter(
            use_case__in=reconcilable, enabled=True, paused=False, customer__is_active=True
        )
        .select_related("customer")
        .order_by("pk")
    ):
        last = (
            Reconciliation.objects.filter(
                customer=activation.customer, use_case=activation.use_case
            )
            .order_by("-id")
            .first()
        )
        if last is not None and last.created_at > timezone.now() - every:
            continue
        try:
            rec = reconciliation_request(
                customer=activation.customer, use_case=activation.use_case, trigger="schedule"
            )
        except ApplicationError:  # one is already queued or running
            continue
        started.append(rec.pk)
    return started


def field_holds_set(
    *, customer: Customer, finding: ReconciliationFinding, fields: list[str], actor: User
) -> list[str]:
    """Set "facilioo behält" for exactly ``fields`` among the changed fields of ``finding``.

    Returns the fields kept by facilioo now. Audited (``record.hold``).
    """
    if finding.customer_id != customer.pk or finding.kind != FindingKind.CHANGED:
        raise ApplicationError(_("Nur in facilioo geänderte Felder können behalten werden."))
    unknown = sorted(set(fields) - set(finding.fields))
    if unknown:
        raise ApplicationError(
            _("Diese Felder wurden in facilioo nicht geändert: %(fields)s")
            % {"fields": ", ".join(unknown)}
        )
    records = FieldHold.objects.filter(
        customer=customer, entity=finding.entity, natural_key=finding.natural_key
    )
    before = sorted(records.filter(field__in=list(finding.fields)).values_list("field", flat=True))
    with transaction.atomic():
        records.filter(field__in=list(finding.fields)).exclude(field__in=fields).delete()
        for name in fields:
            FieldHold.objects.get_or_create(
                customer=customer,
                entity=finding.entity,
                natural_key=finding.natural_key,
                field=name,
                defaults={"created_by": actor},
            )
        after = sorted(fields)
        if before != after:
            audit_record(
                customer=customer,
                actor=actor,
                action="record.hold",
                object_type="record",
                changes={f"{finding.entity} {finding.erp_key}": [before, after]},
            )
    return after


def reconciliation_execute(*, reconciliation_id: int) -> Reconciliation:
    """Run one reconciliation to its end (succeeded or failed with a German message)."""
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
        return _finish(rec, error=phrase(NOT_RECONCILABLE))
    activation = UseCaseActivation.objects.filter(
        customer=rec.customer, use_case=rec.use_case
    ).first()
    connection = FaciliooConnection.objects.filter(customer=rec.customer).first()
    if activation is None or not activation.settings:
        return _finish(rec, error=phrase(gettext_noop("Der Datenbereich ist nicht eingerichtet.")))
    if connection is None:
        return _finish(
            rec, error=phrase(gettext_noop("Es ist keine facilioo-Verbindung eingerichtet."))
        )
    try:
        settings = registered.from_stored(dict(activation.settings))
    except (TypeError, ValueError):
        if rec.use_case == UseCase.DOKUMENTE:
            message = phrase(
                gettext_noop(
                    "Die Dokumente-Einstellungen sind unvollständig; bitte speichern Sie sie neu."
                )
            )
        else:
            message = phrase(
                gettext_noop(
                    "Die Stammdaten-Einstellungen sind unvollständig; bitte speichern Sie sie neu."
                )
            )
        return _finish(rec, error=message)
    tenants: set[int] = set()
    if rec.use_case == UseCase.STAMMDATEN:
        tenants = set(settings.tenants())
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
                            link.facilioo_id if link else int_or_none((record or {}).get(RECORD_ID))
                        ),
                        fields=changed,
                    )
                )
    except FaciliooError as exc:
        return _finish(rec, error=exc.sentence, counts=counts)
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
    rec: Reconciliation, *, error: str | Phrase = "", counts: dict[str, int] | None = None
) -> Reconciliation:
    rec.status = ReconciliationStatus.FAILED if error else ReconciliationStatus.SUCCEEDED
    with translation.override(settings.LANGUAGE_CODE):
        rec.error_message = str(error)  # German beside the codes, as a run keeps it
    rec.error_data = to_data(error)
    rec.counts = counts or {}
    rec.finished_at = timezone.now()
    rec.save(update_fields=["status", "error_message", "error_data", "counts", "finished_at"])
    logger.info("reconciliation finished", extra={"reconciliation": rec.pk, "counts": rec.counts})
    return rec
