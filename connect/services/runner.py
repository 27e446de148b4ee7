"""Execute one run to a known end state (``sync_logs.sync_run_request`` asks for one).

Execution builds the run's settings, facilioo client, ERP connector and ledger, lets the use
case's engine work, and maps every way a run can end onto a final status.
"""

from __future__ import annotations

import logging
from contextlib import closing
from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from connect import jobs
from connect.models import (
    FaciliooConnection,
    RunStatus,
    SyncRun,
    UseCaseActivation,
)
from connect.selectors.credentials import facilioo_client_for
from connect.selectors.erp_sources import NoValidExport, connector_for_customer
from connect.services.alerts import alerts_after_run
from connect.services.erp_freshness import erp_run_before_read
from connect.services.run_ledger import OrmRunLedger
from connect.services.sync_logs import (
    RUN_LOCK_TTL,
    run_lock_key,
    sync_run_finish,
    sync_run_next_waiting,
    sync_run_start_within_limit,
)
from integrations import registry
from integrations.erp.file.reader import ExportChanged
from integrations.erp.file.report import InvalidExport
from integrations.facilioo.errors import (
    FaciliooConfigurationError,
    FaciliooCredentialsError,
)
from integrations.phrases import Phrase, phrase, to_data
from integrations.sync.engine import RunCancelled, SafetyBrakeTripped

logger = logging.getLogger(__name__)

# A run's heartbeat comes at least once per batch; far longer silence means its worker is gone.
# After RESUME_AFTER of silence the run is handed to a new task (sync_resume_orphaned), until it
# was started MAX_ATTEMPTS times; after STALE_AFTER the reaper fails it.
RESUME_AFTER = timedelta(minutes=5)
STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 8


def invalid_export_message(exc: InvalidExport) -> Phrase:
    errors = exc.report.errors
    first = errors[0].render_de() if errors else ""
    return phrase(
        gettext_noop(
            "Der ERP-Export ist ungültig, es wurde nichts synchronisiert. Der Prüfbericht nennt "
            "%(count)s Fehler, zuerst: %(first)s"
        ),
        count=len(errors),
        first=first,
    )


def sync_run_execute(*, run_id: int, client_options: dict[str, Any] | None = None) -> SyncRun:
    """Run (or resume) a run to its end. Transient facilioo errors propagate for a task retry."""
    run = SyncRun.objects.select_related("customer").get(pk=run_id)
    # A redelivered task and its still-living original must not both work on one run. The
    # executor holds the lock, renewed by every heartbeat; the lock of a run silent for
    # RESUME_AFTER belongs to a dead worker and is taken over.
    lock_key = run_lock_key(run.pk)
    if not cache.add(lock_key, "1", timeout=RUN_LOCK_TTL):
        if timezone.now() - (run.heartbeat_at or run.created_at) < RESUME_AFTER:
            logger.warning("run already executing elsewhere", extra={"run": run.pk})
            return run
        cache.set(lock_key, "1", timeout=RUN_LOCK_TTL)
    try:
        if not sync_run_start_within_limit(
            run=run,
            max_per_customer=int(django_settings.SYNC_MAX_RUNS_PER_CUSTOMER),
            fresh=RESUME_AFTER,
        ):
            return run  # final already, or waiting for a slot of its customer
        try:
            run = _execute(run, client_options or {})
        finally:
            hand_on_waiting(customer_id=run.customer_id)
    finally:
        cache.delete(lock_key)
    run_alerts(run)
    return run


def hand_on_waiting(*, customer_id: int) -> list[int]:
    """Enqueue the runs of the customer that waited for a slot (as many as may run)."""
    waiting = sync_run_next_waiting(customer_id=customer_id)[
        : max(1, int(django_settings.SYNC_MAX_RUNS_PER_CUSTOMER))
    ]
    for run_id in waiting:
        jobs.enqueue(jobs.SYNC_RUN, run_id)
    return waiting


def run_alerts(run: SyncRun) -> None:
    """Open, update or close the alerts of a finished run; never fails the run itself."""
    try:
        alerts_after_run(run=run)
    except Exception:
        logger.exception("alerts after run failed", extra={"run": run.pk})


