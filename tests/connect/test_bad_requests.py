"""Requests an attacker (or a slip) sends that used to answer with a server error or worse:
a finding that is no number, a path out of the static folder in the embedded server, and an
export pushed by a logged-in admin with the browser session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from connect.models import ErpExport
from integrations.models import FindingKind, Reconciliation, ReconciliationFinding
from tests.connect.api.test_erp_push import media  # noqa: F401 - the fixture
from tests.connect.test_debug_off import ROOT, _embedded_env, _free_port
from tests.connect.test_erp_exports import export_zip


@pytest.fixture
def finding(tenancy) -> ReconciliationFinding:
    rec = Reconciliation.objects.create(
        customer=tenancy.a, use_case="stammdaten", trigger="manual", status="done"
    )
    return rec.findings.create(
        customer=tenancy.a,
        kind=FindingKind.CHANGED,
        entity="units",
        natural_key="1000/0001/01",
        erp_key="einheit 1000/0001/01",
        fields={"name": {"sent": "A", "live": "B"}},
    )


@pytest.mark.parametrize("value", ["abc", "", "1e3", "٣", "9" * 40, "-1"])
def test_a_finding_that_is_no_number_is_a_german_400(client, tenancy, finding, value):
    client.force_login(tenancy.admin_a)
    url = reverse(
        "portal:reconciliation-hold",
        kwargs={"slug": "alpha", "reconciliation_id": finding.reconciliation_id},
    )
    response = client.post(url, {"finding": value, "fields": ["name"]})
    assert response.status_code == 400
    assert "Bitte wählen Sie einen Befund dieses Abgleichs." in response.content.decode()


def test_a_finding_of_another_reconciliation_is_404(client, tenancy, finding):
    client.force_login(tenancy.admin_a)
    other = Reconciliation.objects.create(
        customer=tenancy.a, use_case="stammdaten", trigger="manual", status="done"
    )
    url = reverse(
        "portal:reconciliation-hold", kwargs={"slug": "alpha", "reconciliation_id": other.pk}
    )
    assert client.post(url, {"finding": str(finding.pk)}).status_code == 404


def _raw_get(port: int, path: str) -> tuple[int, bytes]:
    # urllib keeps "/../" as it is (a browser would resolve it first; an attacker does not).
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_the_embedded_server_never_serves_a_file_outside_the_static_folder(tmp_path):
    # given: the embedded web server as "manage.py serve" starts it, with its secret key
    port = _free_port()
    env = _embedded_env(tmp_path)
    (tmp_path / "secret_key").write_text("geheim-0815-do-not-serve")
    code = (
        "import sys, django; django.setup();"
        "from connect.management.commands.serve import web_command;"
        f"print(' '.join(web_command('python', 'manage.py', '127.0.0.1', {port})))"
    )
    command = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    server = subprocess.Popen(
        [sys.executable, *command[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _raw_get(port, "/static/connect/portal.css")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert status == 200
        # when: paths that climb out of the static folder
        relative = os.path.relpath(tmp_path / "secret_key", ROOT / "static")
        for path in (
            "/static/../var/secret_key",
            "/static/..%2fvar%2fsecret_key",
            f"/static/{relative}",
            "/static/%2e%2e/pyproject.toml",
        ):
            status, body = _raw_get(port, path)
            # then: a plain 404, never the file and never a server error
            assert status == 404, path
            assert b"geheim-0815" not in body
            assert b"[project]" not in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_logged_in_admin_pushes_an_export_with_the_session_and_csrf(
    tenancy,
    media,  # noqa: F811 - the fixture
    tmp_path: Path,
):
    # given: an admin's browser session, with CSRF checks on as in production
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(tenancy.admin_a)
    browser.get("/account/")
    csrf = browser.cookies["csrftoken"].value
    url = reverse("api:erp-exports", kwargs={"slug": "alpha"}) + "?name=abend.zip"
    content = export_zip(tmp_path)
    # when: the .zip is pushed without the CSRF token
    refused = browser.generic("POST", url, content, content_type="application/zip")
    # then: refused as any session write without it
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    # when: with the CSRF token, as the body and as a form
    pushed = browser.generic(
        "POST", url, content, content_type="application/zip", HTTP_X_CSRFTOKEN=csrf
    )
    assert pushed.status_code == 202, pushed.content
    assert pushed.json()["name"] == "abend.zip"
    with (tmp_path / "export.zip").open("wb") as out:
        out.write(content)
    with (tmp_path / "export.zip").open("rb") as upload:
        form = browser.post(
            reverse("api:erp-exports", kwargs={"slug": "alpha"}),
            {"export": upload},
            format="multipart",
            HTTP_X_CSRFTOKEN=csrf,
        )
    assert form.status_code == 202, form.content
    # then: both are kept, as the admin's
    assert ErpExport.objects.filter(customer=tenancy.a).count() == 2
    # and a viewer's session may not push
    viewer = APIClient(enforce_csrf_checks=True)
    viewer.force_login(tenancy.viewer_a)
    viewer.get("/account/")
    response = viewer.generic(
        "POST",
        url,
        content,
        content_type="application/zip",
        HTTP_X_CSRFTOKEN=viewer.cookies["csrftoken"].value,
    )
    assert response.status_code == 403
