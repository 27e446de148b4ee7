"""The facilioo client against the sandbox, over real HTTP: auth, retries, paging, errors, files."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
import time

import pytest

from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import (
    FaciliooConfigurationError,
    FaciliooCredentialsError,
    FaciliooError,
    FaciliooNotFound,
    FaciliooRateLimited,
    FaciliooRecordRejected,
    FaciliooTransientError,
    FaciliooUploadUrlExpired,
)

CREDENTIALS_MESSAGE = (
    "Die facilioo-Zugangsdaten wurden abgelehnt. Bitte prüfen Sie Benutzername und Passwort."
)


# An access or refresh token as facilioo issues them (a signed JWT).
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")


def party(n: int, **changes):
    """A canonical party (the dialect renders it as facilioo's party body)."""
    body = {
        "kind": "user",
        "firstNames": "Erika",
        "lastName": f"Muster {n}",
        "contactByEmail": True,
        "contactByPush": False,
        "contactByMail": False,
    }
    body.update(changes)
    return body


def group(n: int, **changes):
    """A record with a single external id, for the client's generic create/search tests."""
    body = {"name": f"Ordner {n}", "externalId": f"1000-P{n:05d}"}
    body.update(changes)
    return body


def new_file(client: FaciliooClient, name: str, external_id: str | None = "1000-D1") -> dict:
    """A file record, created as the Dokumente sync creates files."""
    return client.create(Entity.FILES, {"name": name, "fileTypeId": 1, "externalId": external_id})


def building(client: FaciliooClient, number: str = "G1", tenant: int = 1) -> dict:
    return client.create(
        Entity.PROPERTIES,
        {
            "tenantId": tenant,
            "name": f"Gebäude {number}",
            "number": number,
            "externalId": f"1000-0001-{number}",
            "street": "Hauptstraße",
            "houseNumber": "1",
            "zipCode": "12345",
            "city": "Musterstadt",
        },
    )


# -- login and tokens ----------------------------------------------------------------------


def test_test_connection_logs_in_and_lists_the_visible_tenants(sandbox, facilioo_client):
    # when
    tenants = facilioo_client.test_connection()

    # then
    assert [t["name"] for t in tenants] == ["Musterstadt Wohnen Nord", "Musterstadt Wohnen Süd"]
    assert tenants[0]["externalId"] == "1000-0001"
    routes = sandbox.counters()["by_route"]
    assert routes["POST /api/auth/login"] == 1
    assert routes["GET /api/tenants"] == 1


def test_catalogues_are_listed(facilioo_client):
    unit_types = {t["name"]: t["id"] for t in facilioo_client.list_unit_types()}
    file_types = {t["name"]: t["id"] for t in facilioo_client.list_file_types()}

    assert set(unit_types) == {"Wohnung", "Gewerbe", "Stellplatz", "Garage", "Lager", "Sonstiges"}
    assert file_types["PDF"] == 1


def test_token_is_refreshed_before_it_expires(sandbox, make_facilioo_client):
    # given: a client whose clock runs 59 minutes ahead, so the 1-hour token is about to expire
    ahead = [0.0]
    client = make_facilioo_client(clock=lambda: time.time() + ahead[0])
    client.list_tenants()
    ahead[0] = 3590.0

    # when
    client.list_tenants()

    # then: refreshed first, no 401 on the way
    routes = sandbox.counters()["by_route"]
    assert routes["POST /api/auth/refresh"] == 1
    assert routes["POST /api/auth/login"] == 1
    assert routes["GET /api/tenants"] == 2


def test_expired_token_is_refreshed_on_401_and_the_call_repeated(sandbox_factory, facilioo_sleeps):
    # given: a token that expires between two calls, before the client expects it
    sandbox = sandbox_factory()
    with FaciliooClient(
        sandbox.url, sandbox.email, sandbox.password, sleep=facilioo_sleeps.append
    ) as client:
        client.list_tenants()
        sandbox.expire_tokens()

        # when
        tenants = client.list_tenants()

    # then
    assert len(tenants) == 2
    routes = sandbox.counters()["by_route"]
    assert routes["GET /api/tenants"] == 3  # ok, 401, ok
    assert routes["POST /api/auth/refresh"] == 1
    assert routes["POST /api/auth/login"] == 1


def test_short_lived_tokens_are_refreshed_proactively(sandbox_factory):
    # given: 2-second tokens (margin: a fifth of the lifetime)
    sandbox = sandbox_factory(token_lifetime=2)
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
        client.list_tenants()
        time.sleep(1.7)

        # when
        client.list_tenants()

    # then
    routes = sandbox.counters()["by_route"]
    assert routes["GET /api/tenants"] == 2
    assert routes["POST /api/auth/refresh"] == 1


def test_wrong_password_raises_the_credentials_error(sandbox, make_facilioo_client):
    client = make_facilioo_client(password="wrong-password")

    with pytest.raises(FaciliooCredentialsError) as info:
        client.test_connection()

    assert info.value.message == CREDENTIALS_MESSAGE
    assert str(info.value) == CREDENTIALS_MESSAGE
    assert info.value.config_error
    assert not info.value.retriable
    assert sandbox.counters()["by_route"] == {"POST /api/auth/login": 1}


def test_a_401_that_survives_a_fresh_login_is_a_credentials_error(sandbox_factory, facilioo_sleeps):
    # given: tokens that are expired the moment they are issued
    sandbox = sandbox_factory(token_lifetime=0)
    with (
        FaciliooClient(
            sandbox.url, sandbox.email, sandbox.password, sleep=facilioo_sleeps.append
        ) as client,
        pytest.raises(FaciliooCredentialsError) as info,
    ):
        # when / then
        client.list_tenants()

    assert info.value.message == CREDENTIALS_MESSAGE
    routes = sandbox.counters()["by_route"]
    assert routes["GET /api/tenants"] == 3  # first try, after the refresh, after a new login
    assert routes["POST /api/auth/login"] == 2


def test_writes_of_a_non_property_manager_account_are_refused(sandbox, make_facilioo_client):
    # given: the account of party type User (7)
    client = make_facilioo_client(username=sandbox.user_email)

    # when / then: it may read, but not write
    assert client.list_tenants() == []
    with pytest.raises(FaciliooConfigurationError) as info:
        client.create(Entity.DOCUMENT_GROUPS, group(1))
    assert info.value.status == 403
    assert "Hausverwaltung" in info.value.message
    assert info.value.config_error
    assert sandbox.state.count("document-groups") == 0


def test_a_wrong_base_url_is_a_configuration_error(sandbox, make_facilioo_client):
    client = make_facilioo_client(base_url=sandbox.url + "/nicht-facilioo")

    with pytest.raises(FaciliooConfigurationError) as info:
        client.test_connection()

    assert info.value.status == 404
    assert "Umgebung" in info.value.message


# -- transient failures ----------------------------------------------------------------------


def test_500s_are_retried_with_backoff_until_they_pass(sandbox, facilioo_client, facilioo_sleeps):
    # given
    sandbox.control(error_rate=0.5, seed=7, fault_skip_auth=True)

    # when
    created = [facilioo_client.create(Entity.DOCUMENT_GROUPS, group(n)) for n in range(20)]

    # then
    assert len({p["id"] for p in created}) == 20
    assert sandbox.state.count("document-groups") == 20
    assert sandbox.counters()["by_route"]["POST /api/document-groups"] > 20
    assert facilioo_sleeps  # it backed off
    assert all(0 <= s <= 30 for s in facilioo_sleeps)


def test_persistent_500s_raise_a_transient_error_after_max_retries(sandbox, make_facilioo_client):
    # given
    client = make_facilioo_client(max_retries=3)
    client.list_tenants()
    sandbox.control(error_rate=1.0, fault_skip_auth=True)
    sandbox.reset_counters()

    # when / then
    with pytest.raises(FaciliooTransientError) as info:
        client.list_tenants()
    assert info.value.retriable
    assert info.value.status == 500
    assert "vorübergehend" in info.value.message
    assert sandbox.counters()["by_route"] == {"GET /api/tenants": 4}


def test_429_waits_for_retry_after(sandbox, facilioo_client, facilioo_sleeps):
    # given
    sandbox.control(rate_limit_rate=0.5, retry_after=2, seed=3, fault_skip_auth=True)

    # when
    created = [facilioo_client.create(Entity.DOCUMENT_GROUPS, group(n)) for n in range(10)]

    # then
    assert len(created) == 10
    assert sandbox.state.count("document-groups") == 10
    assert facilioo_sleeps
    assert set(facilioo_sleeps) == {2.0}


def test_retry_after_is_capped_and_the_waits_are_bounded(
    sandbox, make_facilioo_client, facilioo_sleeps
):
    # given
    client = make_facilioo_client(max_rate_limit_waits=3)
    client.list_tenants()
    sandbox.control(rate_limit_rate=1.0, retry_after=900, fault_skip_auth=True)

    # when / then
    with pytest.raises(FaciliooRateLimited) as info:
        client.list_tenants()
    assert info.value.retriable
    assert facilioo_sleeps == [120.0, 120.0, 120.0]


def test_dropped_connections_are_retried(sandbox, facilioo_client):
    # given
    facilioo_client.list_tenants()
    sandbox.control(drop_rate=0.4, seed=11, fault_skip_auth=True)

    # when
    tenants = [facilioo_client.list_tenants() for _ in range(15)]

    # then
    assert all(len(t) == 2 for t in tenants)
    assert sandbox.counters()["by_route"]["GET /api/tenants"] > 16


def test_a_create_whose_answer_was_lost_is_adopted_not_duplicated(sandbox, facilioo_client):
    # given: a create goes through, then the connection drops before the answer
    facilioo_client.list_tenants()
    sandbox.control(
        drop_rate=0.5,
        drop_mode="after",
        seed=5,
        fault_methods=["POST"],
        fault_paths=["/api/document-groups"],
    )

    # when
    created = [facilioo_client.create(Entity.DOCUMENT_GROUPS, group(n)) for n in range(12)]

    # then: one record per create, found by externalId after each lost answer
    external_ids = [p["externalId"] for p in sandbox.state.records("document-groups")]
    assert sorted(external_ids) == sorted(group(n)["externalId"] for n in range(12))
    assert [p["externalId"] for p in created] == [group(n)["externalId"] for n in range(12)]
    assert sandbox.counters()["by_route"]["POST /api/document-groups/search"] >= 1


def test_a_connection_refused_is_a_transient_error(make_facilioo_client, facilioo_sleeps):
    client = make_facilioo_client(base_url="http://127.0.0.1:9", max_retries=2)

    with pytest.raises(FaciliooTransientError) as info:
        client.test_connection()

    assert "Verbindung" in info.value.message
    assert len(facilioo_sleeps) == 2


# -- paging and search -----------------------------------------------------------------------


def test_iter_pages_walks_all_pages(sandbox, facilioo_client):
    # given
    for n, result in facilioo_client.map_parallel(
        lambda n: facilioo_client.create(Entity.DOCUMENT_GROUPS, group(n)), range(250)
    ):
        assert not isinstance(result, Exception), n
    sandbox.reset_counters()

    # when
    items = list(facilioo_client.iter_pages("/api/document-groups"))

    # then
    assert len(items) == 250
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    assert {i["externalId"] for i in items} == {group(n)["externalId"] for n in range(250)}
    assert sandbox.counters()["by_route"] == {"GET /api/document-groups": 3}


def test_iter_pages_is_lazy(sandbox, facilioo_client):
    for n in range(150):
        facilioo_client.create(Entity.DOCUMENT_GROUPS, group(n))
    sandbox.reset_counters()

    pages = facilioo_client.iter_pages("/api/document-groups")
    first = next(pages)

    assert first["externalId"] == group(0)["externalId"]
    assert sandbox.counters()["by_route"] == {"GET /api/document-groups": 1}


def test_the_page_cap_stops_a_runaway_listing(facilioo_client, make_facilioo_client):
    for n in range(201):
        facilioo_client.create(Entity.DOCUMENT_GROUPS, group(n))
    capped = make_facilioo_client(page_cap=2)

    with pytest.raises(FaciliooError, match="mehr als 2 Seiten"):
        list(capped.iter_pages("/api/document-groups"))


def test_find_by_text_keeps_live_namesakes_that_carry_our_id(sandbox, facilioo_client):
    # given: two folders with our externalId, one of them deleted, and a namesake without it
    first = facilioo_client.create(Entity.DOCUMENT_GROUPS, group(1))
    second = facilioo_client.create(Entity.DOCUMENT_GROUPS, group(1))
    facilioo_client.create(Entity.DOCUMENT_GROUPS, {**group(1), "externalId": "fremd"})
    facilioo_client.delete(Entity.DOCUMENT_GROUPS, first["id"])

    # when: found by the name it was created with, our id in other letter case
    matches = facilioo_client.find_by_text(
        Entity.DOCUMENT_GROUPS, group(1)["name"], group(1)["externalId"].swapcase()
    )

    # then
    assert [m["id"] for m in matches] == [second["id"]]


def test_the_party_lookup_is_batched_owner_scoped_and_ignores_case(sandbox, facilioo_client):
    # given: 150 parties with our ids, and another company's party with one of our id strings
    ids = [f"1000-{n}A" for n in range(150)]
    planted = sandbox.plant_parties(1, [{"externalIds": [value]} for value in ids])
    foreign = sandbox.plant_parties(99, [{"externalIds": [ids[0]]}])
    sandbox.reset_counters()

    # when: looked up in lower case
    found = facilioo_client.lookup_parties([value.lower() for value in ids])

    # then: each id finds our party only, in two requests (100 values a request)
    assert found == {value.casefold(): [p["id"]] for value, p in zip(ids, planted, strict=True)}
    assert foreign[0]["id"] not in {pid for pids in found.values() for pid in pids}
    assert sandbox.counters()["by_route"]["POST /api/parties/external-ids/search"] == 2
    # and an empty list finds nothing, without a request
    assert facilioo_client.lookup_parties([]) == {}


def test_create_patch_get_delete_roundtrip(sandbox, facilioo_client):
    # given
    prop = building(facilioo_client)

    # when
    entrance = facilioo_client.patch(Entity.ENTRANCES, prop["id"], {"name": "Eingang Nord"})
    unit = facilioo_client.create(
        Entity.UNITS,
        {
            "entranceId": prop["id"],
            "name": "Whg 1",
            "typeId": 1,
            "floor": 3,
            "livingArea": 61.5,
            "externalId": "1000-0001-G1-001",
        },
    )
    patched = facilioo_client.patch(Entity.UNITS, unit["id"], {"floor": -1})
    facilioo_client.delete(Entity.UNITS, unit["id"])

    # then
    assert entrance["id"] == prop["id"]
    assert entrance["name"] == "Eingang Nord"
    assert patched["floor"] == -1
    assert patched["name"] == "Whg 1"
    assert facilioo_client.get(Entity.UNITS, unit["id"])["deleted"] is not None
    with pytest.raises(FaciliooNotFound):
        facilioo_client.patch(Entity.UNITS, 999_999, {"floor": 1})
    with pytest.raises(FaciliooNotFound) as info:
        facilioo_client.get(Entity.PARTIES, 999_999)
    assert info.value.skippable
    assert "HTTP 404" in info.value.message


# -- validation: one record refused, with a readable message -----------------------------------


def _rejection(client: FaciliooClient, entity: Entity, body: dict) -> FaciliooRecordRejected:
    with pytest.raises(FaciliooRecordRejected) as info:
        client.create(entity, body)
    error = info.value
    assert error.status == 400
    assert error.skippable
    assert error.message.startswith("facilioo hat den Datensatz abgelehnt (HTTP 400): ")
    return error


def test_rejections_name_the_field_and_the_rule(sandbox, facilioo_client):
    client = facilioo_client
    prop = building(client)
    unit = client.create(Entity.UNITS, {"entranceId": prop["id"], "name": "Whg 1"})
    person = client.create(Entity.PARTIES, party(1))
    file = new_file(client, "a.pdf")

    cases = [
        (Entity.PROPERTIES, {"tenantId": 1, "number": "X"}, "name", "erforderlich"),
        (Entity.PROPERTIES, {"tenantId": 3, "name": "Fremd"}, "tenantId", "nicht sichtbar"),
        (
            Entity.PROPERTIES,
            {"tenantId": 1, "name": "Doppelt", "number": "G1"},
            "number",
            "bereits vergeben",
        ),
        (Entity.UNITS, {"entranceId": 424242, "name": "Whg"}, "entranceId", "entrances/424242"),
        (
            Entity.UNITS,
            {"entranceId": prop["id"], "name": "Whg", "typeId": 99},
            "typeId",
            "unbekannt",
        ),
        (
            Entity.PARTIES,
            party(2, firstNames=None, lastName=None),
            "secondaryName",
            "PrimaryName oder SecondaryName",
        ),
        (
            Entity.PARTIES,
            party(3, contactByEmail=False, contactByPush=True),
            "contactByPush",
            "einzige Kontaktweg",
        ),
        (Entity.PARTIES, party(4, contactByMail=None), "contactByMail", "erforderlich"),
        (
            Entity.UNIT_CONTRACTS,
            {"unitId": unit["id"], "partyId": person["id"], "typeId": 12},
            "typeId",
            "zwischen 1 und 11",
        ),
        (
            Entity.UNIT_CONTRACTS,
            {"unitId": unit["id"], "partyId": 424242, "typeId": 4},
            "partyId",
            "parties/424242",
        ),
        (
            Entity.UNIT_CONTRACTS,
            {"unitId": person["id"], "partyId": person["id"], "typeId": 4},
            "unitId",
            "units/",
        ),
        (Entity.DOCUMENT_GROUPS, {"name": "Ordner", "parentId": 424242}, "parentId", "424242"),
        (
            Entity.DOCUMENTS,
            {"title": "Brief", "fileId": file["id"]},
            "propertyId",
            "Mindestens eines",
        ),
        (
            Entity.DOCUMENTS,
            {"title": "Brief", "fileId": 424242, "unitId": unit["id"]},
            "fileId",
            "files/424242",
        ),
        (
            Entity.DOCUMENTS,
            {
                "title": "Brief",
                "fileId": file["id"],
                "unitId": unit["id"],
                "documentGroupId": 424242,
            },
            "documentGroupId",
            "424242",
        ),
        (Entity.FILES, {"name": "a.pdf"}, "fileTypeId", "erforderlich"),
    ]
    for entity, body, field, text in cases:
        error = _rejection(client, entity, body)
        assert field in error.errors, (entity, body, error.errors)
        assert f"{field}: " in error.message
        assert text in error.message, error.message

    # the same number in another tenant is fine
    assert building(client, "G1", tenant=2)["number"] == "G1"


def test_a_patch_is_validated_like_a_create(facilioo_client):
    building(facilioo_client, "G1")
    second = building(facilioo_client, "G2")

    with pytest.raises(FaciliooRecordRejected, match="bereits vergeben"):
        facilioo_client.patch(Entity.PROPERTIES, second["id"], {"number": "G1"})


# -- documents --------------------------------------------------------------------------------


def test_upload_flow_stores_the_bytes(sandbox, facilioo_client, tmp_path):
    # given: a 3 MB file on disk
    content = bytes(range(256)) * (3 * 4096)
    path = tmp_path / "vertrag.pdf"
    path.write_bytes(content)
    prop = building(facilioo_client)
    group = facilioo_client.create(
        Entity.DOCUMENT_GROUPS, {"name": "Verträge", "externalId": "1000-O1"}
    )

    # when
    file = new_file(facilioo_client, "vertrag.pdf")
    url = facilioo_client.request_upload_url(file["id"])
    with path.open("rb") as stream:
        facilioo_client.upload(url, stream, len(content))
    document = facilioo_client.create(
        Entity.DOCUMENTS,
        {
            "title": "Mietvertrag",
            "description": None,
            "documentGroupId": group["id"],
            "date": "2024-05-01",
            "propertyId": prop["id"],
            "unitId": None,
            "contractId": None,
            "partyId": None,
            "fileId": file["id"],
            "externalId": "1000-D1",
        },
    )

    # then
    stored = sandbox.state.get("files", file["id"])
    assert stored["size"] == len(content)
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    assert sandbox.state.file_content(file["id"]) == content
    assert document["fileId"] == file["id"]
    assert sandbox.counters()["by_route"]["PUT /_storage/{token}"] == 1


def test_an_expired_upload_url_asks_for_a_new_one(sandbox, facilioo_client):
    # given: upload URLs that expire at once
    sandbox.control(upload_url_lifetime=0)
    file = new_file(facilioo_client, "a.pdf")
    stale = facilioo_client.request_upload_url(file["id"])
    time.sleep(0.01)

    # when / then: refused before the 3 MB are read, the client still gets the answer
    big = b"%PDF-1.7" + bytes(3 * 1024 * 1024)
    with pytest.raises(FaciliooUploadUrlExpired):
        facilioo_client.upload(stale, io.BytesIO(big), len(big))
    sandbox.control(upload_url_lifetime=900)
    fresh = facilioo_client.request_upload_url(file["id"])
    facilioo_client.upload(fresh, io.BytesIO(b"%PDF-1.7"), 8)
    assert sandbox.state.get("files", file["id"])["size"] == 8


def test_an_upload_is_repeated_from_the_start_after_a_500(sandbox, facilioo_client):
    file = new_file(facilioo_client, "a.pdf")
    url = facilioo_client.request_upload_url(file["id"])
    sandbox.control(error_rate=0.6, seed=1, fault_paths=["/_storage/"])  # first draw fails

    facilioo_client.upload(url, io.BytesIO(b"0123456789"), 10)

    assert sandbox.state.file_content(file["id"]) == b"0123456789"
    assert sandbox.counters()["by_route"]["PUT /_storage/{token}"] > 1


def test_only_size_bytes_of_the_stream_are_sent(sandbox, facilioo_client):
    file = new_file(facilioo_client, "a.pdf")
    url = facilioo_client.request_upload_url(file["id"])

    facilioo_client.upload(url, io.BytesIO(b"0123456789-and-more"), 10)

    assert sandbox.state.file_content(file["id"]) == b"0123456789"


# -- parallel writes ----------------------------------------------------------------------------


def test_map_parallel_bounds_threads_and_items_in_flight(make_facilioo_client):
    client = make_facilioo_client(workers=3)
    lock = threading.Lock()
    running = 0
    most_running = 0
    pulled = 0
    most_ahead = 0
    done = 0

    def items():
        nonlocal pulled, most_ahead
        for n in range(60):
            pulled += 1
            most_ahead = max(most_ahead, pulled - done)
            yield n

    def work(n):
        nonlocal running, most_running
        with lock:
            running += 1
            most_running = max(most_running, running)
        time.sleep(0.005)
        with lock:
            running -= 1
        if n % 7 == 0:
            raise ValueError(n)
        return n * 2

    results = {}
    for item, result in client.map_parallel(work, items()):
        done += 1
        results[item] = result

    assert len(results) == 60
    assert isinstance(results[7], ValueError)
    assert results[8] == 16
    assert most_running <= 3
    assert most_ahead <= 2 * 3


def test_map_parallel_ordered_keeps_input_order(make_facilioo_client):
    client = make_facilioo_client(workers=4)

    out = [
        item
        for item, _ in client.map_parallel(
            lambda n: time.sleep((n % 3) / 1000), range(30), ordered=True
        )
    ]

    assert out == list(range(30))


def test_map_parallel_writes_share_one_login(sandbox, facilioo_client):
    results = list(
        facilioo_client.map_parallel(
            lambda n: facilioo_client.create(Entity.DOCUMENT_GROUPS, group(n)), range(40)
        )
    )

    assert all(not isinstance(r, Exception) for _, r in results)
    assert sandbox.state.count("document-groups") == 40
    assert sandbox.counters()["by_route"]["POST /api/auth/login"] == 1


# -- rate limiter, statistics, secrets ---------------------------------------------------------


class CountingLimiter:
    def __init__(self):
        self.calls = 0
        self._lock = threading.Lock()

    def acquire(self):
        with self._lock:
            self.calls += 1


def test_every_request_passes_the_rate_limiter_and_is_counted(sandbox, make_facilioo_client):
    limiter = CountingLimiter()
    client = make_facilioo_client(rate_limiter=limiter)
    sandbox.control(error_rate=0.3, seed=4, fault_skip_auth=True)

    client.test_connection()
    client.create(Entity.DOCUMENT_GROUPS, group(1))
    list(client.iter_pages("/api/document-groups"))

    server = sandbox.counters()
    assert limiter.calls == server["total"]
    assert client.stats.total == server["total"]
    assert client.stats.by_route == server["by_route"]
    assert client.stats.by_method == server["by_method"]


def test_no_secret_in_logs_errors_or_repr(sandbox, make_facilioo_client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = sandbox.password
    client = make_facilioo_client()
    sandbox.control(error_rate=0.3, rate_limit_rate=0.2, retry_after=0, seed=9)

    client.test_connection()
    client.create(Entity.DOCUMENT_GROUPS, group(1))
    file = new_file(client, "a.pdf")
    url = client.request_upload_url(file["id"])
    client.upload(url, io.BytesIO(b"x"), 1)
    sandbox.expire_tokens()  # the next call is refused: the client renews its tokens
    client.list_tenants()
    assert sandbox.counters()["by_route"]["POST /api/auth/refresh"] >= 1
    bad = make_facilioo_client(password=secret + "-falsch")
    with pytest.raises(FaciliooCredentialsError) as info:
        bad.test_connection()

    secrets = [secret, secret + "-falsch"]
    upload_token = url.rsplit("/", 1)[1]
    for record in caplog.records:
        text = record.getMessage() + " " + repr(record.__dict__)
        for value in secrets:
            assert value not in text
        assert not JWT.search(text), "an access or refresh token was logged"
        # urllib3 logs request paths at DEBUG (a pre-signed URL among them); our loggers never do
        if not record.name.startswith("urllib3"):
            assert upload_token not in text
    assert secret not in repr(client)
    assert secret not in repr(bad)
    assert secret not in str(info.value)
    assert secret not in repr(info.value)
    assert any(getattr(r, "status", None) == 500 for r in caplog.records)  # it did log


# -- settings -------------------------------------------------------------------------------------


def test_base_url_for_reads_the_settings(settings):
    settings.FACILIOO_SANDBOX_URL = "http://127.0.0.1:8025/"
    settings.FACILIOO_STAGING_URL = ""

    assert FaciliooClient.base_url_for("sandbox") == "http://127.0.0.1:8025"
    assert FaciliooClient.base_url_for("production") == settings.FACILIOO_PRODUCTION_URL
    with pytest.raises(FaciliooConfigurationError, match="keine Adresse eingerichtet"):
        FaciliooClient.base_url_for("staging")
    with pytest.raises(FaciliooConfigurationError, match="Unbekannte"):
        FaciliooClient.base_url_for("mars")


def test_for_environment_builds_a_client_from_the_settings(sandbox, settings):
    settings.FACILIOO_SANDBOX_URL = sandbox.url
    settings.REDIS_URL = None

    with FaciliooClient.for_environment("sandbox", sandbox.email, sandbox.password) as client:
        assert len(client.test_connection()) == 2
        assert client.workers == settings.FACILIOO_WRITE_WORKERS


# -- answer shapes the sandbox does not produce (faked at the HTTP edge) -------------------------


@pytest.fixture
def fake_facilioo():
    import jwt as pyjwt
    import responses

    token = pyjwt.encode({"exp": int(time.time()) + 3600, "nbf": int(time.time())}, "k" * 32)
    with responses.RequestsMock() as mocked:
        mocked.post(
            "https://facilioo.test/api/auth/login",
            json={"accessToken": token, "refreshToken": token},
        )
        yield mocked


def test_upload_url_may_come_as_a_plain_json_string(fake_facilioo, facilioo_sleeps):
    fake_facilioo.put(
        "https://facilioo.test/api/files/5/upload", json="https://storage.test/bucket/abc?sig=1"
    )

    with FaciliooClient("https://facilioo.test", "pm@example.org", "pw") as client:
        assert client.request_upload_url(5) == "https://storage.test/bucket/abc?sig=1"


def test_an_html_error_body_becomes_readable_text(fake_facilioo):
    fake_facilioo.post(
        "https://facilioo.test/api/units",
        status=409,
        body="<html><body><h1>Conflict</h1><p>Unit&nbsp;exists</p></body></html>",
        content_type="text/html",
    )

    with (
        FaciliooClient("https://facilioo.test", "pm@example.org", "pw") as client,
        pytest.raises(FaciliooRecordRejected) as info,
    ):
        client.create(Entity.UNITS, {"entranceId": 1, "name": "W"})

    assert info.value.status == 409
    assert (
        info.value.message
        == "facilioo hat den Datensatz abgelehnt (HTTP 409): „Conflict Unit exists“"
    )
