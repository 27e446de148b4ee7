"""Alerts: one open alert per customer, use case and cause; e-mail on opening and on resolution.

Repeated failures update the open alert (occurrences, last run, message) instead of sending
another mail. A successful run closes the open alerts of its customer and use case with one
"wieder in Ordnung" mail. Dry runs never alert.

Mails go to the customer's admins whose membership receives alerts, and to SUPPORT_EMAIL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from connect.exceptions import ApplicationError
from connect.models import (
    Alert,
    AlertKind,
    Customer,
    FaciliooConnection,
    Membership,
    RunStatus,
    SyncRun,
    SyncRunItem,
    UseCaseActivation,
    User,
)
from connect.models.credentials import ConnectionState
from connect.periodic import schedule_offset
from connect.schedules import WEEKDAYS, schedule_of
from connect.selectors.alerts import alert_recipients
from connect.services.customers import membership_set
from integrations import registry
from integrations.phrases import Phrase, phrase, sentences, to_data
from integrations.reasons import ATTENTION_REASONS

logger = logging.getLogger(__name__)

DEFAULT_OVERDUE_GRACE_MINUTES = 30
# How far back the previous due time of a schedule is searched (a weekly schedule needs 7 days).
_DUE_SEARCH_DAYS = 8


@dataclass(frozen=True)
class OverdueCheck:
    opened: list[Alert]
    closed: list[Alert]


def _use_case_label(use_case: str) -> str:
    return registry.label(use_case)


def _portal_link(path: str) -> str:
    # Mails need an absolute address when the portal's base URL is configured; a path otherwise.
    return f"{getattr(settings, 'PORTAL_BASE_URL', '').rstrip('/')}{path}"


def _alert_link(alert: Alert) -> str:
    slug = alert.customer.slug
    if alert.last_run_id is not None:
        return _portal_link(
            reverse("portal:run", kwargs={"slug": slug, "run_id": alert.last_run_id})
        )
    return _portal_link(reverse("portal:runs", kwargs={"slug": slug}))


def _send(*, customer: Customer, template: str, context: dict[str, object]) -> bool:
    recipients = alert_recipients(customer=customer)
    if not recipients:
        return False
    context = {"customer": customer, **context}
    subject = " ".join(render_to_string(f"connect/email/{template}_subject.txt", context).split())
    body = render_to_string(f"connect/email/{template}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    except Exception:
        # A mail server that is down must not fail the run's bookkeeping; the alert stays
        # unnotified and the next occurrence tries again.
        logger.exception("alert mail not sent", extra={"customer": customer.pk})
        return False
    return True


def _notify_opened(alert: Alert) -> None:
    sent = _send(
        customer=alert.customer,
        template="alert_opened",
        context={
            "alert": alert,
            "kind_label": alert.get_kind_display(),
            "use_case_label": _use_case_label(alert.use_case),
            "link": _alert_link(alert),
        },
    )
    if sent:
        Alert.objects.filter(pk=alert.pk).update(notified_at=timezone.now())
        alert.refresh_from_db(fields=["notified_at"])


def _notify_resolved(
    *, customer: Customer, use_case: str, alerts: list[Alert], run: SyncRun | None
) -> None:
    if not alerts:
        return
    path = (
        reverse("portal:run", kwargs={"slug": customer.slug, "run_id": run.pk})
        if run is not None
        else reverse("portal:runs", kwargs={"slug": customer.slug})
    )
    _send(
        customer=customer,
        template="alert_resolved",
        context={
            "alerts": [{"kind_label": a.get_kind_display(), "alert": a} for a in alerts],
            "use_case_label": _use_case_label(use_case),
            "run": run,
            "link": _portal_link(path),
        },
    )


def _open_or_update(
    *, customer: Customer, use_case: str, kind: str, message: str | Phrase, run: SyncRun | None
) -> tuple[Alert, bool]:
    """The open alert of this cause, updated; or a new one. Returns (alert, newly opened).

    A ``Phrase`` is stored as codes (shown in the reader's language) and as German text."""
    data = to_data(message)
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update()
            .filter(customer=customer, use_case=use_case, kind=kind, closed_at__isnull=True)
            .first()
        )
        if alert is None:
            try:
                with transaction.atomic():
                    created = Alert.objects.create(
                        customer=customer,
                        use_case=use_case,
                        kind=kind,
                        message=text,
                        message_data=data,
                        last_run=run,
                    )
            except IntegrityError:
                # Opened a moment ago by a concurrent worker: update that one instead.
                alert = Alert.objects.select_for_update().get(
                    customer=customer, use_case=use_case, kind=kind, closed_at__isnull=True
                )
            else:
                return created, True
        if run is not None and alert.last_run_id == run.pk:
            return alert, False  # the same run reported twice (runner and task failure hook)
        alert.occurrences += 1
        alert.message = text
        alert.message_data = data
        if run is not None:
            alert.last_run = run
        alert.save(
            update_fields=["occurrences", "message", "message_data", "last_run", "last_seen_at"]
        )
        return alert, False


