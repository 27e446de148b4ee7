"""Dokumente on the engine: ERP folders as document groups, ERP documents as file + document.

Folders are written in waves (a parent before its children, even within one batch). Per
document there are two links: the file (entity "files", key ``("datei", M, D)``) and the
document (entity "documents", key ``("dokument", M, D)``). The file link's ``payload_hash``
holds two halves of 32 hex digits each:

- the *fingerprint*: a hash of the file's metadata, size, path and document date. It needs no
  read of the file, so an unchanged document costs nothing, not even a read of its bytes;
- the *content*: the start of the sha256 of the bytes that were uploaded (``PENDING`` while a
  created file has not received its bytes yet, e.g. after an upload fault).

A changed fingerprint makes the file a candidate: its bytes are streamed once to hash them.
Same content → only the metadata is brought up to date; other content → a new file is created
and uploaded, the document is patched to point at it, and the old file is deleted. A change of
the bytes that keeps size, path and date is not seen (the ERP offers no cheaper change marker).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, BinaryIO, cast

from django.utils.translation import gettext_noop

from integrations.erp.records import Dokument, NaturalKey, Ordner, RecordProblem
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import (
    FaciliooNotFound,
    FaciliooRecordRejected,
    FaciliooUploadUrlExpired,
)
from integrations.phrases import Phrase, phrase
from integrations.sync.differ import target_hash
from integrations.sync.dokumente_bodies import map_document, map_document_group, map_file
from integrations.sync.engine import (
    Counted,
    Lookups,
    Mapped,
    Mapper,
    Pipeline,
    Seen,
    SyncEngine,
)
from integrations.sync.filters import document_skip_reason, document_target, mandant_in_scope
from integrations.sync.ids import file_key
from integrations.sync.links import Link
from integrations.sync.stream import (
    Stream,
    StreamBase,
    StreamContext,
    Write,
    delete_quietly,
    erp_key_label,
    key_of,
    key_str,
    payload_link,
)
from integrations.sync.types import (
    DEFAULT_FILE_TYPE_IDS,
    DokumenteSettings,
    MapContext,
    Skip,
    TargetPayload,
    Upload,
)
from integrations.usecases import UseCase

HALF = 32  # hex digits of each half of a file link's payload_hash
PENDING = "0" * HALF  # content half of a file created in facilioo whose bytes are not there yet
CHUNK = 1024 * 1024
_GROUP = "documentGroupId"
_FILE = "fileId"
# The facilioo entity behind the first part of a natural key a document or folder refers to.
ENTITY_OF_KIND = {
    "ordner": Entity.DOCUMENT_GROUPS,
    "datei": Entity.FILES,
    "dokument": Entity.DOCUMENTS,
    "gebaeude": Entity.PROPERTIES,
    "einheit": Entity.UNITS,
    "person": Entity.PARTIES,
    "vertrag_nr": Entity.UNIT_CONTRACTS,  # the alias the Stammdaten sync stores per contract
}
# Filter reasons that are only counted, never logged; too_large is logged.
COUNTED_ONLY = frozenset({"not_released", "filtered_archive", "filtered_keyword", "filtered_date"})
# Names of facilioo file types (lower case) → the lookup keys of ``file_type_id``.
_FILE_TYPE_KEYS = {
    "pdf": ("application/pdf", "pdf"),
    "bild": ("image/*",),
    "office-dokument": (
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "sonstiges": ("*",),
}


def file_type_ids_from(types: Iterable[dict[str, Any]]) -> dict[str, int]:
    """The ``MapContext.file_type_ids`` for the file types facilioo lists (by their names)."""
    ids = dict(DEFAULT_FILE_TYPE_IDS)
    for item in types:
        for lookup in _FILE_TYPE_KEYS.get(str(item.get("name", "")).strip().casefold(), ()):
            ids[lookup] = int(item[dialect.ID])
    return ids


def content_sha256(upload: Upload) -> str:
    """The sha256 of a file's bytes, streamed in chunks (never read whole)."""
    digest = hashlib.sha256()
    with upload.open() as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """A read-only view of a stream that hashes what is read; a rewind starts the hash anew."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._start = stream.tell() if stream.seekable() else 0
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, amount: int = -1) -> bytes:
        chunk = self._stream.read(amount)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def seekable(self) -> bool:
        return self._stream.seekable()

    def tell(self) -> int:
        return self._stream.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self._stream.seek(offset, whence)
        if position == self._start:
            self.digest, self.size = hashlib.sha256(), 0
        return position


class DokumenteMapper(Mapper):
    use_case = UseCase.DOKUMENTE
    entity_of_kind = ENTITY_OF_KIND

    def __init__(self, settings: DokumenteSettings) -> None:
        self.settings = settings

    def lookups(self, client: FaciliooClient) -> Lookups:
        return Lookups(file_types=client.list_file_types())

    def build_context(self, today: date, lookups: Lookups) -> MapContext:
        return MapContext(
            separator=self.settings.separator,
            today=today,
            file_type_ids=file_type_ids_from(lookups.file_types),
        )

    def map(self, item: Any, ctx: MapContext) -> list[Mapped]:
        if isinstance(item, RecordProblem):
            entity = ENTITY_OF_KIND.get(item.key[0], item.entity)
            return [Skip(reason=item.reason, message=item.message, entity=entity, key=item.key)]
        if isinstance(item, Ordner):
            if not mandant_in_scope(item, self.settings.mandanten):
                return [Counted(Entity.DOCUMENT_GROUPS, "skipped_mandant")]
            return [map_document_group(item, ctx)]
        if isinstance(item, Dokument):
            return self._map_document(item, ctx)
        return []

    def _map_document(self, doc: Dokument, ctx: MapContext) -> list[Mapped]:
        if not mandant_in_scope(doc, self.settings.mandanten):
            return [Counted(Entity.DOCUMENTS, "skipped_mandant")]
        reason = document_skip_reason(doc, self.settings)
        if reason in COUNTED_ONLY:
            return [Counted(Entity.DOCUMENTS, f"skipped_{reason}")]
        if reason is not None:  # too_large: logged, out of scope; the file is not read
            return [Skip(reason, Phrase.reason(reason), Entity.DOCUMENTS, doc.key, in_scope=False)]
        # In the sync's scope: never removed from facilioo while it stays like this.
        seen: list[Mapped] = [Seen(Entity.DOCUMENTS, doc.key), Seen(Entity.FILES, file_key(doc))]
        target = document_target(doc)
        if isinstance(target, Skip):
            return [*seen, dataclasses.replace(target, entity=Entity.DOCUMENTS, key=doc.key)]
        file_payload = map_file(doc, ctx)
        doc_payload = map_document(doc, target, ctx)
        for why in (doc_payload, file_payload):
            if isinstance(why, Skip):
                return [*seen, dataclasses.replace(why, entity=Entity.DOCUMENTS, key=doc.key)]
        assert isinstance(file_payload, TargetPayload)  # noqa: S101 (checked above)
        assert isinstance(doc_payload, TargetPayload)  # noqa: S101 (checked above)
        file_payload = dataclasses.replace(
            file_payload, hash_extra={**file_payload.hash_extra, "datum": doc.datum}
        )
        return [*seen, dataclasses.replace(doc_payload, parts=(file_payload,))]


class GroupStream(Stream):
    """Folders: a parent before its children; never removed (they may hold other documents)."""

    entity = Entity.DOCUMENT_GROUPS
    kind, key_parts, free_id = "ordner", 2, True
    waves = True

    def missing_parent(self, payload: TargetPayload, missing: Sequence[str]) -> str | Phrase:
        return phrase(gettext_noop("Der übergeordnete Ordner fehlt in facilioo."))


class FileState(Enum):
    """Where a document's file stands before the write."""

    NEW = "new"  # not in facilioo
    PENDING = "pending"  # in facilioo, its bytes not (or not known to be)
    CHANGED = "changed"  # its fingerprint changed: the bytes are compared
    SAME = "same"  # unchanged


