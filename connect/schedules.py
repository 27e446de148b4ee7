"""Sync schedules: weekdays and times of day, validated in one place for portal, API and CLI.

A schedule is chosen as weekdays and one or more times of day (Europe/Berlin). It is stored as
the three crontab fields django-celery-beat needs (minute, hour, day_of_week), and only in forms
this module wrote: comma lists of numbers for minute and hour, ``*`` or day names for the days.

:func:`schedule_clean` is the only way in. It takes the picker's values (``days``, ``times``)
or crontab fields (``minute``, ``hour``, ``day_of_week``: accepted from the API and older
clients, but only as plain lists, never ``*`` or steps), and refuses a schedule whose runs come
closer together than ``SCHEDULE_MIN_INTERVAL_MINUTES`` (default 60) with a German message.

:func:`schedule_of` reads a stored row without raising: a row saved before validation existed
may hold anything, and it must break neither a page nor the shared beat tasks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from celery.schedules import crontab
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from connect.exceptions import ApplicationError

# Week order of the picker (Monday first); crontab numbers the days from Sunday = 0.
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_NUMBER = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_BY_CRON_NUMBER = {n: day for day, n in _CRON_NUMBER.items()} | {7: "sun"}
# German and English spellings accepted from people (the picker itself sends mon…sun).
_DAY_ALIASES = {
    **{day: day for day in WEEKDAYS},
    "mo": "mon",
    "di": "tue",
    "mi": "wed",
    "do": "thu",
    "fr": "fri",
    "sa": "sat",
    "so": "sun",
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_NUMBER = re.compile(r"^\d{1,2}$")
MINUTES_PER_WEEK = 7 * 24 * 60
DEFAULT_MIN_INTERVAL_MINUTES = 60
# Upper bound of times per day in one schedule: with the minimum interval of one hour, 24.
MAX_TIMES_PER_DAY = 24


def weekday_label(day: str) -> str:
    """The short name of a weekday in the active language (Mo/Mon …)."""
    labels = {
        "mon": pgettext("Wochentag kurz", "Mo"),
        "tue": pgettext("Wochentag kurz", "Di"),
        "wed": pgettext("Wochentag kurz", "Mi"),
        "thu": pgettext("Wochentag kurz", "Do"),
        "fri": pgettext("Wochentag kurz", "Fr"),
        "sat": pgettext("Wochentag kurz", "Sa"),
        "sun": pgettext("Wochentag kurz", "So"),
    }
    return labels[day]


@dataclass(frozen=True)
class Schedule:
    """Weekdays (week order) and times of day (sorted (hour, minute) pairs)."""

    days: tuple[str, ...]
    times: tuple[tuple[int, int], ...]

    def cron_fields(self) -> dict[str, str]:
        """The crontab fields to store (every time shares the minutes and hours of the others)."""
        hours = sorted({h for h, _m in self.times})
        minutes = sorted({m for _h, m in self.times})
        days = "*" if len(self.days) == len(WEEKDAYS) else ",".join(self.days)
        return {
            "minute": ",".join(str(m) for m in minutes),
            "hour": ",".join(str(h) for h in hours),
            "day_of_week": days,
        }

    @property
    def time_texts(self) -> list[str]:
        return [f"{h:02d}:{m:02d}" for h, m in self.times]

    def label(self) -> str:
        """ "Di, Do, So um 02:00" (English "Tue, Thu, Sun at 02:00"); every day: "täglich um …"."""
        times = ", ".join(self.time_texts)
        if len(self.days) == len(WEEKDAYS):
            return _("täglich um %(times)s") % {"times": times}
        days = ", ".join(weekday_label(d) for d in self.days)
        return _("%(days)s um %(times)s") % {"days": days, "times": times}

    def run_minutes(self) -> list[int]:
        """Minutes since Monday 00:00 of every run in a week, ascending."""
        return sorted(
            WEEKDAYS.index(day) * 1440 + h * 60 + m for day in self.days for h, m in self.times
        )

    def shortest_gap_minutes(self) -> int:
        """The shortest time between two runs, across midnight and the end of the week."""
        runs = self.run_minutes()
        if len(runs) < 2:
            return MINUTES_PER_WEEK
        gaps = [b - a for a, b in pairwise(runs)]
        gaps.append(runs[0] + MINUTES_PER_WEEK - runs[-1])
        return min(gaps)


class _StoredSchedule(Protocol):
    schedule_minute: str
    schedule_hour: str
    schedule_day_of_week: str


def min_interval_minutes() -> int:
    return max(1, int(getattr(settings, "SCHEDULE_MIN_INTERVAL_MINUTES", 60)))


def _items(value: Any) -> list[str]:
    """A list value from a list or a comma-separated text; stripped, empties dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        parts: Iterable[Any] = value.split(",")
    elif isinstance(value, list | tuple | set | frozenset):
        parts = value
    else:
        parts = [value]
    return [str(p).strip() for p in parts if str(p).strip()]


