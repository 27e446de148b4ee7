"""Output serializers several views share (runs, record log entries, use cases, errors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from connect.labels import entity_label
from connect.models import SyncRun, SyncRunItem, UseCaseActivation
from connect.schedules import Schedule, schedule_clean, schedule_of
from integrations import registry


class ErrorSerializer(serializers.Serializer[Any]):
    """A refused request: one readable message, and every single problem in ``errors``."""

    detail = serializers.CharField()
    # Declared fields leave the class body (DRF's metaclass), so this does not hide .errors.
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), required=False
    )
    run_id = serializers.IntegerField(required=False, help_text="The active run (409 only).")


class RunSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    progress_percent = serializers.IntegerField()
    duration_seconds = serializers.FloatField(allow_null=True)
    is_active = serializers.BooleanField()
    counts = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="{entity: {action: n}}",
    )
    requested_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    error_message = serializers.CharField(
        source="error_text",
        read_only=True,
        help_text="Why the run failed or was cancelled, in the request's language.",
    )

    class Meta:
        model = SyncRun
        fields = (
            "id",
            "use_case",
            "trigger",
            "dry_run",
            "status",
            "status_label",
            "is_active",
            "phase",
            "progress_done",
            "progress_total",
            "progress_percent",
            "counts",
            "error_message",
            "cancel_requested",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "duration_seconds",
        )
        read_only_fields = fields


class RunItemSerializer(serializers.ModelSerializer):
    run_id = serializers.IntegerField()
    message = serializers.CharField(
        source="message_text",
        read_only=True,
        help_text="What happened to the record, in the request's language.",
    )
    entity_label = serializers.SerializerMethodField(
        help_text="The entity's name in the request's language (as in the portal)."
    )

    def get_entity_label(self, item: SyncRunItem) -> str:
        return entity_label(item.entity)

    class Meta:
        model = SyncRunItem
        fields = (
            "id",
            "run_id",
            "entity",
            "entity_label",
            "action",
            "reason",
            "message",
            "erp_key",
            "external_id",
            "facilioo_id",
            "http_status",
            "created_at",
        )
        read_only_fields = fields


@dataclass
class UseCaseField(serializers.ChoiceField):
    """A registered use case: the choices are the registry's when a value is read."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=_use_case_choices(), **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        self.choices = _use_case_choices()
        return super().to_internal_value(data)

    def to_representation(self, value: Any) -> Any:
        return str(value)


def _use_case_choices() -> list[tuple[str, str]]:
    return [(name, registry.label(name)) for name in registry.names()]


@dataclass
class UseCaseState:
    """A use case of a customer as the API shows it, also when it was never activated."""

    use_case: str
    label: str
    enabled: bool
    paused: bool
    activated_at: Any
    settings: dict[str, Any] = field(default_factory=dict)
    schedule: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, use_case: str, activation: UseCaseActivation | None) -> UseCaseState:
        if activation is None:
            default = dict(registry.entry(use_case).default_schedule)
            return cls(
                use_case=use_case,
                label=registry.label(use_case),
                enabled=False,
                paused=False,
                activated_at=None,
                schedule=_schedule_out(schedule_clean(default), default, "Europe/Berlin"),
            )
        return cls(
            use_case=use_case,
            label=registry.label(use_case),
            enabled=activation.enabled,
            paused=activation.paused,
            activated_at=activation.activated_at,
            settings=dict(activation.settings),
            schedule=_schedule_out(
                schedule_of(activation),
                {
                    "minute": activation.schedule_minute,
                    "hour": activation.schedule_hour,
                    "day_of_week": activation.schedule_day_of_week,
                },
                activation.schedule_timezone,
            ),
        )


def _schedule_out(schedule: Schedule | None, fields: dict[str, str], zone: str) -> dict[str, Any]:
    """The schedule as the API shows it: picker values, a label, and the crontab fields."""
    return {
        "days": list(schedule.days) if schedule else [],
        "times": schedule.time_texts if schedule else [],
        "label": schedule.label() if schedule else _("ungültiger Zeitplan, bitte neu speichern"),
        "valid": schedule is not None,
        **fields,
        "timezone": zone,
    }


class ScheduleSerializer(serializers.Serializer[Any]):
    days = serializers.ListField(child=serializers.CharField())
    times = serializers.ListField(child=serializers.CharField())
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    valid = serializers.BooleanField()
    minute = serializers.CharField(max_length=60)
    hour = serializers.CharField(max_length=60)
    day_of_week = serializers.CharField(max_length=60)
    timezone = serializers.CharField(read_only=True)


class UseCaseSerializer(serializers.Serializer[Any]):
    use_case = UseCaseField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    enabled = serializers.BooleanField()
    paused = serializers.BooleanField()
    activated_at = serializers.DateTimeField(allow_null=True)
    settings = serializers.DictField(help_text="The validated settings of the use case.")
    schedule = ScheduleSerializer()
