"""ERP export uploads and the customer's ERP source: checked, validated, audited."""

from __future__ import annotations

import math
import zipfile
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.models import Customer, ErpExport, User
from connect.models.customers import ErpSource
from connect.services.audit import audit_record, changes_between
from connect.services.customers import customer_update
from integrations.erp.file import validate_export

MEGABYTE = 1024 * 1024
DEMO_UNITS_MAX = 100_000


def _megabytes(size: int, *, round_up: bool = False) -> str:
    # Localised ("0,5" in German), at most two decimals, none for whole numbers. A refused
    # file's size is rounded up, so it never reads as equal to the limit.
    hundredths = size * 100 / MEGABYTE
    rounded = math.ceil(hundredths) if round_up else round(hundredths)
    return number_format((Decimal(rounded) / 100).normalize())


def _check_upload(uploaded_file: UploadedFile[bytes]) -> tuple[str, int]:
    """The upload's file name and size, or ApplicationError before anything is stored."""
    name = PurePath((uploaded_file.name or "").replace("\\", "/")).name
    if not name.lower().endswith(".zip"):
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
    if not zipfile.is_zipfile(uploaded_file):
        raise ApplicationError(
            _("Die Datei „%(name)s“ ist kein gültiges ZIP-Archiv.") % {"name": name}
        )
    uploaded_file.seek(0)
    return name, size


def erp_export_upload(
    *, customer: Customer, actor: User | None, uploaded_file: UploadedFile[bytes]
) -> ErpExport:
    """Store an uploaded ERP export (.zip), validate it and keep its report.

    An invalid export is stored too (with its report, so people can see what is wrong), but
    syncs only ever read the newest valid one.
    """
    name, size = _check_upload(uploaded_file)
    export = ErpExport(customer=customer, original_name=name, size=size, uploaded_by=actor)
    export.file.save(name, uploaded_file, save=False)
    try:
        report = validate_export(export.file.path)
        export.valid = report.valid
        export.report = report.to_dict()
        with transaction.atomic():
            export.save()
            audit_record(
                customer=customer,
                actor=actor,
                action="erp_export.upload",
                obj=export,
                changes=changes_between(
                    {}, {"original_name": name, "size": size, "valid": export.valid}
                ),
            )
    except BaseException:
        # Nothing half-stored: a file without its row would never be shown or cleaned up.
        export.file.delete(save=False)
        raise
    return export


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
