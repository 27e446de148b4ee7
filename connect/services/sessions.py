"""Ending a user's access everywhere: every API token and every portal session."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import gettext_noop

from connect.models import User
from connect.services.api_tokens import token_revoke
from connect.services.audit import audit_record
from integrations.phrases import phrase


def session_end_all(*, user: User) -> int:
    """Delete every unexpired portal session of the user; returns how many."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def logout_everywhere(*, user: User, actor: User | None) -> tuple[int, int]:
    """Revoke all tokens and end all sessions of the user (audited); (tokens, sessions)."""

    tokens = token_revoke(user=user, actor=actor, reason=phrase(gettext_noop("überall abgemeldet")))
    sessions = session_end_all(user=user)
    audit_record(
        customer=None,
        actor=actor,
        action="auth.logout_everywhere",
        obj=user,
        changes={"tokens": [tokens, 0], "sessions": [sessions, 0]},
    )
    return tokens, sessions
