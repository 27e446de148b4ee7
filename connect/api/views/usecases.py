"""Use cases of a customer: list, read, configure (activate), pause and resume."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from connect.api.serializers import ErrorSerializer, UseCaseSerializer, UseCaseState
from connect.api.settings_serializers import settings_description
from connect.api.settings_serializers import settings_serializer as serializer_for_schema
from connect.api.views.base import SLUG, USE_CASE, CustomerAPIView, use_case_or_404
from connect.selectors.runs import activation_get
from connect.services.activations import activation_enable, activation_set_paused
from integrations import registry


def settings_serializer(use_case: str) -> type[serializers.Serializer[Any]]:
    """The settings serializer derived from the schema of ``use_case``."""
    return serializer_for_schema(registry.entry(use_case).schema)


def _settings_help() -> str:
    return " ".join(
        f"{name}: {settings_description(registry.entry(name).schema)}." for name in registry.names()
    )


class UseCaseListApi(CustomerAPIView):
    @extend_schema(
        operation_id="usecases_list", parameters=[SLUG], responses=UseCaseSerializer(many=True)
    )
    def get(self, request: Request, slug: str) -> Response:
        states = [
            UseCaseState.of(uc, activation_get(customer=self.customer, use_case=uc))
            for uc in registry.names()
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
            help_text="The settings of the use case, checked by its settings schema: "
            + _settings_help()
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
