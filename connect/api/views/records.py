"""The record inspector in the API: one Stammdaten or Dokumente record explained (GET only)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from connect.api.serializers import RunItemSerializer
from connect.api.views.base import SLUG, CustomerAPIView
from connect.services.inspector import KIND_OF_ENTITY, UnknownRecord
from connect.services.records import record_inspect

ENTITY = OpenApiParameter(
    "entity",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=[str(entity) for entity in KIND_OF_ENTITY],
)
ERP_KEY = OpenApiParameter(
    "erp_key",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The ERP numbers after the kind, joined by '/' (as in the record log's "
    "erp_key 'einheit 1000/0001/01/003': '1000/0001/01/003'; a document "
    "'dokument 1000/D-17': '1000/D-17').",
)


@extend_schema_field(OpenApiTypes.ANY)
class AnyField(serializers.Field):  # type: ignore[type-arg]
    def to_representation(self, value: Any) -> Any:
        return value


class FieldRowSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    erp_fields = serializers.CharField()
    rule = serializers.CharField(help_text="As on the field-mapping page.")
    value = AnyField(help_text="What the mapping makes of today's ERP record.")
    sent = AnyField(help_text="What the last run sent.")
    live = AnyField(help_text="What facilioo holds now.")
    has_sent = serializers.BooleanField()
    has_live = serializers.BooleanField()
    differs = serializers.BooleanField(help_text="facilioo now differs from what was sent.")
    held = serializers.BooleanField(help_text='Marked "facilioo behält".')


class SkipSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField()
    message = serializers.CharField()


class RecordSerializer(serializers.Serializer[Any]):
    entity = serializers.CharField()
    erp_key = serializers.CharField()
    external_id = serializers.CharField()
    facilioo_id = serializers.IntegerField(allow_null=True)
    source_name = serializers.CharField(help_text="The ERP export read.")
    source_time = serializers.DateTimeField(allow_null=True)
    erp_fields = serializers.ListField(
        child=serializers.ListField(child=AnyField()),
        allow_null=True,
        help_text="[[field, value], ...] of the current export; null when not in it.",
    )
    skip = SkipSerializer(allow_null=True, help_text="The rule that skips the record today.")
    remedy = serializers.CharField(help_text="What in the ERP would make it sync.")
    payload_hash = serializers.SerializerMethodField()
    synced_at = serializers.SerializerMethodField()
    fields = FieldRowSerializer(many=True)  # type: ignore[assignment]
    live_error = serializers.CharField(help_text="Why facilioo's state is missing, if it is.")
    history = RunItemSerializer(many=True)
    file_fields = FieldRowSerializer(
        many=True, help_text="A document's file, field by field (empty for other entities)."
    )
    file_facilioo_id = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_payload_hash(self, x: Any) -> str | None:
        return x.link.payload_hash if x.link else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_file_facilioo_id(self, x: Any) -> int | None:
        return x.file_link.facilioo_id if x.file_link else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_synced_at(self, x: Any) -> Any:
        return serializers.DateTimeField().to_representation(x.link.synced_at) if x.link else None


class RecordInspectorApi(CustomerAPIView):
    @extend_schema(
        operation_id="records_retrieve",
        parameters=[SLUG, ENTITY, ERP_KEY],
        responses=RecordSerializer,
        description="Explain one Stammdaten or Dokumente record (a document with its file): "
        "ERP fields, mapping rule per field, what "
        "was sent, facilioo's live state (differences marked), history, and for a skipped "
        "record what in the ERP would make it sync. Opening it as support is audited.",
    )
    def get(self, request: Request, slug: str, entity: str, erp_key: str) -> Response:
        try:
            explanation = record_inspect(
                customer=self.customer, user=self.user, entity=entity, erp_key=erp_key
            )
        except UnknownRecord as exc:
            raise Http404 from exc
        return Response(RecordSerializer(explanation).data)
