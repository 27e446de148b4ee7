"""Who may do what, exactly as in the portal.

- A customer the user may not see does not exist for them (404, never 403).
- Reading is open to everyone who sees the customer (members, support, operators).
- Writes need the view's ``write_role``: "change" (the customer's admins and operators) or
  "operate" (also support: start, cancel, pause and resume runs). Viewers get 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from connect.selectors.customers import can_change, can_operate, customer_get_for_user

if TYPE_CHECKING:
    from rest_framework.views import APIView

    from connect.models import Customer, User

WriteRole = Literal["change", "operate"]


class CustomerAccess(BasePermission):
    """Resolves ``view.customer`` for the user (404 otherwise) and guards writes by role."""

    message = _("Dazu fehlt Ihnen die Berechtigung.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: User = request.user  # type: ignore[assignment]
        customer: Customer = customer_get_for_user(user=user, slug=view.kwargs["slug"])
        view.customer = customer  # type: ignore[attr-defined]
        if request.method in SAFE_METHODS:
            return True
        role: WriteRole = getattr(view, "write_role", "change")
        if role == "operate":
            return can_operate(user=user, customer=customer)
        return can_change(user=user, customer=customer)


class SupportOnly(BasePermission):
    """Support users and operators; for everyone else the support API does not exist (404)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not getattr(request.user, "sees_all_customers", False):
            raise Http404
        return True
