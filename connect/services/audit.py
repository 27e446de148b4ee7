"""The audit log: written only here, by the other services."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation

from connect.labels import SECRET_CHANGED
from connect.models import AuditLog, Customer, User
from connect.request_context import current_context
from integrations.phrases import Phrase, to_data

# Fields whose values never enter the audit log, only the fact that they changed.
# (A two-factor app's "key", a token's "digest", a session's data included.)
SECRET_FIELDS = frozenset(
    {
        "password",
        "password_encrypted",
        "token",
        "secret",
        "key",
        "digest",
        "token_hash",
        "session_key",
        "session_data",
    }
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _jsonable(getattr(instance, name)) for name in fields}


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that differ; secret fields show only that they changed."""
    changed: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in SECRET_FIELDS:
            changed[name] = ["•••", SECRET_CHANGED]
        else:
            changed[name] = [_jsonable(old), _jsonable(new)]
    return changed


def actor_label(actor: User | None, fallback: str = "system") -> str:
    if actor is None:
        return fallback
    return actor.get_username()


def _channel(actor_fallback: str) -> str:
    """Where a change without a web request came from: the command line, or the system."""
    if actor_fallback == "cli":
        return "cli"
    return os.environ.get("CONNECT_AUDIT_CHANNEL", "system")[:20]


def audit_record(
    *,
    customer: Customer | None,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    changes: Mapping[str, list[Any]] | None = None,
    reason: str | Phrase = "",
    actor_fallback: str = "system",
) -> AuditLog:
    """One audit entry; the address, program and channel come from the current request."""
    context = current_context()
    return AuditLog.objects.create(
        customer=customer,
        customer_name=f"{customer.name} ({customer.slug})"[:260] if customer is not None else "",
        ip_address=context.ip_address if context else None,
        user_agent=context.user_agent if context else "",
        via=context.via if context else _channel(actor_fallback),
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_label(actor, actor_fallback),
        action=action,
        object_type=object_type or (obj._meta.model_name or "" if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        changes=dict(changes or {}),
        reason=_german(reason)[:500],
        reason_data=to_data(reason),
    )


def _german(text: str | Phrase) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)