def _day(key: str) -> str | None:
    """One weekday from a name (mon, Di …) or a crontab number (0 and 7 are Sunday)."""
    if key in _DAY_ALIASES:
        return _DAY_ALIASES[key]
    if _NUMBER.match(key) and int(key) in _BY_CRON_NUMBER:
        return _BY_CRON_NUMBER[int(key)]
    return None


def _days(values: list[str], errors: list[str]) -> tuple[str, ...]:
    chosen: set[str] = set()
    for value in values:
        key = value.lower()
        if key == "*":
            chosen.update(WEEKDAYS)
        elif _day(key) is not None:
            chosen.add(_day(key) or "")
        elif key.count("-") == 1 and None not in (first_last := [_day(k) for k in key.split("-")]):
            # a range of weekdays in week order, e.g. mon-fri
            first, last = (WEEKDAYS.index(d or "") for d in first_last)
            chosen.update(WEEKDAYS[first : last + 1] if first <= last else ())
            if first > last:
                errors.append(_("„%(value)s“ ist kein Wochentag.") % {"value": value[:20]})
        else:
            errors.append(_("„%(value)s“ ist kein Wochentag.") % {"value": value[:20]})
    if not chosen and not errors:
        errors.append(_("Bitte wählen Sie mindestens einen Wochentag."))
    return tuple(day for day in WEEKDAYS if day in chosen)


def _times(values: list[str], errors: list[str]) -> tuple[tuple[int, int], ...]:
    chosen: set[tuple[int, int]] = set()
    for value in values:
        match = _TIME.match(value)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            chosen.add((int(match[1]), int(match[2])))
        else:
            errors.append(
                _("„%(value)s“ ist keine gültige Uhrzeit (Format HH:MM, z. B. 02:00).")
                % {"value": value[:20]}
            )
    if not chosen and not errors:
        errors.append(_("Bitte geben Sie mindestens eine Uhrzeit an."))
    return tuple(sorted(chosen))


def _numbers(values: list[str], upper: int, message: str, errors: list[str]) -> list[int]:
    numbers: list[int] = []
    for value in values:
        if _NUMBER.match(value) and int(value) <= upper:
            numbers.append(int(value))
        else:
            errors.append(message % {"value": value[:20]})
    return numbers


def _from_cron(minute: Any, hour: Any, day_of_week: Any, errors: list[str]) -> Schedule:
    minutes = _numbers(
        _items(minute),
        59,
        _("Die Minute „%(value)s“ ist ungültig: erlaubt sind Zahlen von 0 bis 59."),
        errors,
    )
    hours = _numbers(
        _items(hour),
        23,
        _("Die Stunde „%(value)s“ ist ungültig: erlaubt sind Zahlen von 0 bis 23."),
        errors,
    )
    if not minutes or not hours:
        if not errors:
            errors.append(_("Bitte geben Sie mindestens eine Uhrzeit an."))
        return Schedule(days=(), times=())
    days = _days(_items(day_of_week), errors)
    times = tuple(sorted({(h, m) for h in hours for m in minutes}))
    return Schedule(days=days, times=times)


def _parse(raw: Mapping[str, Any], current: Schedule | None, errors: list[str]) -> Schedule:
    if "days" in raw or "times" in raw:
        days = _days(_items(raw.get("days")), errors) if "days" in raw else None
        times = _times(_items(raw.get("times")), errors) if "times" in raw else None
        if days is None:
            days = current.days if current else WEEKDAYS
        if times is None:
            if current is None:
                errors.append(_("Bitte geben Sie mindestens eine Uhrzeit an."))
                times = ()
            else:
                times = current.times
        return Schedule(days=days, times=times)
    fields = current.cron_fields() if current else {}
    return _from_cron(
        raw.get("minute", fields.get("minute")),
        raw.get("hour", fields.get("hour")),
        raw.get("day_of_week", fields.get("day_of_week")),
        errors,
    )


