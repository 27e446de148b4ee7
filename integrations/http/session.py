"""The one way this project builds an HTTP session (Zulip's OutgoingSession, Saleor's timeout).

A session gets a connection pool sized for the worker threads that share it and a default
timeout on every request. urllib3 retries nothing: the clients retry themselves, with backoff,
with their own counting and logging, and with knowledge of which writes may be repeated.
An automatic urllib3 retry of a POST whose answer was lost could create a record twice.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class TimeoutSession(requests.Session):
    """A session that applies a default timeout to every request that does not set one."""

    def __init__(self, *, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


def build_session(*, timeout: float, pool_size: int, headers: dict[str, str]) -> requests.Session:
    """A pooled session with a default timeout and no automatic retries.

    ``pool_size`` is the number of connections kept per host; it should be at least the number
    of threads that share the session, or threads wait for (or open and drop) connections.
    """
    session = TimeoutSession(timeout=timeout)
    # total=0 and read=False: a failed attempt surfaces at once as an exception for the client
    # to classify; nothing is repeated behind its back (the default of requests, made explicit).
    no_retries = Retry(total=0, read=False, redirect=False, raise_on_status=False)
    adapter = HTTPAdapter(
        pool_connections=max(1, pool_size),
        pool_maxsize=max(1, pool_size),
        max_retries=no_retries,
        pool_block=False,
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update(headers)
    return session
