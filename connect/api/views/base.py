"""The base of every API view of one customer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from connect.api.permissions import CustomerAccess, WriteRole
from connect.models import Customer, User
from integrations import registry

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Kürzel")
USE_CASE = OpenApiParameter(
    "use_case", OpenApiTypes.STR, OpenApiParameter.PATH, enum=registry.names()
)
RUN_ID = OpenApiParameter("run_id", OpenApiTypes.INT, OpenApiParameter.PATH)


# Resolves the customer for the user (404 for other customers); writes need write_role. (A
# comment, not a docstring: the schema would show it as every operation's description.)
class CustomerMixin:
    permission_classes: Sequence[_PermissionClass] = (IsAuthenticated, CustomerAccess)
    write_role: ClassVar[WriteRole] = "change"
    customer: Customer

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[attr-defined,no-any-return]


class CustomerAPIView(CustomerMixin, APIView):
    pass


def use_case_or_404(value: str) -> str:
    if value not in registry.ENTRIES:
        raise Http404
    return value
