"""Base of every portal page of one customer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.views import View

from connect.exceptions import ApplicationError
from connect.models import Customer, FaciliooConnection, User
from connect.schedules import schedule_picker
from connect.selectors.customers import (
    can_change,
    can_operate,
    customer_get_for_user,
    role_of,
)
from connect.selectors.erp_sources import erp_mandant_choices
from connect.selectors.runs import activation_get, sync_run_list
from connect.services.activations import activation_enable
from integrations import registry
from integrations.sync.settings import SEPARATORS


class CustomerView(LoginRequiredMixin, View):
    """Base of every page of one customer: loads the customer for the user, guards changes."""

    customer: Customer
    user: User
    # Which POSTs this page accepts: "change" (customer admins), "operate" (admins and support).
    post_permission = "change"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.user = request.user  # type: ignore[assignment]
        self.customer = customer_get_for_user(user=self.user, slug=kwargs["slug"])
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            allowed = (
                can_operate(user=self.user, customer=self.customer)
                if self.post_permission == "operate"
                else can_change(user=self.user, customer=self.customer)
            )
            if not allowed:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "role": role_of(user=self.user, customer=self.customer),
            "can_change": can_change(user=self.user, customer=self.customer),
            "can_operate": can_operate(user=self.user, customer=self.customer),
            **extra,
        }


def settings_save(
    view: CustomerView,
    request: HttpRequest,
    *,
    use_case: str,
    data: dict[str, Any],
    schedule: dict[str, Any] | None,
) -> list[str]:
    """Save and activate a use case's settings from a portal page: the German problems, or
    none (then the success message is queued)."""

    try:
        activation_enable(
            customer=view.customer,
            use_case=use_case,
            actor=view.user,
            settings=data,
            schedule=schedule,
        )
    except ApplicationError as exc:
        return list(exc.extra.get("errors") or [exc.message])
    messages.success(
        request, _("Die Einstellungen wurden gespeichert und der Datenbereich ist aktiv.")
    )
    return []


def settings_page_context(
    view: CustomerView,
    *,
    use_case: str,
    data: dict[str, Any] | None,
    schedule: dict[str, Any] | None,
) -> dict[str, Any]:
    """What every use case's settings page shows: the activation and its settings (or what
    was posted), the ERP's Mandanten, the connection, the last preview, the schedule picker
    and the use cases it requires that are not set up yet."""

    customer = view.customer
    entry = registry.entry(use_case)
    activation = activation_get(customer=customer, use_case=use_case)
    offered, erp_error = erp_mandant_choices(customer=customer)
    return {
        "use_case": use_case,
        "entry": entry,
        "use_case_label": entry.label,
        "activation": activation,
        "current": dict(data or (activation.settings if activation else {}) or {}),
        "mandanten": sorted((m.mandant_nr, m.name) for m in offered),
        "erp_error": erp_error,
        "separators": SEPARATORS,
        "connection": FaciliooConnection.objects.filter(customer=customer).first(),
        "last_dry_run": sync_run_list(customer=customer, use_case=use_case)
        .filter(dry_run=True)
        .first(),
        "picker": schedule_picker(activation, entry.default_schedule, posted=schedule),
        "missing_requirements": [
            registry.entry(name)
            for name in entry.requires
            if activation_get(customer=customer, use_case=name) is None
        ],
    }
