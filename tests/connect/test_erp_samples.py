"""Sample exports on the ERP page ("Vorschlagen", "Erste Zeilen anzeigen", "Vorschau
aktualisieren") are parsed by a task, never in the web request: the request stores the sample
and enqueues, the page shows the progress and then the result, and a hostile sample ends as a
German finding under the same limits as an upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from connect.celery import app as celery_app
from integrations.erp.profiles.examples import example_sample
from tests.connect.test_erp_exports import zip_upload
from tooling.hostile import billion_laughs_xlsx

URL = reverse("portal:erp-profile", kwargs={"slug": "alpha"})


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def admin_client(client, tenancy, media):
    client.force_login(tenancy.admin_a)
    return client


@pytest.fixture
def eager(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def _sample_page(response) -> str:
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert "/erp/samples/" in location
    return location


@pytest.mark.django_db
def test_a_hostile_sample_is_stored_and_queued_not_parsed_in_the_request(
    admin_client, eager, django_capture_on_commit_callbacks
):
    # given: a billion-laughs workbook as the sample for "Vorschlagen"
    upload = zip_upload(billion_laughs_xlsx(), "lachen.zip")
    # when: posted, with the task's start held back until we look
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(URL, {"action": "suggest", "sample": upload})
    # then: the request answered with the sample's page, nothing parsed yet, one task queued
    page_url = _sample_page(response)
    assert len(queued) == 1
    waiting = admin_client.get(page_url)
    assert waiting.status_code == 200
    page = waiting.content.decode()
    assert 'id="sample-status"' in page
    assert "wird gelesen" in page
    assert "data-poll-url" in page
    # when: the task runs (in a worker; here eagerly)
    queued[0]()
    # then: the page shows a German finding, no server error
    done = admin_client.get(page_url)
    assert done.status_code == 200
    text = done.content.decode()
    assert "data-poll-url" not in text
    assert "lachen.zip" in text
    assert "enthält eine Arbeitsmappe mit XML-Entitäten oder einer DTD" in text


@pytest.mark.django_db
def test_the_status_answers_json_for_the_page_script(
    admin_client, eager, django_capture_on_commit_callbacks
):
    upload = zip_upload(example_sample("csv-je-datei").read_bytes(), "probe.zip")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        page_url = _sample_page(admin_client.post(URL, {"action": "suggest", "sample": upload}))
    status_url = page_url.rstrip("/") + "/status/"
    assert admin_client.get(status_url).json() == {"status": "pending", "done": False}
    queued[0]()
    assert admin_client.get(status_url).json() == {"status": "done", "done": True}
