"""API tokens of a user (django-rest-knox): list and revoke, audited."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from connect.models import User
from connect.services.audit import audit_record
from integrations.phrases import Phrase


def token_list(*, user: User) -> QuerySet[AuthToken]:
    """The user's tokens that have not expired, newest first (with their ``info``)."""
    now = timezone.now()
    return (
        AuthToken.objects.filter(user=user)
        .exclude(expiry__lt=now)
        .select_related("info")
        .order_by("-created")
    )


def token_revoke(
    *,
    user: User,
    actor: User | None = None,
    token_key: str | None = None,
    reason: str | Phrase = "",
) -> int:
    """Revoke one of the user's tokens (by its key), or all of them; audited. Returns how many."""
    tokens = AuthToken.objects.filter(user=user)
    if token_key is not None:
        tokens = tokens.filter(token_key=token_key)
    keys = list(tokens.values_list("token_key", flat=True))
    if not keys:
        return 0
    tokens.delete()
    audit_record(
        customer=None,
        actor=actor if actor is not None else user,
        action="token.revoke",
        object_type="user",
        obj=user,
        changes={"tokens": [keys, []]},
        reason=reason,
    )
    return len(keys)
