"""Every error under /api/ is one format: RFC 9457 problem details, documented per operation."""

from __future__ import annotations

import socket

import pytest

from connect.models import SyncRun
from connect.services.credentials import facilioo_connection_set
from tests.factories import activate_stammdaten

PROBLEM = "application/problem+json"
RUNS = "/api/customers/alpha/runs/"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM), response["Content-Type"]
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    return body


def test_an_unknown_address_under_api_is_a_problem_not_an_html_page(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    body = assert_problem(api.get("/api/no-such-thing/"), 404)
    assert body["title"] == "Nicht gefunden"


def test_a_missing_token_is_a_problem(api, tenancy):
    assert_problem(api.get(RUNS), 401)


def test_field_errors_are_listed_with_a_json_pointer(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    response = api.post(RUNS, {"use_case": "gibtsnicht", "reason": "x" * 501}, format="json")
    body = assert_problem(response, 400)
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"#/use_case", "#/reason"}
    for error in body["errors"]:
        assert error["detail"]
        assert error["detail"] in body["detail"]


def test_a_run_of_a_use_case_that_is_not_active_is_refused_with_409(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    body = assert_problem(api.post(RUNS, {"use_case": "dokumente"}, format="json"), 409)
    assert body["detail"] == (
        "„Dokumente“ ist nicht aktiviert. Bitte speichern Sie zuerst die Einstellungen von "
        "Dokumente; damit wird es aktiviert."
    )
    assert not SyncRun.objects.exists()


def test_an_active_run_is_a_409_problem_with_its_id(api, tenancy):
    activate_stammdaten(tenancy.a)
    api.force_authenticate(tenancy.admin_a)
    first = api.post(RUNS, {"use_case": "stammdaten"}, format="json")
    body = assert_problem(api.post(RUNS, {"use_case": "stammdaten"}, format="json"), 409)
    assert body["run_id"] == first.json()["id"]


@pytest.mark.parametrize(
    "query",
    ["page_size=-3.3", "page_size=0", "page_size=abc", "status=", "use_case=", "cursor=nonsense"],
)
def test_bad_query_parameters_are_a_400(api, tenancy, query):
    api.force_authenticate(tenancy.admin_a)
    body = assert_problem(api.get(f"{RUNS}?{query}"), 400)
    assert body["errors"][0]["parameter"] == query.split("=")[0]


def test_facilioo_unreachable_is_a_503_with_retry_after(api, tenancy, settings):
    # given: a connection to an address where nothing listens
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.FACILIOO_SANDBOX_URL = f"http://127.0.0.1:{port}"
    facilioo_connection_set(
        customer=tenancy.a,
        actor=None,
        username="a@example.org",
        password="x",
        environment="sandbox",
    )
    activate_stammdaten(tenancy.a)
    api.force_authenticate(tenancy.admin_a)
    # when: the existing facilioo data is asked for
    response = api.get("/api/customers/alpha/existing-data/")
    # then: 503, so a client retries later
    assert_problem(response, 503)
    assert int(response["Retry-After"]) > 0


def test_every_operation_documents_its_error_answers(api, tenancy):
    api.force_authenticate(tenancy.operator)
    schema = api.get("/api/schema/?format=json").json()
    assert "Problem" in schema["components"]["schemas"]
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            wanted = {"429"}
            security = operation.get("security") or []
            if security and {} not in security:  # an operation that needs a login
                wanted |= {"401", "403"}
            if "{" in path:
                wanted.add("404")
            if "requestBody" in operation:
                wanted |= {"400", "415"}
            if any(p["in"] == "query" for p in operation.get("parameters", [])):
                wanted.add("400")
            for code in sorted(wanted - set(answers)):
                missing.append(f"{method.upper()} {path}: {code}")
            for code, answer in answers.items():
                if code.startswith(("4", "5")):
                    assert PROBLEM in answer["content"], f"{method} {path} {code}"
    assert not missing, missing
    runs_create = schema["paths"]["/api/customers/{slug}/runs/"]["post"]["responses"]
    assert "409" in runs_create


def test_a_missing_object_is_named_in_german(api, tenancy):
    api.force_authenticate(tenancy.admin_a)
    response = api.post(
        "/api/customers/alpha/reconciliations/0/hold/", {"finding": 1, "fields": []}, format="json"
    )
    body = assert_problem(response, 404)
    assert body["detail"] == "Nicht gefunden."
