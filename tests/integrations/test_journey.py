"""The everyday journey of a new user, through the command line, on PostgreSQL and on SQLite.

sync → no-change sync (no write) → preview (no write, succeeds) → a change in the ERP export →
the preview shows exactly it → sync writes it. Each step is ``manage.py`` in its own process with
Celery in eager mode, against the sandbox over HTTP, as ``./run.sh`` users do it by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.services import REQUIRED, ROOT
from tooling.sandbox.testing import SandboxHandle, running_sandbox

pytestmark = [pytest.mark.slow]

WRITES = ("POST", "PATCH", "PUT", "DELETE")


def writes(sandbox: SandboxHandle) -> int:
    return sum(
        n
        for route, n in sandbox.counters()["by_route"].items()
        if route.split()[0] in WRITES and "/search" not in route and "/auth/" not in route
    )


def worker_database_url() -> str:
    from tests.integrations.test_worker_runs import database_url

    return database_url()


class Cli:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, expect: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == expect, done.stdout + done.stderr
        return done.stdout

    def sync(self, *extra: str) -> dict[str, Any]:
        out = self("sync", "journey", "stammdaten", "--wait", "--json", *extra)
        return json.loads(out.strip().splitlines()[-1])


def changes(summary: dict[str, Any]) -> int:
    return sum(
        n
        for actions in summary["counts"].values()
        for action, n in actions.items()
        if action in ("created", "updated", "deleted", "terminated", "missing")
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("database", ["suite", "sqlite"])
def test_sync_no_change_preview_change_preview_sync(database: str, tmp_path: Path) -> None:
    if database == "suite" and REQUIRED:
        # CI runs the suite on PostgreSQL: this is the PostgreSQL half of the journey.
        assert connection.vendor == "postgresql"
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'journey.sqlite3'}"
    else:
        url = worker_database_url()
    export = tmp_path / "export"
    with running_sandbox(seed=True, password="journey-sandbox") as sandbox:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
            "DJANGO_SETTINGS_MODULE": "connect.settings.base",
            "DATABASE_URL": url,
            "CONNECT_VAR_DIR": str(tmp_path / "var"),
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "",
            "CELERY_RESULT_BACKEND": "",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "FACILIOO_SANDBOX_URL": sandbox.url,
        }
        cli = Cli(env)
        if database == "sqlite":
            cli("migrate", "--noinput", "-v", "0")
        cli("erp_demo_export", "--units", "30", "--seed", "1", str(export))
        cli("customer", "create", "--name", "Journey eG", "--slug", "journey", "--erp",
            f"file:{export}")  # fmt: skip
        cli("facilioo", "set-credentials", "journey", "--username", sandbox.email,
            "--password", sandbox.password, "--environment", "sandbox")  # fmt: skip
        cli("usecase", "enable", "journey", "stammdaten", "--separator", "-",
            "--mandanten", "1000,2000,3000", "--default-tenant", "1")  # fmt: skip
        # when: the first sync
        first = cli.sync()
        assert first["status"] == "succeeded", first
        assert first["counts"]["units"]["created"] == 30
        # when: a sync without a change in the ERP
        sandbox.reset_counters()
        again = cli.sync()
        assert again["status"] == "succeeded", again
        assert writes(sandbox) == 0
        assert changes(again) == 0, again["counts"]
        # when: a preview
        preview = cli.sync("--dry-run")
        assert preview["status"] == "succeeded", preview
        assert writes(sandbox) == 0
        assert changes(preview) == 0, preview["counts"]
        # when: one unit's living area changes in the ERP export
        units = export / "einheiten.csv"
        lines = units.read_text(encoding="utf-8").splitlines(keepends=True)
        fields = lines[1].split(";")
        assert fields[7] != "12,34"
        fields[7] = "12,34"
        lines[1] = ";".join(fields)
        units.write_text("".join(lines), encoding="utf-8")
        preview = cli.sync("--dry-run")
        # then: the preview shows exactly that change and writes nothing
        assert preview["status"] == "succeeded", preview
        assert writes(sandbox) == 0
        assert changes(preview) == 1, preview["counts"]
        assert preview["counts"]["units"]["updated"] == 1
        # when: the sync
        done = cli.sync()
        # then: it writes exactly that change
        assert done["status"] == "succeeded", done
        assert done["counts"]["units"]["updated"] == 1
        assert changes(done) == 1, done["counts"]
        assert writes(sandbox) == 1
        assert any(u.get("livingArea") == 12.34 for u in sandbox.state.records("units"))
