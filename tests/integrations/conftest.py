"""Fixtures around the facilioo sandbox: a real HTTP server in this process, one per test.

- ``sandbox``: a running sandbox (``SandboxHandle``: url, email, password, user_email,
  control(), counters(), reset_counters(), reset(), state);
- ``sandbox_factory``: start sandboxes with options (``sandbox_factory(token_lifetime=2)``);
- ``facilioo_client``: a ``FaciliooClient`` logged into ``sandbox`` that never really sleeps
  (its waits are recorded in ``facilioo_sleeps``);
- ``make_facilioo_client``: build more clients against ``sandbox`` with other options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from integrations.facilioo.client import FaciliooClient
from tooling.sandbox.testing import SandboxHandle, running_sandbox


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxHandle]]:
    with ExitStack() as stack:

        def start(**options: Any) -> SandboxHandle:
            options.setdefault("password", "sandbox-test-password")
            return stack.enter_context(running_sandbox(**options))

        yield start


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    return sandbox_factory()


@pytest.fixture
def facilioo_sleeps() -> list[float]:
    return []


@pytest.fixture
def make_facilioo_client(
    sandbox: SandboxHandle, facilioo_sleeps: list[float]
) -> Iterator[Callable[..., FaciliooClient]]:
    with ExitStack() as stack:

        def make(**options: Any) -> FaciliooClient:
            options.setdefault("sleep", facilioo_sleeps.append)
            options.setdefault("timeout", 10.0)
            username = options.pop("username", sandbox.email)
            password = options.pop("password", sandbox.password)
            base_url = options.pop("base_url", sandbox.url)
            return stack.enter_context(FaciliooClient(base_url, username, password, **options))

        yield make


@pytest.fixture
def facilioo_client(make_facilioo_client: Callable[..., FaciliooClient]) -> FaciliooClient:
    return make_facilioo_client()
