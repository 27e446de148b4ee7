"""Start a sandbox from tests and benchmarks, in this process or as a separate one.

    with running_sandbox(token_lifetime=5) as sandbox:
        client = FaciliooClient(sandbox.url, sandbox.email, sandbox.password)
        sandbox.control(error_rate=0.2, seed=1)
        ...
        assert sandbox.state.count("units") == 3
        print(sandbox.counters()["by_route"])

``sandbox_process(...)`` runs ``manage.py facilioo_sandbox`` instead, for tests whose Celery
worker runs in another process; its handle offers the same methods (state read over HTTP).
"""

from __future__ import annotations

import dataclasses
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import requests

from tooling.sandbox.app import PM_EMAIL, USER_EMAIL, SandboxConfig
from tooling.sandbox.server import SandboxOptions, SandboxServer, generate_password
from tooling.sandbox.store import JSON, Store

_SERVER_OPTIONS = {f.name for f in dataclasses.fields(SandboxOptions)} - {"config"}
_CONFIG_OPTIONS = {f.name for f in dataclasses.fields(SandboxConfig)}
MANAGE_PY = Path(__file__).resolve().parents[2] / "manage.py"


class StateView(Protocol):
    def records(self, entity: str) -> list[JSON]: ...

    def file_content(self, file_id: int) -> bytes | None: ...


class _StateQueries:
    """Convenience reads over ``records()``: shared by the local and the remote view."""

    def records(self, entity: str) -> list[JSON]:
        raise NotImplementedError

    def get(self, entity: str, record_id: int) -> JSON | None:
        return next((row for row in self.records(entity) if row["id"] == record_id), None)

    def find(self, entity: str, **equal: Any) -> list[JSON]:
        return [
            row for row in self.records(entity) if all(row.get(k) == v for k, v in equal.items())
        ]

    def count(self, entity: str, *, include_deleted: bool = True) -> int:
        return sum(1 for row in self.records(entity) if include_deleted or not row.get("deleted"))


