"""Encryption of stored secrets: MultiFernet over the keys in CREDENTIAL_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts, so keys can be rotated: add the new key in front,
run ``python manage.py rotate_credential_keys``, then drop the old key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> MultiFernet:
    keys = list(settings.CREDENTIAL_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("CREDENTIAL_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "CREDENTIAL_ENCRYPTION_KEYS must hold url-safe base64 Fernet keys of 32 bytes."
        ) from exc


def encrypt(plain: str) -> bytes:
    return _fernet().encrypt(plain.encode())


class SecretUnreadable(Exception):
    """The secret was encrypted under a key that is no longer configured."""


def decrypt(token: bytes | memoryview) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise SecretUnreadable from exc


def rotate(token: bytes | memoryview) -> bytes:
    """Re-encrypt under the first (newest) key."""
    try:
        return _fernet().rotate(bytes(token))
    except InvalidToken as exc:
        raise SecretUnreadable from exc
