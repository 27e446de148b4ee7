"""ERP export uploads and the customer's ERP source: checked, validated, audited."""

from __future__ import annotations

import hashlib
import math
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from connect import jobs
from connect.exceptions import ApplicationError
from connect.models import (
    Customer,
    ErpExport,
    ErpPushToken,
    ErpSample,
    ExportOrigin,
    ExportStatus,
    SyncRun,
    Trigger,
    UseCaseActivation,
    User,
)
from connect.models.customers import ErpSource
from connect.models.sync_logs import ACTIVE_STATUSES
from connect.selectors.erp_exports import erp_profile_active
from connect.selectors.erp_sources import import_profile
from connect.services.alerts import alert_parse_aborted
from connect.services.audit import audit_record, changes_between
from connect.services.customers import customer_update
from connect.services.sync_logs import RunAlreadyActive, sync_run_request
from integrations.erp.file.limits import ExportLimits
from integrations.erp.file.report import Finding, ValidationReport
from integrations.erp.file.validator import validate_export
from integrations.phrases import phrase

MEGABYTE = 1024 * 1024
ABORTED = "aborted"  # a report's problem code: reading killed the worker on every attempt
DEMO_UNITS_MAX = 100_000


def _megabytes(size: int, *, round_up: bool = False) -> str:
    # Localised ("0,5" in German), at most two decimals, none for whole numbers. A refused
    # file's size is rounded up, so it never reads as equal to the limit.
    hundredths = size * 100 / MEGABYTE
    rounded = math.ceil(hundredths) if round_up else round(hundredths)
    return number_format((Decimal(rounded) / 100).normalize())


def too_large_message(name: str) -> str:
    """An upload stopped while receiving, beyond ERP_UPLOAD_MAX_BYTES (its size is unknown)."""
    return _(
        "Die Datei „%(name)s“ ist zu groß. Erlaubt sind höchstens %(limit)s MB; "
        "die Übertragung wurde abgebrochen und nichts gespeichert."
    ) % {
        "name": PurePath(name.replace("\\", "/")).name or "?",
        "limit": _megabytes(settings.ERP_UPLOAD_MAX_BYTES),
    }


# Workbooks in formats other than .xlsx: Excel's old binary format and its binary workbook,
# and OpenDocument spreadsheets. Their number formats (the zeros of a key) are not read.
OTHER_WORKBOOKS = (".xls", ".xlsb", ".ods")


def workbook_refusal(name: str, head: bytes) -> str | None:
    """Why a file named like a workbook cannot be read as one (German, for the customer), from
    its name and first bytes (an .xlsx is a ZIP archive, ``PK``); None when there is nothing to
    say."""
    lowered = name.lower()
    suffix = PurePath(lowered).suffix
    if suffix == ".xls":
        return _(
            "Die Datei „%(name)s“ ist eine Excel-Arbeitsmappe im alten Format (.xls). Bitte "
            "speichern Sie sie in Excel als „Excel-Arbeitsmappe (.xlsx)“ und laden Sie diese "
            "hoch."
        ) % {"name": name}
    if suffix in OTHER_WORKBOOKS:
        return _(
            "Die Datei „%(name)s“ ist eine Tabelle im Format %(suffix)s, das nicht gelesen "
            "wird. Bitte speichern Sie sie als „Excel-Arbeitsmappe (.xlsx)“ und laden Sie diese "
            "hoch."
        ) % {"name": name, "suffix": suffix}
    if suffix == ".xlsx" and not head.startswith(b"PK"):
        return _(
            "Die Datei „%(name)s“ ist keine gültige Excel-Arbeitsmappe (.xlsx): Sie ist "
            "beschädigt oder in einem anderen Format gespeichert. Bitte speichern Sie sie in "
            "Excel erneut als „Excel-Arbeitsmappe (.xlsx)“."
        ) % {"name": name}
    return None


def upload_check(uploaded_file: File[bytes], *, single: bool = False) -> tuple[str, int]:
    """The upload's file name and size, or ApplicationError before anything is stored.
    ``single``: the customer reads its own layout (an import profile), so one ``.csv`` or
    ``.xlsx`` file is taken as the whole export, without a .zip around it."""
    name = PurePath((uploaded_file.name or "").replace("\\", "/")).name
    lowered = name.lower()
    if single:
        refused = workbook_refusal(name, uploaded_file.read(8))
        uploaded_file.seek(0)
        if refused:
            raise ApplicationError(refused)
    single_file = single and lowered.endswith((".csv", ".xlsx"))
    if not lowered.endswith(".zip") and not single_file:
        if single:
            raise ApplicationError(
                _(
                    "Die Datei „%(name)s“ ist weder eine ZIP-Datei noch eine CSV- oder "
                    "Excel-Datei (.csv, .xlsx)."
                )
                % {"name": name or "?"}
            )
        raise ApplicationError(
            _(
                "Die Datei „%(name)s“ ist keine ZIP-Datei. Bitte laden Sie den ERP-Export "
                "als .zip hoch."
            )
            % {"name": name or "?"}
        )
    size = uploaded_file.size or 0
    if size == 0:
        raise ApplicationError(_("Die Datei „%(name)s“ ist leer.") % {"name": name})
    limit = settings.ERP_UPLOAD_MAX_BYTES
    if size > limit:
        raise ApplicationError(
            _(
                "Die Datei „%(name)s“ ist zu groß (%(size)s MB). "
                "Erlaubt sind höchstens %(limit)s MB."
            )
            % {"name": name, "size": _megabytes(size, round_up=True), "limit": _megabytes(limit)}
        )
    if lowered.endswith(".csv") and single_file:
        pass  # a text file: its encoding and columns are the validation's concern
    elif not zipfile.is_zipfile(uploaded_file):
        raise ApplicationError(
            _("Die Datei „%(name)s“ ist kein gültiges ZIP-Archiv.") % {"name": name}
        )
    uploaded_file.seek(0)
    return name, size


