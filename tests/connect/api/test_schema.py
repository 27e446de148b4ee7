"""The OpenAPI schema generates without warnings; the docs page uses only local assets."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation


def test_schema_generates_valid_without_warnings(tmp_path):
    # when: the schema is generated as the docs would, failing on any warning
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    # then: every endpoint is in it, and the password only as a request field
    schema = out.read_text()
    for path in (
        "/api/auth/token/",
        "/api/customers/{slug}/runs/{run_id}/items/",
        "/api/support/records/",
    ):
        assert f"{path}:" in schema


@pytest.mark.django_db
def test_schema_is_served_and_the_password_is_write_only(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    assert "password" in components["FaciliooConnectionInputRequest"]["properties"]
    responses = [name for name in components if not name.endswith("Request")]
    for name in responses:
        assert "password" not in components[name].get("properties", {}), name


@pytest.mark.django_db
def test_docs_page_loads_only_local_assets(client):
    # when
    response = client.get("/api/docs/")
    # then: Swagger UI from our own static files, nothing from another host
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert not re.search(r"https?://", page), re.findall(r"https?://[^\s\"']+", page)


@pytest.mark.django_db
def test_the_api_description_follows_the_readers_language(client):
    def info(language: str) -> dict[str, str]:
        return client.get(
            "/api/schema/",
            HTTP_ACCEPT="application/vnd.oai.openapi+json",
            HTTP_ACCEPT_LANGUAGE=language,
        ).json()["info"]

    assert info("de")["description"] == (
        "Kunden, die facilioo-Verbindung, Datenbereiche, Läufe und ihre Protokolle."
    )
    assert info("en")["description"] == (
        "Customers, the facilioo connection, data areas, runs and their record logs."
    )
    page = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert "<title>Connect · facilioo API</title>" in page
    translation.activate(settings.LANGUAGE_CODE)  # an English request leaves English active
