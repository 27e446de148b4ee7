"""Base of every portal page of one customer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.views import View

from connect.models import Customer, User
from connect.selectors.customers import (
    can_change,
    can_operate,
    customer_get_for_user,
    role_of,
)


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
