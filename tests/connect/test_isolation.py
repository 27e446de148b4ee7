"""Tenant isolation, table-driven over every portal URL of a customer.

The URL list is read from the URL configuration, so a page added later is covered without
touching this file; a page with a new kind of URL parameter makes the test fail until a sample
value for that parameter is added to URL_PARAMETERS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from connect.models import AuditLog, Customer, ErpExport, ErpPushToken, ErpSample, SyncRun
from integrations.models import Reconciliation
from tests.factories import sync_run

# A sample value for each URL parameter, given the customer whose page is asked for.
URL_PARAMETERS: dict[str, Callable[[Customer], Any]] = {
    "slug": lambda customer: customer.slug,
    "use_case": lambda customer: "stammdaten",
    "entity": lambda customer: "units",
    "reconciliation_id": lambda customer: (
        Reconciliation.objects.get_or_create(
            customer=customer, use_case="stammdaten", trigger="manual", status="succeeded"
        )[0].pk
    ),
    "erp_key": lambda customer: "1000/0001/01/001",
    "run_id": lambda customer: (
        SyncRun.objects.filter(customer=customer).values_list("pk", flat=True).first()
        or sync_run(customer, status="succeeded").pk
    ),
    "export_id": lambda customer: (
        ErpExport.objects.get_or_create(
            customer=customer,
            original_name="export.zip",
            defaults={"file": "erp-exports/export.zip", "size": 1, "report": {}},
        )[0].pk
    ),
    "sample_id": lambda customer: (
        ErpSample.objects.get_or_create(
            customer=customer,
            original_name="probe.zip",
            defaults={"action": "suggest", "status": "done"},
        )[0].pk
    ),
    "token_id": lambda customer: (
        ErpPushToken.objects.get_or_create(
            customer=customer,
            name="ERP-Server",
            defaults={"token_hash": f"hash-{customer.slug}", "prefix": "erp_x"},
        )[0].pk
    ),
}


def _customer_urls() -> Iterator[tuple[str, list[str]]]:
    def walk(patterns: list[Any], namespace: str | None) -> Iterator[tuple[str, list[str]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                yield from walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name and "slug" in p.pattern.regex.groupindex:
                name = f"{namespace}:{p.name}" if namespace else p.name
                yield name, list(p.pattern.regex.groupindex)

    yield from walk(get_resolver().url_patterns, None)


CUSTOMER_URLS = sorted({(n, tuple(params)) for n, params in _customer_urls()})


def url_for(name: str, params: tuple[str, ...], customer: Customer) -> str:
    missing = [p for p in params if p not in URL_PARAMETERS]
    assert not missing, f"add a sample value for URL parameter(s) {missing} of {name}"
    return reverse(name, kwargs={p: URL_PARAMETERS[p](customer) for p in params})


def test_the_url_list_is_not_empty():
    # then: the walk found the customer pages (a broken walk would silently test nothing)
    names = {name for name, _ in CUSTOMER_URLS}
    assert {"portal:dashboard", "portal:facilioo", "portal:audit"} <= names


@pytest.mark.parametrize(("name", "params"), CUSTOMER_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_user_of_another_customer_gets_404(client, tenancy, name, params, method):
    # given: an admin and a viewer of customer B
    url = url_for(name, params, tenancy.a)
    for outsider in (tenancy.admin_b, tenancy.viewer_b):
        client.force_login(outsider)
        # when: they ask for a page of customer A
        response = getattr(client, method)(url)
        # then: it does not exist for them
        assert response.status_code == 404, (outsider, url, method)


@pytest.mark.parametrize(("name", "params"), CUSTOMER_URLS)
def test_viewer_cannot_change_anything(client, tenancy, name, params):
    # given: a viewer of customer A
    client.force_login(tenancy.viewer_a)
    url = url_for(name, params, tenancy.a)
    audit_before = AuditLog.objects.count()
    # when: they post to any page of their customer
    response = client.post(
        url, {"username": "x@example.com", "password": "p", "environment": "sandbox"}
    )
    # then: refused, and nothing was changed
    assert response.status_code == 403, url
    assert AuditLog.objects.count() == audit_before


# Views without a GET handler of their own that still answer GET, and why.
GET_BY_DELEGATION = {
    "portal:usecase": "hands the request to the settings page its registry entry names",
}


def allows_get(url: str) -> bool:
    """Whether the URL's view answers GET: its class has a ``get`` handler (Django's and
    DRF's class-based views), or it hands GET on (GET_BY_DELEGATION)."""
    match = resolve(url)
    view_class = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    assert view_class is not None, f"{match.view_name}: a view function, add a rule here"
    return hasattr(view_class, "get") or match.view_name in GET_BY_DELEGATION