def _refusal(
    run: SyncRun, activation: UseCaseActivation | None, connection: FaciliooConnection | None
) -> Phrase | None:
    """Why the run cannot start, or None."""
    if activation is None or not activation.settings:
        return phrase(gettext_noop("Der Datenbereich ist nicht eingerichtet."))
    if connection is None:
        return phrase(gettext_noop("Es ist keine facilioo-Verbindung eingerichtet."))
    if run.use_case not in registry.ENTRIES:
        return phrase(gettext_noop("Dieser Datenbereich kann noch nicht synchronisiert werden."))
    return None


def _ended_early(exc: Exception, connection: FaciliooConnection) -> tuple[str, str | Phrase] | None:
    """How an engine that raised ``exc`` ends its run: (status, message), or None when the
    exception is not one a run ends with (it propagates; a transient facilioo error makes the
    task retry, and the run resumes after its last committed batch)."""
    if isinstance(exc, RunCancelled):
        return RunStatus.CANCELLED, phrase(gettext_noop("Abgebrochen."))
    if isinstance(exc, InvalidExport):
        # Refused before a single record was read: nothing was written.
        return RunStatus.FAILED, invalid_export_message(exc)
    if isinstance(exc, ExportChanged):
        return RunStatus.FAILED, exc.sentence
    if isinstance(exc, SafetyBrakeTripped):
        return RunStatus.FAILED, exc.sentence
    if isinstance(exc, FaciliooCredentialsError):
        connection.state = "failed"
        with translation.override(django_settings.LANGUAGE_CODE):
            connection.state_message = str(exc.sentence)[:500]
        connection.state_data = to_data(exc.sentence)
        connection.save(update_fields=["state", "state_message", "state_data"])
        return RunStatus.FAILED, exc.sentence
    if isinstance(exc, FaciliooConfigurationError):
        return RunStatus.FAILED, exc.sentence
    return None


def _execute(run: SyncRun, client_options: dict[str, Any]) -> SyncRun:
    customer = run.customer
    activation = UseCaseActivation.objects.filter(customer=customer, use_case=run.use_case).first()
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    refusal = _refusal(run, activation, connection)
    if refusal is not None or activation is None or connection is None:
        return sync_run_finish(run=run, status=RunStatus.FAILED, error_message=refusal or "")
    if erp_run_before_read(run=run):
        # The export the last successful run read, and unchanged settings: nothing to do.
        return sync_run_finish(run=run, status=RunStatus.SUCCEEDED, counts={})
    try:
        connector = connector_for_customer(customer)
    except NoValidExport as exc:
        return sync_run_finish(run=run, status=RunStatus.FAILED, error_message=exc.sentence)
    with (
        closing(connector),
        facilioo_client_for(connection=connection, **client_options) as client,
    ):
        sync = registry.entry(run.use_case).build_engine(
            ledger=OrmRunLedger(run),
            client=client,
            connector=connector,
            stored=activation.settings,
            today=timezone.localdate(),
        )
        try:
            sync.execute()
        except Exception as exc:
            ended = _ended_early(exc, connection)
            if ended is None:
                raise
            status, message = ended
            return sync_run_finish(
                run=run, status=status, counts=sync.counts.as_dict(), error_message=message
            )
        return sync_run_finish_executed(run=run, sync=sync)


def sync_run_finish_executed(*, run: SyncRun, sync: registry.Engine) -> SyncRun:
    """The end of a run whose engine went through: a warning when records failed or need
    someone's attention, else succeeded."""
    warn = sync.had_failures or sync.needs_attention()
    status = RunStatus.WARNING if warn else RunStatus.SUCCEEDED
    return sync_run_finish(run=run, status=status, counts=sync.counts.as_dict())


def sync_run_fail(*, run_id: int, message: str | Phrase) -> None:
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is not None and run.is_active:
        run_alerts(sync_run_finish(run=run, status=RunStatus.FAILED, error_message=message))
