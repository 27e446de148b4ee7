"""Activating a use case: validated settings, audited, with its beat schedule."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from connect import jobs
from connect.exceptions import ApplicationError
from connect.models import Customer, UseCaseActivation, User
from connect.schedules import Schedule, schedule_clean, schedule_of
from connect.selectors.activations import facilioo_account_sharers, mandanten_scope
from connect.selectors.erp_sources import erp_mandanten
from connect.services.audit import audit_record, changes_between
from connect.services.credentials import (
    SHARED_ACCOUNT_WHY,
    facilioo_connection_test,
    mandanten_overlaps,
)
from integrations import registry
from integrations.sync.settings import SettingsInvalid

__all__ = [
    "activation_enable",
    "activation_set_paused",
    "validate_settings",
]


def validate_settings(
    *, customer: Customer, use_case: str, raw: dict[str, Any], tenants: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """Normalised settings of a use case, or ApplicationError with every problem in German."""
    spec = registry.entry(use_case)
    known = {m.mandant_nr for m in erp_mandanten(customer=customer)}
    try:
        return spec.validate(raw, known_mandanten=known, tenants=tenants)
    except SettingsInvalid as exc:
        raise ApplicationError(exc.message, extra={"errors": exc.errors}) from exc


def _refuse_mandanten_of_a_sharer(
    *, customer: Customer, use_case: str, settings: dict[str, Any]
) -> None:
    """Refuse Mandanten that overlap with those of a customer sharing the facilioo account.

    Composite ids start with the Mandant number: two customers on one account that write the
    same Mandant would take over each other's records (see ``facilioo_connection_set``).
    """

    if "mandanten" not in settings:
        return
    others = facilioo_account_sharers(customer=customer)
    if not others:
        return
    scope = mandanten_scope(
        customer=customer, replacing=(use_case, [str(m) for m in settings["mandanten"]])
    )
    overlaps = mandanten_overlaps(customer=customer, scope=scope, others=others)
    if overlaps:
        message = " ".join(
            [
                _(
                    "Diese Mandanten können nicht gespeichert werden: Das facilioo-Konto wird "
                    "mit einem anderen Kunden geteilt, und die Mandanten der beiden dürfen sich "
                    "nicht überschneiden."
                ),
                *overlaps,
                str(SHARED_ACCOUNT_WHY),
            ]
        )
        raise ApplicationError(message, extra={"errors": [message]})


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
            "task": jobs.SYNC_SCHEDULED,
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
    schedule: dict[str, Any] | None = None,
    actor_fallback: str = "system",
) -> UseCaseActivation:
    """Activate (or re-configure) a use case. Refused while the facilioo connection test fails."""

    if use_case not in registry.ENTRIES:
        raise ApplicationError(_("Dieser Datenbereich kann noch nicht aktiviert werden."))
    chosen = _schedule_chosen(customer=customer, use_case=use_case, raw=schedule)
    test = facilioo_connection_test(customer=customer, actor=actor)
    if not test.ok:
        raise ApplicationError(
            _(
                "Aktivierung nicht möglich: Der Test der facilioo-Verbindung ist "
                "fehlgeschlagen. %(m)s"
            )
            % {"m": test.message}
        )
    spec = registry.entry(use_case)
    clean = validate_settings(
        customer=customer,
        use_case=use_case,
        raw=settings,
        tenants=test.tenants if spec.needs_tenants else None,
    )
    _refuse_mandanten_of_a_sharer(customer=customer, use_case=use_case, settings=clean)
    activation, _created = UseCaseActivation.objects.get_or_create(
        customer=customer, use_case=use_case, defaults=DEFAULT_SCHEDULES_FIELDS(use_case)
    )
    before = {"enabled": activation.enabled, **activation.settings, **_schedule_fields(activation)}
    activation.settings = clean
    activation.enabled = True
    activation.activated_at = activation.activated_at or timezone.now()
    if chosen is not None:
        fields = chosen.cron_fields()
        activation.schedule_minute = fields["minute"]
        activation.schedule_hour = fields["hour"]
        activation.schedule_day_of_week = fields["day_of_week"]
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


def _schedule_chosen(
    *, customer: Customer, use_case: str, raw: dict[str, Any] | None
) -> Schedule | None:
    """The validated new schedule (connect.schedules), or None to keep the stored one."""
    if not raw:
        return None
    existing = UseCaseActivation.objects.filter(customer=customer, use_case=use_case).first()
    default = registry.entry(use_case).default_schedule
    current = schedule_of(existing) if existing is not None else None
    if current is None:
        current = schedule_clean(default)
    return schedule_clean(raw, current=current)


def DEFAULT_SCHEDULES_FIELDS(use_case: str) -> dict[str, str]:
    schedule = registry.entry(use_case).default_schedule
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
        raise ApplicationError(_("Der Datenbereich ist nicht aktiviert."))
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
