"""Execute one run: build its settings, facilioo client and ERP connector; end in a known state."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from connect.models import FaciliooConnection, RunStatus, SyncRun, UseCaseActivation
from connect.services.credentials import facilioo_password
from connect.services.sync_logs import (
    RUN_LOCK_TTL,
    run_lock_key,
    sync_run_finish,
    sync_run_start,
)
from integrations.erp.file import ExportChanged, InvalidExport
from integrations.erp.sources import NoValidExport, connector_for_customer
from integrations.facilioo.client import FaciliooClient
from integrations.facilioo.errors import (
    FaciliooConfigurationError,
    FaciliooCredentialsError,
    FaciliooTransientError,
)
from integrations.sync.dokumente_engine import DokumenteSync, dokumente_settings
from integrations.sync.engine import RunCancelled, SafetyBrakeTripped, StammdatenSync
from integrations.sync.types import StammdatenSettings
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

# A run's heartbeat comes at least once per batch; far longer silence means its worker is gone.
# After RESUME_AFTER of silence the run is handed to a new task (sync_resume_orphaned), until it
# was started MAX_ATTEMPTS times; after STALE_AFTER the reaper fails it.
RESUME_AFTER = timedelta(minutes=5)
STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 8


class RunNotExecutable(Exception):
    pass


def stammdaten_settings(raw: dict[str, Any]) -> StammdatenSettings:
    overrides: dict[tuple[str, str], int] = {}
    for we, tenant in (raw.get("tenant_overrides") or {}).items():
        mandant, _sep, we_nr = str(we).partition("/")
        overrides[(mandant, we_nr)] = int(tenant)
    default = raw.get("default_tenant_id")
    return StammdatenSettings(
        separator=raw.get("separator", "-"),
        mandanten=frozenset(str(m) for m in raw.get("mandanten") or ()),
        default_tenant_id=int(default) if default not in (None, "") else None,
        tenant_overrides=overrides,
        deletion_policy=raw.get("deletion_policy", "terminate"),
        safety_brake_percent=int(raw.get("safety_brake_percent", 20)),
    )


def invalid_export_message(exc: InvalidExport) -> str:
    errors = exc.report.errors
    first = errors[0].render_de() if errors else ""
    return _(
        "Der ERP-Export ist ungültig, es wurde nichts synchronisiert. Der Prüfbericht nennt "
        "%(count)s Fehler, zuerst: %(first)s"
    ) % {"count": len(errors), "first": first}


def facilioo_client_for_run(connection: FaciliooConnection, **options: Any) -> FaciliooClient:
    return FaciliooClient.for_environment(
        connection.environment,
        connection.username,
        facilioo_password(connection=connection),
        **options,
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
        if not sync_run_start(run=run):
            return run
        run = _execute(run, client_options or {})
    finally:
        cache.delete(lock_key)
    run_alerts(run)
    return run


def run_alerts(run: SyncRun) -> None:
    """Open, update or close the alerts of a finished run; never fails the run itself."""
    from connect.services.alerts import alerts_after_run

    try:
        alerts_after_run(run=run)
    except Exception:
        logger.exception("alerts after run failed", extra={"run": run.pk})


def _execute(run: SyncRun, client_options: dict[str, Any]) -> SyncRun:
    customer = run.customer
    activation = UseCaseActivation.objects.filter(customer=customer, use_case=run.use_case).first()
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if activation is None or not activation.settings:
        return sync_run_finish(
            run=run,
            status=RunStatus.FAILED,
            error_message=_("Der Anwendungsfall ist nicht eingerichtet."),
        )
    if connection is None:
        return sync_run_finish(
            run=run,
            status=RunStatus.FAILED,
            error_message=_("Es ist keine facilioo-Verbindung eingerichtet."),
        )
    if run.use_case not in (UseCase.STAMMDATEN, UseCase.DOKUMENTE):
        return sync_run_finish(
            run=run,
            status=RunStatus.FAILED,
            error_message=_("Dieser Anwendungsfall kann noch nicht synchronisiert werden."),
        )
    from connect.services.erp_freshness import erp_run_before_read

    if erp_run_before_read(run=run):
        # The export the last successful run read, and unchanged settings: nothing to do.
        return sync_run_finish(run=run, status=RunStatus.SUCCEEDED, counts={})
    try:
        connector = connector_for_customer(customer)
    except NoValidExport as exc:
        return sync_run_finish(run=run, status=RunStatus.FAILED, error_message=exc.message)
    options = {"workers": django_settings.FACILIOO_WRITE_WORKERS, **client_options}
    with facilioo_client_for_run(connection, **options) as client:
        sync: StammdatenSync | DokumenteSync
        if run.use_case == UseCase.DOKUMENTE:
            sync = DokumenteSync(
                run=run,
                client=client,
                connector=connector,
                settings=dokumente_settings(activation.settings),
                today=timezone.localdate(),
                safety_brake_percent=int(activation.settings.get("safety_brake_percent", 20)),
            )
        else:
            sync = StammdatenSync(
                run=run,
                client=client,
                connector=connector,
                settings=stammdaten_settings(activation.settings),
                today=timezone.localdate(),
            )
        try:
            sync.execute()
        except RunCancelled:
            return sync_run_finish(
                run=run,
                status=RunStatus.CANCELLED,
                counts=sync.counts.as_dict(),
                error_message=_("Abgebrochen."),
            )
        except InvalidExport as exc:
            # Refused before a single record was read: nothing was written.
            return sync_run_finish(
                run=run,
                status=RunStatus.FAILED,
                counts=sync.counts.as_dict(),
                error_message=invalid_export_message(exc),
            )
        except ExportChanged as exc:
            return sync_run_finish(
                run=run,
                status=RunStatus.FAILED,
                counts=sync.counts.as_dict(),
                error_message=str(exc),
            )
        except SafetyBrakeTripped as exc:
            return sync_run_finish(
                run=run,
                status=RunStatus.FAILED,
                counts=sync.counts.as_dict(),
                error_message=exc.message,
            )
        except FaciliooCredentialsError as exc:
            connection.state = "failed"
            connection.state_message = str(exc.message)[:500]
            connection.save(update_fields=["state", "state_message"])
            return sync_run_finish(
                run=run,
                status=RunStatus.FAILED,
                counts=sync.counts.as_dict(),
                error_message=str(exc.message),
            )
        except FaciliooConfigurationError as exc:
            return sync_run_finish(
                run=run,
                status=RunStatus.FAILED,
                counts=sync.counts.as_dict(),
                error_message=str(exc.message),
            )
        except FaciliooTransientError:
            raise  # the task retries; the run resumes from its last committed batch
        status = RunStatus.WARNING if sync.had_failures else RunStatus.SUCCEEDED
        return sync_run_finish(run=run, status=status, counts=sync.counts.as_dict())


def sync_run_fail(*, run_id: int, message: str) -> None:
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is not None and run.is_active:
        run_alerts(sync_run_finish(run=run, status=RunStatus.FAILED, error_message=message))