def quota_used(*, customer: Customer) -> int:
    """Bytes stored for the customer: its ERP exports and its sample exports."""
    exports = ErpExport.objects.filter(customer=customer).aggregate(total=Sum("size"))["total"]
    samples = ErpSample.objects.filter(customer=customer).aggregate(total=Sum("size"))["total"]
    return (exports or 0) + (samples or 0)


def quota_check(*, customer: Customer, name: str, size: int) -> None:
    """ApplicationError when ``size`` more bytes do not fit in the customer's quota."""
    quota = int(settings.ERP_UPLOAD_QUOTA_BYTES)
    used = quota_used(customer=customer)
    if used + size > quota:
        raise ApplicationError(
            _(
                "Die Datei „%(name)s“ (%(size)s MB) passt nicht mehr in den Speicherplatz für "
                "ERP-Exporte: belegt sind %(used)s MB von %(quota)s MB. Ältere Exporte werden "
                "nach jeder Prüfung entfernt; bitte versuchen Sie es später erneut oder wenden "
                "Sie sich an den Support."
            )
            % {
                "name": name,
                "size": _megabytes(size, round_up=True),
                "used": _megabytes(used, round_up=True),
                "quota": _megabytes(quota),
            }
        )


def erp_export_store(
    *,
    customer: Customer,
    actor: User | None,
    uploaded_file: File[bytes],
    name: str | None = None,
    origin: str = ExportOrigin.PORTAL,
    push_token: ErpPushToken | None = None,
    sync: list[str] | None = None,
    exported_at: datetime | None = None,
    validate: bool = False,
) -> ErpExport:
    """Store an ERP export (.zip) as "wird geprüft" and hand its validation to a task.

    Checked here (before anything is stored): the name, emptiness, the size limit, that it is
    a zip archive at all, and the customer's quota. The validation itself, with its limits of
    unpacked size, files and rows, runs in ``erp_export_validate`` (a Celery task, after the
    commit), or at once with ``validate=True`` (for callers already off the request path).
    """
    if name is not None:
        uploaded_file.name = name

    profile = erp_profile_active(customer=customer)
    name, size = upload_check(uploaded_file, single=profile is not None)
    quota_check(customer=customer, name=name, size=size)

    export = ErpExport(
        customer=customer,
        profile=profile,
        original_name=name,
        size=size,
        uploaded_by=actor if actor is not None and actor.pk else None,
        origin=origin,
        push_token=push_token,
        sync_requested=list(sync or []),
        exported_at=exported_at,
    )
    export.file.save(name, uploaded_file, save=False)
    try:
        with transaction.atomic():
            export.save()
            changes: dict[str, Any] = {"original_name": name, "size": size, "origin": origin}
            if push_token is not None:
                changes["push_token"] = push_token.name
            if sync:
                changes["sync"] = ",".join(sync)
            audit_record(
                customer=customer,
                actor=actor,
                action="erp_export.upload",
                obj=export,
                changes=changes_between({}, changes),
                actor_fallback=f"token:{push_token.name}" if push_token is not None else origin,
            )
    except BaseException:
        # Nothing half-stored: a file without its row would never be shown or cleaned up.
        export.file.delete(save=False)
        raise
    if validate:
        return erp_export_validate(export_id=export.pk)
    jobs.enqueue(jobs.ERP_EXPORT_VALIDATE, export.pk)
    return export


def export_limits() -> ExportLimits:
    return ExportLimits(
        max_unpacked_bytes=int(settings.ERP_UPLOAD_MAX_UNPACKED_BYTES),
        max_files=int(settings.ERP_UPLOAD_MAX_FILES),
        max_rows=int(settings.ERP_UPLOAD_MAX_ROWS),
        max_line_chars=int(settings.ERP_UPLOAD_MAX_LINE_CHARS),
        max_cells=int(settings.ERP_UPLOAD_MAX_CELLS),
        max_shared_strings_bytes=int(settings.ERP_UPLOAD_MAX_SHARED_STRINGS_BYTES),
    )


def parse_attempt(row: ErpExport | ErpSample) -> int:
    """Count one more delivery of a reading task for ``row`` (committed at once, so a worker
    killed while reading leaves it counted); returns the number of attempts so far."""
    type(row).objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    row.refresh_from_db(fields=["attempts"])
    return row.attempts


