"""Reconciliations (Abgleich) in the API: list and start, a report, "facilioo behält"."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from connect.api.serializers import ErrorSerializer
from connect.api.views.base import SLUG, CustomerAPIView
from connect.services.reconciliations import field_holds_set, reconciliation_request
from integrations.models import (
    FindingKind,
    Reconciliation,
    ReconciliationFinding,
    ReconciliationStatus,
)
from integrations.usecases import UseCase

RECONCILIATION_ID = OpenApiParameter("reconciliation_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class ReconciliationSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ReconciliationStatus.choices)
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="{changed, gone, unknown}"
    )
    error_message = serializers.CharField(
        source="error_text",
        read_only=True,
        help_text="Why the reconciliation failed, in the request's language.",
    )

    class Meta:
        model = Reconciliation
        fields = (
            "id",
            "use_case",
            "trigger",
            "status",
            "counts",
            "error_message",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=FindingKind.choices)
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.DictField(),
        help_text='Changed fields: {field: {"sent": value, "live": value}}',
    )

    class Meta:
        model = ReconciliationFinding
        fields = ("id", "kind", "entity", "erp_key", "external_id", "facilioo_id", "fields")
        read_only_fields = fields


class ReconciliationReportSerializer(ReconciliationSerializer):
    findings = FindingSerializer(many=True)

    class Meta(ReconciliationSerializer.Meta):
        fields = (*ReconciliationSerializer.Meta.fields, "findings")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]


class ReconciliationCreateSerializer(serializers.Serializer[Any]):
    use_case = serializers.ChoiceField(
        choices=UseCase.choices,
        default=UseCase.STAMMDATEN,
        help_text="stammdaten or dokumente; a use case without reconciliation is refused with "
        "a message.",
    )


class ReconciliationListCreateApi(CustomerAPIView):
    write_role = "operate"

    @extend_schema(
        operation_id="reconciliations_list",
        parameters=[SLUG],
        responses=ReconciliationSerializer(many=True),
        description="The last 50 reconciliations, newest first.",
    )
    def get(self, request: Request, slug: str) -> Response:
        items = Reconciliation.objects.filter(customer=self.customer)[:50]
        return Response(ReconciliationSerializer(items, many=True).data)

    @extend_schema(
        operation_id="reconciliations_create",
        parameters=[SLUG],
        request=ReconciliationCreateSerializer,
        responses={201: ReconciliationSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
        description="Start a reconciliation (read-only towards facilioo); 400 while one runs.",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = ReconciliationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rec = reconciliation_request(
            customer=self.customer,
            use_case=data.validated_data["use_case"],
            trigger="api",
            actor=self.user,
        )
        return Response(ReconciliationSerializer(rec).data, status=status.HTTP_201_CREATED)


class ReconciliationDetailApi(CustomerAPIView):
    @extend_schema(
        operation_id="reconciliations_retrieve",
        parameters=[SLUG, RECONCILIATION_ID],
        responses=ReconciliationReportSerializer,
    )
    def get(self, request: Request, slug: str, reconciliation_id: int) -> Response:
        rec = get_object_or_404(Reconciliation, customer=self.customer, pk=reconciliation_id)
        return Response(ReconciliationReportSerializer(rec).data)


class FieldHoldInputSerializer(serializers.Serializer[Any]):
    finding = serializers.IntegerField()
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(max_length=60),
        max_length=100,
        allow_empty=True,
        help_text="Exactly the changed fields facilioo keeps; [] gives them back to the ERP.",
    )


class FieldHoldOutputSerializer(serializers.Serializer[Any]):
    fields = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class FieldHoldApi(CustomerAPIView):
    write_role = "change"

    @extend_schema(
        operation_id="reconciliations_hold",
        parameters=[SLUG, RECONCILIATION_ID],
        request=FieldHoldInputSerializer,
        responses={200: FieldHoldOutputSerializer, 400: ErrorSerializer},
        description='"facilioo behält": the sync no longer writes these fields of the record.',
    )
    def post(self, request: Request, slug: str, reconciliation_id: int) -> Response:
        rec = get_object_or_404(Reconciliation, customer=self.customer, pk=reconciliation_id)
        data = FieldHoldInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = get_object_or_404(rec.findings, pk=data.validated_data["finding"])
        kept = field_holds_set(
            customer=self.customer,
            finding=finding,
            fields=data.validated_data["fields"],
            actor=self.user,
        )
        return Response({"fields": kept})
