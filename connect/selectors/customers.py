"""Reading customers: always through the user who asks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from connect.models import AuditLog, Customer, Membership, Role, User


def customer_list_for_user(*, user: User) -> QuerySet[Customer]:
    if user.sees_all_customers:
        return Customer.objects.all()
    return Customer.objects.filter(memberships__user=user, is_active=True).distinct()


def customer_get_for_user(*, user: User, slug: str) -> Customer:
    """The customer if the user may see it; 404 otherwise (never 403: no hint that it exists)."""
    customer = customer_list_for_user(user=user).filter(slug=slug).first()
    if customer is None:
        raise Http404
    return customer


def role_of(*, user: User, customer: Customer) -> str | None:
    """admin, viewer, support or None. Operators (superusers) act as admins."""
    if user.is_superuser:
        return Role.ADMIN
    membership = Membership.objects.filter(customer=customer, user=user).only("role").first()
    if membership is not None:
        return membership.role
    if user.is_support:
        return "support"
    return None


def can_change(*, user: User, customer: Customer) -> bool:
    return role_of(user=user, customer=customer) == Role.ADMIN


def can_operate(*, user: User, customer: Customer) -> bool:
    """Start, cancel and pause runs: admins of the customer and support."""
    return role_of(user=user, customer=customer) in {Role.ADMIN, "support"}


def audit_list(*, customer: Customer) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(customer=customer).select_related("actor")


def membership_list(*, customer: Customer) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(customer=customer)
        .select_related("user")
        .order_by("user__username")
    )