def parse_aborted(*, customer: Customer, name: str) -> str:
    """The German message, and an alert, for an export whose reading killed its worker on
    every attempt: it is not delivered again."""

    message = phrase(
        gettext_noop(
            "Das Lesen von „%(name)s“ wurde %(attempts)s-mal abgebrochen, weil der Worker dabei "
            "beendet wurde (zum Beispiel beim Überschreiten seiner Speichergrenze). Die Datei "
            "wird nicht noch einmal gelesen; bitte prüfen Sie sie oder wenden Sie sich an den "
            "Support."
        ),
        name=name,
        attempts=int(settings.ERP_PARSE_MAX_ATTEMPTS),
    )
    alert_parse_aborted(customer=customer, message=message)
    return str(message)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def erp_export_validate(*, export_id: int) -> ErpExport:
    """Validate a stored export (the task's work): report, status, then the requested runs
    and the retention of the customer's older uploads. A checked export is left as it is."""
    export = ErpExport.objects.select_related("customer", "profile").get(pk=export_id)
    if export.status != ExportStatus.PENDING:
        return export
    path = export.file.path
    export.sha256 = _sha256(path)

    if parse_attempt(export) > int(settings.ERP_PARSE_MAX_ATTEMPTS):
        message = parse_aborted(customer=export.customer, name=export.original_name)
        report = ValidationReport(
            findings=[Finding(export.original_name, None, None, ABORTED, message)]
        )
    else:
        report = validate_export(
            path, limits=export_limits(), profile=import_profile(export.profile)
        )
    export.valid = report.valid
    export.status = ExportStatus.VALID if report.valid else ExportStatus.INVALID
    export.report = report.to_dict()
    export.checked_at = timezone.now()
    with transaction.atomic():
        export.save(
            update_fields=["sha256", "valid", "status", "report", "checked_at"],
        )
        audit_record(
            customer=export.customer,
            actor=None,
            action="erp_export.check",
            obj=export,
            changes=changes_between({}, {"valid": export.valid}),
        )
        if export.valid and export.sync_requested:
            export.sync_result = _start_requested_runs(export)
            export.save(update_fields=["sync_result"])
    erp_export_retention(customer=export.customer)
    return export


def _start_requested_runs(export: ErpExport) -> dict[str, Any]:
    """Start the runs an API push asked for; what happened per use case (run id or why not)."""

    result: dict[str, Any] = {}
    for use_case in export.sync_requested:
        activation = UseCaseActivation.objects.filter(
            customer=export.customer, use_case=use_case
        ).first()
        if activation is None or not activation.settings:
            result[use_case] = {"error": _("Der Datenbereich ist nicht eingerichtet.")}
            continue
        try:
            with transaction.atomic():
                run = sync_run_request(
                    customer=export.customer, use_case=use_case, trigger=Trigger.API
                )
        except RunAlreadyActive:
            result[use_case] = {"error": _("Es läuft bereits ein Lauf dieses Datenbereichs.")}
            continue
        result[use_case] = {"run": run.pk}
    return result


def erp_export_retention(*, customer: Customer) -> int:
    """Delete older uploads of a customer: kept are the newest ``ERP_UPLOAD_KEEP``, the newest
    valid one (syncs read it), every one still being checked, and every one an active run
    reads. Returns how many were deleted."""

    keep_last = max(int(settings.ERP_UPLOAD_KEEP), 1)
    exports = ErpExport.objects.filter(customer=customer).order_by("-uploaded_at", "-id")
    kept = set(exports.values_list("pk", flat=True)[:keep_last])
    current = exports.filter(valid=True).values_list("pk", flat=True).first()
    if current is not None:
        kept.add(current)
    in_use = set(
        SyncRun.objects.filter(customer=customer, status__in=ACTIVE_STATUSES)
        .exclude(erp_fingerprint="")
        .values_list("erp_fingerprint", flat=True)
    )
    deleted: list[str] = []
    for export in exports.exclude(pk__in=kept).exclude(status=ExportStatus.PENDING):
        if export.sha256 and export.sha256 in in_use:
            continue
        export.file.delete(save=False)
        deleted.append(export.original_name)
        export.delete()
    if deleted:
        audit_record(
            customer=customer,
            actor=None,
            action="erp_export.retention",
            object_type="erpexport",
            changes={"deleted": [None, deleted]},
        )
    return len(deleted)


def erp_source_set(
    *, customer: Customer, actor: User | None, source: str, demo_units: int | None = None
) -> Customer:
    """Switch the customer's ERP source ("demo" or "file"), and the demo portfolio's size."""
    if source not in ErpSource.values:
        raise ApplicationError(_("Unbekannte ERP-Quelle: %(source)s") % {"source": source})
    fields: dict[str, object] = {"erp_source": source}
    if demo_units is not None:
        if not 1 <= demo_units <= DEMO_UNITS_MAX:
            raise ApplicationError(
                _("Die Zahl der Einheiten muss zwischen 1 und %(max)s liegen.")
                % {"max": number_format(DEMO_UNITS_MAX, force_grouping=True)}
            )
        fields["demo_units"] = demo_units
    return customer_update(customer=customer, actor=actor, **fields)
