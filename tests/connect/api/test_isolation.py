"""Tenant isolation of the REST API, table-driven over every API URL of a customer.

The URL list is read from the URL configuration (namespace "api"), so an endpoint added later is
covered without touching this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from connect.models import AuditLog, Customer, ErpExport, FaciliooConnection, SyncRun
from integrations.models import Reconciliation
from tests.connect.test_isolation import RECORD_KEYS
from tests.factories import activate_stammdaten

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
        SyncRun.objects.get_or_create(
            customer=customer, use_case="stammdaten", trigger="manual", status="queued"
        )[0].pk
    ),
    "export_id": lambda customer: (
        ErpExport.objects.get_or_create(
            customer=customer,
            original_name="export.zip",
            defaults={"file": "erp-exports/export.zip", "size": 1, "report": {}},
        )[0].pk
    ),
}
WRITE_METHODS = ("post", "put", "patch", "delete")


def _api_customer_urls() -> Iterator[tuple[str, tuple[str, ...]]]:
    def walk(patterns: list[Any], namespace: str | None) -> Iterator[tuple[str, tuple[str, ...]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif (
                isinstance(p, URLPattern)
                and namespace == "api"
                and "slug" in p.pattern.regex.groupindex
            ):
                yield f"api:{p.name}", tuple(p.pattern.regex.groupindex)

    yield from walk(get_resolver().url_patterns, None)


API_URLS = sorted(set(_api_customer_urls()))


def url_for(name: str, params: tuple[str, ...], customer: Customer) -> str:
    missing = [p for p in params if p not in URL_PARAMETERS]
    assert not missing, f"add a sample value for URL parameter(s) {missing} of {name}"
    return reverse(name, kwargs={p: URL_PARAMETERS[p](customer) for p in params})


def test_the_url_list_covers_the_api():
    names = {name for name, _ in API_URLS}
    assert {"api:customer", "api:facilioo", "api:runs", "api:run-items", "api:usecase"} <= names


@pytest.mark.parametrize(("name", "params"), API_URLS)
@pytest.mark.parametrize("method", ["get", *WRITE_METHODS])
def test_user_of_another_customer_gets_404(api, tenancy, name, params, method):
    # given: an admin and a viewer of customer B
    url = url_for(name, params, tenancy.a)
    for outsider in (tenancy.admin_b, tenancy.viewer_b):
        api.force_authenticate(outsider)
        # when: they ask for anything of customer A
        response = getattr(api, method)(url, {}, format="json")
        # then: it does not exist for them
        assert response.status_code == 404, (outsider, url, method)


@pytest.mark.parametrize(("name", "params"), API_URLS)
@pytest.mark.parametrize("method", WRITE_METHODS)
def test_viewer_cannot_write(api, tenancy, name, params, method):
    # given: a viewer of customer A
    api.force_authenticate(tenancy.viewer_a)
    url = url_for(name, params, tenancy.a)
    audit_before = AuditLog.objects.count()
    # when: they write to any endpoint of their customer
    response = getattr(api, method)(
        url,
        {"username": "x@example.com", "password": "p", "environment": "sandbox"},
        format="json",
    )
    # then: refused with a German message, and nothing changed
    assert response.status_code == 403, (url, method)
    assert response.json()["detail"] == "Dazu fehlt Ihnen die Berechtigung."
    assert AuditLog.objects.count() == audit_before
    assert not FaciliooConnection.objects.exists()


@pytest.mark.parametrize(("name", "params"), API_URLS)
@pytest.mark.parametrize("who", ["admin_a", "viewer_a", "support", "operator"])
def test_members_support_and_operators_can_read(api, tenancy, name, params, who):
    api.force_authenticate(getattr(tenancy, who))
    response = api.get(url_for(name, params, tenancy.a))
    assert response.status_code in (200, 405), (who, name, response.content)


@pytest.mark.parametrize(("name", "params"), API_URLS)
@pytest.mark.parametrize("method", ["get", *WRITE_METHODS])
def test_anonymous_gets_401(api, tenancy, name, params, method):
    response = getattr(api, method)(url_for(name, params, tenancy.a), {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("who", "name", "expected"),
    [
        # support operates runs but does not change settings or credentials
        ("support", "api:runs", 201),
        ("support", "api:usecase-pause", 400),  # allowed; refused only as not activated
        ("support", "api:facilioo", 403),
        ("support", "api:usecase", 403),
        ("support", "api:facilioo-test", 403),
        # admins and operators do everything
        ("admin_a", "api:runs", 201),
        ("operator", "api:runs", 201),
        ("operator", "api:facilioo", 200),
    ],
)
def test_roles_for_writes(api, tenancy, who, name, expected):
    # given: (a run needs its use case activated)
    if name == "api:runs":
        activate_stammdaten(tenancy.a)
    api.force_authenticate(getattr(tenancy, who))
    url = reverse(
        name,
        kwargs={"slug": "alpha", "use_case": "stammdaten"}
        if "usecase" in name
        else {"slug": "alpha"},
    )
    body = {
        "api:runs": {"use_case": "stammdaten", "dry_run": True},
        "api:facilioo": {
            "username": "pm@example.com",
            "password": "geheim",
            "environment": "sandbox",
        },
    }.get(name, {"settings": {}})
    # when
    method = "put" if name in ("api:facilioo", "api:usecase") else "post"
    response = getattr(api, method)(url, body, format="json")
    # then
    assert response.status_code == expected, response.content


def test_inactive_customer_is_hidden_from_its_members(api, tenancy):
    tenancy.a.is_active = False
    tenancy.a.save()
    api.force_authenticate(tenancy.admin_a)
    assert api.get(reverse("api:customer", kwargs={"slug": "alpha"})).status_code == 404
    assert [c["slug"] for c in api.get(reverse("api:customers")).json()] == []
    api.force_authenticate(tenancy.support)
    assert api.get(reverse("api:customer", kwargs={"slug": "alpha"})).status_code == 200


def test_customer_list_shows_only_the_users_customers(api, tenancy):
    api.force_authenticate(tenancy.viewer_a)
    body = api.get(reverse("api:customers")).json()
    assert [(c["slug"], c["role"], c["can_change"]) for c in body] == [("alpha", "viewer", False)]
    api.force_authenticate(tenancy.support)
    body = api.get(reverse("api:customers")).json()
    assert [(c["slug"], c["role"], c["can_operate"]) for c in body] == [
        ("alpha", "support", True),
        ("beta", "support", True),
    ]


@pytest.mark.parametrize(("entity", "erp_key"), sorted(RECORD_KEYS.items()))
def test_the_record_inspector_is_isolated_for_every_entity(api, tenancy, entity, erp_key):
    url = f"/api/customers/{tenancy.a.slug}/records/{entity}/{erp_key}/"
    for outsider in (tenancy.admin_b, tenancy.viewer_b):
        api.force_authenticate(outsider)
        assert api.get(url).status_code == 404, (outsider, entity)
    for member in (tenancy.viewer_a, tenancy.support):
        api.force_authenticate(member)
        assert api.get(url).status_code == 200, (member, entity)