def _close(
    *, customer: Customer, use_case: str, kinds: Iterable[str] | None = None, now: datetime
) -> list[Alert]:
    with transaction.atomic():
        open_alerts = Alert.objects.select_for_update().filter(
            customer=customer, use_case=use_case, closed_at__isnull=True
        )
        if kinds is not None:
            open_alerts = open_alerts.filter(kind__in=list(kinds))
        closed = list(open_alerts.order_by("id"))
        Alert.objects.filter(pk__in=[a.pk for a in closed]).update(closed_at=now)
    for alert in closed:
        alert.closed_at = now
    return closed


def _attention_skips(run: SyncRun) -> dict[str, int]:
    """Reason code → how many records the run skipped for a reason someone must act on."""
    rows = (
        SyncRunItem.objects.filter(run=run, action="skipped", reason__in=list(ATTENTION_REASONS))
        .values("reason")
        .annotate(n=Count("id"))
    )
    return {row["reason"]: row["n"] for row in rows}


def _records_skipped_message(skipped: dict[str, int]) -> Phrase:
    # One form for one record, one for more (German and English count alike).
    parts = []
    if n := skipped.get("foreign_match"):
        parts.append(
            phrase(
                gettext_noop(
                    "%(n)s Datensatz trägt in facilioo Ihre externe ID außerhalb Ihrer Mandanten "
                    "(Projekte) und wurde nicht übernommen."
                )
                if n == 1
                else gettext_noop(
                    "%(n)s Datensätze tragen in facilioo Ihre externe ID außerhalb Ihrer "
                    "Mandanten (Projekte) und wurden nicht übernommen."
                ),
                n=n,
            )
        )
    if n := skipped.get("missing_reference"):
        parts.append(
            phrase(
                gettext_noop(
                    "%(n)s Datensatz verweist auf einen fehlenden Datensatz und wurde nicht "
                    "übertragen."
                )
                if n == 1
                else gettext_noop(
                    "%(n)s Datensätze verweisen auf fehlende Datensätze und wurden nicht "
                    "übertragen."
                ),
                n=n,
            )
        )
    parts.append(phrase(gettext_noop("Einzelheiten stehen im Protokoll des Laufs.")))
    return sentences(*parts)


def _credentials_rejected(run: SyncRun) -> bool:
    """The runner marks the connection failed with the very message it fails the run with."""
    connection = FaciliooConnection.objects.filter(customer_id=run.customer_id).first()
    return (
        connection is not None
        and connection.state == ConnectionState.FAILED
        and bool(connection.state_message)
        and run.error_message.startswith(connection.state_message)
    )


