"""Sample exports of the ERP page, read by a task and never in the web request.

"Vorschlagen" (a draft profile for a sample), "Erste Zeilen anzeigen" (a sample through the
active profile) and the mapping screen's "Vorschau aktualisieren" all parse a file the customer
sent: a spreadsheet can hide an XML entity bomb or hundreds of megabytes of strings. The request
stores the sample (checked like an upload, counted against the quota) and enqueues
``erp_sample_process``; the task reads it under the limits of an upload and stores what the page
shows, or German messages. Samples are deleted after ``ERP_SAMPLE_KEEP_HOURS``.
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from connect import jobs
from connect.models import Customer, ErpSample, SampleAction, SampleStatus, User
from connect.selectors.activations import activation_mandanten
from connect.selectors.erp_sources import import_profile
from connect.services.erp_exports import (
    export_limits,
    parse_aborted,
    parse_attempt,
    quota_check,
    upload_check,
)
from integrations.erp.file.container import ContainerError
from integrations.erp.file.limits import (
    LimitExceeded,
    check_zip,
    memory_ceiling_mb,
    out_of_memory,
)
from integrations.erp.profiles.profile import ImportProfile, ProfileError
from integrations.erp.profiles.suggest import draft_with_confidence, preview, sample_sources
from integrations.erp.profiles.workbook import WorkbookError

logger = logging.getLogger(__name__)

# The newest samples of a customer that are kept within ERP_SAMPLE_KEEP_HOURS, per action.
KEEP_PER_ACTION = 3


def erp_sample_store(
    *,
    customer: Customer,
    actor: User | None,
    uploaded_file: File[bytes],
    action: str,
    profile_id: int | None = None,
) -> ErpSample:
    """Store a sample export and enqueue its reading; ApplicationError (German) when it is no
    .zip, too large, or does not fit in the quota. Nothing is parsed here."""
    # A sample is read through a suggestion or a profile: one .csv or .xlsx is a whole export.
    name, size = upload_check(uploaded_file, single=True)
    quota_check(customer=customer, name=name, size=size)
    sample = ErpSample(
        customer=customer,
        action=action,
        original_name=name,
        size=size,
        profile_id=profile_id,
        created_by=actor if actor is not None and actor.pk else None,
    )
    sample.file.save(f"{uuid.uuid4().hex}.zip", uploaded_file, save=False)
    try:
        sample.save()
    except BaseException:
        sample.file.delete(save=False)
        raise
    _enqueue(sample)
    erp_sample_retention(customer=customer)
    return sample


def erp_sample_map_preview(
    *,
    customer: Customer,
    actor: User | None,
    based_on: ErpSample,
    definition: dict[str, Any],
    form: dict[str, str],
    name: str,
) -> ErpSample:
    """Enqueue the preview of the mapping screen as posted: the sample of ``based_on`` read
    through ``definition``. ``form`` is what was posted, to show the screen again."""
    sample = ErpSample.objects.create(
        customer=customer,
        action=SampleAction.MAP_PREVIEW,
        original_name=based_on.original_name,
        based_on=based_on,
        request={"definition": definition, "form": form, "name": name},
        created_by=actor if actor is not None and actor.pk else None,
    )
    _enqueue(sample)
    erp_sample_retention(customer=customer)
    return sample


def _enqueue(sample: ErpSample) -> None:
    jobs.enqueue(jobs.ERP_SAMPLE_PROCESS, sample.pk)


def erp_sample_get(*, customer: Customer, sample_id: int) -> ErpSample:
    """One sample of the customer (DoesNotExist for another customer's)."""
    return ErpSample.objects.select_related("based_on").get(customer=customer, pk=sample_id)


def erp_sample_for_mapping(*, customer: Customer) -> ErpSample | None:
    """The suggestion the mapping screen works on: the customer's newest one that was read."""
    return (
        ErpSample.objects.filter(
            customer=customer, action=SampleAction.SUGGEST, status=SampleStatus.DONE
        )
        .order_by("-created_at", "-id")
        .first()
    )


def erp_sample_process(*, sample_id: int) -> ErpSample:
    """Read a stored sample (the task's work) and store the result or German messages. A
    sample whose reading killed its worker on every attempt fails with an alert instead."""
    sample = ErpSample.objects.select_related("customer", "based_on", "profile").get(pk=sample_id)
    if sample.status != SampleStatus.PENDING:
        return sample
    source = sample.based_on or sample
    if parse_attempt(sample) > int(settings.ERP_PARSE_MAX_ATTEMPTS):
        message = parse_aborted(customer=sample.customer, name=source.original_name)
        return _finish(sample, errors=[message])
    if not source.file:
        return _finish(sample, errors=[_("Bitte laden Sie zuerst einen Beispielexport hoch.")])
    try:
        result, errors = _read(sample, Path(source.file.path), source.original_name)
    except Exception:
        # Whatever a hostile file makes a parser raise ends as a message, never a retry loop.
        logger.warning("sample not readable", exc_info=True, extra={"sample": sample.pk})
        result, errors = {}, [_unreadable(source.original_name)]
    return _finish(sample, result=result, errors=errors)


def _unreadable(name: str) -> str:
    return _("Die Datei „%(name)s“ kann nicht als ERP-Export gelesen werden.") % {"name": name}


def _read(sample: ErpSample, path: Path, name: str) -> tuple[dict[str, Any], list[str]]:
    """What the page shows for the sample, and German messages; within the upload limits."""

    limits = export_limits()
    try:
        refused = check_zip(path, limits)
        if refused is not None:
            return {}, [f"{refused.file}: {refused.message_de}"]
        if sample.action == SampleAction.SUGGEST:
            draft, missing, confidence = draft_with_confidence(
                path, known_mandanten=activation_mandanten(customer=sample.customer)
            )
            kind, workbook, sources = sample_sources(path)
            return {
                "draft": draft,
                "missing": [point.to_data() for point in missing],
                "confidence": confidence,
                "kind": kind,
                "workbook": workbook,
                "sources": sources,
            }, []
        if sample.action == SampleAction.PREVIEW:
            profile = import_profile(sample.profile)
            if profile is None:
                return {}, [_("Bitte speichern Sie zuerst ein Importprofil.")]
        else:
            profile = ImportProfile.from_dict(sample.request.get("definition", {}))
        return {"preview": preview(path, profile, rows=5, limits=limits)}, []
    except LimitExceeded as exc:
        return {}, [f"{exc.finding.file}: {exc.finding.message_de}"]
    except ProfileError as exc:
        return {}, [str(exc)]
    except WorkbookError as exc:  # German: a hostile or broken workbook inside the sample
        return {}, [f"{name}: {exc}"]
    except ValueError as exc:
        # openpyxl wraps what defusedxml refused ("Unable to read workbook").
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, DefusedXmlException):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            return {}, [_unreadable(name)]
        return {}, [
            _(
                "Die Datei „%(name)s“ enthält eine Arbeitsmappe mit XML-Entitäten oder einer "
                "DTD; solche Dateien werden aus Sicherheitsgründen nicht gelesen."
            )
            % {"name": name}
        ]
    except MemoryError:
        finding = out_of_memory(name, memory_ceiling_mb())
        return {}, [f"{finding.file}: {finding.message_de}"]
    except (ContainerError, zipfile.BadZipFile, OSError, KeyError, EOFError):
        return {}, [_unreadable(name)]


