"""Activating a use case: validated settings, audited, with its beat schedule."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from connect.exceptions import ApplicationError
from connect.models import Customer, UseCaseActivation, User
from connect.models.activations import DEFAULT_SCHEDULES
from connect.selectors.erp_exports import erp_mandanten
from connect.services.audit import audit_record, changes_between
from integrations.sync.types import DEFAULT_FORMER_CONTRACT_MONTHS, MAX_FORMER_CONTRACT_MONTHS
from integrations.usecases import UseCase

SEPARATORS = ("-", "_", ".", "/", "|")


def _separator(raw: dict[str, Any], errors: list[str]) -> str:
    separator = str(raw.get("separator", ""))
    if separator not in SEPARATORS:
        errors.append(
            _("Das Trennzeichen muss eines von %(s)s sein.") % {"s": " ".join(SEPARATORS)}
        )
    return separator


def _mandanten(customer: Customer, raw: dict[str, Any], errors: list[str]) -> list[str]:
    """The chosen Mandanten: at least one, each known to the customer's ERP."""
    mandanten = _text_list(raw.get("mandanten"))
    if not mandanten:
        errors.append(_("Bitte wählen Sie mindestens einen Mandanten."))
        return mandanten
    known = {m.mandant_nr for m in erp_mandanten(customer=customer)}
    unknown = [m for m in mandanten if m not in known]
    if unknown:
        errors.append(_("Diese Mandanten kennt das ERP nicht: %(m)s.") % {"m": ", ".join(unknown)})
    return mandanten


def _safety_brake(raw: dict[str, Any], errors: list[str]) -> int:
    try:
        brake = int(raw.get("safety_brake_percent", 20))
    except (TypeError, ValueError):
        brake = -1
    if not 0 < brake <= 100:
        errors.append(_("Die Sicherheitsbremse muss zwischen 1 und 100 Prozent liegen."))
    return brake


def _former_contract_months(raw: dict[str, Any], errors: list[str]) -> int:
    """ "beendete Verträge der letzten N Monate übertragen": 0 to 120, default 24."""
    value = raw.get("former_contract_months", DEFAULT_FORMER_CONTRACT_MONTHS)
    try:
        months = int(DEFAULT_FORMER_CONTRACT_MONTHS if value in (None, "") else value)
    except (TypeError, ValueError):
        months = -1
    if not 0 <= months <= MAX_FORMER_CONTRACT_MONTHS:
        errors.append(
            _(
                "Beendete Verträge können für 0 bis %(max)s Monate übertragen werden; bitte "
                "geben Sie eine ganze Zahl in diesem Bereich an."
            )
            % {"max": MAX_FORMER_CONTRACT_MONTHS}
        )
    return months


