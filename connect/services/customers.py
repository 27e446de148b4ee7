"""Customers and their members."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.models import Customer, Membership, Role, User
from connect.services.audit import audit_record, changes_between, snapshot

CUSTOMER_FIELDS = (
    "name",
    "slug",
    "erp_system",
    "erp_source",
    "erp_path",
    "demo_units",
    "demo_seed",
    "is_active",
)
MEMBERSHIP_FIELDS = ("user", "role", "receives_alerts")


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "kunde"
    slug, n = base, 2
    while Customer.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def customer_create(
    *,
    name: str,
    actor: User | None,
    slug: str | None = None,
    erp_source: str = "demo",
    erp_path: str = "",
    erp_system: str = "wodis_yuneo",
    demo_units: int = 200,
    demo_seed: int = 1,
    actor_fallback: str = "system",
) -> Customer:
    name = name.strip()
    if not name:
        raise ApplicationError(_("Bitte geben Sie einen Namen an."))
    if slug and Customer.objects.filter(slug=slug).exists():
        raise ApplicationError(_("Das Kürzel „%(slug)s“ ist bereits vergeben.") % {"slug": slug})
    customer = Customer.objects.create(
        name=name,
        slug=slug or _unique_slug(name),
        erp_source=erp_source,
        erp_path=erp_path,
        erp_system=erp_system,
        demo_units=demo_units,
        demo_seed=demo_seed,
    )
    audit_record(
        customer=customer,
        actor=actor,
        action="customer.create",
        obj=customer,
        changes=changes_between({}, snapshot(customer, CUSTOMER_FIELDS)),
        actor_fallback=actor_fallback,
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor: User | None, **fields: object) -> Customer:
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("Unbekannte Felder: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(customer, CUSTOMER_FIELDS)
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.full_clean()
    customer.save()
    changes = changes_between(before, snapshot(customer, CUSTOMER_FIELDS))
    if changes:
        audit_record(
            customer=customer, actor=actor, action="customer.update", obj=customer, changes=changes
        )
    return customer


@transaction.atomic
def membership_set(
    *, customer: Customer, user: User, role: str, actor: User | None, receives_alerts: bool = True
) -> Membership:
    if role not in Role.values:
        raise ApplicationError(_("Unbekannte Rolle: %(role)s") % {"role": role})
    membership = Membership.objects.filter(customer=customer, user=user).first()
    before = snapshot(membership, MEMBERSHIP_FIELDS) if membership else {}
    if membership is None:
        membership = Membership(customer=customer, user=user)
    membership.role = role
    membership.receives_alerts = receives_alerts
    membership.save()
    changes = changes_between(before, snapshot(membership, MEMBERSHIP_FIELDS))
    if changes:
        audit_record(
            customer=customer,
            actor=actor,
            action="membership.create" if not before else "membership.update",
            obj=membership,
            changes=changes,
        )
    return membership
