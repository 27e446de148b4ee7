"""The record inspector's Dokumente side: a folder or a document (with its file), explained.

It applies the Dokumente sync's own pure functions (``sync.filters``, ``sync.dokumente``) to
the folder or document as the current export has it, and resolves the references (parent
folder, the folder of a document, its Stammdaten record, its file) through the product's links,
as a run would. Nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.erp.base import ErpConnector
from integrations.erp.records import Dokument, NaturalKey, Ordner, RecordProblem
from integrations.reasons import REASONS
from integrations.sync.dokumente_bodies import map_document, map_document_group, map_file
from integrations.sync.engine import erp_key_label
from integrations.sync.filters import document_skip_reason, document_target
from integrations.sync.types import DokumenteSettings, MapContext, Skip, TargetPayload
from integrations.usecases import UseCase

# What in the ERP (or in the Dokumente settings) would make a skipped document or folder sync.
DOKUMENTE_REMEDIES = {
    "we_only": gettext_lazy(
        "Das Dokument im ERP einem Gebäude, einer Einheit, einem Vertrag oder einer Person "
        "zuordnen, nicht nur der Wirtschaftseinheit."
    ),
    "missing_reference": gettext_lazy(
        "Den zugeordneten Datensatz oder Ordner im ERP anlegen und zuerst die Stammdaten "
        "synchronisieren; der nächste Dokumente-Lauf überträgt das Dokument dann."
    ),
    "too_large": gettext_lazy(
        "Eine kleinere Datei im ERP hinterlegen oder die Höchstgröße in den "
        "Dokumente-Einstellungen erhöhen."
    ),
    "not_released": gettext_lazy(
        "Das Dokument im ERP freigeben (oder in den Dokumente-Einstellungen auch nicht "
        "freigegebene Dokumente übertragen)."
    ),
    "filtered_archive": gettext_lazy(
        "Das Dokument im ERP einem ausgewählten Archiv zuordnen oder sein Archiv in den "
        "Dokumente-Einstellungen auswählen."
    ),
    "filtered_keyword": gettext_lazy(
        "Eines der ausgewählten Stichwörter in die Bemerkung des Dokuments im ERP aufnehmen "
        "oder die Stichwörter in den Dokumente-Einstellungen ändern."
    ),
    "filtered_date": gettext_lazy(
        "Das Datum des Dokuments im ERP prüfen oder das Datum „ab“ in den "
        "Dokumente-Einstellungen früher setzen."
    ),
    "mandant_filtered": gettext_lazy(
        "Den Mandanten in den Dokumente-Einstellungen zur Synchronisation auswählen."
    ),
}

# A natural key -> the facilioo id the product's link holds for it (None: not in facilioo).
Resolver = Callable[[NaturalKey], int | None]


@dataclass
class DocumentSide:
    record: Ordner | Dokument | None  # as the current export has it
    payload: TargetPayload | None  # what a run would send, references resolved
    skip: Skip | None  # the rule that skips it today
    file_payload: TargetPayload | None = None  # a document's file


def find(connector: ErpConnector, key: NaturalKey) -> tuple[Ordner | Dokument | None, Skip | None]:
    """The folder or document of ``key`` in the current export (one pass over its Mandant)."""
    for item in connector.read(UseCase.DOKUMENTE, mandanten={key[1]}):
        if isinstance(item, RecordProblem):
            if tuple(item.key) == key:
                return None, Skip(item.reason, item.message)
            continue
        if isinstance(item, Ordner | Dokument) and item.key == key:
            return item, None
    return None, None


def _resolved(payload: TargetPayload, resolve: Resolver) -> tuple[TargetPayload, list[str]]:
    """The payload with its references as facilioo ids; the fields whose record is missing."""
    body = dict(payload.body)
    missing = []
    for name, ref in payload.refs.items():
        body[name] = resolve(ref)
        if body[name] is None:
            missing.append(name)
    return TargetPayload(
        entity=payload.entity,
        key=payload.key,
        external_id=payload.external_id,
        body=body,
        refs={},
    ), missing


def explain(
    record: Ordner | Dokument,
    settings: DokumenteSettings,
    ctx: MapContext,
    resolve: Resolver,
) -> DocumentSide:
    """What a Dokumente run would do with ``record`` today, and why it would skip it."""
    skip: Skip | None = None
    if record.mandant_nr not in settings.mandanten:
        skip = Skip("mandant_filtered", str(REASONS["mandant_filtered"]))
    if isinstance(record, Ordner):
        mapped = map_document_group(record, ctx)
        if isinstance(mapped, Skip):
            return DocumentSide(record, None, skip or mapped)
        payload, missing = _resolved(mapped, resolve)
        if missing and skip is None:
            detail = _("Der übergeordnete Ordner fehlt in facilioo.")
            skip = Skip("missing_reference", f"{REASONS['missing_reference']} ({detail})")
        return DocumentSide(record, payload, skip)
    reason = document_skip_reason(record, settings)
    if reason is not None and skip is None:
        skip = Skip(reason, str(REASONS[reason]))
    target = document_target(record)
    if isinstance(target, Skip):
        return DocumentSide(record, None, skip or target)
    doc_mapped = map_document(record, target, ctx)
    file_mapped = map_file(record, ctx)
    if isinstance(doc_mapped, Skip) or isinstance(file_mapped, Skip):
        why = doc_mapped if isinstance(doc_mapped, Skip) else file_mapped
        assert isinstance(why, Skip)  # noqa: S101 (one of the two is)
        return DocumentSide(record, None, skip or why)
    payload, missing = _resolved(doc_mapped, resolve)
    if skip is None and "documentGroupId" in missing:
        detail = _("Der Ordner des Dokuments fehlt in facilioo.")
        skip = Skip("missing_reference", f"{REASONS['missing_reference']} ({detail})")
    elif skip is None and target.id_field in missing:
        skip = Skip(
            "missing_reference",
            f"{REASONS['missing_reference']} ("
            + _(
                "Der Datensatz, dem das Dokument zugeordnet ist (%(ref)s), fehlt in "
                "facilioo. Läuft die Synchronisation der Stammdaten?"
            )
            % {"ref": erp_key_label(target.key)}
            + ")",
        )
    return DocumentSide(record, payload, skip, file_payload=file_mapped)


def file_key_of(key: NaturalKey) -> NaturalKey:
    """The file behind a document's key ``("dokument", M, D)``."""
    return ("datei", *key[1:])
