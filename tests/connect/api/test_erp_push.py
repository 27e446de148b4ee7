"""API push of ERP exports with an Übermittlungs-Token: 202 at once, validation in a task,
optional runs once valid; the token is refused everywhere else."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.urls import reverse

from connect.celery import app as celery_app
from connect.models import AuditLog, ErpExport, ErpPushToken, RunStatus, SyncRun
from connect.services.erp_push_tokens import erp_push_token_create
from tests.connect.api.test_isolation import API_URLS
from tests.connect.api.test_isolation import url_for as api_url_for
from tests.connect.test_erp_exports import duplicate_first_unit, export_zip
from tests.connect.test_isolation import CUSTOMER_URLS
from tests.connect.test_isolation import url_for as portal_url_for
from tests.factories import activate_stammdaten, connect_to_sandbox, sandbox_for

PUSH_URLS = {"api:erp-exports", "api:erp-export"}


@pytest.fixture
def media(settings, tmp_path: Path, monkeypatch) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Tasks handed over at the commit run in this process (Celery's own switch: its
    # configuration is read once, so the Django setting alone would come too late).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    return tmp_path / "media"


@pytest.fixture
def push_token(tenancy) -> str:
    _token, raw = erp_push_token_create(customer=tenancy.a, actor=tenancy.admin_a, name="ERP")
    return raw


def push(client, raw: str, content: bytes, slug: str = "alpha", query: str = ""):
    url = reverse("api:erp-exports", kwargs={"slug": slug}) + query
    return client.post(
        url,
        data=content,
        content_type="application/zip",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


@pytest.mark.django_db
def test_an_admin_creates_a_token_on_the_erp_page_shown_once_and_stored_hashed(
    client, tenancy, media
):
    client.force_login(tenancy.admin_a)
    # when: the admin creates a token
    created = client.post(
        reverse("portal:erp-tokens", kwargs={"slug": "alpha"}), {"name": "ERP-Server"}
    )
    # then: answered with a redirect to the ERP page, so a reload creates nothing
    assert created.status_code == 302
    response = client.get(created["Location"])
    # and the page shows it once, in ready-to-copy curl and PowerShell lines
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = re.search(r'id="new-token">[^<]*<code>(erp_[A-Za-z0-9_-]+)</code>', page).group(1)
    curl = re.search(r'<pre id="push-curl"[^>]*>(.*?)</pre>', page, re.S).group(1)
    powershell = re.search(r'<pre id="push-powershell"[^>]*>(.*?)</pre>', page, re.S).group(1)
    assert curl == (
        f"curl --fail -X POST -H &quot;Authorization: Bearer {raw}&quot; "
        "-H &quot;Content-Type: application/zip&quot; --data-binary @export.zip "
        "&quot;http://testserver/api/customers/alpha/erp/exports/?sync=stammdaten&quot;"
    )
    assert powershell.startswith(
        "Invoke-RestMethod -Method Post "
        "-Uri &quot;http://testserver/api/customers/alpha/erp/exports/?sync=stammdaten&quot; "
        f"-Headers @{{ Authorization = &quot;Bearer {raw}&quot; }}"
    )
    # and: only its SHA-256 is stored, and the audit log has no trace of the token text
    token = ErpPushToken.objects.get(customer=tenancy.a)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(ErpPushToken.objects.values()))
    entry = AuditLog.objects.get(action="erp_push_token.create")
    assert entry.actor == tenancy.admin_a
    assert raw not in str(entry.changes)
    # and: the next visit of the page shows the token no more
    again = client.get(reverse("portal:erp", kwargs={"slug": "alpha"})).content.decode()
    assert raw not in again
    assert "Bearer &lt;TOKEN&gt;" in again
    assert token.prefix in again


@pytest.mark.django_db
def test_a_token_needs_a_name(client, tenancy, media):
    client.force_login(tenancy.admin_a)
    response = client.post(reverse("portal:erp-tokens", kwargs={"slug": "alpha"}), {"name": " "})
    assert response.status_code == 400
    assert "Bitte geben Sie dem Token eine Bezeichnung." in response.content.decode()
    assert not ErpPushToken.objects.exists()


@pytest.mark.django_db
def test_a_push_answers_202_at_once_and_the_status_url_follows_the_check(
    client, tenancy, media, push_token, tmp_path, django_capture_on_commit_callbacks
):
    # when: the ERP server pushes an export
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = push(client, push_token, export_zip(tmp_path), query="?name=nacht.zip")
    # then: 202 with the id and the status URL, still being checked
    assert response.status_code == 202, response.content
    body = response.json()
    export = ErpExport.objects.get(customer=tenancy.a)
    assert body["id"] == export.pk
    assert body["status"] == "pending"
    assert body["status_label"] == "wird geprüft"
    assert body["name"] == "nacht.zip"
    assert body["status_url"] == (f"http://testserver/api/customers/alpha/erp/exports/{export.pk}/")
    status = client.get(body["status_url"], HTTP_AUTHORIZATION=f"Bearer {push_token}")
    assert status.json()["status"] == "pending"
    # when: the validation task runs
    for callback in callbacks:
        callback()
    # then: the status URL says valid
    status = client.get(body["status_url"], HTTP_AUTHORIZATION=f"Bearer {push_token}")
    assert status.status_code == 200
    assert status.json()["status"] == "valid"
    # and: the push is audited under the token's name
    entry = AuditLog.objects.get(action="erp_export.upload")
    assert entry.actor is None
    assert entry.actor_name == "token:ERP"
    assert entry.changes["origin"] == [None, "api"]
    assert ErpPushToken.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_an_invalid_push_reports_its_findings_in_german(
    client, tenancy, media, push_token, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = push(client, push_token, export_zip(tmp_path, edit=duplicate_first_unit))
    status = client.get(
        response.json()["status_url"], HTTP_AUTHORIZATION=f"Bearer {push_token}"
    ).json()
    assert status["status"] == "invalid"
    assert status["errors"] == [
        "einheiten.csv, Zeilen 2 und 62: Der Schlüssel 1000/0001/01/001 kommt doppelt vor."
    ]


@pytest.mark.django_db
def test_push_with_sync_starts_the_run_once_the_export_is_valid(
    client, tenancy, media, settings, push_token, tmp_path, django_capture_on_commit_callbacks
):
    # given: customer A reads ERP exports and has Stammdaten set up against the sandbox
    with sandbox_for(settings) as sandbox:
        tenancy.a.erp_source = "file"
        tenancy.a.save()
        connect_to_sandbox(tenancy.a, sandbox)
        activate_stammdaten(tenancy.a)
        # when: the ERP server pushes with ?sync=stammdaten (tasks run as the commit happens)
        with django_capture_on_commit_callbacks(execute=True):
            response = push(client, push_token, export_zip(tmp_path), query="?sync=stammdaten")
        # then: the export is valid and a run read it into facilioo
        assert response.status_code == 202
        export = ErpExport.objects.get(customer=tenancy.a)
        run = SyncRun.objects.get(customer=tenancy.a)
        assert export.sync_result == {"stammdaten": {"run": run.pk}}
        assert run.trigger == "api"
        assert run.status == RunStatus.SUCCEEDED, run.error_message
        assert run.counts["units"]["created"] == 60
        assert len(sandbox.state.records("units")) == 60
        status = client.get(
            response.json()["status_url"], HTTP_AUTHORIZATION=f"Bearer {push_token}"
        ).json()
        assert status["sync"] == {"stammdaten": {"run": run.pk}}


@pytest.mark.django_db
def test_push_with_an_unknown_use_case_is_refused(client, tenancy, media, push_token, tmp_path):
    response = push(client, push_token, export_zip(tmp_path), query="?sync=stammdaten,mieten")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Unbekannter Datenbereich „mieten“ in sync. Erlaubt sind: stammdaten, dokumente."
    )
    assert not ErpExport.objects.exists()


@pytest.mark.django_db
def test_a_push_beyond_the_size_limit_is_refused_with_413(
    client, tenancy, media, settings, push_token
):
    settings.ERP_UPLOAD_MAX_BYTES = 1024
    response = push(client, push_token, b"PK" + b"x" * 4096)
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "Die Datei „erp-export.zip“ ist zu groß. Erlaubt sind höchstens 0 MB; "
        "die Übertragung wurde abgebrochen und nichts gespeichert."
    )
    assert not ErpExport.objects.exists()


@pytest.mark.django_db
def test_a_token_of_one_customer_cannot_push_to_another(
    client, tenancy, media, push_token, tmp_path
):
    response = push(client, push_token, export_zip(tmp_path), slug="beta")
    assert response.status_code == 404
    assert not ErpExport.objects.exists()


@pytest.mark.django_db
def test_a_revoked_or_wrong_token_is_refused(client, tenancy, media, push_token, tmp_path):
    client.force_login(tenancy.admin_a)
    token = ErpPushToken.objects.get()
    client.post(reverse("portal:erp-token-revoke", kwargs={"slug": "alpha", "token_id": token.pk}))
    client.logout()
    assert AuditLog.objects.filter(action="erp_push_token.revoke").count() == 1
    for raw in (push_token, "erp_falsch"):
        response = push(client, raw, export_zip(tmp_path))
        assert response.status_code == 401
        assert response.json()["detail"] == "Ungültiges Token."
    assert not ErpExport.objects.exists()


@pytest.mark.django_db
def test_the_push_token_is_refused_everywhere_else(client, tenancy, media, push_token):
    header = {"HTTP_AUTHORIZATION": f"Bearer {push_token}"}
    # every other API endpoint of its own customer: not authenticated
    others = [(name, params) for name, params in API_URLS if name not in PUSH_URLS]
    assert others
    for name, params in others:
        url = api_url_for(name, params, tenancy.a)
        for method in ("get", "post"):
            response = getattr(client, method)(url, **header)
            assert response.status_code == 401, (name, method)
    for url in (reverse("api:customers"), reverse("api:support-customers")):
        assert client.get(url, **header).status_code == 401
    # and as a "Token" of the user API
    url = reverse("api:customer", kwargs={"slug": "alpha"})
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {push_token}").status_code == 401
    # and every portal page: the login
    portal = [(name, params) for name, params in CUSTOMER_URLS if name.startswith("portal:")]
    assert portal
    for name, params in portal:
        response = client.get(portal_url_for(name, params, tenancy.a), **header)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_pushes_beyond_the_rate_of_a_token_are_refused_with_429_in_german(
    client, tenancy, media, push_token, tmp_path, settings
):
    # given: at most two pushes per hour and token, and a second token of the same customer
    settings.ERP_PUSH_RATE = "2/hour"
    _other, other_token = erp_push_token_create(customer=tenancy.a, actor=None, name="Zweit")
    content = export_zip(tmp_path)
    # when: the first token pushes three times
    answers = [push(client, push_token, content) for _ in range(3)]
    # then: the third is refused, with the wait in German and Retry-After, nothing stored
    assert [a.status_code for a in answers] == [202, 202, 429]
    refused = answers[2]
    seconds = int(refused["Retry-After"])
    assert 0 < seconds <= 3600
    assert refused.json()["detail"] == (
        "Zu viele Übermittlungen mit diesem Zugang. "
        f"Bitte versuchen Sie es in {seconds} Sekunden erneut."
    )
    assert ErpExport.objects.filter(customer=tenancy.a).count() == 2
    # and: the status URL is not limited, and the other token still pushes
    status_url = answers[0].json()["status_url"]
    assert client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {push_token}").status_code == 200
    assert push(client, other_token, content).status_code == 202
