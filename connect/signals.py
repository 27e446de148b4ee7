"""Signals: logins, logouts and failed logins are audited; every change of a user is audited
and revokes the user's API tokens when it ends their access (password, deactivation).

Users change in the Django admin, through Django's own commands (createsuperuser,
changepassword) and the product's CLI; a signal catches every one of these paths.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_noop

from connect.models import User
from connect.request_context import current_user
from connect.services.api_tokens import token_revoke
from connect.services.audit import audit_record, changes_between, snapshot
from integrations.phrases import phrase

# What the audit log shows of a user; the password only as "changed".
USER_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "is_support",
    "password",
)


@receiver(user_logged_in)
def _audit_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit_record(
        customer=None,
        actor=user,
        action="auth.login",
        obj=user,
        reason=phrase(gettext_noop("API-Token")) if kwargs.get("via") == "api" else "",
    )


@receiver(user_logged_out)
def _audit_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(customer=None, actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    audit_record(
        customer=None,
        actor=None,
        action="auth.login_failed" if username else "auth.token_failed",
        object_type="user",
        actor_fallback=username or "anonym",
    )


@receiver(pre_save, sender=User)
def _remember_user(sender: Any, instance: User, **kwargs: Any) -> None:
    before = User.objects.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_before = snapshot(before, USER_FIELDS) if before else None  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def _audit_user(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    before = getattr(instance, "_audit_before", None)
    if kwargs.get("raw"):
        return
    after = snapshot(instance, USER_FIELDS)
    if created or before is None:
        audit_record(
            customer=None,
            actor=current_user(),
            action="user.create",
            obj=instance,
            changes=changes_between({}, {k: v for k, v in after.items() if k != "password"}),
        )
        return
    changes = changes_between(before, after)
    if not changes:
        return
    audit_record(
        customer=None, actor=current_user(), action="user.update", obj=instance, changes=changes
    )
    ends_access = "password" in changes or ("is_active" in changes and not instance.is_active)
    if ends_access:
        token_revoke(
            user=instance,
            actor=current_user(),
            reason=phrase(
                gettext_noop("Passwort geändert")
                if "password" in changes
                else gettext_noop("Benutzer deaktiviert")
            ),
        )


@receiver(post_delete, sender=User)
def _audit_user_delete(sender: Any, instance: User, **kwargs: Any) -> None:
    audit_record(
        customer=None,
        actor=current_user(),
        action="user.delete",
        object_type="user",
        changes={"username": [instance.get_username(), None]},
    )
