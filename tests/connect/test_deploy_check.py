from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "CONNECT_VAR_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        CONNECT_MODE="production",
        DJANGO_SETTINGS_MODULE="connect.settings.base",
        SECRET_KEY="x" * 20 + "-production-secret-that-is-long-enough-and-random-1234567890",
        CREDENTIAL_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL="postgres://connect@127.0.0.1:5432/connect",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DJANGO_ALLOWED_HOSTS="connect.example.com",
        **extra,
    )
    return env


def test_check_deploy_is_clean_with_production_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = _production_env()
    del env["CREDENTIAL_ENCRYPTION_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "CREDENTIAL_ENCRYPTION_KEYS is required in production" in result.stderr


@pytest.mark.parametrize(
    ("database_url", "message"),
    [
        ("", "needs DATABASE_URL pointing at PostgreSQL"),
        ("sqlite:///var/x.sqlite3", "needs DATABASE_URL pointing at PostgreSQL"),
        ("postgres://postgres@127.0.0.1:9/connect", "PostgreSQL is not reachable at 127.0.0.1:9"),
    ],
)
def test_required_services_never_fall_back_to_sqlite(tmp_path, database_url, message):
    # when: the test settings load under REQUIRE_SERVICES=1 without a reachable PostgreSQL
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "connect.settings.test",
        "CONNECT_VAR_DIR": str(tmp_path),
        "REQUIRE_SERVICES": "1",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then: they refuse to load, saying why
    assert done.returncode != 0
    assert message in done.stderr