def alerts_after_run(*, run: SyncRun, kind: str | None = None) -> Alert | None:
    """React to a run that reached its final status; returns the alert opened or updated.

    failed → open (or update) the run_failed or credentials_rejected alert; mail when opened.
    succeeded, with or without warnings → close the open alerts of the use case; one mail.
    Any real run that started also closes the overdue alert: the schedule works again.
    """
    run.refresh_from_db()
    if run.dry_run or run.is_active:
        return None
    customer = Customer.objects.get(pk=run.customer_id)
    now = timezone.now()
    if run.status in (RunStatus.SUCCEEDED, RunStatus.WARNING):
        skipped = _attention_skips(run) if run.status == RunStatus.WARNING else {}
        kinds = [k for k in AlertKind.values if not (skipped and k == AlertKind.RECORDS_SKIPPED)]
        closed = _close(customer=customer, use_case=run.use_case, kinds=kinds, now=now)
        _notify_resolved(customer=customer, use_case=run.use_case, alerts=closed, run=run)
        if not skipped:
            return None
        alert, opened = _open_or_update(
            customer=customer,
            use_case=run.use_case,
            kind=AlertKind.RECORDS_SKIPPED,
            message=_records_skipped_message(skipped),
            run=run,
        )
        alert.customer = customer
        if opened or alert.notified_at is None:
            _notify_opened(alert)
        return alert
    if run.started_at is not None:
        _close(customer=customer, use_case=run.use_case, kinds=[AlertKind.RUN_OVERDUE], now=now)
    if run.status != RunStatus.FAILED:
        return None
    if kind is None:
        rejected = _credentials_rejected(run)
        kind = AlertKind.CREDENTIALS_REJECTED if rejected else AlertKind.RUN_FAILED
    message: str | Phrase = run.error_message or phrase(
        gettext_noop("Der Lauf ist fehlgeschlagen.")
    )
    stored = Phrase.from_data(run.error_data)
    if stored is not None:
        message = stored
    alert, opened = _open_or_update(
        customer=customer, use_case=run.use_case, kind=kind, message=message, run=run
    )
    alert.customer = customer
    # Notify once per alert; an alert whose first mail failed is tried again on its next run.
    if opened or alert.notified_at is None:
        _notify_opened(alert)
    return alert


def activation_previous_due(*, activation: UseCaseActivation, at: datetime) -> datetime | None:
    """The latest time at or before `at` when beat started the activation's scheduled run
    (in its time zone): a schedule time plus the customer's spread offset.

    None when nothing was due in the last week, or when the stored schedule is not valid.
    """

    offset = schedule_offset(activation.customer_id)
    due = _previous_schedule_time(activation=activation, at=(at.astimezone(UTC) - offset))
    return None if due is None else (due.astimezone(UTC) + offset).astimezone(due.tzinfo)


def _previous_schedule_time(*, activation: UseCaseActivation, at: datetime) -> datetime | None:
    schedule = schedule_of(activation)
    if schedule is None:
        return None
    zone = ZoneInfo(activation.schedule_timezone or "Europe/Berlin")
    local_day = at.astimezone(zone).date()
    times = sorted((time(h, m) for h, m in schedule.times), reverse=True)
    for back in range(_DUE_SEARCH_DAYS):
        day: date = local_day - timedelta(days=back)
        if WEEKDAYS[day.weekday()] not in schedule.days:
            continue
        for at_time in times:
            candidate = datetime.combine(day, at_time, tzinfo=zone)
            if candidate <= at:
                return candidate
    return None


