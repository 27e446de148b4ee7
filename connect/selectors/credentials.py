"""A customer's facilioo connection, read: its password and the one way to its client."""

from __future__ import annotations

from typing import Any

from connect import crypto
from connect.models import FaciliooConnection
from integrations.facilioo.client import FaciliooClient


def facilioo_password(*, connection: FaciliooConnection) -> str:
    return crypto.decrypt(connection.password_encrypted)


def facilioo_client_for(*, connection: FaciliooConnection, **options: Any) -> FaciliooClient:
    """The one way to a facilioo client of a customer's connection: runs, the connection test
    and the settings page all use it, so all keep the settings' timeout, retries and workers
    and the account's shared rate limit (``options`` override single values).

    Close it when done (``with``): it holds a pooled session.
    """
    return FaciliooClient.for_environment(
        connection.environment,
        connection.username,
        facilioo_password(connection=connection),
        **options,
    )
