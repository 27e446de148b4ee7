"""Support views over many customers: health per customer and record search across runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from connect.models import (
    Alert,
    Customer,
    FaciliooConnection,
    RunStatus,
    SyncRun,
    SyncRunItem,
    UseCaseActivation,
    User,
)
from connect.selectors.customers import customer_list_for_user
from integrations import registry
from integrations.facilioo.entity import Entity
from integrations.models import ExternalLink
from integrations.sync.ids import contract_id_forms

FAILED = (RunStatus.FAILED,)
OK = (RunStatus.SUCCEEDED, RunStatus.WARNING)


@dataclass
class UseCaseHealth:
    use_case: str
    enabled: bool = False
    paused: bool = False
    last_run: SyncRun | None = None
    consecutive_failures: int = 0
    overdue: bool = False


@dataclass
class CustomerHealth:
    customer: Customer
    connection_state: str  # "missing", "untested", "ok", "failed"
    use_cases: dict[str, UseCaseHealth] = field(default_factory=dict)
    open_alerts: int = 0

    @property
    def healthy(self) -> bool:
        return (
            self.connection_state == "ok"
            and self.open_alerts == 0
            and not any(u.consecutive_failures or u.overdue for u in self.use_cases.values())
        )

    @property
    def worst_failures(self) -> int:
        return max((u.consecutive_failures for u in self.use_cases.values()), default=0)


def _consecutive_failures(customer: Customer, use_case: str) -> int:
    count = 0
    for status in (
        SyncRun.objects.filter(customer=customer, use_case=use_case, dry_run=False)
        .exclude(status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
        .order_by("-id")
        .values_list("status", flat=True)[:50]
    ):
        if status in FAILED:
            count += 1
        elif status in OK:
            break
    return count


def customer_health_list(
    *, user: User, query: str = "", problem_only: bool = False, sort: str = "name"
) -> list[CustomerHealth]:
    """Health of every customer the user may see (support: all). Sort: name, failures, last_run."""
    customers = customer_list_for_user(user=user).order_by("name")
    if query:
        customers = customers.filter(Q(name__icontains=query) | Q(slug__icontains=query))
    customer_list = list(customers)
    ids = [c.pk for c in customer_list]
    connections = {
        c.customer_id: c.state for c in FaciliooConnection.objects.filter(customer_id__in=ids)
    }
    activations = {
        (a.customer_id, a.use_case): a
        for a in UseCaseActivation.objects.filter(customer_id__in=ids)
    }
    alerts: dict[int, list[Alert]] = {}
    for alert in Alert.objects.filter(customer_id__in=ids, closed_at__isnull=True):
        alerts.setdefault(alert.customer_id, []).append(alert)
    result: list[CustomerHealth] = []
    for customer in customer_list:
        health = CustomerHealth(
            customer=customer,
            connection_state=connections.get(customer.pk, "missing"),
            open_alerts=len(alerts.get(customer.pk, [])),
        )
        for use_case in registry.names():
            activation = activations.get((customer.pk, use_case))
            uc = UseCaseHealth(
                use_case=use_case,
                enabled=bool(activation and activation.enabled),
                paused=bool(activation and activation.paused),
                last_run=SyncRun.objects.filter(customer=customer, use_case=use_case, dry_run=False)
                .order_by("-id")
                .first(),
                consecutive_failures=_consecutive_failures(customer, use_case),
                overdue=any(
                    a.kind == "run_overdue" and a.use_case == use_case
                    for a in alerts.get(customer.pk, [])
                ),
            )
            health.use_cases[use_case] = uc
        result.append(health)
    if problem_only:
        result = [h for h in result if not h.healthy]
    if sort == "failures":
        result.sort(key=lambda h: (-h.worst_failures, h.customer.name))
    elif sort == "last_run":

        def last(h: CustomerHealth) -> Any:
            runs = [u.last_run.created_at for u in h.use_cases.values() if u.last_run]
            return max(runs).timestamp() if runs else 0.0

        result.sort(key=lambda h: -last(h))
    return result


@dataclass(frozen=True)
class RecordMatch:
    """A record the product sent to facilioo, found by its name, ERP key or externalId."""

    customer: Customer
    entity: str
    erp_key: str  # as the run log writes it: "person 1000/7"
    name: str
    external_id: str
    facilioo_id: int


# Fields of the request bodies that hold a record's name, per facilioo entity.
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    Entity.PARTIES: ("firstNames", "lastName"),
    Entity.PROPERTIES: ("name",),
    Entity.UNITS: ("name",),
}


def record_find(
    *, user: User, query: str, customer: Customer | None = None, limit: int = 50
) -> list[RecordMatch]:
    """Records sent to facilioo whose name (as last sent) contains the query, or whose ERP key
    contains it, or whose externalId is it; in the customers the user may see."""

    query = query.strip()
    if not query:
        return []
    visible = customer_list_for_user(user=user)
    wanted = Q(external_id=query) | Q(natural_key__icontains=query.replace("/", "\x1f"))
    for entity, fields in NAME_FIELDS.items():
        for name in fields:
            wanted |= Q(entity=entity, **{f"sent_body__{name}__icontains": query})
    links = ExternalLink.objects.filter(wanted, customer__in=visible, entity__in=NAME_FIELDS)
    if customer is not None:
        links = links.filter(customer=customer)
    found = []
    for link in links.select_related("customer").order_by("customer__name", "id")[:limit]:
        kind, *parts = link.natural_key.split("\x1f")
        body = link.sent_body or {}
        name = " ".join(str(body.get(f) or "") for f in NAME_FIELDS[link.entity]).strip()
        found.append(
            RecordMatch(
                customer=link.customer,
                entity=link.entity,
                erp_key=f"{kind} {'/'.join(parts)}",
                name=name,
                external_id=link.external_id,
                facilioo_id=link.facilioo_id,
            )
        )
    return found


def record_search(
    *, user: User, query: str, customer: Customer | None = None, limit: int = 200
) -> QuerySet[SyncRunItem]:
    """Every logged outcome of a record, by ERP key (contains), externalId (exact) or the name
    last sent (contains, see ``record_find``), newest first.

    A unit contract's externalId also finds the rows logged under its former form (without the
    contract kind ``MV``/``EV``), and the former form finds today's rows.

    Scoped to the customers the user may see; one customer when given.
    """
    query = query.strip()
    visible = customer_list_for_user(user=user)
    items = SyncRunItem.objects.filter(customer__in=visible)
    if customer is not None:
        items = items.filter(customer=customer)
    if not query:
        return items.none()
    by_name = [m.erp_key for m in record_find(user=user, query=query, customer=customer)]
    # A contract's id with or without its kind: rows logged before the id held it, too.
    return (
        items.filter(
            Q(external_id__in=contract_id_forms(query))
            | Q(erp_key__icontains=query)
            | Q(erp_key__in=by_name)
        )
        .select_related("run", "customer")
        .order_by("-id")[:limit]
    )
