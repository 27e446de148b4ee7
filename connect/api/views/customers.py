"""Customers the user may see, and one customer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connect.api.views.base import SLUG, CustomerAPIView
from connect.models import Customer, User
from connect.selectors.customers import (
    can_change,
    can_operate,
    customer_list_for_user,
    role_of,
)


class CustomerOutputSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(
        help_text="admin, viewer or support: what the asking user is for this customer."
    )
    can_change = serializers.SerializerMethodField()
    can_operate = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = (
            "slug",
            "name",
            "erp_system",
            "erp_source",
            "is_active",
            "created_at",
            "role",
            "can_change",
            "can_operate",
        )
        read_only_fields = fields

    def _user(self) -> User:
        return self.context["user"]  # type: ignore[no-any-return]

    def get_role(self, customer: Customer) -> str | None:
        return role_of(user=self._user(), customer=customer)

    def get_can_change(self, customer: Customer) -> bool:
        return can_change(user=self._user(), customer=customer)

    def get_can_operate(self, customer: Customer) -> bool:
        return can_operate(user=self._user(), customer=customer)


class CustomerListApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(operation_id="customers_list", responses=CustomerOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        customers = customer_list_for_user(user=user).order_by("name")
        return Response(CustomerOutputSerializer(customers, many=True, context={"user": user}).data)


class CustomerDetailApi(CustomerAPIView):
    @extend_schema(
        operation_id="customers_retrieve", parameters=[SLUG], responses=CustomerOutputSerializer
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(CustomerOutputSerializer(self.customer, context={"user": self.user}).data)
