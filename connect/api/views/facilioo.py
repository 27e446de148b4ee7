"""The facilioo connection of a customer: read, set (password write-only), test."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from connect.api.serializers import ErrorSerializer
from connect.api.views.base import SLUG, CustomerAPIView
from connect.models import FaciliooConnection
from connect.models.credentials import FaciliooEnvironment
from connect.selectors.customers import can_change, can_operate
from connect.services.credentials import facilioo_connection_set, facilioo_connection_test
from connect.services.existing_data import (
    ExistingDataNotConfigured,
    existing_data_decide,
    existing_data_rows,
)
from integrations.facilioo.entity import Entity


class ConnectionOutputSerializer(serializers.Serializer[Any]):
    """Never contains the password: only when it was set."""

    configured = serializers.BooleanField()
    username = serializers.EmailField(allow_null=True)
    environment = serializers.ChoiceField(choices=FaciliooEnvironment.choices, allow_null=True)
    state = serializers.CharField(help_text="missing, untested, ok or failed")
    state_message = serializers.CharField(allow_blank=True)
    last_tested_at = serializers.DateTimeField(allow_null=True)
    password_set_at = serializers.DateTimeField(allow_null=True)


def _connection_data(connection: FaciliooConnection | None) -> dict[str, object]:
    if connection is None:
        return {
            "configured": False,
            "username": None,
            "environment": None,
            "state": "missing",
            "state_message": "",
            "last_tested_at": None,
            "password_set_at": None,
        }
    return {
        "configured": True,
        "username": connection.username,
        "environment": connection.environment,
        "state": connection.state,
        "state_message": connection.state_text,
        "last_tested_at": connection.last_tested_at,
        "password_set_at": connection.password_set_at,
    }


class FaciliooConnectionApi(CustomerAPIView):
    write_role = "change"

    @extend_schema_serializer(component_name="FaciliooConnectionInput")
    class InputSerializer(serializers.Serializer[Any]):
        username = serializers.EmailField(
            max_length=254,
            # DRF's own German says "Gib ... an"; the product addresses people with "Sie".
            error_messages={"invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse ein.")},
        )
        environment = serializers.ChoiceField(choices=FaciliooEnvironment.choices)
        password = serializers.CharField(
            write_only=True,
            required=False,
            allow_blank=True,
            trim_whitespace=False,
            max_length=1000,
            help_text="Write-only. Leave it out to keep the stored password.",
        )

    @extend_schema(
        operation_id="facilioo_connection_retrieve",
        parameters=[SLUG],
        responses=ConnectionOutputSerializer,
    )
    def get(self, request: Request, slug: str) -> Response:
        connection = FaciliooConnection.objects.filter(customer=self.customer).first()
        return Response(ConnectionOutputSerializer(_connection_data(connection)).data)

    @extend_schema(
        operation_id="facilioo_connection_update",
        parameters=[SLUG],
        request=InputSerializer,
        responses={200: ConnectionOutputSerializer, 400: ErrorSerializer},
    )
    def put(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        connection = facilioo_connection_set(
            customer=self.customer,
            actor=self.user,
            username=data.validated_data["username"],
            environment=data.validated_data["environment"],
            password=data.validated_data.get("password") or None,
        )
        return Response(ConnectionOutputSerializer(_connection_data(connection)).data)


class FaciliooConnectionTestApi(CustomerAPIView):
    write_role = "change"

    @extend_schema_serializer(component_name="ConnectionTestResult")
    class OutputSerializer(serializers.Serializer[Any]):
        class TenantSerializer(serializers.Serializer[Any]):
            id = serializers.IntegerField(read_only=True)
            name = serializers.CharField(read_only=True)

        ok = serializers.BooleanField()
        message = serializers.CharField()
        tenants = TenantSerializer(many=True, help_text="facilioo projects the account sees.")

    @extend_schema(
        operation_id="facilioo_connection_test",
        parameters=[SLUG],
        request=None,
        responses=OutputSerializer,
        description="Log in to facilioo and list the projects the account can see "
        '("Verbindung testen"). A failed test is an answer too: `ok` is false.',
    )
    def post(self, request: Request, slug: str) -> Response:
        result = facilioo_connection_test(customer=self.customer, actor=self.user)
        return Response(self.OutputSerializer(result).data)


class ExistingDataApi(CustomerAPIView):
    """ "Bestehende facilioo-Daten zuordnen": suggested matches, and the admin's decision."""

    write_role = "change"

    @extend_schema_serializer(component_name="ExistingDataRow")
    class RowSerializer(serializers.Serializer[Any]):
        entity = serializers.ChoiceField(choices=[Entity.PROPERTIES.value, Entity.UNITS.value])
        facilioo_id = serializers.IntegerField()
        facilioo_label = serializers.CharField(allow_blank=True)
        erp_key = serializers.ListField(
            child=serializers.CharField(), help_text="The suggested ERP record's key parts."
        )
        erp_label = serializers.CharField(allow_blank=True)
        external_id = serializers.CharField(allow_blank=True)
        rule = serializers.CharField(allow_blank=True, help_text="number, address, unit_number")
        decision = serializers.CharField(allow_blank=True, help_text="confirmed, rejected or ''")

    @extend_schema_serializer(component_name="ExistingDataDecision")
    class DecisionSerializer(serializers.Serializer[Any]):
        entity = serializers.ChoiceField(choices=[Entity.PROPERTIES.value, Entity.UNITS.value])
        facilioo_id = serializers.IntegerField(min_value=1)
        erp_key = serializers.ListField(
            child=serializers.CharField(max_length=100), max_length=6, allow_empty=True
        )
        external_id = serializers.CharField(max_length=200, allow_blank=True)
        confirm = serializers.BooleanField()

    @staticmethod
    def _row(row: Any) -> dict[str, Any]:
        return {
            "entity": row.entity,
            "facilioo_id": row.facilioo_id,
            "facilioo_label": row.facilioo_label,
            "erp_key": row.natural_key.split("\x1f") if row.natural_key else [],
            "erp_label": row.erp_label,
            "external_id": row.external_id,
            "rule": row.rule,
            "decision": row.decision,
        }

    @extend_schema(
        operation_id="existing_data_list",
        parameters=[SLUG],
        responses={200: RowSerializer(many=True), 400: ErrorSerializer, 503: ErrorSerializer},
        description="facilioo properties and units in the assigned projects that carry none "
        "of our ids, each with the suggested ERP record. Empty before the facilioo connection "
        "and the Stammdaten settings exist. 503 with Retry-After while facilioo cannot be "
        "reached.",
    )
    def get(self, request: Request, slug: str) -> Response:

        user = request.user
        # facilioo is read on a cache miss only for those who may change or operate (as on
        # the page); a viewer's token gets 400 with "noch nicht geladen" then.
        may_load = can_change(user=user, customer=self.customer) or can_operate(  # type: ignore[arg-type]
            user=user,  # type: ignore[arg-type]
            customer=self.customer,
        )
        try:
            rows = existing_data_rows(customer=self.customer, may_load=may_load)
        except ExistingDataNotConfigured:
            rows = []  # nothing to match before connection and Stammdaten are set up
        return Response(self.RowSerializer([self._row(r) for r in rows], many=True).data)

    @extend_schema(
        operation_id="existing_data_decide",
        parameters=[SLUG],
        request=DecisionSerializer,
        responses={204: None, 400: ErrorSerializer},
        description="Confirm (the next run adopts the facilioo record, counted as `adopted`) "
        "or reject one match.",
    )
    def post(self, request: Request, slug: str) -> Response:

        data = self.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        existing_data_decide(
            customer=self.customer,
            actor=self.user,
            entity=values["entity"],
            facilioo_id=values["facilioo_id"],
            natural_key="\x1f".join(values["erp_key"]),
            external_id=values["external_id"],
            confirm=values["confirm"],
        )
        return Response(status=204)
