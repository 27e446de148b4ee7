"""Starting reconciliations and keeping "facilioo behält" choices (writes, audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import (
    FieldHold,
    FindingKind,
    Reconciliation,
    ReconciliationFinding,
    ReconciliationStatus,
)

if TYPE_CHECKING:
    from connect.models import Customer, User


def reconciliation_request(
    *, customer: Customer, use_case: str, trigger: str, actor: User | None = None
) -> Reconciliation:
    """A queued reconciliation and its task. One at a time per customer and use case."""
    from integrations.tasks import reconcile

    rec = reconciliation_create(customer=customer, use_case=use_case, trigger=trigger, actor=actor)
    transaction.on_commit(lambda: reconcile.delay(rec.pk))
    return rec


def reconciliation_create(
    *, customer: Customer, use_case: str, trigger: str, actor: User | None = None
) -> Reconciliation:
    """A queued reconciliation, without a task (the CLI executes it in its own process)."""
    from connect.exceptions import ApplicationError
    from connect.services.audit import audit_record
    from integrations.drift.reconcile import not_reconcilable_message
    from integrations.registry import ENTRIES

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
    from connect.exceptions import ApplicationError
    from connect.models import UseCaseActivation
    from integrations.registry import ENTRIES

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
    from connect.exceptions import ApplicationError
    from connect.services.audit import audit_record

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


def links_rewrite_next_run(*, customer_id: int, records: list[tuple[str, str]]) -> int:
    """The next run writes these records again (entity, natural key): deleted or changed in
    facilioo behind our back. Their last-sent hash is cleared, so the next run updates them, and
    facilioo's "not found" makes it create a deleted one again with every field (held fields
    included). A property's entrance is written again with it. Returns the links marked."""
    from integrations.models import ExternalLink
    from integrations.sync.engine import KEY_SEPARATOR

    wanted = set(records)
    for entity, natural_key in records:
        if entity == "properties" and natural_key.startswith("gebaeude" + KEY_SEPARATOR):
            wanted.add(("entrances", "eingang" + natural_key.removeprefix("gebaeude")))
    marked = 0
    for entity in {e for e, _nk in wanted}:
        keys = [nk for e, nk in wanted if e == entity]
        marked += (
            ExternalLink.objects.filter(
                customer_id=customer_id, entity=entity, natural_key__in=keys
            )
            .exclude(payload_hash="")
            .update(payload_hash="")
        )
    return marked
