"""The facilioo connection of a customer: set (encrypted), test, rotate keys."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connect import crypto
from connect.exceptions import ApplicationError
from connect.models import Customer, FaciliooConnection, User
from connect.models.credentials import ConnectionState, FaciliooEnvironment
from connect.services.audit import audit_record, changes_between

if TYPE_CHECKING:
    from integrations.facilioo.client import FaciliooClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str
    tenants: list[dict[str, Any]]


@transaction.atomic
def facilioo_connection_set(
    *,
    customer: Customer,
    actor: User | None,
    username: str,
    environment: str,
    password: str | None = None,
    actor_fallback: str = "system",
) -> FaciliooConnection:
    """Store username and environment; the password only when one is given (write-only)."""
    if environment not in FaciliooEnvironment.values:
        raise ApplicationError(_("Unbekannte Umgebung: %(env)s") % {"env": environment})
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if connection is None and not password:
        raise ApplicationError(_("Bitte geben Sie das Passwort des facilioo-Kontos an."))
    before: dict[str, Any] = (
        {"username": connection.username, "environment": connection.environment}
        if connection
        else {}
    )
    if connection is None:
        connection = FaciliooConnection(customer=customer)
    after: dict[str, Any] = {"username": username.strip(), "environment": environment}
    connection.username = after["username"]
    connection.environment = environment
    if password:
        connection.password_encrypted = crypto.encrypt(password)
        connection.password_set_at = timezone.now()
        before.setdefault("password", "old")
        after["password"] = "new"  # noqa: S105 (a marker that it changed, not a password)
    # Any change of what we log in with makes the last test result meaningless.
    changes = changes_between(before, after)
    if changes:
        connection.state = ConnectionState.UNTESTED
        connection.state_message = ""
    connection.save()
    if changes:
        audit_record(
            customer=customer,
            actor=actor,
            action="facilioo_connection.set",
            obj=connection,
            changes=changes,
            actor_fallback=actor_fallback,
        )
    return connection


def facilioo_password(*, connection: FaciliooConnection) -> str:
    return crypto.decrypt(connection.password_encrypted)


def facilioo_client_for(*, connection: FaciliooConnection, **options: Any) -> FaciliooClient:
    """The one way to a facilioo client of a customer's connection: runs, the connection test
    and the settings page all use it, so all keep the settings' timeout, retries and workers
    and the account's shared rate limit (``options`` override single values).

    Close it when done (``with``): it holds a pooled session.
    """
    from integrations.facilioo.client import FaciliooClient

    return FaciliooClient.for_environment(
        connection.environment,
        connection.username,
        facilioo_password(connection=connection),
        **options,
    )


def facilioo_connection_test(*, customer: Customer, actor: User | None) -> ConnectionTestResult:
    """Log in to facilioo and list the tenants the account can see ("Verbindung testen")."""
    from integrations.facilioo.errors import FaciliooError

    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if connection is None:
        return ConnectionTestResult(
            False, _("Es ist noch keine facilioo-Verbindung eingerichtet."), []
        )
    try:
        with facilioo_client_for(connection=connection, max_retries=1) as client:
            tenants = client.test_connection()
    except crypto.SecretUnreadable:
        result = ConnectionTestResult(
            False,
            _(
                "Das gespeicherte Passwort kann nicht entschlüsselt werden. "
                "Bitte geben Sie es neu ein."
            ),
            [],
        )
    except FaciliooError as exc:
        result = ConnectionTestResult(False, str(exc.message), [])
    else:
        result = ConnectionTestResult(
            True,
            _("Verbindung erfolgreich: %(n)d facilioo-Projekte sichtbar.") % {"n": len(tenants)},
            tenants,
        )
    connection.state = ConnectionState.OK if result.ok else ConnectionState.FAILED
    connection.state_message = result.message[:500]
    connection.last_tested_at = timezone.now()
    connection.save(update_fields=["state", "state_message", "last_tested_at", "updated_at"])
    logger.info(
        "facilioo connection tested",
        extra={"customer": customer.slug, "ok": result.ok, "environment": connection.environment},
    )
    return result


def credential_keys_rotate() -> tuple[int, int]:
    """Re-encrypt every stored password under the newest key. Returns (rotated, unreadable)."""
    rotated = unreadable = 0
    for connection in FaciliooConnection.objects.select_for_update().iterator():
        try:
            connection.password_encrypted = crypto.rotate(connection.password_encrypted)
        except crypto.SecretUnreadable:
            unreadable += 1
            continue
        connection.save(update_fields=["password_encrypted"])
        rotated += 1
    return rotated, unreadable