def _finish(
    sample: ErpSample, *, result: dict[str, Any] | None = None, errors: list[str]
) -> ErpSample:
    sample.result = result or {}
    sample.errors = errors
    sample.status = SampleStatus.FAILED if errors else SampleStatus.DONE
    sample.finished_at = timezone.now()
    sample.save(update_fields=["result", "errors", "status", "finished_at"])
    return sample


def erp_sample_delete_all(*, customer: Customer) -> int:
    """Delete the customer's samples and their files (after the mapping was saved)."""
    return _delete(ErpSample.objects.filter(customer=customer))


def _delete(samples: Any) -> int:
    deleted = 0
    for sample in samples:
        if sample.file:
            sample.file.delete(save=False)
        sample.delete()
        deleted += 1
    return deleted


def erp_sample_retention(*, customer: Customer | None = None, now: datetime | None = None) -> int:
    """Delete samples older than ERP_SAMPLE_KEEP_HOURS, and of a customer all but the newest
    few per action, with their files; also loose files left in the samples folder. Returns the
    number of samples deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=int(settings.ERP_SAMPLE_KEEP_HOURS))
    samples = ErpSample.objects.all()
    if customer is not None:
        samples = samples.filter(customer=customer)
    deleted = _delete(samples.filter(created_at__lt=cutoff))
    customers = [customer] if customer is not None else []
    for one in customers:
        for action in SampleAction.values:
            newest = (
                ErpSample.objects.filter(customer=one, action=action)
                .exclude(status=SampleStatus.PENDING)
                .order_by("-created_at", "-id")
                .values_list("pk", flat=True)
            )
            old = list(newest[KEEP_PER_ACTION:])
            if old:
                deleted += _delete(ErpSample.objects.filter(pk__in=old, customer=one))
    if customer is None:
        _delete_loose_files(cutoff)
    return deleted


def _delete_loose_files(cutoff: datetime) -> None:
    """Sample files no row refers to (older versions kept one file per customer)."""
    folder = Path(settings.MEDIA_ROOT) / "erp-samples"
    if not folder.is_dir():
        return
    known = {Path(name).name for name in ErpSample.objects.values_list("file", flat=True)}
    limit = cutoff.timestamp()
    for path in folder.rglob("*.zip"):
        try:
            if path.name not in known and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue
