"""The Dokumente pipeline: ERP folders and documents into facilioo, in committed batches.

One ``DokumenteSync`` executes one run, on the same machinery as the Stammdaten engine: the ERP
read is streamed (Ordner, a parent before its children, then Dokument), records are filtered and
mapped by the pure functions of ``sync.filters`` and ``sync.dokumente``, diffed against
``ExternalLink`` and written in batches whose links, log rows, counts and heartbeat are committed
together. A resumed attempt replays the committed batches without writing.

Per document there are two links: the file (entity "files", key ``("datei", M, D)``) and the
document (entity "documents", key ``("dokument", M, D)``). The file link's ``payload_hash`` holds
two halves of 32 hex digits each:

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

import contextlib
import dataclasses
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, cast

from django.utils.translation import gettext as _

from integrations.erp.base import ErpConnector
from integrations.erp.records import Dokument, NaturalKey, Ordner, RecordProblem
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import (
    FaciliooNotFound,
    FaciliooRecordRejected,
    FaciliooUploadUrlExpired,
)
from integrations.models import ExternalLink, FieldHold
from integrations.sync.differ import ChangeKind, diff, target_hash
from integrations.sync.dokumente import map_document, map_document_group, map_file
from integrations.sync.engine import (
    BATCH_SIZE,
    KEY_SEPARATOR,
    ErpReadIncomplete,
    RunBookkeeping,
    SafetyBrakeTripped,
    erp_key_label,
    erp_read_incomplete_message,
    key_str,
)
from integrations.sync.filters import document_skip_reason, document_target, mandant_in_scope
from integrations.sync.ids import file_key
from integrations.sync.types import (
    DEFAULT_FILE_TYPE_IDS,
    REASONS,
    DocumentTarget,
    DokumenteSettings,
    MapContext,
    Skip,
    TargetPayload,
)
from integrations.usecases import UseCase

logger = logging.getLogger(__name__)

HALF = 32  # hex digits of each half of a file link's payload_hash
PENDING = "0" * HALF  # content half of a file created in facilioo whose bytes are not there yet
CHUNK = 1024 * 1024
_GROUP = "documentGroupId"
# The facilioo entity behind the first part of a natural key a document or folder refers to.
ENTITY_OF_KIND = {
    "ordner": "document-groups",
    "datei": "files",
    "dokument": "documents",
    "gebaeude": "properties",
    "einheit": "units",
    "person": "parties",
    "vertrag_nr": "unit-contracts",  # the alias the Stammdaten sync stores per ERP contract
}
# Filter reasons that are only counted (SPEC 3: "filtered → counted"); too_large is logged.
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


def content_sha256(doc: Dokument) -> str:
    """The sha256 of a document's bytes, streamed in chunks (never read whole)."""
    digest = hashlib.sha256()
    with doc.open() as stream:
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


@dataclass
class _Work:
    """What one document needs in facilioo, decided in the main thread, done by a worker."""

    doc: Dokument
    file_payload: TargetPayload
    doc_payload: TargetPayload
    doc_body: dict[str, Any]  # resolved, without fileId
    fingerprint: str
    file_id: int | None  # the file facilioo has (link or adoption)
    file_state: str  # "new", "pending", "changed", "same"
    old_content: str | None  # content half of the file link
    doc_id: int | None
    doc_link: ExternalLink | None
    file_link: ExternalLink | None
    # Created in facilioo by a predecessor of this run that died before its commit.
    file_journaled: bool = False
    doc_journaled: bool = False


@dataclass
class _Outcome:
    file_id: int | None = None
    content: str | None = None  # content half once the bytes are known to be in facilioo
    file_created: bool = False
    uploaded: int = 0  # bytes
    doc_id: int | None = None
    doc_created: bool = False
    error: Exception | None = None


@dataclass
class _GroupWrite:
    payload: TargetPayload
    body: dict[str, Any]
    digest: str
    kind: ChangeKind
    facilioo_id: int | None
    link: ExternalLink | None
    created: bool = False


