"""The API as other programs meet it: tools nobody here wrote read the served OpenAPI document.

- openapi-spec-validator accepts the document;
- writes accept JSON only (one request content type per operation), with a German message for
  anything else;
- openapi-python-client generates a client from the served document, and that client drives
  the journey against the live server, a real Celery worker and the facilioo sandbox: token,
  activate, preview, run, poll, record log, and the record inspector.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from celery.contrib.testing.worker import start_worker
from openapi_spec_validator import validate

from connect.celery import app as celery_app
from connect.models import Customer, Role
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, connect_to_sandbox, sandbox_for

PACKAGE = "connect_api_client"


@pytest.mark.django_db
def test_the_served_document_is_valid_openapi(client):
    # when: the document is fetched as a client would
    document = client.get("/api/schema/?format=json").json()
    # then: openapi-spec-validator finds nothing wrong (it raises on the first problem)
    validate(document)
    # and: every write takes exactly one content type: JSON, but for the ERP export push,
    # whose body is the .zip itself
    binary = {("post", "/api/customers/{slug}/erp/exports/")}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if content:
                binary_body = (method, path) in binary
                expected = ["application/octet-stream" if binary_body else "application/json"]
                assert list(content) == expected, (method, path, list(content))


@pytest.mark.django_db
def test_a_write_in_another_format_is_refused_with_a_german_message(api, tenancy):
    # when: the token is requested with a form instead of JSON
    response = api.post(
        "/api/auth/token/",
        {"username": tenancy.admin_a.username, "password": PASSWORD},
        format="multipart",
    )
    # then: 415 and what to send instead
    assert response.status_code == 415
    assert "nur JSON" in response.json()["detail"]
    assert "application/json" in response.json()["detail"]


def generate_client(schema_url: str, target: Path):
    """Generate a client package with openapi-python-client from the served document."""
    document = target / "schema.json"
    document.write_bytes(requests.get(schema_url, timeout=30).content)
    config = target / "config.yaml"
    config.write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(document),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(target / PACKAGE),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(target))
    try:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(target))


def api_module(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def worker(transactional_db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


@pytest.mark.services
@pytest.mark.slow
def test_a_generated_client_drives_the_journey(live_server, settings, tmp_path, worker):
    with sandbox_for(settings) as sandbox:
        # given: a customer connected to the sandbox, and its admin
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=60)
        connect_to_sandbox(customer, sandbox)
        admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
        package = generate_client(f"{live_server.url}/api/schema/?format=json", tmp_path)
        auth = api_module("api.auth.auth_token_create")
        customers = "api.customers."
        models = api_module("models")

        # when: the client logs in
        anonymous = package.Client(base_url=live_server.url)
        token = auth.sync(
            client=anonymous,
            body=models.LoginRequest(username=admin.username, password=PASSWORD),
        )
        assert isinstance(token, models.Token), token
        client = package.AuthenticatedClient(
            base_url=live_server.url, token=token.token, prefix="Token"
        )

        # and: activates Stammdaten
        update = api_module(customers + "usecases_update")
        settings_body = models.UseCaseSettingsInputRequestSettings.from_dict(
            {"separator": "-", "mandanten": ["1000", "2000", "3000"], "default_tenant_id": 1}
        )
        state = update.sync(
            "musterstadt",
            models.UsecasesUpdateUseCase("stammdaten"),
            client=client,
            body=models.UseCaseSettingsInputRequest(settings=settings_body),
        )
        assert isinstance(state, models.UseCase), state
        assert state.enabled is True

        # and: runs a preview, then the sync, polling each to its end
        create = api_module(customers + "runs_create")
        retrieve = api_module(customers + "runs_retrieve")

        def run(dry_run: bool):
            started = create.sync(
                "musterstadt",
                client=client,
                body=models.RunCreateRequest(
                    use_case=models.UseCaseEnum("stammdaten"), dry_run=dry_run
                ),
            )
            assert isinstance(started, models.Run), started
            deadline = time.monotonic() + 120
            while True:
                polled = retrieve.sync("musterstadt", started.id, client=client)
                assert isinstance(polled, models.Run), polled
                if not polled.is_active:
                    return polled
                assert time.monotonic() < deadline, polled.to_dict()
                time.sleep(0.5)

        preview = run(dry_run=True)
        assert preview.status.value == "succeeded", preview.error_message
        assert sandbox.state.records("units") == []
        sync = run(dry_run=False)
        assert sync.status.value == "succeeded", sync.error_message
        created = sync.counts.to_dict()["units"]["created"]
        assert created > 0
        assert len(sandbox.state.records("units")) == created

        # then: the record log names the tenant skipped for lack of an e-mail address
        items = api_module(customers + "runs_items_list").sync(
            "musterstadt", sync.id, client=client, reason="no_email"
        )
        assert isinstance(items, models.PaginatedRunItemList), items
        assert items.results
        skipped = items.results[0]
        assert "keine E-Mail-Adresse" in skipped.message

        # and: the record inspector explains it, with what to change in the ERP
        record = api_module(customers + "records_retrieve").sync(
            "musterstadt",
            models.RecordsRetrieveEntity(skipped.entity),
            skipped.erp_key.partition(" ")[2],
            client=client,
        )
        assert isinstance(record, models.Record), record
        assert record.skip.reason == "no_email"
        assert record.remedy == "E-Mail-Adresse im ERP hinterlegen."
        assert record.history[0].run_id == sync.id