@dataclass
class DocumentFile:
    """A document's file as the document stream plans its write (the stream's write state)."""

    payload: TargetPayload
    fingerprint: str
    file_id: int | None  # the file facilioo has (link or adoption)
    state: FileState
    old_content: str | None  # content half of the file link
    link: Link | None
    journaled: bool = False  # created by a predecessor of this run that died uncommitted


@dataclass
class DocumentSent:
    """What a document's write steps did, faults and partial progress included."""

    file_id: int | None = None
    content: str | None = None  # content half once the bytes are known to be in facilioo
    file_created: bool = False
    uploaded: int = 0  # bytes
    doc_id: int | None = None
    doc_created: bool = False
    error: Exception | None = None


class DocumentStream(StreamBase[DocumentFile, DocumentSent]):
    """A document's three write steps: its file, the file's bytes, the document itself.

    The engine prepares the document like any record; the file is the stream's own part: its
    link is read in ``plan``, its fingerprint decides whether an unchanged document is written
    (``settled``), and its id is part of the document's digest."""

    entity = Entity.DOCUMENTS
    kind, key_parts, free_id = "dokument", 2, True
    own_refs = frozenset({_FILE})

    def plan(self, ctx: StreamContext, payloads: Sequence[TargetPayload]) -> list[DocumentFile]:
        files = [p.parts[0] for p in payloads]
        file_links = ctx.links.get(Entity.FILES, [key_str(f.key) for f in files])
        return [_file_plan(f, file_links.get(key_str(f.key))) for f in files]

    def digest(self, payload: TargetPayload, body: dict[str, Any], state: DocumentFile) -> str:
        return _doc_digest(payload, body, state.file_id)

    def settled(self, state: DocumentFile) -> bool:
        return state.state is FileState.SAME

    def missing_parent(self, payload: TargetPayload, missing: Sequence[str]) -> str | Phrase:
        if _GROUP in missing:
            return phrase(gettext_noop("Der Ordner des Dokuments fehlt in facilioo."))
        target = next(ref for name, ref in payload.refs.items() if name not in {_GROUP, _FILE})
        return phrase(
            gettext_noop(
                "Der Datensatz, dem das Dokument zugeordnet ist (%(ref)s), fehlt in "
                "facilioo. Läuft die Synchronisation der Stammdaten?"
            ),
            ref=erp_key_label(target),
        )

    def adopt(
        self, ctx: StreamContext, writes: list[Write[DocumentFile]]
    ) -> list[Write[DocumentFile]]:
        """Files and documents facilioo already has with our externalId are taken over."""
        new_files = [w for w in writes if w.state.file_id is None]
        found = ctx.find(Entity.FILES, [w.state.payload.external_id for w in new_files])
        for w, matches in zip(new_files, found, strict=True):
            if matches:
                file = w.state
                file.file_id = int(max(m[dialect.ID] for m in matches))
                file.state = FileState.PENDING  # its bytes are unknown: upload again
                file.journaled = ctx.journaled(Entity.FILES, file.payload.key)
        new_docs = [w for w in writes if w.facilioo_id is None]
        found = ctx.find(Entity.DOCUMENTS, [w.payload.external_id for w in new_docs])
        for w, matches in zip(new_docs, found, strict=True):
            if matches:
                w.facilioo_id = int(max(m[dialect.ID] for m in matches))
        return writes

    def journal_keys(self, w: Write[DocumentFile]) -> list[tuple[str, NaturalKey]]:
        keys: list[tuple[str, NaturalKey]] = []
        if w.state.file_id is None or w.state.journaled:
            keys.append((Entity.FILES, w.state.payload.key))
        if w.facilioo_id is None or w.created:
            keys.append((Entity.DOCUMENTS, w.payload.key))
        return keys

    def send(self, ctx: StreamContext, w: Write[DocumentFile]) -> DocumentSent:
        """File (metadata, bytes) then document; what succeeded is reported even on a fault."""
        file = w.state
        client = ctx.client
        out = DocumentSent(file_id=file.file_id, doc_id=w.facilioo_id)
        try:
            old_file = None
            upload = file.payload.upload
            assert upload is not None  # noqa: S101 (map_file sets it)
            if file.state is FileState.CHANGED:
                assert file.file_id is not None  # noqa: S101 (a link exists)
                if content_sha256(upload)[:HALF] == file.old_content:
                    client.patch(Entity.FILES, file.file_id, file.payload.body)
                    out.content = file.old_content
                else:
                    old_file, out.file_id = file.file_id, None
            elif file.state is FileState.SAME:
                out.content = file.old_content
            if out.file_id is None:
                out.file_id = int(client.create(Entity.FILES, file.payload.body)[dialect.ID])
                out.file_created = True
            if out.content is None:
                out.content = _upload(client, upload, out.file_id)
                out.uploaded = upload.size
            body = {**w.body, _FILE: out.file_id}
            if out.doc_id is None:
                out.doc_id = int(client.create(Entity.DOCUMENTS, body)[dialect.ID])
                out.doc_created = True
            else:
                try:
                    client.patch(Entity.DOCUMENTS, out.doc_id, body)
                except FaciliooNotFound:  # deleted in facilioo behind our back: held fields too
                    body = {**w.create_body(), _FILE: out.file_id}
                    out.doc_id = int(client.create(Entity.DOCUMENTS, body)[dialect.ID])
                    out.doc_created = True
            if old_file is not None and old_file != out.file_id:
                delete_quietly(ctx.client, Entity.FILES, old_file)
        except Exception as exc:  # reported to the main thread with the partial progress
            out.error = exc
        return out

    def record(
        self,
        ctx: StreamContext,
        w: Write[DocumentFile],
        result: DocumentSent | Exception,
    ) -> Exception | None:
        if isinstance(result, Exception):  # send catches its faults; this is a bug
            return result
        file, out = w.state, result
        payload = w.payload
        if out.file_id is not None and (
            out.file_id != file.file_id or out.content is not None or file.link is None
        ):
            ctx.link(
                payload_link(
                    file.payload,
                    out.file_id,
                    file.fingerprint + (out.content or PENDING),
                    sent_body=file.payload.body,
                )
            )
        if out.file_created or file.journaled:
            ctx.count(Entity.FILES, "created")
        elif out.uploaded or file.state is FileState.CHANGED:
            ctx.count(Entity.FILES, "updated")
        ctx.uploaded(out.uploaded)
        if out.error is None and out.doc_id is not None:
            body = {**w.body, _FILE: out.file_id}
            ctx.link(
                payload_link(
                    payload, out.doc_id, _doc_digest(payload, w.body, out.file_id), sent_body=body
                )
            )
            created = (out.doc_created or w.created) and w.link is None
            ctx.log(
                Entity.DOCUMENTS,
                "created" if created else "updated",
                payload.key,
                external_id=payload.external_id,
                facilioo_id=out.doc_id,
                message=phrase(gettext_noop("Datei hochgeladen.")) if out.uploaded else "",
            )
            return None
        if isinstance(out.error, FaciliooRecordRejected | FaciliooUploadUrlExpired):
            ctx.rejected(payload, out.error, out.doc_id)
            return None
        return out.error

    def remove(self, ctx: StreamContext, link: Link) -> None:
        """A document that left the ERP (or the filters) is deleted, and its file with it."""
        key = key_of(link.natural_key)
        file_nk = key_str(("datei", *key[1:]))
        file_link = ctx.links.get(Entity.FILES, [file_nk]).get(file_nk)

        def delete() -> None:
            delete_quietly(ctx.client, Entity.DOCUMENTS, link.facilioo_id)
            if file_link is not None:
                delete_quietly(ctx.client, Entity.FILES, file_link.facilioo_id)

        removed = ctx.remove(
            link,
            delete,
            action="deleted",
            mark={"deleted": True},
            message=phrase(gettext_noop("Fehlt im ERP; in facilioo gelöscht.")),
        )
        if removed and file_link is not None and not ctx.dry_run:
            ctx.mark(file_link, deleted=True)
            ctx.count(Entity.FILES, "deleted")