def schedule_clean(raw: Mapping[str, Any], *, current: Schedule | None = None) -> Schedule:
    """A valid schedule from the picker's or crontab values, or ApplicationError in German.

    Values missing from ``raw`` are taken from ``current`` (the stored schedule), so an API
    client may change only the time.
    """
    errors: list[str] = []
    schedule = _parse(raw, current, errors)
    if not errors:
        hours = {h for h, _m in schedule.times}
        minutes = {m for _h, m in schedule.times}
        if len(hours) * len(minutes) != len(schedule.times):
            errors.append(
                _("Mehrere Uhrzeiten am Tag müssen dieselbe Minute haben, z. B. 02:00 und 14:00.")
            )
        elif len(schedule.times) > MAX_TIMES_PER_DAY:
            errors.append(
                _("Höchstens %(n)d Uhrzeiten am Tag sind möglich.") % {"n": MAX_TIMES_PER_DAY}
            )
    if not errors:
        minimum = min_interval_minutes()
        gap = schedule.shortest_gap_minutes()
        if gap < minimum:
            errors.append(
                _(
                    "Zwischen zwei Läufen müssen mindestens %(minimum)d Minuten liegen; "
                    "dieser Zeitplan startet schon nach %(gap)d Minuten wieder."
                )
                % {"minimum": minimum, "gap": gap}
            )
    if errors:
        raise ApplicationError(" ".join(errors), extra={"errors": errors})
    return schedule


def schedule_of(row: _StoredSchedule) -> Schedule | None:
    """The stored schedule of an activation, or None when the row holds no valid crontab.

    Never raises: rows saved before schedules were validated may hold anything. Rows with
    crontab syntax beyond what :func:`schedule_clean` writes (``*/15``) are read as celery
    reads them, so an old schedule keeps being shown and watched as beat runs it.
    """
    try:
        cron = crontab(
            minute=str(row.schedule_minute),
            hour=str(row.schedule_hour),
            day_of_week=str(row.schedule_day_of_week),
        )
        days = tuple(day for day in WEEKDAYS if _CRON_NUMBER[day] in cron.day_of_week)
        times = tuple(sorted((h, m) for h in cron.hour for m in cron.minute))
    except Exception:
        return None
    if not days or not times:
        return None
    return Schedule(days=days, times=times)


def schedule_label(row: _StoredSchedule) -> str:
    """The schedule as people read it, or a German note that it must be saved again."""
    schedule = schedule_of(row)
    if schedule is None:
        return _("ungültiger Zeitplan, bitte neu speichern")
    return schedule.label()


def schedule_from_post(post: Any) -> dict[str, Any] | None:
    """The picker's values from a portal form (a QueryDict), or None when the form has none.

    The picker sends ``schedule_days`` (one checkbox per weekday) and ``schedule_times``
    ("02:00" or "02:00, 14:00"); crontab fields (``schedule_minute`` …) are read too.
    """
    if "schedule_days" in post or "schedule_times" in post or "schedule_picker" in post:
        return {"days": post.getlist("schedule_days"), "times": post.get("schedule_times", "")}
    legacy = {
        key: post[f"schedule_{key}"]
        for key in ("minute", "hour", "day_of_week")
        if f"schedule_{key}" in post
    }
    return legacy or None


def schedule_picker(
    row: _StoredSchedule | None,
    default: Mapping[str, str],
    posted: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What the picker shows: the weekdays with labels and whether chosen, and the times.

    After a refused save it shows what was entered (``posted``), so nothing typed is lost.
    """
    schedule = schedule_of(row) if row is not None else None
    preset = schedule_clean(default)
    if schedule is None:
        schedule = preset
    days = set(schedule.days)
    times = ", ".join(schedule.time_texts)
    if posted and "days" in posted:
        days = {_DAY_ALIASES.get(str(d).lower(), "") for d in _items(posted.get("days"))}
        times = str(posted.get("times") or "")[:200]
    return {
        "days": [
            {"value": day, "label": weekday_label(day), "checked": day in days} for day in WEEKDAYS
        ],
        "times": times,
        "label": schedule_label(row) if row is not None else schedule.label(),
        "min_interval": min_interval_minutes(),
        # Where the schedule comes from: the product's preset until someone changes it.
        "preset": preset.label(),
        "is_preset": schedule.label() == preset.label(),
        "spread": int(getattr(settings, "SYNC_SCHEDULE_SPREAD_MINUTES", 0)),
    }
