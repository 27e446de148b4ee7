"""Celery beat with spread schedules: each customer's scheduled runs start at its own offset.

django-celery-beat's ``DatabaseScheduler`` reads the crontab of every activation from the
database. This scheduler wraps the crontab of the scheduled runs (task
``integrations.sync_scheduled``) in a :class:`SpreadCrontab`, which fires the customer's offset
(``connect.periodic.schedule_offset``) after each crontab time. The shift is a fixed span of
absolute time, so the clock changes behave exactly as without it: a crontab time skipped in
spring fires (with the offset) after the switch, one doubled in autumn once.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry
from django_celery_beat.tzcrontab import TzAwareCrontab

from connect import jobs
from connect.models import UseCaseActivation
from connect.periodic import schedule_offset

logger = logging.getLogger(__name__)


class SpreadCrontab(TzAwareCrontab):
    """A crontab in a time zone that fires ``offset`` after each of its times."""

    def __init__(self, *, offset: timedelta, **fields: Any) -> None:
        self.offset = offset
        super().__init__(**fields)

    @classmethod
    def around(cls, schedule: TzAwareCrontab, offset: timedelta) -> SpreadCrontab:
        return cls(
            offset=offset,
            minute=schedule._orig_minute,
            hour=schedule._orig_hour,
            day_of_week=schedule._orig_day_of_week,
            day_of_month=schedule._orig_day_of_month,
            month_of_year=schedule._orig_month_of_year,
            tz=schedule.tz,
        )

    def _shift(self, moment: datetime) -> datetime:
        # In UTC: arithmetic on an aware local time would follow the wall clock across a switch.
        return (moment.astimezone(UTC) - self.offset).astimezone(self.tz)

    def now(self) -> datetime:
        return self._shift(super().now())

    def is_due(self, last_run_at: datetime) -> Any:
        return super().is_due(self._shift(last_run_at))

    def __reduce__(self) -> Any:
        return (
            _spread_crontab,
            (
                self._orig_minute,
                self._orig_hour,
                self._orig_day_of_week,
                self._orig_day_of_month,
                self._orig_month_of_year,
                self.tz,
                self.offset.total_seconds(),
            ),
        )

    def __repr__(self) -> str:
        return f"{super().__repr__().strip()} +{self.offset}"


def _spread_crontab(
    minute: Any, hour: Any, dow: Any, dom: Any, moy: Any, tz: Any, seconds: float
) -> SpreadCrontab:
    return SpreadCrontab(
        offset=timedelta(seconds=seconds),
        minute=minute,
        hour=hour,
        day_of_week=dow,
        day_of_month=dom,
        month_of_year=moy,
        tz=tz,
    )


def activation_offset(activation_id: int) -> timedelta:
    """The spread offset of an activation's scheduled runs (its customer's)."""

    customer_id = (
        UseCaseActivation.objects.filter(pk=activation_id)
        .values_list("customer_id", flat=True)
        .first()
    )
    return schedule_offset(customer_id) if customer_id is not None else timedelta(0)


class SpreadModelEntry(ModelEntry):
    """A beat entry; a scheduled run's crontab is shifted by its customer's offset."""

    def __init__(self, model: Any, app: Any = None) -> None:
        super().__init__(model, app=app)
        schedule = getattr(self, "schedule", None)
        if model.task != jobs.SYNC_SCHEDULED or not isinstance(schedule, TzAwareCrontab):
            return
        try:
            activation_id = int(json.loads(model.args or "[]")[0])
        except (ValueError, IndexError, TypeError):
            return
        offset = activation_offset(activation_id)
        if offset:
            self.schedule = SpreadCrontab.around(schedule, offset)


class SpreadScheduler(DatabaseScheduler):
    """django-celery-beat's database scheduler with spread scheduled runs."""

    Entry = SpreadModelEntry
