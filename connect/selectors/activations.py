"""Reading activations: when a use case runs next."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError, UseCaseNotActive
from connect.models import Customer, FaciliooConnection, UseCaseActivation
from connect.periodic import schedule_offset
from connect.schedules import WEEKDAYS, schedule_of
from connect.selectors.credentials import facilioo_client_for
from connect.selectors.erp_exports import erp_export_current
from connect.selectors.erp_sources import connector_for_customer, erp_mandanten
from integrations import registry
from integrations.erp.records import RecordProblem, Wirtschaftseinheit
from integrations.facilioo.errors import FaciliooError
from integrations.sync.ids import AmbiguityCount
from integrations.sync.settings import DEFAULT_SEPARATOR, SEPARATORS
from integrations.sync.stammdaten_bodies import suggest_tenant
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

# A weekly schedule fires within 7 days; one more for a time already passed today.
_SEARCH_DAYS = 8


def activation_require_enabled(*, customer: Customer, use_case: str) -> UseCaseActivation:
    """The customer's activation of the use case; ``UseCaseNotActive`` when it is not switched
    on (a run of it would only fail seconds later)."""
    activation = UseCaseActivation.objects.filter(
        customer=customer, use_case=use_case, enabled=True
    ).first()
    if activation is None:
        raise UseCaseNotActive(
            _(
                "„%(name)s“ ist nicht aktiviert. Bitte speichern Sie zuerst die Einstellungen "
                "von %(name)s; damit wird es aktiviert."
            )
            % {"name": registry.label(use_case)}
        )
    return activation


def activation_next_run(*, activation: UseCaseActivation, now: datetime) -> datetime | None:
    """When beat starts the next scheduled run (aware, in the schedule's timezone).

    None while the activation is off or paused. Local times follow the wall clock the way
    django-celery-beat does: a time skipped by the spring switch (02:30 on the last Sunday of
    March) runs an hour later, one that exists twice in autumn runs once, at the first. The
    customer's spread offset (connect.periodic.schedule_offset) comes on top, as beat adds it.
    """
    if not activation.enabled or activation.paused:
        return None

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
    schedule = schedule_of(activation)
    if schedule is None:
        return None  # a row saved before schedules were validated: the page says so
    tz = ZoneInfo(activation.schedule_timezone or "Europe/Berlin")
    utc = ZoneInfo("UTC")
    now_utc = now.astimezone(utc)
    day = now.astimezone(tz).date()
    for _offset in range(_SEARCH_DAYS + 1):
        if WEEKDAYS[day.weekday()] in schedule.days:
            for hour, minute in schedule.times:
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
    tenants_loaded_at: datetime | None = None
    tenants_pending: bool = False  # not in the cache, and this visit may not load them


# The settings page's data from facilioo and the ERP, kept this long per customer (seconds).
SETTINGS_CACHE_SECONDS_DEFAULT = 300


def _cache_seconds() -> int:
    return int(getattr(settings, "SETTINGS_PAGE_CACHE_SECONDS", SETTINGS_CACHE_SECONDS_DEFAULT))


def _generation(customer: Customer) -> int:
    """Bumped by the refresh button: every cached entry of the customer is then out of date."""
    return int(cache.get(f"connect:settings-page:{customer.pk}:generation") or 0)


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _credentials_fingerprint(connection: FaciliooConnection) -> str:
    """Changes whenever the account, its password or the environment change."""
    return _fingerprint(
        connection.environment,
        connection.username,
        connection.password_set_at.isoformat() if connection.password_set_at else "",
        hashlib.sha256(bytes(connection.password_encrypted or b"")).hexdigest(),
    )


def _export_fingerprint(customer: Customer) -> str:
    """Changes whenever the ERP data the page reads can change: source, demo size, upload."""

    if customer.erp_source == "demo":
        return _fingerprint("demo", customer.demo_units, customer.demo_seed)
    export = erp_export_current(customer=customer)
    if export is not None:
        return _fingerprint("upload", export.pk, export.size, export.uploaded_at.isoformat())
    path = Path(customer.erp_path or "")
    try:
        stat = path.stat()
        return _fingerprint("path", path, stat.st_size, stat.st_mtime_ns)
    except OSError:
        return _fingerprint("path", path, "missing")


@dataclass(frozen=True)
class _Tenants:
    tenants: list[dict[str, Any]]
    error: str


def _load_tenants(customer: Customer, connection: FaciliooConnection) -> _Tenants:

    try:
        with facilioo_client_for(connection=connection, max_retries=1) as client:
            tenants = [
                {**t, "id": int(t["id"]), "name": str(t.get("name") or "")}
                for t in client.list_tenants()
            ]
        return _Tenants(tenants=tenants, error="")
    except FaciliooError as exc:
        message = str(getattr(exc, "message", "")) or _(
            "Die facilioo-Projekte konnten nicht geladen werden."
        )
        return _Tenants(tenants=[], error=message)
    except Exception:
        logger.exception("listing facilioo tenants failed", extra={"customer": customer.pk})
        return _Tenants(tenants=[], error=_("Die facilioo-Projekte konnten nicht geladen werden."))


def _tenants_for_page(
    customer: Customer, connection: FaciliooConnection, *, may_load: bool
) -> tuple[_Tenants | None, datetime | None]:
    """The customer's facilioo projects from the cache; loaded on a miss only if ``may_load``."""
    key = (
        f"connect:settings-page:{customer.pk}:{_generation(customer)}:tenants:"
        f"{_credentials_fingerprint(connection)}"
    )
    hit = cache.get(key)
    if hit is not None:
        return _Tenants(tenants=hit["tenants"], error=hit["error"]), hit["loaded_at"]
    if not may_load:
        return None, None
    loaded = _load_tenants(customer, connection)
    now = timezone.now()
    if not loaded.error:  # a failure is tried again on the next visit, not kept
        cache.set(
            key,
            {"tenants": loaded.tenants, "error": "", "loaded_at": now},
            _cache_seconds(),
        )
    return loaded, now


def facilioo_projects(*, customer: Customer) -> tuple[list[dict[str, Any]], str]:
    """The facilioo projects the customer's account sees (cached like the settings page's), and
    a German message instead when there is no connection or facilioo cannot be asked."""
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if connection is None:
        return [], _("Es ist noch keine facilioo-Verbindung eingerichtet.")
    loaded, _loaded_at = _tenants_for_page(customer, connection, may_load=True)
    if loaded is None:  # pragma: no cover - may_load always loads
        return [], ""
    return sorted(loaded.tenants, key=lambda t: (t["name"].casefold(), t["id"])), loaded.error


def stammdaten_default_project(*, customer: Customer) -> int | None:
    """The Stammdaten default facilioo project (where the probe writes when none is chosen)."""
    activation = UseCaseActivation.objects.filter(customer=customer, use_case="stammdaten").first()
    value = (activation.settings or {}).get("default_tenant_id") if activation else None
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _erp_for_page(customer: Customer, mandanten: list[str]) -> dict[str, Any]:
    """The WEs of the chosen Mandanten (of all, when none is chosen) and, per separator, how
    many records it makes ambiguous; from the cache, keyed by the export's fingerprint."""

    key = (
        f"connect:settings-page:{customer.pk}:{_generation(customer)}:erp:"
        f"{_export_fingerprint(customer)}:{_fingerprint(*sorted(mandanten))}"
    )
    hit = cache.get(key)
    if hit is not None:
        return dict(hit)
    connector = connector_for_customer(customer)
    wes: list[tuple[str, str, str]] = []
    ambiguity = AmbiguityCount(SEPARATORS)
    try:
        chosen = mandanten or [m.mandant_nr for m in connector.list_mandanten()]
        for record in connector.read(UseCase.STAMMDATEN, mandanten=chosen):
            if isinstance(record, RecordProblem):
                continue
            ambiguity.add(record)
            if isinstance(record, Wirtschaftseinheit) and record.mandant_nr in chosen:
                wes.append((record.mandant_nr, record.we_nr, record.bezeichnung))
    finally:
        connector.close()
    ambiguous = ambiguity.counts
    value = {"wes": wes, "ambiguous": ambiguous}
    cache.set(key, value, _cache_seconds())
    return value


def stammdaten_settings_refresh(*, customer: Customer) -> None:
    """The refresh button: the next visit reads facilioo and the ERP again."""
    key = f"connect:settings-page:{customer.pk}:generation"
    cache.set(key, _generation(customer) + 1, None)


def stammdaten_settings_page(
    *,
    customer: Customer,
    current: dict[str, Any],
    separators: Iterable[str],
    may_load_tenants: bool = True,
) -> StammdatenSettingsPage:
    """Tenants visible to the customer's facilioo account, the WEs of the chosen Mandanten
    (override, suggestion; unassigned ones), and per separator the ambiguous-id count.

    Both come from a short-lived cache per customer (``SETTINGS_PAGE_CACHE_SECONDS``), keyed
    by the fingerprints of the credentials and of the ERP export, so that a new password or a
    new upload is read at once. On a miss the facilioo projects are loaded only when
    ``may_load_tenants`` (people who may change or operate; a viewer's visit never logs in to
    facilioo). Failures become messages on the page, never errors.
    """

    page = StammdatenSettingsPage()
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if connection is None:
        page.tenants_error = _("Es ist keine facilioo-Verbindung eingerichtet.")
    else:
        loaded, page.tenants_loaded_at = _tenants_for_page(
            customer, connection, may_load=may_load_tenants
        )
        if loaded is None:
            page.tenants_pending = True
        else:
            page.tenants, page.tenants_error = loaded.tenants, loaded.error
    names = {t["id"]: t["name"] for t in page.tenants}
    page.ambiguous = dict.fromkeys(separators, 0)
    overrides = {str(k): v for k, v in (current.get("tenant_overrides") or {}).items()}
    default = current.get("default_tenant_id")
    separator = str(current.get("separator") or DEFAULT_SEPARATOR)
    try:
        erp = _erp_for_page(customer, [str(m) for m in current.get("mandanten") or []])
        for mandant_nr, we_nr, bezeichnung in erp["wes"]:
            key = f"{mandant_nr}/{we_nr}"
            override = overrides.get(key)
            we = Wirtschaftseinheit(mandant_nr=mandant_nr, we_nr=we_nr, bezeichnung=bezeichnung)
            suggestion = (
                suggest_tenant(we, page.tenants, separator) if separator in SEPARATORS else None
            )
            page.wes.append(
                WeAssignment(
                    key=key,
                    mandant_nr=mandant_nr,
                    we_nr=we_nr,
                    name=bezeichnung,
                    override=int(override) if override not in (None, "") else None,
                    suggestion=suggestion,
                    suggestion_name=names.get(suggestion, "") if suggestion else "",
                )
            )
        for sep in separators:
            page.ambiguous[sep] = int(erp["ambiguous"].get(sep, 0))
    except Exception as exc:
        logger.exception("reading the ERP for the settings page failed")
        page.erp_error = str(getattr(exc, "message", "")) or _(
            "Das ERP konnte nicht gelesen werden."
        )
    if default in (None, ""):
        page.unassigned = [we for we in page.wes if we.override is None]
    return page


def activation_mandanten(*, customer: Customer) -> list[str]:
    """The Mandant numbers the customer's use cases are set to (a suggestion of an import
    profile proposes the one number when no column of the sample names the Mandant)."""
    numbers: set[str] = set()
    for activation in UseCaseActivation.objects.filter(customer=customer):
        numbers.update(str(number) for number in activation.settings.get("mandanten") or [])
    return sorted(numbers)


def mandanten_scope(
    *, customer: Customer, replacing: tuple[str, list[str]] | None = None
) -> frozenset[str] | None:
    """The Mandanten whose records the customer writes into facilioo; None: all of them.

    Composite ids start with the Mandant number, so this is what two customers on one facilioo
    account must not share. It is the union of the Mandanten chosen in the customer's use cases
    (Stammdaten, Dokumente); a use case saved without a choice counts as all Mandanten. A
    customer without any settings yet writes nothing: the Mandanten of its current ERP export
    stand for the choice it will make (saving settings is checked again), and without a
    readable export it counts as all Mandanten.

    ``replacing``: (use case, Mandanten) about to be saved instead of the stored ones.
    """

    chosen: dict[str, list[str]] = {
        activation.use_case: [str(m) for m in activation.settings.get("mandanten") or []]
        for activation in UseCaseActivation.objects.filter(customer=customer)
    }
    if replacing is not None:
        chosen[replacing[0]] = list(replacing[1])
    if chosen:
        if not all(chosen.values()):
            return None
        return frozenset(m for mandanten in chosen.values() for m in mandanten)
    try:
        return frozenset(m.mandant_nr for m in erp_mandanten(customer=customer))
    except ApplicationError:
        return None


def facilioo_account_sharers(
    *, customer: Customer, username: str | None = None, environment: str | None = None
) -> list[Customer]:
    """The other customers connected to the customer's facilioo account (or to the account
    ``username`` in ``environment``), by name."""
    if username is None or environment is None:
        connection = FaciliooConnection.objects.filter(customer=customer).first()
        if connection is None:
            return []
        username, environment = connection.username, connection.environment
    return [
        c.customer
        for c in FaciliooConnection.objects.filter(
            username__iexact=username.strip(), environment=environment
        )
        .exclude(customer=customer)
        .select_related("customer")
        .order_by("customer__name")
    ]
