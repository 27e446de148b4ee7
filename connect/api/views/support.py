"""Support: every customer's health, and a record's outcomes across runs (support only)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connect.api.permissions import SupportOnly
from connect.api.problems import validate_query
from connect.api.serializers import RunItemSerializer
from connect.models import RunStatus, User
from connect.selectors.customers import customer_get_for_user
from connect.selectors.support import CustomerHealth, customer_health_list, record_search


class LastRunSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    status = serializers.ChoiceField(choices=RunStatus.choices)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class UseCaseHealthSerializer(serializers.Serializer[Any]):
    use_case = serializers.CharField()
    enabled = serializers.BooleanField()
    paused = serializers.BooleanField()
    last_run = LastRunSerializer(allow_null=True)
    consecutive_failures = serializers.IntegerField()
    overdue = serializers.BooleanField()


class CustomerHealthListApi(APIView):
    permission_classes = (IsAuthenticated, SupportOnly)

    @extend_schema_serializer(component_name="HealthFilter")
    class FilterSerializer(serializers.Serializer[Any]):
        query = serializers.CharField(max_length=200, required=False, allow_blank=True)
        problem_only = serializers.BooleanField(default=False)
        sort = serializers.ChoiceField(
            choices=["name", "failures", "last_run"], default="name", required=False
        )

    @extend_schema_serializer(component_name="CustomerHealth")
    class OutputSerializer(serializers.Serializer[Any]):
        slug = serializers.CharField(source="customer.slug")
        name = serializers.CharField(source="customer.name")
        connection_state = serializers.CharField(help_text="missing, untested, ok or failed")
        healthy = serializers.BooleanField()
        open_alerts = serializers.IntegerField()
        use_cases = serializers.SerializerMethodField()

        @extend_schema_field(UseCaseHealthSerializer(many=True))
        def get_use_cases(self, health: CustomerHealth) -> Any:
            return UseCaseHealthSerializer(list(health.use_cases.values()), many=True).data

    @extend_schema(
        operation_id="support_customers_list",
        parameters=[FilterSerializer],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = validate_query(self.FilterSerializer(data=request.query_params), request)
        health = customer_health_list(
            user=request.user,  # type: ignore[arg-type]
            query=filters.get("query", ""),
            problem_only=filters["problem_only"],
            sort=filters["sort"],
        )
        return Response(self.OutputSerializer(health, many=True).data)


class RecordSearchApi(APIView):
    permission_classes = (IsAuthenticated, SupportOnly)

    @extend_schema_serializer(component_name="RecordFilter")
    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(
            max_length=200, help_text="ERP key (part of it) or externalId (exact)."
        )
        customer = serializers.CharField(max_length=60, required=False, help_text="Kürzel")

    @extend_schema_serializer(component_name="RecordOutcome")
    class OutputSerializer(RunItemSerializer):
        customer: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
            slug_field="slug", read_only=True
        )
        use_case = serializers.CharField(source="run.use_case")
        dry_run = serializers.BooleanField(source="run.dry_run")

        class Meta(RunItemSerializer.Meta):
            fields = (*RunItemSerializer.Meta.fields, "customer", "use_case", "dry_run")  # type: ignore[assignment]
            read_only_fields = fields  # type: ignore[assignment]

    @extend_schema(
        operation_id="support_records_list",
        parameters=[FilterSerializer],
        responses=OutputSerializer(many=True),
        description="Every logged outcome of a record across runs, newest first (at most 200).",
    )
    def get(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        filters = validate_query(self.FilterSerializer(data=request.query_params), request)
        slug = filters.get("customer")
        items = record_search(
            user=user,
            query=filters["q"],
            customer=customer_get_for_user(user=user, slug=slug) if slug else None,
        )
        return Response(self.OutputSerializer(items, many=True).data)