def validate_stammdaten_settings(
    *, customer: Customer, raw: dict[str, Any], tenants: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """Normalised settings, or ApplicationError with every problem in German."""
    errors: list[str] = []
    separator = _separator(raw, errors)
    mandanten = _mandanten(customer, raw, errors)
    tenant_ids = {int(t["id"]) for t in tenants or []}
    default = raw.get("default_tenant_id")
    default_id = int(default) if default not in (None, "") else None
    if default_id is not None and tenants is not None and default_id not in tenant_ids:
        errors.append(
            _("Das facilioo-Projekt %(id)s ist für das Konto nicht sichtbar.") % {"id": default_id}
        )
    overrides = {str(k): int(v) for k, v in (raw.get("tenant_overrides") or {}).items()}
    for we, tid in overrides.items():
        if tenants is not None and tid not in tenant_ids:
            errors.append(
                _("Das facilioo-Projekt %(id)s (für WE %(we)s) ist nicht sichtbar.")
                % {"id": tid, "we": we}
            )
    policy = raw.get("deletion_policy", "terminate")
    if policy not in ("terminate", "delete"):
        errors.append(_("Unbekannte Lösch-Regel."))
    brake = _safety_brake(raw, errors)
    former_months = _former_contract_months(raw, errors)
    if errors:
        raise ApplicationError(" ".join(errors), extra={"errors": errors})
    return {
        "separator": separator,
        "mandanten": mandanten,
        "default_tenant_id": default_id,
        "tenant_overrides": overrides,
        "deletion_policy": policy,
        "safety_brake_percent": brake,
        "former_contract_months": former_months,
    }


DEFAULT_MAX_MB = 50  # SPEC 2.2
MAX_MB_LIMIT = 2048


def _text_list(value: Any) -> list[str]:
    """A list setting from a list or a comma-separated text: stripped, empties and repeats gone."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    seen: list[str] = []
    for item in (str(i).strip() for i in items):
        if item and item not in seen:
            seen.append(item)
    return seen


def validate_dokumente_settings(*, customer: Customer, raw: dict[str, Any]) -> dict[str, Any]:
    """Normalised Dokumente settings, or ApplicationError with every problem in German."""
    errors: list[str] = []
    separator = _separator(raw, errors)
    mandanten = _mandanten(customer, raw, errors)
    archives = _text_list(raw.get("archives"))
    keywords = _text_list(raw.get("keywords"))
    dated_from = raw.get("dated_from") or None
    if dated_from is not None:
        try:
            dated_from = date.fromisoformat(str(dated_from).strip()).isoformat()
        except ValueError:
            errors.append(
                _("„Dokumente ab“ ist kein gültiges Datum (Format JJJJ-MM-TT, z. B. 2020-01-31).")
            )
    max_mb_raw = raw.get("max_mb")
    try:
        max_mb = int(max_mb_raw) if max_mb_raw not in (None, "") else DEFAULT_MAX_MB
    except (TypeError, ValueError):
        max_mb = 0
    if not 1 <= max_mb <= MAX_MB_LIMIT:
        errors.append(
            _("Die Höchstgröße muss eine ganze Zahl zwischen 1 und %(max)d MB sein.")
            % {"max": MAX_MB_LIMIT}
        )
    brake = _safety_brake(raw, errors)
    if errors:
        raise ApplicationError(" ".join(errors), extra={"errors": errors})
    return {
        "separator": separator,
        "mandanten": mandanten,
        "only_released": bool(raw.get("only_released", True)),
        "archives": archives,
        "keywords": keywords,
        "dated_from": dated_from,
        "max_mb": max_mb,
        "safety_brake_percent": brake,
    }


def _schedule_task(activation: UseCaseActivation) -> None:
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute=activation.schedule_minute,
        hour=activation.schedule_hour,
        day_of_week=activation.schedule_day_of_week,
        day_of_month="*",
        month_of_year="*",
        timezone=activation.schedule_timezone,
    )
    name = f"{activation.customer.slug} · {activation.use_case}"
    task, _created = PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": "integrations.sync_scheduled",
            "crontab": crontab,
            "interval": None,
            "args": json.dumps([activation.pk]),
            "enabled": activation.enabled and not activation.paused,
        },
    )
    if activation.periodic_task_id != task.pk:
        activation.periodic_task = task
        activation.save(update_fields=["periodic_task"])


@transaction.atomic
def activation_enable(
    *,
    customer: Customer,
    use_case: str,
    actor: User | None,
    settings: dict[str, Any],
    schedule: dict[str, str] | None = None,
    actor_fallback: str = "system",
) -> UseCaseActivation:
    """Activate (or re-configure) a use case. Refused while the facilioo connection test fails."""
    from connect.services.credentials import facilioo_connection_test

    if use_case not in (UseCase.STAMMDATEN, UseCase.DOKUMENTE):
        raise ApplicationError(_("Dieser Anwendungsfall kann noch nicht aktiviert werden."))
    test = facilioo_connection_test(customer=customer, actor=actor)
    if not test.ok:
        raise ApplicationError(
            _(
                "Aktivierung nicht möglich: Der Test der facilioo-Verbindung ist "
                "fehlgeschlagen. %(m)s"
            )
            % {"m": test.message}
        )
    if use_case == UseCase.DOKUMENTE:
        clean = validate_dokumente_settings(customer=customer, raw=settings)
    else:
        clean = validate_stammdaten_settings(customer=customer, raw=settings, tenants=test.tenants)
    activation, _created = UseCaseActivation.objects.get_or_create(
        customer=customer, use_case=use_case, defaults=DEFAULT_SCHEDULES_FIELDS(use_case)
    )
    before = {"enabled": activation.enabled, **activation.settings, **_schedule_fields(activation)}
    activation.settings = clean
    activation.enabled = True
    activation.activated_at = activation.activated_at or timezone.now()
    if schedule:
        activation.schedule_minute = schedule.get("minute", activation.schedule_minute)
        activation.schedule_hour = schedule.get("hour", activation.schedule_hour)
        activation.schedule_day_of_week = schedule.get(
            "day_of_week", activation.schedule_day_of_week
        )
    activation.save()
    _schedule_task(activation)
    after = {"enabled": True, **clean, **_schedule_fields(activation)}
    changes = changes_between(before, after)
    if changes:
        audit_record(
            customer=customer,
            actor=actor,
            action=f"usecase.{use_case}.enable",
            obj=activation,
            changes=changes,
            actor_fallback=actor_fallback,
        )
    return activation


def DEFAULT_SCHEDULES_FIELDS(use_case: str) -> dict[str, str]:
    schedule = DEFAULT_SCHEDULES[UseCase(use_case)]
    return {
        "schedule_minute": schedule["minute"],
        "schedule_hour": schedule["hour"],
        "schedule_day_of_week": schedule["day_of_week"],
    }


def _schedule_fields(activation: UseCaseActivation) -> dict[str, str]:
    return {
        "schedule": f"{activation.schedule_minute} {activation.schedule_hour} * * "
        f"{activation.schedule_day_of_week} ({activation.schedule_timezone})"
    }


@transaction.atomic
def activation_set_paused(
    *, customer: Customer, use_case: str, actor: User | None, paused: bool, reason: str = ""
) -> UseCaseActivation:
    activation = UseCaseActivation.objects.filter(customer=customer, use_case=use_case).first()
    if activation is None:
        raise ApplicationError(_("Der Anwendungsfall ist nicht aktiviert."))
    if activation.paused != paused:
        activation.paused = paused
        activation.save(update_fields=["paused", "updated_at"])
        _schedule_task(activation)
        audit_record(
            customer=customer,
            actor=actor,
            action=f"usecase.{use_case}.{'pause' if paused else 'resume'}",
            obj=activation,
            changes={"paused": [not paused, paused]},
            reason=reason,
        )
    return activation
