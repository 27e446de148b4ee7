"""The differ: has a record changed since this customer last sent it?

The engine keeps, per record, the hash of the body it last sent (ExternalLink.payload_hash).
A record whose new hash equals it causes no write at all (the sync is incremental).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from integrations.sync.types import TargetPayload

# Fields facilioo sets itself; they never take part in the comparison, should a read model be
# hashed by mistake.
VOLATILE_FIELDS = frozenset({"id", "created", "lastModified", "deleted"})


class ChangeKind(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


def _json_default(value: object) -> str:
    if isinstance(value, date):  # also datetime
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def payload_hash(
    entity: str, body: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None
) -> str:
    """sha256 of the canonical JSON of what is sent: sorted keys, no volatile fields.

    ``body`` is the body with the parent ids resolved (a parent re-created under a new id must
    re-send its children). ``extra`` is what changes a record without showing in its body
    (``TargetPayload.hash_extra``).
    """
    canonical = json.dumps(
        {
            "entity": entity,
            "body": {name: value for name, value in body.items() if name not in VOLATILE_FIELDS},
            "extra": dict(extra or {}),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_json_default,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def target_hash(payload: TargetPayload, resolved_body: Mapping[str, Any]) -> str:
    """The hash of a payload whose refs the engine resolved (``payload.resolved_body(...)``)."""
    return payload_hash(payload.entity, resolved_body, extra=payload.hash_extra)


def diff(digest: str, link_hash: str | None, link_exists: bool) -> ChangeKind:
    """CREATE without a link, UNCHANGED when the hash is the one last sent, else UPDATE."""
    if not link_exists:
        return ChangeKind.CREATE
    if link_hash == digest:
        return ChangeKind.UNCHANGED
    return ChangeKind.UPDATE