def _check_overdue(
    activation: UseCaseActivation,
    *,
    now: datetime,
    grace: timedelta,
    opened: list[Alert],
    closed: list[Alert],
) -> None:
    """The overdue check of one activation (alerts_check_overdue)."""
    customer = activation.customer
    if schedule_of(activation) is None:
        logger.warning(
            "Activation %s (%s) of customer %s has an invalid schedule; it is not checked.",
            activation.pk,
            activation.use_case,
            customer.slug,
        )
        return
    due = activation_previous_due(activation=activation, at=now - grace)
    configured_at = max(
        d for d in (activation.activated_at, activation.updated_at) if d is not None
    )
    if due is None or due < configured_at:
        return  # nothing was due since the schedule was set up or last changed
    ran = (
        SyncRun.objects.filter(
            customer=customer,
            use_case=activation.use_case,
            dry_run=False,
            created_at__gte=due - timedelta(minutes=1),
        )
        .exclude(status=RunStatus.QUEUED)
        .exists()
    )
    if ran:
        resolved = _close(
            customer=customer,
            use_case=activation.use_case,
            kinds=[AlertKind.RUN_OVERDUE],
            now=now,
        )
        _notify_resolved(customer=customer, use_case=activation.use_case, alerts=resolved, run=None)
        closed += resolved
        return
    due_label = timezone.localtime(due, ZoneInfo(activation.schedule_timezone)).strftime(
        "%d.%m.%Y %H:%M"
    )
    message = phrase(
        gettext_noop(
            "Der geplante Lauf von %(due)s hat nicht begonnen. Läuft Celery Beat, und arbeitet "
            "ein Worker die Warteschlange ab?"
        ),
        due=due_label,
    )
    existing = Alert.objects.filter(
        customer=customer,
        use_case=activation.use_case,
        kind=AlertKind.RUN_OVERDUE,
        closed_at__isnull=True,
    ).first()
    if existing is not None and existing.message_data == to_data(message):
        return  # the same missed due time, already reported
    alert, is_new = _open_or_update(
        customer=customer,
        use_case=activation.use_case,
        kind=AlertKind.RUN_OVERDUE,
        message=message,
        run=None,
    )
    alert.customer = customer
    if is_new or alert.notified_at is None:
        _notify_opened(alert)
    opened.append(alert)


def alerts_check_overdue(*, now: datetime | None = None) -> OverdueCheck:
    """Open an overdue alert for each scheduled activation whose last due run did not start.

    A due time counts once its grace period (ALERT_OVERDUE_GRACE_MINUTES) has passed. A real
    run created at or after that due time which left the queue means the schedule works; a run
    still queued after the grace period means the queue is stuck.
    """
    now = now or timezone.now()
    grace = timedelta(
        minutes=getattr(settings, "ALERT_OVERDUE_GRACE_MINUTES", DEFAULT_OVERDUE_GRACE_MINUTES)
    )
    opened: list[Alert] = []
    closed: list[Alert] = []
    watched: set[tuple[int, str]] = set()
    activations = UseCaseActivation.objects.filter(
        enabled=True, paused=False, customer__is_active=True
    ).select_related("customer")
    for activation in activations:
        watched.add((activation.customer_id, activation.use_case))
        # Each activation on its own: a broken one is logged, and the others are still checked.
        try:
            with transaction.atomic():
                _check_overdue(activation, now=now, grace=grace, opened=opened, closed=closed)
        except Exception:
            logger.exception(
                "Overdue check of activation %s (%s) failed; the others go on.",
                activation.pk,
                activation.use_case,
            )
    # Overdue alerts of schedules that were paused or switched off are no longer true.
    for alert in Alert.objects.filter(kind=AlertKind.RUN_OVERDUE, closed_at__isnull=True):
        if (alert.customer_id, alert.use_case) not in watched:
            Alert.objects.filter(pk=alert.pk).update(closed_at=now)
            alert.closed_at = now
            closed.append(alert)
    return OverdueCheck(opened=opened, closed=closed)


@transaction.atomic
def membership_alerts_set(
    *, customer: Customer, membership_id: int, receives_alerts: bool, actor: User | None
) -> Membership:
    """Whether one member of the customer receives alert mails (audited)."""

    membership = (
        Membership.objects.select_related("user")
        .filter(customer=customer, pk=membership_id)
        .first()
    )
    if membership is None:
        raise ApplicationError(_("Benutzer nicht gefunden."))
    return membership_set(
        customer=customer,
        user=membership.user,
        role=membership.role,
        actor=actor,
        receives_alerts=receives_alerts,
    )


def alert_parse_aborted(*, customer: Customer, message: str | Phrase) -> Alert:
    """Open (or count again) the alert that reading an ERP export was aborted: the task's worker
    was killed on every attempt (its memory ceiling, say), so the export is not read again."""
    alert, is_new = _open_or_update(
        customer=customer, use_case="", kind=AlertKind.PARSE_ABORTED, message=message, run=None
    )
    alert.customer = customer
    if is_new or alert.notified_at is None:
        _notify_opened(alert)
    return alert
