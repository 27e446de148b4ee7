"""Übermittlungs-Tokens: an ERP server pushes exports of one customer, and may do nothing else.

A token is ``secrets.token_urlsafe(32)`` with a recognisable prefix; only its SHA-256 is stored
(a random 256-bit value needs no slow hash: it cannot be guessed from its digest), so the token
is shown exactly once, when it is made. Creating and revoking are audited.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.models import Customer, ErpPushToken, User
from connect.services.audit import audit_record, changes_between

TOKEN_PREFIX = "erp_"  # noqa: S105 - a prefix, not a secret
NAME_MAX = 100


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def erp_push_token_create(
    *, customer: Customer, actor: User | None, name: str
) -> tuple[ErpPushToken, str]:
    """A new token for the customer; returns it and the token text (never stored)."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("Bitte geben Sie dem Token eine Bezeichnung."))
    if len(name) > NAME_MAX:
        raise ApplicationError(
            _("Die Bezeichnung darf höchstens %(max)s Zeichen lang sein.") % {"max": NAME_MAX}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ErpPushToken.objects.create(
            customer=customer,
            name=name,
            token_hash=token_digest(raw),
            prefix=raw[:10],
            created_by=actor if actor is not None and actor.pk else None,
        )
        audit_record(
            customer=customer,
            actor=actor,
            action="erp_push_token.create",
            obj=token,
            changes=changes_between({}, {"name": name, "prefix": token.prefix}),
        )
    return token, raw


def erp_push_token_revoke(*, customer: Customer, actor: User | None, token_id: int) -> ErpPushToken:
    """Revoke one of the customer's tokens (another customer's: DoesNotExist)."""
    with transaction.atomic():
        token = ErpPushToken.objects.select_for_update().get(customer=customer, pk=token_id)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                customer=customer,
                actor=actor,
                action="erp_push_token.revoke",
                obj=token,
                changes=changes_between({"active": True}, {"active": False}),
            )
    return token


def erp_push_token_authenticate(raw: str) -> ErpPushToken | None:
    """The active token of an active customer for this token text, else None; notes its use."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ErpPushToken.objects.select_related("customer")
        .filter(token_hash=token_digest(raw), revoked_at__isnull=True, customer__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ErpPushToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token
