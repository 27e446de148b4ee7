"""Reading alerts and who receives them (always within one customer)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from connect.models import Alert, Customer, Membership, Role


def alert_list_open(*, customer: Customer) -> QuerySet[Alert]:
    """The customer's open alerts, most recent first (for the dashboard)."""
    return (
        Alert.objects.filter(customer=customer, closed_at__isnull=True)
        .select_related("last_run")
        .order_by("-last_seen_at", "-id")
    )


def alert_recipients(*, customer: Customer) -> list[str]:
    """E-mail addresses for the customer's alerts: admins who chose to receive them, and support."""
    admins = (
        Membership.objects.filter(
            customer=customer, role=Role.ADMIN, receives_alerts=True, user__is_active=True
        )
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    recipients = list(dict.fromkeys(admins))
    support = getattr(settings, "SUPPORT_EMAIL", "")
    if support and support not in recipients:
        recipients.append(support)
    return recipients