class LocalState(_StateQueries):
    """Direct, thread-safe read access to an in-process sandbox's records (copies)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def records(self, entity: str) -> list[JSON]:
        return self.store.records(entity)

    def get(self, entity: str, record_id: int) -> JSON | None:
        with self.store.lock:
            row = self.store.tables[entity].get(record_id)
            return dict(row) if row is not None else None

    def count(self, entity: str, *, include_deleted: bool = True) -> int:
        if include_deleted:
            return self.store.count(entity)
        return super().count(entity, include_deleted=False)

    def file_content(self, file_id: int) -> bytes | None:
        return self.store.file_content(file_id)


class RemoteState(_StateQueries):
    """The same reads over HTTP (``/_control/state``), for a sandbox in another process."""

    def __init__(self, url: str, session: requests.Session) -> None:
        self._url = url
        self._session = session

    def records(self, entity: str) -> list[JSON]:
        response = self._session.get(f"{self._url}/_control/state/{entity}", timeout=30)
        response.raise_for_status()
        rows: list[JSON] = response.json()
        return rows

    def file_content(self, file_id: int) -> bytes | None:
        response = self._session.get(f"{self._url}/_control/content/{file_id}", timeout=30)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.content


class SandboxHandle:
    """A running sandbox: its address and logins, fault control, counters and state."""

    def __init__(
        self,
        *,
        url: str,
        email: str,
        password: str,
        state: _StateQueries,
        session: requests.Session,
        server: SandboxServer | None = None,
        process: subprocess.Popen[str] | None = None,
    ) -> None:
        self.url = url
        self.email = email
        self.password = password
        self.user_email = USER_EMAIL  # a party-type User (7) account: may read, may not write
        self.state = state
        self.server = server
        self._session = session
        self._process = process

    def control(self, **changes: Any) -> JSON:
        """Change faults and lifetimes (see SandboxConfig); returns the whole configuration."""
        response = self._session.post(f"{self.url}/_control", json=changes, timeout=10)
        response.raise_for_status()
        config: JSON = response.json()
        return config

    def config(self) -> JSON:
        response = self._session.get(f"{self.url}/_control", timeout=10)
        response.raise_for_status()
        config: JSON = response.json()
        return config

    def counters(self) -> JSON:
        """``{"total", "by_method": {"GET": n}, "by_route": {"GET /api/units/{id}": n}}``."""
        response = self._session.get(f"{self.url}/_control/counters", timeout=10)
        response.raise_for_status()
        counters: JSON = response.json()
        return counters

    def reset_counters(self) -> None:
        self._session.delete(f"{self.url}/_control/counters", timeout=10).raise_for_status()

    def expire_tokens(self) -> None:
        """Every access token issued so far counts as expired from now on (refresh tokens do
        not): a token's expiry without waiting for it."""
        self._session.post(f"{self.url}/_control/expire-tokens", timeout=10).raise_for_status()

    def plant_parties(self, owner: int, parties: list[JSON]) -> list[JSON]:
        """Parties another company (``owner``) holds ids on: ``[{"externalIds": [...], …}]``."""
        response = self._session.post(
            f"{self.url}/_control/plant-parties",
            json={"owner": owner, "parties": parties},
            timeout=30,
        )
        response.raise_for_status()
        planted: list[JSON] = response.json()
        return planted

    def merge_parties(self, into: int, merged: list[int]) -> None:
        """facilioo's deduplication: ``into`` takes every owner's ids of ``merged``."""
        self._session.post(
            f"{self.url}/_control/merge-parties",
            json={"into": into, "merged": merged},
            timeout=10,
        ).raise_for_status()

    def reset(self) -> None:
        """Wipe the data back to the seed (accounts, tenants, catalogues)."""
        self._session.post(f"{self.url}/_control/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        self._session.close()
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self._process is not None:
            _stop_process(self._process)
            self._process = None


def _split_options(options: dict[str, Any]) -> SandboxOptions:
    unknown = set(options) - _SERVER_OPTIONS - _CONFIG_OPTIONS
    if unknown:
        raise TypeError(f"unknown sandbox options: {', '.join(sorted(unknown))}")
    config = SandboxConfig()
    config.update({k: v for k, v in options.items() if k in _CONFIG_OPTIONS})
    server_options = {k: v for k, v in options.items() if k in _SERVER_OPTIONS}
    if server_options.get("state_file") is not None:
        server_options["state_file"] = Path(server_options["state_file"])
    return SandboxOptions(config=config, **server_options)


@contextmanager
def running_sandbox(**options: Any) -> Iterator[SandboxHandle]:
    """A sandbox on 127.0.0.1 (a free port) in a background thread of this process.

    Options: those of :class:`SandboxOptions` (password, state_file, fresh, store_content,
    host, port) and of :class:`SandboxConfig` (error_rate, rate_limit_rate, retry_after,
    latency_ms, drop_rate, drop_mode, token_lifetime, upload_url_lifetime, seed, ...).
    """
    server = SandboxServer(_split_options(options)).start()
    handle = SandboxHandle(
        url=server.url,
        email=server.email,
        password=server.password,
        state=LocalState(server.store),
        session=requests.Session(),
        server=server,
    )
    try:
        yield handle
    finally:
        handle.stop()


@contextmanager
def sandbox_process(*, startup_timeout: float = 30.0, **options: Any) -> Iterator[SandboxHandle]:
    """A sandbox as a separate process (``manage.py facilioo_sandbox``) on a free port.

    Takes the same options; those without a command-line flag are set through ``/_control``
    once it runs. Use it when the code under test runs in another process (a Celery worker).
    A process keeps its own time: ``clock`` is for :func:`running_sandbox` only.
    """
    if "clock" in options:
        raise ValueError("A sandbox process keeps its own time; pass clock to running_sandbox.")
    sandbox_options = _split_options(options)
    password = sandbox_options.password or generate_password()
    config = sandbox_options.config
    command = [
        sys.executable,
        str(MANAGE_PY),
        "facilioo_sandbox",
        "--host",
        sandbox_options.host,
        "--port",
        str(sandbox_options.port),
        "--password",
        password,
        "--token-lifetime",
        str(config.token_lifetime),
        "--upload-url-lifetime",
        str(config.upload_url_lifetime),
    ]
    if sandbox_options.state_file is not None:
        command += ["--state", str(sandbox_options.state_file)]
    if sandbox_options.fresh:
        command.append("--seed")
    if sandbox_options.accounts > 1:
        command += ["--accounts", str(sandbox_options.accounts)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=str(MANAGE_PY.parent),
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None  # noqa: S101 (stdout=PIPE)
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, name="facilioo-sandbox-output", daemon=True).start()
    url = None
    output: list[str] = []
    deadline = time.monotonic() + startup_timeout
    while url is None and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        output.append(line)
        if line.strip().startswith("URL:"):
            url = line.split("URL:", 1)[1].strip()
    if url is None:
        _stop_process(process)
        raise RuntimeError("facilioo sandbox did not start:\n" + "".join(output))
    session = requests.Session()
    handle = SandboxHandle(
        url=url,
        email=PM_EMAIL,
        password=password,
        state=RemoteState(url, session),
        session=session,
        process=process,
    )
    try:
        defaults = dataclasses.asdict(SandboxConfig())
        changes = {
            key: value
            for key, value in dataclasses.asdict(config).items()
            if value != defaults[key] and key not in {"token_lifetime", "upload_url_lifetime"}
        }
        if changes:
            handle.control(**changes)
        yield handle
    finally:
        handle.stop()


def _stop_process(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
