"""Small tasks of the portal side."""

from __future__ import annotations

import socket

from celery import shared_task


@shared_task(name="connect.ping")
def ping(value: str) -> dict[str, str]:
    """Round-trip check: answers with the value and the worker's host (used by tests and health)."""
    return {"pong": value, "host": socket.gethostname()}


@shared_task(name="connect.alerts_check_overdue")
def alerts_check_overdue() -> dict[str, int]:
    """Beat, every 5 minutes: open an alert for each scheduled run that did not start, and
    "ERP-Daten veraltet" for ERP data older than ERP_STALE_AFTER_DAYS."""
    from connect.services.alerts import alerts_check_overdue as check
    from connect.services.erp_freshness import alerts_check_erp_stale

    result = check()
    stale_opened, stale_closed = alerts_check_erp_stale()
    return {
        "opened": len(result.opened),
        "closed": len(result.closed),
        "erp_stale_opened": len(stale_opened),
        "erp_stale_closed": len(stale_closed),
    }


@shared_task(name="connect.retention_cleanup")
def retention_cleanup() -> dict[str, int]:
    """Beat, daily: delete old record-log rows and runs in batches."""
    from connect.services.retention import retention_cleanup as cleanup

    return cleanup().as_dict()


@shared_task(name="connect.erp_export_validate", acks_late=True)
def erp_export_validate(export_id: int) -> dict[str, object]:
    """After an upload: validate the stored export, start requested runs, apply retention."""
    from connect.models import ErpExport
    from connect.services.erp_exports import erp_export_validate as validate

    try:
        export = validate(export_id=export_id)
    except ErpExport.DoesNotExist:
        return {"export": export_id, "status": "gone"}
    return {"export": export.pk, "status": export.status}


@shared_task(name="connect.erp_sample_process", acks_late=True)
def erp_sample_process(sample_id: int) -> dict[str, object]:
    """A sample export of the ERP page: read it (suggestion, preview) and store the result."""
    from connect.models import ErpSample
    from connect.services.erp_samples import erp_sample_process as process

    try:
        sample = process(sample_id=sample_id)
    except ErpSample.DoesNotExist:
        return {"sample": sample_id, "status": "gone"}
    return {"sample": sample.pk, "status": sample.status}
