"""Login throttling per user name, per address and across user names (password spraying);
the client address from a trusted proxy's header only; DRF request throttles on the API."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from connect.models import AuditLog
from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOGIN = "/login/"


def _fail(client: Client, username: str, **extra) -> int:
    return client.post(LOGIN, {"username": username, "password": "falsch"}, **extra).status_code


def test_spraying_many_user_names_from_one_address_is_stopped(tenancy, settings):
    # given: one attempt each for many user names, from one address
    attacker = Client(REMOTE_ADDR="203.0.113.50")
    names = [UserFactory().username for _ in range(settings.AXES_FAILURE_LIMIT + 5)]
    statuses = [_fail(attacker, name) for name in names]
    # then: the address is locked once the limit is reached, whatever the user name
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT - 1 :]) == {429}
    right = attacker.post(LOGIN, {"username": tenancy.viewer_a.username, "password": PASSWORD})
    assert right.status_code == 429


def test_one_user_name_from_many_addresses_is_locked(tenancy, settings):
    username = tenancy.admin_a.username
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), username)
    fresh = Client(REMOTE_ADDR="198.51.100.200")
    response = fresh.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 429


def test_a_forwarded_header_is_ignored_without_a_trusted_proxy(tenancy, settings):
    # given: no proxy configured; the attacker changes X-Forwarded-For with every attempt
    attacker = Client(REMOTE_ADDR="203.0.113.60")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(attacker, f"name{n}", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    # then: still locked by the real address
    response = attacker.post(
        LOGIN,
        {"username": tenancy.viewer_a.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.9.9.99",
    )
    assert response.status_code == 429


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_IPS = ["10.0.0.1"]
    return Client(REMOTE_ADDR="10.0.0.1")


def test_behind_the_trusted_proxy_clients_are_told_apart(tenancy, settings, behind_proxy):
    # given: an attacker behind the proxy sprays and is locked out
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(behind_proxy, f"name{n}", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.70")
    locked = behind_proxy.post(
        LOGIN,
        {"username": tenancy.viewer_a.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.70",
    )
    assert locked.status_code == 429
    # when: another client comes through the same proxy
    other = Client(REMOTE_ADDR="10.0.0.1").post(
        LOGIN,
        {"username": tenancy.viewer_a.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.71",
    )
    # then: it logs in, and the audit log has its real address
    assert other.status_code == 302
    login = AuditLog.objects.filter(action="auth.login").latest("id")
    assert login.ip_address == "203.0.113.71"
    failed = AuditLog.objects.filter(action="auth.login_failed").latest("id")
    assert failed.ip_address == "203.0.113.70"


def test_the_header_is_believed_only_from_the_trusted_proxy(tenancy, behind_proxy):
    direct = Client(REMOTE_ADDR="203.0.113.80")
    direct.post(
        LOGIN,
        {"username": tenancy.viewer_a.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    assert AuditLog.objects.filter(action="auth.login").latest("id").ip_address == "203.0.113.80"


def test_the_api_throttles_requests_per_client(tenancy, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    anonymous = Client(REMOTE_ADDR="203.0.113.90")
    statuses = [
        anonymous.post("/api/auth/token/", {}, content_type="application/json").status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    # another address is counted apart
    other = Client(REMOTE_ADDR="203.0.113.99")
    assert other.post("/api/auth/token/", {}, content_type="application/json").status_code == 400
    user = Client(REMOTE_ADDR="203.0.113.91")
    user.force_login(tenancy.viewer_a)
    statuses = [user.get("/api/customers/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert "Retry-After" in user.get("/api/customers/")


def test_logins_logouts_and_failures_are_audited_with_address_and_program(tenancy):
    client = Client(REMOTE_ADDR="203.0.113.95", HTTP_USER_AGENT="Firefox/140")
    _fail(client, tenancy.viewer_a.username)
    client.post(LOGIN, {"username": tenancy.viewer_a.username, "password": PASSWORD})
    client.post("/logout/")
    entries = list(
        AuditLog.objects.order_by("id").values_list(
            "action", "actor_name", "ip_address", "user_agent", "via"
        )
    )
    name = tenancy.viewer_a.username
    assert entries[-3:] == [
        ("auth.login_failed", name, "203.0.113.95", "Firefox/140", "portal"),
        ("auth.login", name, "203.0.113.95", "Firefox/140", "portal"),
        ("auth.logout", name, "203.0.113.95", "Firefox/140", "portal"),
    ]
    assert PASSWORD not in str(list(AuditLog.objects.values()))
