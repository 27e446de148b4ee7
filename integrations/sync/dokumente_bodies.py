"""Pure mappers of the Dokumente use case: Ordner -> document group, Dokument -> file + document.

The engine writes groups (a parent before its children), then for each document its file
(metadata, then the bytes through the pre-signed URL), then the document that links the file to
its folder and to the facilioo record of its ERP reference (``filters.document_target``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from integrations.erp.records import Dokument, NaturalKey, Ordner
from integrations.facilioo.entity import Entity
from integrations.sync.ids import AmbiguousKey, external_id_for, file_key
from integrations.sync.types import (
    DocumentTarget,
    MapContext,
    Skip,
    TargetPayload,
    Upload,
    skip,
)

TITLE_MAX_LENGTH = 255  # facilioo refuses longer document titles
_TARGET_FIELDS = ("propertyId", "unitId", "contractId", "partyId")


def map_document_group(ordner: Ordner, ctx: MapContext) -> TargetPayload | Skip:
    """An Ordner as a facilioo document group; nested folders keep their tree via parentId."""
    try:
        external_id = external_id_for(ordner, ctx.separator)
    except AmbiguousKey as exc:
        return skip("ambiguous_key", detail=str(exc), entity=Entity.DOCUMENT_GROUPS, key=ordner.key)
    body: dict[str, object] = {"name": ordner.name, "externalId": external_id}
    refs: dict[str, NaturalKey] = {}
    if ordner.parent_id:
        refs["parentId"] = ("ordner", ordner.mandant_nr, ordner.parent_id)
    else:
        body["parentId"] = None  # top level
    return TargetPayload(
        entity=Entity.DOCUMENT_GROUPS, key=ordner.key, external_id=external_id, body=body, refs=refs
    )


def file_type_id(doc: Dokument, file_type_ids: Mapping[str, int]) -> int | None:
    """facilioo's file type for a document: by MIME type, else by extension, else a catch-all.

    Looked up in ``file_type_ids`` in this order: the MIME type ("application/pdf"), the file
    extension ("pdf"), the MIME major type ("image/*"), then "*".
    """
    mime = (doc.mime_type or "").split(";", 1)[0].strip().casefold()
    extension = posixpath.splitext(doc.dateiname or doc.datei)[1].lstrip(".").casefold()
    candidates = [mime, extension, f"{mime.split('/', 1)[0]}/*" if mime else "", "*"]
    for candidate in candidates:
        if candidate and candidate in file_type_ids:
            return file_type_ids[candidate]
    return None


def map_file(doc: Dokument, ctx: MapContext) -> TargetPayload | Skip:
    """The facilioo file that holds a document's bytes.

    The payload hash covers the file's size and path besides the body, so an ERP file that was
    replaced makes an UPDATE: the engine then uploads the bytes again. An unchanged file is
    never uploaded again.
    """
    key = file_key(doc)
    try:
        external_id = external_id_for(doc, ctx.separator)
    except AmbiguousKey as exc:
        return skip("ambiguous_key", detail=str(exc), entity=Entity.FILES, key=key)
    return TargetPayload(
        entity=Entity.FILES,
        key=key,
        external_id=external_id,
        body={
            "name": doc.dateiname,
            "fileTypeId": file_type_id(doc, ctx.file_type_ids),
            "externalId": external_id,
        },
        upload=Upload(open=doc.open, size=doc.size, mime_type=doc.mime_type),
        hash_extra={"size": doc.size, "datei": doc.datei},
    )


def document_title(doc: Dokument) -> str:
    title = doc.titel.strip() or doc.dateiname
    return title[:TITLE_MAX_LENGTH]


def map_document(doc: Dokument, target: DocumentTarget, ctx: MapContext) -> TargetPayload | Skip:
    """The facilioo document: its file in its folder, linked to exactly one target record.

    The other three target fields are sent as null, so a document whose ERP reference moved
    (e.g. from unit to contract) loses its old link on update.
    """
    try:
        external_id = external_id_for(doc, ctx.separator)
    except AmbiguousKey as exc:
        return skip("ambiguous_key", detail=str(exc), entity=Entity.DOCUMENTS, key=doc.key)
    body: dict[str, object] = {
        "title": document_title(doc),
        "description": doc.bemerkung.strip() if doc.bemerkung and doc.bemerkung.strip() else None,
        "date": doc.datum.isoformat() if doc.datum else None,
        "externalId": external_id,
    }
    body.update({name: None for name in _TARGET_FIELDS if name != target.id_field})
    return TargetPayload(
        entity=Entity.DOCUMENTS,
        key=doc.key,
        external_id=external_id,
        body=body,
        refs={
            "documentGroupId": ("ordner", doc.mandant_nr, doc.ordner_id),
            target.id_field: target.key,
            "fileId": file_key(doc),
        },
    )