def test_the_read_test_covers_pages_and_post_only_urls(tenancy):
    allowed = {name: allows_get(url_for(name, params, tenancy.a)) for name, params in CUSTOMER_URLS}
    assert {"portal:dashboard", "portal:usecase", "api:runs"} <= {
        n for n, ok in allowed.items() if ok
    }
    assert {"portal:run-start", "api:run-cancel"} <= {n for n, ok in allowed.items() if not ok}


@pytest.mark.parametrize(("name", "params"), CUSTOMER_URLS)
@pytest.mark.parametrize("who", ["admin_a", "viewer_a", "support", "operator"])
def test_members_support_and_operators_can_read(client, tenancy, name, params, who):
    # given: someone allowed to see customer A
    client.force_login(getattr(tenancy, who))
    url = url_for(name, params, tenancy.a)
    # when
    response = client.get(url)
    # then: a page that answers GET is there; a URL that only takes other methods says so
    expected = 200 if allows_get(url) else 405
    assert response.status_code == expected, (who, name)


@pytest.mark.parametrize(("name", "params"), CUSTOMER_URLS)
def test_anonymous_is_sent_to_login(client, tenancy, name, params):
    response = client.get(url_for(name, params, tenancy.a))
    if name.startswith("api:"):
        # The REST API answers instead of redirecting: 401, "WWW-Authenticate: Token".
        assert response.status_code == 401
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_support_page_is_only_for_support_and_operators(client, tenancy):
    for user, expected in (
        (tenancy.admin_a, 404),
        (tenancy.viewer_b, 404),
        (tenancy.support, 200),
        (tenancy.operator, 200),
    ):
        client.force_login(user)
        assert client.get(reverse("portal:support")).status_code == expected, user


def test_support_page_lists_all_customers(client, tenancy):
    client.force_login(tenancy.support)
    body = client.get(reverse("portal:support")).content.decode()
    assert "Alpha Wohnen" in body
    assert "Beta Bau" in body


def test_home_sends_a_member_to_their_dashboard_and_lists_only_theirs(client, tenancy):
    client.force_login(tenancy.admin_a)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard", kwargs={"slug": "alpha"})


def test_inactive_customer_is_hidden_from_its_members(client, tenancy):
    tenancy.a.is_active = False
    tenancy.a.save()
    client.force_login(tenancy.admin_a)
    assert client.get(reverse("portal:dashboard", kwargs={"slug": "alpha"})).status_code == 404
    client.force_login(tenancy.support)
    assert client.get(reverse("portal:dashboard", kwargs={"slug": "alpha"})).status_code == 200


# A sample ERP key per entity the record inspector explains (Stammdaten and Dokumente).
RECORD_KEYS = {
    "properties": "1000/0001/01",
    "entrances": "1000/0001/01",
    "units": "1000/0001/01/001",
    "parties": "1000/00001",
    "unit-contracts": "1000/MV/0001/00001",
    "document-groups": "1000/O-1",
    "documents": "1000/D-1",
}


def test_every_inspectable_entity_has_a_sample_key():
    from connect.services.inspector import KIND_OF_ENTITY

    assert set(RECORD_KEYS) == set(KIND_OF_ENTITY)


@pytest.mark.parametrize(("entity", "erp_key"), sorted(RECORD_KEYS.items()))
def test_the_record_inspector_is_isolated_for_every_entity(client, tenancy, entity, erp_key):
    url = reverse("portal:record", args=[tenancy.a.slug, entity, erp_key])
    for outsider in (tenancy.admin_b, tenancy.viewer_b):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, (outsider, entity)
    for member in (tenancy.viewer_a, tenancy.support):
        client.force_login(member)
        assert client.get(url).status_code == 200, (member, entity)
    client.force_login(tenancy.viewer_a)
    assert client.post(url).status_code == 403
