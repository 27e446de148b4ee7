"""The sandbox server itself, spoken to with plain HTTP: what it accepts, refuses and records."""

from __future__ import annotations

import signal
import subprocess
import sys

import jwt
import pytest
import requests

from integrations.facilioo.client import Entity
from tooling.sandbox.testing import MANAGE_PY, running_sandbox, sandbox_process


@pytest.fixture
def http(sandbox):
    with requests.Session() as session:
        yield session


def login(http, sandbox, email=None):
    response = http.post(
        f"{sandbox.url}/api/auth/login",
        json={
            "email": email or sandbox.email,
            "password": sandbox.password,
            "skipMultiFactorAuthentication": True,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def create_groups(http, sandbox, token, count):
    for n in range(count):
        response = http.post(
            f"{sandbox.url}/api/document-groups",
            json={"name": f"P{n}", "externalId": f"E{n}"},
            headers=bearer(token),
        )
        assert response.status_code == 201, response.text


# -- auth -----------------------------------------------------------------------------------------


def test_login_issues_expiring_jwts(http, sandbox):
    tokens = login(http, sandbox)

    claims = jwt.decode(tokens["accessToken"], options={"verify_signature": False})
    assert claims["sub"] == {"accountId": 1, "companyId": 1}
    assert claims["partyType"] == 2
    assert claims["exp"] - claims["nbf"] == 3600
    assert tokens["account"] == {"id": 1}


def test_wrong_password_is_401(http, sandbox):
    response = http.post(
        f"{sandbox.url}/api/auth/login", json={"email": sandbox.email, "password": "x"}
    )

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer ", "Bearer garbage", "Basic c2FuZGJveDpwdw=="],
)
def test_missing_or_garbage_tokens_are_401(http, sandbox, header):
    headers = {"Authorization": header} if header else {}

    assert http.get(f"{sandbox.url}/api/tenants", headers=headers).status_code == 401


class Clock:
    """The sandbox's time, moved on by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_foreign_and_expired_tokens_are_401(http, sandbox_factory):
    clock = Clock()
    sandbox = sandbox_factory(token_lifetime=60, clock=clock)
    tokens = login(http, sandbox)
    claims = jwt.decode(tokens["accessToken"], options={"verify_signature": False})
    foreign = jwt.encode(claims, "another-key-of-32-bytes-length!!", algorithm="HS256")

    assert http.get(f"{sandbox.url}/api/tenants", headers=bearer(foreign)).status_code == 401
    # a second before its end the token still works; at its end it is refused
    clock.now += 59
    assert http.get(f"{sandbox.url}/api/tenants", headers=bearer(tokens["accessToken"])).ok
    clock.now += 1
    expired = http.get(f"{sandbox.url}/api/tenants", headers=bearer(tokens["accessToken"]))
    assert expired.status_code == 401
    assert "abgelaufen" in expired.json()["detail"]


def test_refresh_rotates_and_refuses_the_wrong_token_type(http, sandbox):
    tokens = login(http, sandbox)
    refresh_url = f"{sandbox.url}/api/auth/refresh"

    # an access token is no refresh token, and the other way round
    assert http.post(refresh_url, headers=bearer(tokens["accessToken"])).status_code == 401
    assert (
        http.get(f"{sandbox.url}/api/tenants", headers=bearer(tokens["refreshToken"])).status_code
        == 401
    )

    renewed = http.post(refresh_url, headers=bearer(tokens["refreshToken"]))
    assert renewed.status_code == 200
    assert set(renewed.json()) >= {"accessToken", "refreshToken"}
    # rotation: the old refresh token is spent
    assert http.post(refresh_url, headers=bearer(tokens["refreshToken"])).status_code == 401
    assert http.post(refresh_url, headers=bearer(renewed.json()["refreshToken"])).status_code == 200


def test_user_account_may_read_but_not_write(http, sandbox):
    token = login(http, sandbox, email=sandbox.user_email)["accessToken"]

    assert http.get(f"{sandbox.url}/api/document-groups", headers=bearer(token)).status_code == 200
    assert (
        http.post(
            f"{sandbox.url}/api/document-groups/search", json={}, headers=bearer(token)
        ).status_code
        == 200
    )
    response = http.post(f"{sandbox.url}/api/document-groups", json={}, headers=bearer(token))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("version", "status"),
    [
        (None, 200),
        ("1", 200),
        ("1.0", 200),
        ("2", 200),
        ("2.0", 200),
        ("3.0", 400),
        ("latest", 400),
    ],
)
def test_api_version_header(http, sandbox, version, status):
    token = login(http, sandbox)["accessToken"]
    headers = bearer(token) | ({"api-version": version} if version else {})

    assert http.get(f"{sandbox.url}/api/tenants", headers=headers).status_code == status


# -- paging, records, search ---------------------------------------------------------------------


def test_page_envelope_defaults_caps_and_case_insensitive_names(http, sandbox):
    token = login(http, sandbox)["accessToken"]
    create_groups(http, sandbox, token, 25)
    url = f"{sandbox.url}/api/document-groups"

    default = http.get(url, headers=bearer(token)).json()
    assert {k: v for k, v in default.items() if k != "items"} == {
        "pageNumber": 1,
        "pageSize": 10,
        "totalPages": 3,
        "totalCount": 25,
        "hasPreviousPage": False,
        "hasNextPage": True,
    }
    assert len(default["items"]) == 10

    last = http.get(url, params={"pagenumber": 3, "PAGESIZE": 10}, headers=bearer(token)).json()
    assert len(last["items"]) == 5
    assert last["hasPreviousPage"] is True
    assert last["hasNextPage"] is False

    capped = http.get(url, params={"PageSize": 1000}, headers=bearer(token))
    assert capped.json()["pageSize"] == 100
    assert capped.headers["Content-Range"] == "1-25/25"

    for bad in (0, -1, "eins"):
        response = http.get(url, params={"PageNumber": bad}, headers=bearer(token))
        assert response.status_code == 400
        assert "PageNumber" in response.json()["errors"]


def test_record_fields_and_soft_delete(http, sandbox):
    token = login(http, sandbox)["accessToken"]
    create_groups(http, sandbox, token, 1)
    record = http.get(f"{sandbox.url}/api/document-groups", headers=bearer(token)).json()["items"][
        0
    ]
    assert {"id", "externalId", "created", "lastModified", "deleted"} <= set(record)
    assert record["deleted"] is None

    url = f"{sandbox.url}/api/document-groups/{record['id']}"
    assert http.delete(url, headers=bearer(token)).status_code == 204

    gone = http.get(url, headers=bearer(token)).json()
    assert gone["deleted"] is not None
    listed = http.get(f"{sandbox.url}/api/document-groups", headers=bearer(token)).json()
    assert [i["id"] for i in listed["items"]] == [record["id"]]
    assert http.delete(url, headers=bearer(token)).status_code == 404
    assert (
        http.get(f"{sandbox.url}/api/document-groups/987654", headers=bearer(token)).status_code
        == 404
    )


def test_property_creates_its_entrance_with_the_same_id(facilioo_client, sandbox):
    prop = facilioo_client.create(
        Entity.PROPERTIES,
        {
            "tenantId": 2,
            "name": "Haus",
            "number": "7",
            "externalId": "X-7",
            "street": "Ring",
            "houseNumber": "3a",
            "zipCode": "01234",
            "city": "Ort",
        },
    )

    entrance = sandbox.state.get("entrances", prop["id"])
    assert entrance["propertyId"] == prop["id"]
    assert (entrance["name"], entrance["street"], entrance["houseNumber"], entrance["city"]) == (
        "Haus",
        "Ring",
        "3a",
        "Ort",
    )
    unit = facilioo_client.create(Entity.UNITS, {"entranceId": prop["id"], "name": "W1"})
    assert unit["propertyId"] == prop["id"]


def test_search_filters_and_pages(http, sandbox):
    token = login(http, sandbox)["accessToken"]
    create_groups(http, sandbox, token, 30)
    url = f"{sandbox.url}/api/document-groups/search"

    # an undocumented filter is ignored, as ASP.NET ignores unknown keys: an unfiltered search
    unfiltered = http.post(url, json={"externalId": "E7"}, headers=bearer(token)).json()
    assert unfiltered["totalCount"] == 30
    by_id = http.post(url, json={"ids": [unfiltered["items"][3]["id"]]}, headers=bearer(token))
    assert [i["name"] for i in by_id.json()["items"]] == [unfiltered["items"][3]["name"]]
    paged = http.post(
        url, params={"PageSize": 20, "PageNumber": 2}, json={}, headers=bearer(token)
    ).json()
    assert paged["totalCount"] == 30
    assert len(paged["items"]) == 10
    ignored = http.post(url, json={"search": "p2"}, headers=bearer(token)).json()
    assert ignored["totalCount"] == 30  # the free text is `searchTerm`, not `search`
    text = http.post(
        url, json={"searchTerm": "p2", "orderBy": ["name desc"]}, headers=bearer(token)
    )
    assert [i["name"] for i in text.json()["items"]] == [
        "P29",
        "P28",
        "P27",
        "P26",
        "P25",
        "P24",
        "P23",
        "P22",
        "P21",
        "P20",
    ]
    assert (
        http.post(url, params={"PageNumber": 0}, json={}, headers=bearer(token)).status_code == 400
    )


def test_validation_errors_are_problem_details(http, sandbox):
    token = login(http, sandbox)["accessToken"]

    response = http.post(f"{sandbox.url}/api/units", json={"name": 5}, headers=bearer(token))

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "errors", "traceId"}
    assert body["errors"]["entranceId"] == ["Das Feld „entranceId“ ist erforderlich."]
    assert body["errors"]["name"] == ["„name“ muss ein Text sein."]
    not_json = http.post(f"{sandbox.url}/api/units", data=b"{", headers=bearer(token))
    assert not_json.status_code == 400


# -- storage ---------------------------------------------------------------------------------------


def test_storage_refuses_a_bearer_token_and_unknown_urls(http, sandbox, facilioo_client):
    file = facilioo_client.create(
        Entity.FILES, {"name": "a.pdf", "fileTypeId": 1, "externalId": None}
    )
    url = facilioo_client.request_upload_url(file["id"])
    token = login(http, sandbox)["accessToken"]

    with_token = http.put(url, data=b"abc", headers=bearer(token))
    unknown = http.put(f"{sandbox.url}/_storage/nope", data=b"abc")

    assert with_token.status_code == 400
    assert unknown.status_code == 403
    assert "<Error>" in unknown.text
    assert sandbox.state.get("files", file["id"])["size"] is None


# -- control, counters, faults --------------------------------------------------------------------


def test_control_endpoint_reads_and_changes_the_faults(http, sandbox):
    assert http.get(f"{sandbox.url}/_control").json()["error_rate"] == 0

    changed = http.post(f"{sandbox.url}/_control", json={"error_rate": 0.25, "latency_ms": 5})
    assert changed.json()["error_rate"] == 0.25
    assert sandbox.config()["latency_ms"] == 5
    for bad in (
        {"error_rate": 2},
        {"nonsense": 1},
        {"drop_mode": "sometimes"},
        {"error_rate": 0.6, "drop_rate": 0.6},
    ):
        assert http.post(f"{sandbox.url}/_control", json=bad).status_code == 400


def test_faults_never_hit_the_control_endpoint(http, sandbox):
    sandbox.control(error_rate=1.0)

    assert http.get(f"{sandbox.url}/_control/counters").status_code == 200
    assert http.get(f"{sandbox.url}/api/tenants").status_code == 500
    assert http.post(f"{sandbox.url}/_control", json={"error_rate": 0}).status_code == 200
    assert http.get(f"{sandbox.url}/api/tenants").status_code == 401


def test_rate_limit_answers_carry_retry_after(http, sandbox):
    sandbox.control(rate_limit_rate=1.0, retry_after=7)

    response = http.get(f"{sandbox.url}/api/tenants")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_dropped_connection_has_no_answer(http, sandbox):
    sandbox.control(drop_rate=1.0)

    with pytest.raises(requests.ConnectionError):
        http.get(f"{sandbox.url}/api/tenants")


def test_fault_dice_are_deterministic_with_a_seed(http, sandbox):
    def statuses():
        sandbox.control(error_rate=0.5, seed=42)
        return [http.get(f"{sandbox.url}/api/tenants").status_code for _ in range(20)]

    first = statuses()
    assert first == statuses()
    assert {500, 401} == set(first)


def test_counters_by_method_and_route_and_reset(http, sandbox):
    token = login(http, sandbox)["accessToken"]
    http.get(f"{sandbox.url}/api/document-groups/17", headers=bearer(token))
    http.get(f"{sandbox.url}/api/document-groups/18", headers=bearer(token))
    http.get(f"{sandbox.url}/")

    counters = sandbox.counters()
    assert counters == {
        "total": 3,
        "by_method": {"POST": 1, "GET": 2},
        "by_route": {"POST /api/auth/login": 1, "GET /api/document-groups/{id}": 2},
    }
    sandbox.reset_counters()
    assert sandbox.counters()["total"] == 0


def test_reset_wipes_the_data_back_to_the_seed(facilioo_client, sandbox):
    facilioo_client.create(Entity.DOCUMENT_GROUPS, {"name": "Ordner"})

    sandbox.reset()

    assert sandbox.state.count("document-groups") == 0
    assert len(facilioo_client.list_tenants()) == 2


def test_latency_is_added_to_api_requests_only():
    from werkzeug.test import Client

    from tooling.sandbox.app import SandboxApp

    slept: list[float] = []
    app = SandboxApp(password="geheim", sleep=slept.append)
    app.config.update({"latency_ms": 150})
    client = Client(app)

    client.get("/api/tenants")
    client.get("/_control")
    client.get("/")

    assert slept == [0.15]


# -- page, persistence, process ------------------------------------------------------------------


def test_overview_page_shows_what_arrived(http, sandbox, facilioo_client):
    facilioo_client.create(
        Entity.PROPERTIES,
        {"tenantId": 1, "name": "Lindenhof <1>", "number": "L1", "externalId": "1-L1"},
    )

    page = http.get(f"{sandbox.url}/")

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "Musterstadt Wohnen Nord" in html
    assert "Gebäude: 1" in html
    assert "Lindenhof &lt;1&gt;" in html
    assert "Dokumente: 0" in html
    assert "Fremdverwaltung" not in html  # not visible to the account


def test_state_survives_a_restart(tmp_path):
    state = tmp_path / "sandbox.json"
    with running_sandbox(password="pw", state_file=state) as first, requests.Session() as http:
        token = login(http, first)["accessToken"]
        create_groups(http, first, token, 3)
        file = http.post(
            f"{first.url}/api/files",
            json={"name": "a.pdf", "fileTypeId": 1},
            headers=bearer(token),
        ).json()
        url = http.put(f"{first.url}/api/files/{file['id']}/upload", headers=bearer(token)).json()[
            "url"
        ]
        assert http.put(url, data=b"inhalt").status_code == 200

    with running_sandbox(password="pw", state_file=state) as second:
        assert second.state.count("document-groups") == 3
        assert second.state.file_content(file["id"]) == b"inhalt"
        with requests.Session() as http:
            token = login(http, second)["accessToken"]
            created = http.post(
                f"{second.url}/api/document-groups", json={"name": "Neu"}, headers=bearer(token)
            ).json()
            assert created["id"] > file["id"]  # ids go on where they stopped

    with running_sandbox(password="pw", state_file=state, fresh=True) as third:
        assert third.state.count("document-groups") == 0


@pytest.mark.slow
def test_sandbox_runs_as_a_separate_process(facilioo_sleeps):
    from integrations.facilioo.client import FaciliooClient

    with sandbox_process(
        password="prozess-pw", error_rate=0.2, seed=3, fault_skip_auth=True
    ) as sandbox:
        assert sandbox.config()["error_rate"] == 0.2
        with FaciliooClient(
            sandbox.url, sandbox.email, "prozess-pw", sleep=facilioo_sleeps.append
        ) as client:
            client.create(Entity.DOCUMENT_GROUPS, {"name": "Ordner", "externalId": "O1"})
        assert [g["externalId"] for g in sandbox.state.records("document-groups")] == ["O1"]
        assert sandbox.counters()["by_route"]["POST /api/auth/login"] == 1


@pytest.mark.slow
def test_command_prints_the_logins_and_stops_on_sigterm():
    process = subprocess.Popen(
        [
            sys.executable,
            str(MANAGE_PY),
            "facilioo_sandbox",
            "--port",
            "0",
            "--password",
            "geheim-1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        while not any(line.strip().startswith("Passwort:") for line in lines):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        output = "".join(lines)
        assert "URL:       http://127.0.0.1:" in output
        assert "E-Mail:    sandbox@facilioo.example" in output
        assert "Passwort:  geheim-1" in output
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "beendet" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_an_unknown_field_is_refused_with_400_naming_the_field(http, sandbox):
    token = login(http, sandbox)["accessToken"]

    response = http.post(
        f"{sandbox.url}/api/parties",
        json={
            "type": 7,
            "secondaryName": "Muster",
            "lastName": "Muster",
            "contactByEmail": False,
            "contactByPush": False,
            "contactByMail": True,
        },
        headers=bearer(token),
    )

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert list(body["errors"]) == ["lastName"]
    assert "„lastName“" in body["detail"]
    # a search body is bound as ASP.NET binds it: an unknown key is ignored, not refused
    search = http.post(
        f"{sandbox.url}/api/units/search", json={"externalID": "x"}, headers=bearer(token)
    )
    assert search.status_code == 200


def test_drift_makes_a_named_field_silently_ignored(http, sandbox):
    token = login(http, sandbox)["accessToken"]
    sandbox.control(ignore_fields={"document-groups": ["externalId"]})

    response = http.post(
        f"{sandbox.url}/api/document-groups",
        json={"name": "Ordner", "externalId": "1000-O1"},
        headers=bearer(token),
    )

    assert response.status_code == 201
    assert response.json()["externalId"] is None
    sandbox.control(ignore_fields={})
    refused = http.post(
        f"{sandbox.url}/api/document-groups",
        json={"name": "Ordner", "externalId": "1000-O1", "farbe": "rot"},
        headers=bearer(token),
    )
    assert refused.status_code == 400
    assert "farbe" in refused.json()["errors"]


def test_party_external_ids_are_a_list_read_and_replaced_whole(http, sandbox):
    token = login(http, sandbox)["accessToken"]
    party = http.post(
        f"{sandbox.url}/api/parties",
        json={
            "type": 7,
            "primaryName": "Erika",
            "secondaryName": "Muster",
            "contactByEmail": True,
            "contactByPush": False,
            "contactByMail": False,
        },
        headers=bearer(token),
    ).json()
    url = f"{sandbox.url}/api/parties/{party['id']}/external-ids"

    assert http.put(url, json=["A-1", "B-2"], headers=bearer(token)).status_code == 204
    page = http.get(url, headers=bearer(token)).json()
    found = http.post(
        f"{sandbox.url}/api/parties/search", json={"externalId": "B-2"}, headers=bearer(token)
    ).json()

    assert page["items"] == ["A-1", "B-2"]
    assert [p["id"] for p in found["items"]] == [party["id"]]
    refused = http.put(url, json=[""], headers=bearer(token))
    assert refused.status_code == 400


def test_an_unknown_field_in_an_update_is_refused_and_nothing_changes(http, sandbox):
    # given: a party that exists
    token = login(http, sandbox)["accessToken"]
    party = http.post(
        f"{sandbox.url}/api/parties",
        json={
            "type": 7,
            "secondaryName": "Muster",
            "contactByEmail": False,
            "contactByPush": False,
            "contactByMail": True,
        },
        headers=bearer(token),
    ).json()
    # when: a PATCH carries a name facilioo does not know
    response = http.patch(
        f"{sandbox.url}/api/parties/{party['id']}",
        json={"secondaryName": "Neu", "lastName": "Neu"},
        headers=bearer(token),
    )
    # then: 400 naming the field, and the party is as it was
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["lastName"]
    again = http.get(f"{sandbox.url}/api/parties/{party['id']}", headers=bearer(token)).json()
    assert again["secondaryName"] == "Muster"
