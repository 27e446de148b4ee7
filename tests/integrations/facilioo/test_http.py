"""The shared HTTP layer: the status-to-action table and the session factory."""

from __future__ import annotations

import pytest
import requests

from integrations.http.errors import ResponseAction, classify
from integrations.http.session import build_session


@pytest.mark.parametrize(
    ("status", "record", "action"),
    [
        (200, False, ResponseAction.SUCCESS),
        (204, True, ResponseAction.SUCCESS),
        (400, True, ResponseAction.REJECT_RECORD),
        (409, True, ResponseAction.REJECT_RECORD),
        (422, True, ResponseAction.REJECT_RECORD),
        (404, True, ResponseAction.REJECT_RECORD),
        (400, False, ResponseAction.FAIL),
        (404, False, ResponseAction.CONFIG),
        (401, True, ResponseAction.REAUTHENTICATE),
        (403, True, ResponseAction.CONFIG),
        (408, False, ResponseAction.RETRY),
        (429, True, ResponseAction.RATE_LIMITED),
        (500, True, ResponseAction.RETRY),
        (503, False, ResponseAction.RETRY),
        (599, False, ResponseAction.RETRY),
        (418, True, ResponseAction.FAIL),
    ],
)
def test_status_to_action(status, record, action):
    assert classify(status, record=record) is action


def test_session_has_a_default_timeout_and_a_pool(sandbox):
    session = build_session(timeout=0.2, pool_size=7, headers={"api-version": "2.0"})
    adapter = session.get_adapter("http://example.org")
    sandbox.control(latency_ms=500)

    with pytest.raises(requests.Timeout):
        session.get(f"{sandbox.url}/api/tenants")

    # the connections to a host are pooled, up to pool_size of them
    assert adapter.poolmanager.connection_from_url(sandbox.url).pool.maxsize == 7
    assert adapter.max_retries.total == 0
    assert session.headers["api-version"] == "2.0"
    session.close()
