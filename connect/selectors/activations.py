"""Reading activations: when a use case runs next."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.utils.translation import gettext as _

from connect.models import Customer, FaciliooConnection, UseCaseActivation
from integrations.erp.records import RecordProblem, Wirtschaftseinheit
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

# A crontab matches at least once a year (or never, e.g. "30 February").
_SEARCH_DAYS = 366


def activation_next_run(*, activation: UseCaseActivation, now: datetime) -> datetime | None:
    """When beat starts the next scheduled run (aware, in the schedule's timezone).

    None while the activation is off or paused. Local times follow the wall clock the way
    django-celery-beat does: a time skipped by the spring switch (02:30 on the last Sunday of
    March) runs an hour later, one that exists twice in autumn runs once, at the first. The
    customer's spread offset (connect.periodic.schedule_offset) comes on top, as beat adds it.
    """
    if not activation.enabled or activation.paused:
        return None
    from connect.periodic import schedule_offset

    offset = schedule_offset(activation.customer_id)
    utc = ZoneInfo("UTC")
    crontab_time = activation_next_crontab_time(
        activation=activation, now=now.astimezone(utc) - offset
    )
    if crontab_time is None:
        return None
    return (crontab_time.astimezone(utc) + offset).astimezone(crontab_time.tzinfo)


def activation_next_crontab_time(
    *, activation: UseCaseActivation, now: datetime
) -> datetime | None:
    """The next time after ``now`` the activation's crontab matches, without the offset."""
    tz = ZoneInfo(activation.schedule_timezone or "Europe/Berlin")
    cron = crontab(
        minute=activation.schedule_minute,
        hour=activation.schedule_hour,
        day_of_week=activation.schedule_day_of_week,
    )
    utc = ZoneInfo("UTC")
    now_utc = now.astimezone(utc)
    day = now.astimezone(tz).date()
    for _offset in range(_SEARCH_DAYS + 1):
        # crontab counts weekdays from Sunday = 0; Python from Monday = 0.
        if (
            (day.isoweekday() % 7) in cron.day_of_week
            and day.day in cron.day_of_month
            and day.month in cron.month_of_year
        ):
            for hour in sorted(cron.hour):
                for minute in sorted(cron.minute):
                    # fold=0: a skipped wall time maps forward, a doubled one to its first.
                    # Compared in UTC: aware times of one zone compare by their wall clock.
                    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                    candidate = local.astimezone(utc)
                    if candidate > now_utc:
                        return candidate.astimezone(tz)
        day += timedelta(days=1)
    return None


@dataclass(frozen=True)
class WeAssignment:
    """One Wirtschaftseinheit on the settings page: its tenant override and suggestion."""

    key: str  # "Mandant/WE", the shape of settings["tenant_overrides"]
    mandant_nr: str
    we_nr: str
    name: str
    override: int | None
    suggestion: int | None
    suggestion_name: str

    @property
    def field_name(self) -> str:
        return f"tenant_override__{self.key}"


@dataclass
class StammdatenSettingsPage:
    """What the Stammdaten settings page shows besides the saved settings."""

    tenants: list[dict[str, Any]] = field(default_factory=list)  # id, name, externalId
    tenants_error: str = ""
    wes: list[WeAssignment] = field(default_factory=list)
    unassigned: list[WeAssignment] = field(default_factory=list)
    # separator → records whose externalId it would make ambiguous (2.6)
    ambiguous: dict[str, int] = field(default_factory=dict)
    erp_error: str = ""


def stammdaten_settings_page(
    *, customer: Customer, current: dict[str, Any], separators: Iterable[str]
) -> StammdatenSettingsPage:
    """Tenants visible to the customer's facilioo account, the WEs of the chosen Mandanten
    (override, suggestion; unassigned ones), and per separator the ambiguous-id count.

    One ERP read of the chosen Mandanten (of all, when none is chosen yet) and one
    ``GET /api/tenants``; failures become messages on the page, never errors.
    """
    from connect.services.activations import SEPARATORS
    from connect.services.credentials import facilioo_client_for
    from integrations.erp.sources import connector_for_customer
    from integrations.facilioo.errors import FaciliooError
    from integrations.sync.ids import ambiguous_part
    from integrations.sync.stammdaten import suggest_tenant

    page = StammdatenSettingsPage()
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if connection is None:
        page.tenants_error = _("Es ist keine facilioo-Verbindung eingerichtet.")
    else:
        try:
            with facilioo_client_for(connection=connection, max_retries=1) as client:
                page.tenants = [
                    {**t, "id": int(t["id"]), "name": str(t.get("name") or "")}
                    for t in client.list_tenants()
                ]
        except FaciliooError as exc:
            page.tenants_error = str(getattr(exc, "message", "")) or _(
                "Die facilioo-Projekte konnten nicht geladen werden."
            )
        except Exception:
            logger.exception("listing facilioo tenants failed", extra={"customer": customer.pk})
            page.tenants_error = _("Die facilioo-Projekte konnten nicht geladen werden.")
    names = {t["id"]: t["name"] for t in page.tenants}
    separators = list(separators)
    page.ambiguous = dict.fromkeys(separators, 0)
    overrides = {str(k): v for k, v in (current.get("tenant_overrides") or {}).items()}
    default = current.get("default_tenant_id")
    separator = str(current.get("separator") or "-")
    try:
        connector = connector_for_customer(customer)
        chosen = [str(m) for m in current.get("mandanten") or []]
        mandanten = chosen or [m.mandant_nr for m in connector.list_mandanten()]
        for record in connector.read(UseCase.STAMMDATEN, mandanten=mandanten):
            if isinstance(record, RecordProblem):
                continue
            if isinstance(record, Wirtschaftseinheit) and record.mandant_nr in mandanten:
                key = f"{record.mandant_nr}/{record.we_nr}"
                override = overrides.get(key)
                suggestion = (
                    suggest_tenant(record, page.tenants, separator)
                    if separator in SEPARATORS
                    else None
                )
                page.wes.append(
                    WeAssignment(
                        key=key,
                        mandant_nr=record.mandant_nr,
                        we_nr=record.we_nr,
                        name=record.bezeichnung,
                        override=int(override) if override not in (None, "") else None,
                        suggestion=suggestion,
                        suggestion_name=names.get(suggestion, "") if suggestion else "",
                    )
                )
            for sep in separators:
                if ambiguous_part(record, sep) is not None:
                    page.ambiguous[sep] += 1
    except Exception as exc:
        logger.exception("reading the ERP for the settings page failed")
        page.erp_error = str(getattr(exc, "message", "")) or _(
            "Das ERP konnte nicht gelesen werden."
        )
    if default in (None, ""):
        page.unassigned = [we for we in page.wes if we.override is None]
    return page
