"""Watched folders (on-premises installations): the ERP writes its exports into a folder, and
before each run the newest complete one is taken, validated, kept as an upload and moved to
``processed/``.

A file counts as complete when it is a ``.zip`` whose end record can be read (a zip being
written has none yet) and that has not changed for ``ERP_WATCH_SETTLE_SECONDS``. A customer
with an import profile may also drop a single ``.csv`` or ``.xlsx`` (a workbook, too, is only
taken with its end record). Hidden files
and the usual partial-file names (``.part``, ``.tmp``, ``.partial``, ``.crdownload``) are never
taken.
"""

from __future__ import annotations

import logging
import os
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.models import Customer, ErpExport, ExportOrigin, User
from connect.selectors.erp_exports import erp_profile_active
from connect.services.audit import audit_record, changes_between
from connect.services.erp_exports import erp_export_store

logger = logging.getLogger(__name__)

PROCESSED = "processed"
PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")


@dataclass(frozen=True)
class Candidate:
    path: Path
    mtime: float
    size: int


def erp_watch_folder_set(*, customer: Customer, actor: User | None, folder: str) -> Customer:
    """Set (or with "" clear) the customer's watched folder: an existing directory."""
    folder = folder.strip()
    if folder:
        path = Path(folder)
        if not path.is_absolute():
            raise ApplicationError(
                _("Bitte geben Sie den Ordner als absoluten Pfad an (z. B. /srv/erp/export).")
            )
        if not path.is_dir():
            raise ApplicationError(
                _("Den Ordner „%(folder)s“ gibt es auf dem Server nicht.") % {"folder": folder}
            )
    before = customer.erp_watch_folder
    if before == folder:
        return customer
    customer.erp_watch_folder = folder
    customer.save(update_fields=["erp_watch_folder"])
    audit_record(
        customer=customer,
        actor=actor,
        action="customer.update",
        obj=customer,
        changes=changes_between({"erp_watch_folder": before}, {"erp_watch_folder": folder}),
    )
    return customer


def _candidates(folder: Path, *, now: float, single: bool = False) -> list[Candidate]:
    settle = float(settings.ERP_WATCH_SETTLE_SECONDS)
    suffixes = (".zip", ".csv", ".xlsx") if single else (".zip",)
    found: list[Candidate] = []
    for entry in os.scandir(folder):
        name = entry.name
        lower = name.lower()
        if name.startswith(".") or not lower.endswith(suffixes) or lower.endswith(PARTIAL_SUFFIXES):
            continue
        if not entry.is_file(follow_symlinks=False):
            continue
        status = entry.stat(follow_symlinks=False)
        if now - status.st_mtime < settle:
            continue  # still being written, perhaps
        path = Path(entry.path)
        if not lower.endswith(".csv") and not zipfile.is_zipfile(path):
            continue  # no end record yet: half-written
        found.append(Candidate(path, status.st_mtime, status.st_size))
    return sorted(found, key=lambda candidate: (candidate.mtime, candidate.path.name))


def _move_to_processed(path: Path) -> Path:
    target_dir = path.parent / PROCESSED
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
        target = target_dir / f"{path.stem}-{stamp}{path.suffix}"
    shutil.move(str(path), str(target))
    return target


def erp_watch_collect(*, customer: Customer, now: float | None = None) -> ErpExport | None:
    """Take the newest complete export of the customer's watched folder (validated at once)
    and move it, with the older complete ones it supersedes, to ``processed/``. None when the
    folder has nothing new. A file refused before storing (too large, quota) stays in place."""
    folder_text = customer.erp_watch_folder
    if not folder_text:
        return None
    folder = Path(folder_text)
    if not folder.is_dir():
        logger.warning("watched folder missing", extra={"customer": customer.pk})
        return None
    moment = now if now is not None else datetime.now(tz=UTC).timestamp()

    single = erp_profile_active(customer=customer) is not None
    candidates = _candidates(folder, now=moment, single=single)
    if not candidates:
        return None
    newest = candidates[-1]
    with newest.path.open("rb") as handle:
        export = erp_export_store(
            customer=customer,
            actor=None,
            uploaded_file=File(handle, name=newest.path.name),
            origin=ExportOrigin.FOLDER,
            exported_at=datetime.fromtimestamp(newest.mtime, tz=UTC),
            validate=True,
        )
    for candidate in candidates:
        _move_to_processed(candidate.path)
    return export