def _file_plan(file_payload: TargetPayload, file_link: Link | None) -> DocumentFile:
    """Where a document's file stands: its fingerprint against its link's two halves."""
    fingerprint = target_hash(file_payload, file_payload.body)[:HALF]
    if file_link is None:
        state, old_content = FileState.NEW, None
    else:
        old_content = file_link.payload_hash[HALF:]
        if len(file_link.payload_hash) != 2 * HALF or old_content == PENDING:
            state = FileState.PENDING
        elif file_link.payload_hash[:HALF] != fingerprint:
            state = FileState.CHANGED
        else:
            state = FileState.SAME
    return DocumentFile(
        file_payload,
        fingerprint,
        file_link.facilioo_id if file_link else None,
        state,
        old_content,
        file_link,
    )


def _doc_digest(payload: TargetPayload, body: dict[str, Any], file_id: int | None) -> str:
    return target_hash(payload, {**body, _FILE: file_id})


def _upload(client: FaciliooClient, upload: Upload, file_id: int) -> str:
    """Stream the bytes to a fresh pre-signed URL; ask for a new one once if it expired."""
    for attempt in (1, 2):
        url = client.request_upload_url(file_id)
        with upload.open() as stream:
            reader = _HashingReader(stream)
            try:
                client.upload(url, cast("BinaryIO", reader), upload.size)
            except FaciliooUploadUrlExpired:
                if attempt == 2:
                    raise
                continue
        return reader.digest.hexdigest()[:HALF]
    raise AssertionError("unreachable")  # pragma: no cover


DOKUMENTE = Pipeline(
    use_case=UseCase.DOKUMENTE,
    mapper=DokumenteMapper,
    streams=(GroupStream, DocumentStream),
    removal_order=(Entity.DOCUMENTS,),
    # Folders first: which documents are "in our scope" follows from the folders.
    reconciled=(Entity.DOCUMENT_GROUPS, Entity.DOCUMENTS),
    brake_noun=lambda: phrase(gettext_noop("Dokumenten")),
)


# The engine of one run of this use case: ``DokumenteSync(run=, client=, connector=, settings=,
# today=, …)``.
DokumenteSync = functools.partial(SyncEngine, DOKUMENTE)
