"""The one place that reads the environment.

Two modes:
- embedded (default, ``CONNECT_MODE`` unset): SQLite, a Celery broker on the local file system,
  a secret key and credential keys generated once into ``var/`` (outside git);
- production (``CONNECT_MODE=production``): ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` and
  ``CREDENTIAL_ENCRYPTION_KEYS`` are required and have no defaults.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# A local .env is read in development only; production takes the real environment.
if env.str("CONNECT_MODE", default="embedded") != "production":
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

MODE: str = env.str("CONNECT_MODE", default="embedded")
if MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured("CONNECT_MODE must be 'embedded' or 'production'.")
PRODUCTION = MODE == "production"

# State of the embedded mode: database, broker folders, generated secrets.
VAR_DIR = Path(env.str("CONNECT_VAR_DIR", default=str(BASE_DIR / "var")))


def local_secret(name: str, factory: object) -> str:
    """Read a secret generated once for this machine; create it on first use (embedded only)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(str(factory() if callable(factory) else factory))
        path.chmod(0o600)
    return path.read_text().strip()


def optional(name: str, default: str = "") -> str:
    """A variable's value; an empty value counts as unset (as compose files often pass them)."""
    return env.str(name, default="") or default


def mandatory(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required in production.")
    return value


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)