class DokumenteSync(RunBookkeeping):
    def __init__(
        self,
        *,
        run: Any,
        client: FaciliooClient,
        connector: ErpConnector,
        settings: DokumenteSettings,
        today: date,
        batch_size: int = BATCH_SIZE,
        safety_brake_percent: int | None = None,  # default: the settings'
    ) -> None:
        super().__init__(
            run=run, client=client, connector=connector, today=today, batch_size=batch_size
        )
        self.settings = settings
        self.safety_brake_percent = (
            settings.safety_brake_percent if safety_brake_percent is None else safety_brake_percent
        )
        self.bytes_uploaded = 0

    # -- the run ----------------------------------------------------------------------------

    def execute(self) -> None:
        self.ctx = MapContext(
            separator=self.settings.separator,
            today=self.today,
            file_type_ids=file_type_ids_from(self.client.list_file_types()),
        )
        self._progress(phase="counting")
        total = sum(1 for _ in self._read())
        self._progress(phase="writing", total=total)
        read = self._read()
        batch: list[Any] = []
        kind: str | None = None
        for item in read:
            item_kind = "problem" if isinstance(item, RecordProblem) else type(item).__name__
            if (kind is not None and item_kind != kind) or len(batch) >= self.batch_size:
                self._flush(kind, batch)
                batch = []
            kind = item_kind
            batch.append(item)
            self.done += 1
        self._flush(kind, batch)
        if not read.complete:
            raise ErpReadIncomplete(erp_read_incomplete_message())
        self._progress(phase="removing")
        self._remove_missing()
        self._commit()

    def _read(self) -> Any:
        return self.connector.read(UseCase.DOKUMENTE, mandanten=self.settings.mandanten)

    def _flush(self, kind: str | None, batch: list[Any]) -> None:
        if not batch:
            return
        if self.done <= self.resume_from:
            return  # committed by an earlier attempt of this run
        if kind == "problem":
            for problem in batch:
                entity = ENTITY_OF_KIND.get(problem.key[0], problem.entity)
                self._seen.append((entity, key_str(problem.key)))
                self._log(
                    entity, "skipped", problem.key, reason=problem.reason, message=problem.message
                )
        elif kind == "Ordner":
            self._flush_groups(batch)
        elif kind == "Dokument":
            self._flush_documents(batch)
        self._commit()

    # -- folders -----------------------------------------------------------------------------

    def _flush_groups(self, folders: list[Ordner]) -> None:
        assert self.ctx is not None  # noqa: S101 (set in execute)
        payloads: list[TargetPayload] = []
        for folder in folders:
            if not mandant_in_scope(folder, self.settings.mandanten):
                self.counts.add("document-groups", "skipped_mandant")
                continue
            mapped = map_document_group(folder, self.ctx)
            self._seen.append(("document-groups", key_str(folder.key)))
            if isinstance(mapped, Skip):
                self._log_skipped("document-groups", folder.key, mapped)
            else:
                payloads.append(mapped)
        links = self._links("document-groups", [p.key for p in payloads])
        # Waves: a folder is written once its parent (if it is in this batch) has its id.
        remaining = payloads
        while remaining:
            waiting = {p.key for p in remaining}
            wave = [p for p in remaining if p.refs.get("parentId") not in waiting - {p.key}]
            if not wave:  # a cycle: no parent ever gets an id
                for payload in remaining:
                    self._log_missing(payload, _("Der übergeordnete Ordner fehlt."))
                return
            self._write_groups(wave, links)
            written = {p.key for p in wave}
            remaining = [p for p in remaining if p.key not in written]

    def _write_groups(self, wave: list[TargetPayload], links: dict[str, ExternalLink]) -> None:
        parents = self._ids([ref for p in wave for ref in p.refs.values()])
        held = self._held("document-groups", [p.key for p in wave])
        writes: list[_GroupWrite] = []
        for payload in wave:
            link = links.get(key_str(payload.key))
            try:
                body = payload.resolved_body(parents)
            except KeyError:
                self._log_missing(payload, _("Der übergeordnete Ordner fehlt in facilioo."))
                continue
            if link is not None and (keep := held.get(key_str(payload.key))):
                # "facilioo behält": these fields are left out of the write (and the hash).
                body = {name: value for name, value in body.items() if name not in keep}
            digest = target_hash(payload, body)
            change = diff(digest, link.payload_hash if link else None, link is not None)
            if change is ChangeKind.UNCHANGED:
                self.counts.add(payload.entity, "unchanged")
                continue
            writes.append(
                _GroupWrite(payload, body, digest, change, link.facilioo_id if link else None, link)
            )
        adopted = self._adopt("document-groups", [w.payload for w in writes])
        for w, found in zip(writes, adopted, strict=True):
            if w.facilioo_id is None and found is not None:
                w.facilioo_id, w.kind = found, ChangeKind.UPDATE
            w.created = w.link is None and (
                w.facilioo_id is None or self._journaled(w.payload.entity, w.payload.key)
            )
        if self.dry_run:
            for w in writes:
                if w.facilioo_id is None:
                    self._planned[w.payload.key] = -(len(self._planned) + 1)
                self._log(
                    w.payload.entity,
                    "created" if w.facilioo_id is None else "updated",
                    w.payload.key,
                    external_id=w.payload.external_id,
                    facilioo_id=w.facilioo_id,
                    message=_("Vorschau: würde geschrieben."),
                )
            return

        self._journal_creates([(w.payload.entity, w.payload.key) for w in writes if w.created])

        def send(w: _GroupWrite) -> int:
            if w.facilioo_id is None:
                return int(self.client.create(Entity.DOCUMENT_GROUPS, w.body)[dialect.ID])
            try:
                self.client.patch(Entity.DOCUMENT_GROUPS, w.facilioo_id, w.body)
            except FaciliooNotFound:
                return int(self.client.create(Entity.DOCUMENT_GROUPS, w.body)[dialect.ID])
            return w.facilioo_id

        failure: Exception | None = None
        for w, result in self.client.map_parallel(send, writes):
            if isinstance(result, FaciliooRecordRejected):
                self._log_rejected(w.payload, result, w.facilioo_id)
            elif isinstance(result, Exception):
                failure = failure or result
            else:
                self._store_link(w.payload, result, w.digest, w.body)
                self._log(
                    w.payload.entity,
                    "created" if w.created else "updated",
                    w.payload.key,
                    external_id=w.payload.external_id,
                    facilioo_id=result,
                )
        if failure is not None:
            raise failure  # nothing of the batch is committed: a resumed attempt does it again

    # -- documents ---------------------------------------------------------------------------

    def _flush_documents(self, docs: list[Dokument]) -> None:
        assert self.ctx is not None  # noqa: S101 (set in execute)
        candidates: list[tuple[Dokument, DocumentTarget, TargetPayload, TargetPayload]] = []
        for doc in docs:
            if not mandant_in_scope(doc, self.settings.mandanten):
                self.counts.add("documents", "skipped_mandant")
                continue
            reason = document_skip_reason(doc, self.settings)
            if reason in COUNTED_ONLY:
                self.counts.add("documents", f"skipped_{reason}")
                continue
            if reason is not None:  # too_large: logged; the file is not read
                self._log(
                    "documents",
                    "skipped",
                    doc.key,
                    reason=reason,
                    message=str(REASONS[reason]),
                )
                continue
            # In the sync's scope: never removed from facilioo while it stays like this.
            self._seen.append(("documents", key_str(doc.key)))
            self._seen.append(("files", key_str(file_key(doc))))
            target = document_target(doc)
            if isinstance(target, Skip):
                self._log_skipped("documents", doc.key, target)
                continue
            file_payload = map_file(doc, self.ctx)
            doc_payload = map_document(doc, target, self.ctx)
            if isinstance(doc_payload, Skip) or isinstance(file_payload, Skip):
                why = doc_payload if isinstance(doc_payload, Skip) else file_payload
                assert isinstance(why, Skip)  # noqa: S101 (one of the two is)
                self._log_skipped("documents", doc.key, why)
                continue
            candidates.append((doc, target, file_payload, doc_payload))
        file_links = self._links("files", [file_key(c[0]) for c in candidates])
        doc_links = self._links("documents", [c[0].key for c in candidates])
        parents = self._ids([ref for c in candidates for ref in (c[1].key, c[3].refs[_GROUP])])
        held = self._held("documents", [c[0].key for c in candidates])
        work: list[_Work] = []
        for doc, target, file_payload, doc_payload in candidates:
            if parents.get(doc_payload.refs[_GROUP]) is None:
                self._log_missing(doc_payload, _("Der Ordner des Dokuments fehlt in facilioo."))
                continue
            if parents.get(target.key) is None:
                self._log_missing(
                    doc_payload,
                    _(
                        "Der Datensatz, dem das Dokument zugeordnet ist (%(ref)s), fehlt in "
                        "facilioo. Läuft die Synchronisation der Stammdaten?"
                    )
                    % {"ref": erp_key_label(target.key)},
                )
                continue
            file_payload = dataclasses.replace(
                file_payload, hash_extra={**file_payload.hash_extra, "datum": doc.datum}
            )
            fingerprint = target_hash(file_payload, file_payload.body)[:HALF]
            file_link = file_links.get(key_str(file_key(doc)))
            doc_link = doc_links.get(key_str(doc.key))
            body = {
                name: (parents[ref] if name != "fileId" else None)
                for name, ref in doc_payload.refs.items()
            }
            doc_body = {**doc_payload.body, **body}
            del doc_body["fileId"]
            if doc_link is not None and (keep := held.get(key_str(doc.key))):
                # "facilioo behält": left out of the update (and of the hash).
                doc_body = {name: value for name, value in doc_body.items() if name not in keep}
            if file_link is None:
                state, old_content = "new", None
            else:
                old_content = file_link.payload_hash[HALF:]
                if len(file_link.payload_hash) != 2 * HALF or old_content == PENDING:
                    state = "pending"
                elif file_link.payload_hash[:HALF] != fingerprint:
                    state = "changed"
                else:
                    state = "same"
            item = _Work(
                doc=doc,
                file_payload=file_payload,
                doc_payload=doc_payload,
                doc_body=doc_body,
                fingerprint=fingerprint,
                file_id=file_link.facilioo_id if file_link else None,
                file_state=state,
                old_content=old_content,
                doc_id=doc_link.facilioo_id if doc_link else None,
                doc_link=doc_link,
                file_link=file_link,
            )
            if (
                state == "same"
                and doc_link is not None
                and doc_link.payload_hash == self._doc_digest(item, item.file_id)
            ):
                self.counts.add("documents", "unchanged")
                continue
            work.append(item)
        self._adopt_documents(work)
        if self.dry_run:
            for item in work:
                self._log(
                    "documents",
                    "created" if item.doc_id is None else "updated",
                    item.doc.key,
                    external_id=item.doc_payload.external_id,
                    facilioo_id=item.doc_id,
                    message=_("Vorschau: würde geschrieben."),
                )
            return
        creates: list[tuple[str, NaturalKey]] = []
        for item in work:
            if item.file_id is None or item.file_journaled:
                creates.append(("files", item.file_payload.key))
            if item.doc_id is None or item.doc_journaled:
                creates.append(("documents", item.doc_payload.key))
        self._journal_creates(creates)
        failure: Exception | None = None
        for item, result in self.client.map_parallel(self._send_document, work):
            assert isinstance(result, _Outcome)  # noqa: S101 (_send_document catches)
            self._record_outcome(item, result)
            if result.error is not None and not isinstance(
                result.error, FaciliooRecordRejected | FaciliooUploadUrlExpired
            ):
                failure = failure or result.error
        if failure is not None:
            raise failure  # nothing of the batch is committed: a resumed attempt does it again

    def _doc_digest(self, item: _Work, file_id: int | None) -> str:
        return target_hash(item.doc_payload, {**item.doc_body, "fileId": file_id})

    def _adopt_documents(self, work: list[_Work]) -> None:
        """Files and documents facilioo already has with our externalId are taken over."""
        new_files = [w for w in work if w.file_id is None]
        adopted = self._adopt("files", [w.file_payload for w in new_files])
        for w, found in zip(new_files, adopted, strict=True):
            if found is not None:
                w.file_id, w.file_state = found, "pending"  # its bytes are unknown: upload again
                w.file_journaled = self._journaled("files", w.file_payload.key)
        new_docs = [w for w in work if w.doc_id is None]
        adopted = self._adopt("documents", [w.doc_payload for w in new_docs])
        for w, found in zip(new_docs, adopted, strict=True):
            if found is not None:
                w.doc_id = found
                w.doc_journaled = self._journaled("documents", w.doc_payload.key)

    def _send_document(self, item: _Work) -> _Outcome:
        """File (metadata, bytes) then document; what succeeded is reported even on a fault."""
        out = _Outcome(file_id=item.file_id, doc_id=item.doc_id)
        try:
            old_file = None
            if item.file_state == "changed":
                assert item.file_id is not None  # noqa: S101 (a link exists)
                sha = content_sha256(item.doc)
                if sha[:HALF] == item.old_content:
                    self.client.patch(Entity.FILES, item.file_id, item.file_payload.body)
                    out.content = item.old_content
                else:
                    old_file, out.file_id = item.file_id, None
            elif item.file_state == "same":
                out.content = item.old_content
            if out.file_id is None:
                created = self.client.create(Entity.FILES, item.file_payload.body)
                out.file_id = int(created[dialect.ID])
                out.file_created = True
            if out.content is None:
                out.content = self._upload(item.doc, out.file_id)
                out.uploaded = item.doc.size
            body = {**item.doc_body, "fileId": out.file_id}
            if out.doc_id is None:
                out.doc_id = int(self.client.create(Entity.DOCUMENTS, body)[dialect.ID])
                out.doc_created = True
            else:
                try:
                    self.client.patch(Entity.DOCUMENTS, out.doc_id, body)
                except FaciliooNotFound:  # deleted in facilioo behind our back
                    out.doc_id = int(self.client.create(Entity.DOCUMENTS, body)[dialect.ID])
                    out.doc_created = True
            if old_file is not None and old_file != out.file_id:
                self._delete_quietly(Entity.FILES, old_file)
        except Exception as exc:  # reported to the main thread with the partial progress
            out.error = exc
        return out

    def _upload(self, doc: Dokument, file_id: int) -> str:
        """Stream the bytes to a fresh pre-signed URL; ask for a new one once if it expired."""
        for attempt in (1, 2):
            url = self.client.request_upload_url(file_id)
            with doc.open() as stream:
                reader = _HashingReader(stream)
                try:
                    self.client.upload(url, cast(BinaryIO, reader), doc.size)
                except FaciliooUploadUrlExpired:
                    if attempt == 2:
                        raise
                    continue
            return reader.digest.hexdigest()[:HALF]
        raise AssertionError("unreachable")  # pragma: no cover

    def _record_outcome(self, item: _Work, out: _Outcome) -> None:
        payload = item.doc_payload
        if out.file_id is not None and (
            out.file_id != item.file_id or out.content is not None or item.file_link is None
        ):
            content = out.content or PENDING
            self._store_link(
                item.file_payload, out.file_id, item.fingerprint + content, item.file_payload.body
            )
        if out.file_created or item.file_journaled:
            self.counts.add("files", "created")
        elif out.uploaded or item.file_state == "changed":
            self.counts.add("files", "updated")
        self.bytes_uploaded += out.uploaded
        if out.error is None and out.doc_id is not None:
            self._store_link(
                payload,
                out.doc_id,
                self._doc_digest(item, out.file_id),
                {**item.doc_body, "fileId": out.file_id},
            )
            created = (out.doc_created or item.doc_journaled) and item.doc_link is None
            self._log(
                "documents",
                "created" if created else "updated",
                payload.key,
                external_id=payload.external_id,
                facilioo_id=out.doc_id,
                message=_("Datei hochgeladen.") if out.uploaded else "",
            )
            return
        error = out.error
        if isinstance(error, FaciliooRecordRejected | FaciliooUploadUrlExpired):
            self._log_rejected(payload, error, out.doc_id)
        else:
            self.had_failures = True

    # -- removals ----------------------------------------------------------------------------

    def _remove_missing(self) -> None:
        """After a complete read: documents gone from the ERP (or its filters) are deleted."""
        in_scope = [
            link
            for link in ExternalLink.objects.filter(
                customer_id=self.customer_id, entity="documents", deleted=False
            )
            if link.natural_key.split(KEY_SEPARATOR)[1] in self.settings.mandanten
        ]
        gone = [
            link
            for link in in_scope
            if not self._was_seen(link.entity, link.natural_key, link.seen_run_id)
        ]
        if in_scope and len(gone) * 100 > len(in_scope) * self.safety_brake_percent:
            raise SafetyBrakeTripped(
                _(
                    "Sicherheitsbremse: %(n)d von %(known)d bekannten Dokumenten fehlen im ERP "
                    "(mehr als %(pct)d %%). Die ERP-Daten sehen unvollständig aus; es wurde "
                    "nichts entfernt."
                )
                % {"n": len(gone), "known": len(in_scope), "pct": self.safety_brake_percent}
            )
        for link in gone:
            key = tuple(link.natural_key.split(KEY_SEPARATOR))
            file_link = ExternalLink.objects.filter(
                customer_id=self.customer_id,
                entity="files",
                natural_key=key_str(("datei", *key[1:])),
                deleted=False,
            ).first()
            if not self.dry_run:
                try:
                    self._delete_quietly(Entity.DOCUMENTS, link.facilioo_id)
                    if file_link is not None:
                        self._delete_quietly(Entity.FILES, file_link.facilioo_id)
                except FaciliooRecordRejected as exc:
                    self._stage_mark(link.pk, seen_run_id=self.run.pk)  # reported once
                    self._log(
                        "documents",
                        "failed",
                        key,
                        reason="facilioo_rejected",
                        message=str(exc.message),
                        external_id=link.external_id,
                    )
                    continue
                self._stage_mark(link.pk, deleted=True)
                if file_link is not None:
                    self._stage_mark(file_link.pk, deleted=True)
                    self.counts.add("files", "deleted")
            self._log(
                "documents",
                "deleted",
                key,
                external_id=link.external_id,
                facilioo_id=link.facilioo_id,
                message=_("Fehlt im ERP; in facilioo gelöscht."),
            )
            if len(self._items) >= self.batch_size:
                self._commit()

    def _delete_quietly(self, entity: Entity, facilioo_id: int) -> None:
        with contextlib.suppress(FaciliooNotFound):  # already gone: the goal is reached
            self.client.delete(entity, facilioo_id)

    # -- shared helpers ----------------------------------------------------------------------

    def _links(self, entity: str, keys: list[NaturalKey]) -> dict[str, ExternalLink]:
        found: dict[str, ExternalLink] = {}
        wanted = [key_str(k) for k in keys]
        for start in range(0, len(wanted), 500):
            for link in ExternalLink.objects.filter(
                customer_id=self.customer_id,
                entity=entity,
                natural_key__in=wanted[start : start + 500],
                deleted=False,
            ):
                found[link.natural_key] = link
        return found

    def _ids(self, keys: Iterable[NaturalKey]) -> dict[NaturalKey, int]:
        """facilioo ids of the records behind natural keys (dry run: placeholders as well)."""
        by_str = {key_str(k): k for k in keys}
        ids = {k: self._planned[k] for k in by_str.values() if k in self._planned}
        wanted = list(by_str)
        for start in range(0, len(wanted), 500):
            for nk, entity, fid in ExternalLink.objects.filter(
                customer_id=self.customer_id,
                natural_key__in=wanted[start : start + 500],
                deleted=False,
            ).values_list("natural_key", "entity", "facilioo_id"):
                key = by_str[nk]
                if entity == ENTITY_OF_KIND.get(key[0]):
                    ids[key] = fid
        for key in by_str.values():  # written by this batch, not yet committed
            fresh = self._pending_id(ENTITY_OF_KIND.get(key[0]), key)
            if fresh is not None:
                ids[key] = fresh
        return ids

    def _adopt(self, entity: str, payloads: list[TargetPayload]) -> list[int | None]:
        """The facilioo id of a record with the payload's externalId, per payload (or None)."""
        if not payloads:
            return []
        if entity not in self._index and len(payloads) <= 20:
            found: list[int | None] = []
            for payload in payloads:
                matches = self.client.search_by_external_id(Entity(entity), payload.external_id)
                found.append(int(max(m[dialect.ID] for m in matches)) if matches else None)
            return found
        index = self._index.get(entity)
        if index is None:
            index = {}
            for record in self.client.iter_collection(Entity(entity)):
                if not record.get(dialect.DELETED) and record.get(dialect.EXTERNAL_ID):
                    external_id = str(record[dialect.EXTERNAL_ID])
                    index[external_id] = max(int(record[dialect.ID]), index.get(external_id, 0))
            self._index[entity] = index
        return [index.get(payload.external_id) for payload in payloads]

    def _store_link(
        self, payload: TargetPayload, facilioo_id: int, digest: str, sent_body: dict[str, Any]
    ) -> None:
        """Stage the link with what was sent (record inspector, reconciliation)."""
        self._stage_link(
            payload.entity,
            payload.key,
            payload.external_id,
            facilioo_id,
            digest,
            sent_body=dict(sent_body),
        )

    def _held(self, entity: str, keys: list[NaturalKey]) -> dict[str, set[str]]:
        """Fields marked "facilioo behält" per natural key (left out of updates and hashes)."""
        held: dict[str, set[str]] = {}
        wanted = [key_str(k) for k in keys]
        for start in range(0, len(wanted), 500):
            for nk, name in FieldHold.objects.filter(
                customer_id=self.customer_id,
                entity=entity,
                natural_key__in=wanted[start : start + 500],
            ).values_list("natural_key", "field"):
                held.setdefault(nk, set()).add(name)
        return held

    def _log_skipped(self, entity: str, key: NaturalKey, why: Skip) -> None:
        self._log(entity, "skipped", key, reason=why.reason, message=why.message)

    def _log_missing(self, payload: TargetPayload, detail: str) -> None:
        self._log(
            payload.entity,
            "skipped",
            payload.key,
            reason="missing_reference",
            message=f"{REASONS['missing_reference']} ({detail})",
            external_id=payload.external_id,
        )

    def _log_rejected(
        self,
        payload: TargetPayload,
        error: FaciliooRecordRejected | FaciliooUploadUrlExpired,
        facilioo_id: int | None,
    ) -> None:
        self.had_failures = True
        self._log(
            payload.entity,
            "failed",
            payload.key,
            reason="facilioo_rejected",
            message=str(error.message),
            external_id=payload.external_id,
            http_status=getattr(error, "status", None),
            facilioo_id=facilioo_id,
        )
