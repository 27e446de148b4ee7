"""Use cases of a customer: list, read, configure (activate), pause and resume."""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from connect.api.serializers import ErrorSerializer, UseCaseSerializer, UseCaseState
from connect.api.views.base import SLUG, USE_CASE, CustomerAPIView, use_case_or_404
from connect.selectors.runs import activation_get
from connect.services.activations import activation_enable, activation_set_paused
from integrations import registry
from integrations.usecases import UseCase


class StammdatenSettingsSerializer(serializers.Serializer[Any]):
    """Types only; what the values mean (known Mandanten, visible projects) the service checks."""

    # Nothing is required here: the service names every missing or wrong value in German.
    separator = serializers.CharField(
        max_length=5, allow_blank=True, trim_whitespace=False, required=False
    )
    mandanten = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=500, required=False
    )
    default_tenant_id = serializers.IntegerField(allow_null=True, required=False)
    tenant_overrides = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="{WE number: project id}"
    )
    deletion_policy = serializers.CharField(max_length=20, required=False)
    safety_brake_percent = serializers.IntegerField(required=False)
    former_contract_months = serializers.IntegerField(
        required=False,
        help_text="Contracts that ended within this many months before a run are still "
        "created (former tenants' documents need them); 0 to 120, default 24.",
    )


class DokumenteSettingsSerializer(serializers.Serializer[Any]):
    """Types only; the service checks the values and names every problem in German."""

    separator = serializers.CharField(
        max_length=5, allow_blank=True, trim_whitespace=False, required=False
    )
    mandanten = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=500, required=False
    )
    only_released = serializers.BooleanField(required=False)
    archives = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=500, required=False
    )
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=500, required=False
    )
    dated_from = serializers.CharField(
        max_length=20, allow_null=True, allow_blank=True, required=False, help_text="JJJJ-MM-TT"
    )
    max_mb = serializers.IntegerField(required=False)
    safety_brake_percent = serializers.IntegerField(required=False)


def settings_serializer(use_case: str) -> type[serializers.Serializer[Any]]:
    """The settings serializer the registry entry of ``use_case`` names."""
    serializer: type[serializers.Serializer[Any]] = import_string(
        registry.entry(use_case).api_serializer
    )
    return serializer


class UseCaseListApi(CustomerAPIView):
    @extend_schema(
        operation_id="usecases_list", parameters=[SLUG], responses=UseCaseSerializer(many=True)
    )
    def get(self, request: Request, slug: str) -> Response:
        states = [
            UseCaseState.of(uc, activation_get(customer=self.customer, use_case=uc))
            for uc in UseCase.values
        ]
        return Response(UseCaseSerializer(states, many=True).data)


class UseCaseDetailApi(CustomerAPIView):
    write_role = "change"

    @extend_schema_serializer(component_name="UseCaseSettingsInput")
    class InputSerializer(serializers.Serializer[Any]):
        class ScheduleInputSerializer(serializers.Serializer[Any]):
            """Weekdays and times (the picker), or crontab fields; connect.schedules checks both."""

            days = serializers.ListField(
                child=serializers.CharField(max_length=10),
                max_length=7,
                required=False,
                help_text='Weekdays, e.g. ["tue", "thu", "sun"].',
            )
            times = serializers.ListField(
                child=serializers.CharField(max_length=5),
                max_length=24,
                required=False,
                help_text='Times of day HH:MM, e.g. ["02:00"].',
            )
            minute = serializers.CharField(max_length=60, required=False)
            hour = serializers.CharField(max_length=60, required=False)
            day_of_week = serializers.CharField(max_length=60, required=False)

        settings = serializers.DictField(
            help_text="stammdaten: separator, mandanten, default_tenant_id, tenant_overrides, "
            "deletion_policy, safety_brake_percent, former_contract_months. dokumente: "
            "separator, mandanten, only_released, archives, keywords, dated_from, max_mb, "
            "safety_brake_percent."
        )
        schedule = ScheduleInputSerializer(
            required=False,
            help_text="Weekdays and times in Europe/Berlin (or crontab fields: "
            "comma lists of numbers and day names only). Runs must be at least "
            "SCHEDULE_MIN_INTERVAL_MINUTES apart.",
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            settings = settings_serializer(self.context["use_case"])(data=attrs["settings"])
            if not settings.is_valid():
                raise serializers.ValidationError({"settings": settings.errors})
            attrs["settings"] = dict(settings.validated_data)
            return attrs

    @extend_schema(
        operation_id="usecases_retrieve", parameters=[SLUG, USE_CASE], responses=UseCaseSerializer
    )
    def get(self, request: Request, slug: str, use_case: str) -> Response:
        use_case = use_case_or_404(use_case)
        activation = activation_get(customer=self.customer, use_case=use_case)
        return Response(UseCaseSerializer(UseCaseState.of(use_case, activation)).data)

    @extend_schema(
        operation_id="usecases_update",
        parameters=[SLUG, USE_CASE],
        request=InputSerializer,
        responses={200: UseCaseSerializer, 400: ErrorSerializer},
        description="Save the settings and activate the use case. The facilioo connection is "
        "tested first; German messages name every problem.",
    )
    def put(self, request: Request, slug: str, use_case: str) -> Response:
        use_case = use_case_or_404(use_case)
        data = self.InputSerializer(data=request.data, context={"use_case": use_case})
        data.is_valid(raise_exception=True)
        activation = activation_enable(
            customer=self.customer,
            use_case=use_case,
            actor=self.user,
            settings=data.validated_data["settings"],
            schedule=data.validated_data.get("schedule") or None,
        )
        return Response(UseCaseSerializer(UseCaseState.of(use_case, activation)).data)


class _PauseInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class _SetPausedApi(CustomerAPIView):
    write_role = "operate"
    paused: bool

    def post(self, request: Request, slug: str, use_case: str) -> Response:
        use_case = use_case_or_404(use_case)
        data = _PauseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activation = activation_set_paused(
            customer=self.customer,
            use_case=use_case,
            actor=self.user,
            paused=self.paused,
            reason=data.validated_data.get("reason", ""),
        )
        return Response(UseCaseSerializer(UseCaseState.of(use_case, activation)).data)


_PAUSE_SCHEMA: dict[str, Any] = {
    "parameters": [SLUG, USE_CASE],
    "request": _PauseInputSerializer,
    "responses": {200: UseCaseSerializer, 400: ErrorSerializer},
}


class UseCasePauseApi(_SetPausedApi):
    paused = True

    @extend_schema(operation_id="usecases_pause", **_PAUSE_SCHEMA)
    def post(self, request: Request, slug: str, use_case: str) -> Response:
        return super().post(request, slug, use_case)


class UseCaseResumeApi(_SetPausedApi):
    paused = False

    @extend_schema(operation_id="usecases_resume", **_PAUSE_SCHEMA)
    def post(self, request: Request, slug: str, use_case: str) -> Response:
        return super().post(request, slug, use_case)
