"""Reading runs and their record log (always within one customer)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from connect.models import Customer, SyncRun, SyncRunItem, UseCaseActivation


def sync_run_list(*, customer: Customer, use_case: str | None = None) -> QuerySet[SyncRun]:
    runs = SyncRun.objects.filter(customer=customer)
    return runs.filter(use_case=use_case) if use_case else runs


def sync_run_get(*, customer: Customer, run_id: int) -> SyncRun:
    return SyncRun.objects.get(customer=customer, pk=run_id)


def sync_run_item_list(
    *,
    customer: Customer,
    run: SyncRun,
    entity: str = "",
    action: str = "",
    reason: str = "",
    q: str = "",
) -> QuerySet[SyncRunItem]:
    items = SyncRunItem.objects.filter(customer=customer, run=run)
    if entity:
        items = items.filter(entity=entity)
    if action:
        items = items.filter(action=action)
    if reason:
        items = items.filter(reason=reason)
    if q:
        items = items.filter(Q(erp_key__icontains=q) | Q(external_id__icontains=q))
    return items.order_by("id")


def activation_get(*, customer: Customer, use_case: str) -> UseCaseActivation | None:
    return UseCaseActivation.objects.filter(customer=customer, use_case=use_case).first()
