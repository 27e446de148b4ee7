"""The Stammdaten settings page reads facilioo's projects and the ERP's WEs from a short-lived
cache per customer: a viewer's visit never logs in to facilioo, a refresh button reads again,
and new credentials or a new export are read at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from connect.models import Customer, Role
from connect.services.credentials import facilioo_connection_set
from tests.factories import MembershipFactory, UserFactory, connect_to_sandbox, sandbox_for
from tooling.sandbox.testing import SandboxHandle

URL = "/c/musterstadt/usecases/stammdaten/"


@pytest.fixture
def sandbox(settings) -> Iterator[SandboxHandle]:
    with sandbox_for(settings) as handle:
        yield handle


@pytest.fixture
def customer(db, sandbox) -> Customer:
    customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=60)
    connect_to_sandbox(customer, sandbox)
    return customer


def _client(customer: Customer, role: str | None) -> Client:
    client = Client()
    user = (
        MembershipFactory(customer=customer, role=role).user
        if role
        else UserFactory(is_support=True)
    )
    client.force_login(user)
    return client


def _logins(sandbox: SandboxHandle) -> int:
    return sum(n for route, n in sandbox.counters()["by_route"].items() if "login" in route)


def _requests(sandbox: SandboxHandle) -> int:
    return sum(sandbox.counters()["by_route"].values())


def test_a_viewers_visit_makes_no_facilioo_request(customer, sandbox):
    viewer = _client(customer, Role.VIEWER)
    sandbox.reset_counters()
    for _ in range(3):
        body = viewer.get(URL).content.decode()
    assert _requests(sandbox) == 0
    assert "Die facilioo-Projekte sind noch nicht geladen." in body
    # the ERP's WEs are shown all the same
    assert 'data-we="1000/0001"' in body


def test_an_admin_loads_once_and_viewers_then_read_the_cache(customer, sandbox):
    admin, viewer = _client(customer, Role.ADMIN), _client(customer, Role.VIEWER)
    sandbox.reset_counters()
    assert "Musterstadt Wohnen Nord (1)" in admin.get(URL).content.decode()
    loaded = _requests(sandbox)
    assert loaded >= 1
    for client in (admin, viewer, admin):
        assert "Musterstadt Wohnen Nord (1)" in client.get(URL).content.decode()
    assert _requests(sandbox) == loaded


def test_the_refresh_button_reads_facilioo_and_the_erp_again(customer, sandbox):
    support = _client(customer, None)
    support.get(URL)
    sandbox.reset_counters()
    support.get(URL)
    assert _requests(sandbox) == 0
    response = support.post(f"{URL}refresh/")
    assert response.status_code == 302
    support.get(URL)
    assert _logins(sandbox) == 1


def test_a_viewer_cannot_refresh(customer, sandbox):
    viewer = _client(customer, Role.VIEWER)
    sandbox.reset_counters()
    assert viewer.post(f"{URL}refresh/").status_code == 403
    assert 'id="refresh"' not in viewer.get(URL).content.decode()
    assert _requests(sandbox) == 0


def test_new_credentials_are_read_at_once(customer, sandbox):
    admin = _client(customer, Role.ADMIN)
    admin.get(URL)
    # when: the password is set again (a new fingerprint)
    facilioo_connection_set(
        customer=customer,
        actor=None,
        username=sandbox.email,
        password=sandbox.password,
        environment="sandbox",
    )
    sandbox.reset_counters()
    admin.get(URL)
    assert _logins(sandbox) == 1


def test_a_new_demo_size_is_read_at_once(customer, sandbox):
    admin = _client(customer, Role.ADMIN)
    before = admin.get(URL).content.decode().count("data-we=")
    Customer.objects.filter(pk=customer.pk).update(demo_units=200)
    after = admin.get(URL).content.decode().count("data-we=")
    assert after > before


def test_a_failed_load_is_not_kept(customer, sandbox):
    admin = _client(customer, Role.ADMIN)
    sandbox.control(error_rate=1.0)
    first = admin.get(URL).content.decode()
    assert 'id="tenants-error"' in first
    sandbox.control(error_rate=0.0)
    assert "Musterstadt Wohnen Nord (1)" in admin.get(URL).content.decode()
