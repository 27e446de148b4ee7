"""Embedded default: DEBUG off, static files still served, error pages that say nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from connect.management.commands.serve import SANDBOX_HOST, parts_environment, web_command

ROOT = Path(__file__).resolve().parents[2]


def _embedded_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DJANGO_SETTINGS_MODULE",
            "CONNECT_MODE",
            "DJANGO_DEBUG",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="connect.settings.base",
        CONNECT_VAR_DIR=str(tmp_path),
        SECRET_VALUE_IN_ENV="do-not-show-me-0815",
        **extra,
    )
    return env


def _debug_of(env: dict[str, str]) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_the_embedded_mode_has_debug_off_unless_asked_for(tmp_path):
    assert _debug_of(_embedded_env(tmp_path)) == "False"
    assert _debug_of(_embedded_env(tmp_path, DJANGO_DEBUG="1")) == "True"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.slow
def test_the_embedded_web_server_serves_static_files_and_a_plain_404(tmp_path):
    # given: the web part of "manage.py serve", started as serve starts it (DEBUG off)
    port = _free_port()
    env = _embedded_env(tmp_path)
    code = (
        "import sys, django; django.setup();"
        "from connect.management.commands.serve import web_command;"
        f"print(' '.join(web_command('python', 'manage.py', '127.0.0.1', {port})))"
    )
    command = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert command[-1] == "--insecure"
    server = subprocess.Popen(
        [sys.executable, *command[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, css = _get(f"{base}/static/connect/portal.css")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        # then: static files are served, and an unknown URL lists nothing
        assert status == 200
        assert css.strip()
        status, body = _get(f"{base}/no-such-page/")
        assert status == 404
        assert "Seite nicht gefunden" in body
        for leak in ("URLconf", "admin/", "api/", "DEBUG", "Traceback"):
            assert leak not in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("kaputt: SECRET_VALUE_IN_ENV")


urlpatterns = [path("crash/", _crash)]


def test_an_anonymous_500_shows_neither_settings_nor_environment(db, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/crash/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in body
    for leak in ("SECRET", "kaputt", "Traceback", "DATABASES", "Environment"):
        assert leak not in body


def test_an_anonymous_404_lists_no_url_patterns(db):
    response = Client().get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Seite nicht gefunden" in body
    assert "URLconf" not in body
    assert "api/" not in body


def test_serve_asks_for_static_files_only_without_debug(settings):
    settings.DEBUG = True
    assert "--insecure" not in web_command("python", "manage.py", "127.0.0.1", 8000)
    settings.DEBUG = False
    assert "--insecure" in web_command("python", "manage.py", "127.0.0.1", 8000)


def test_serve_points_every_part_at_the_sandbox_port_it_started(tmp_path):
    # given: "serve --sandbox-port 8123", a sandbox address left over in the environment
    env = parts_environment(
        _embedded_env(tmp_path, FACILIOO_SANDBOX_URL="http://127.0.0.1:8025"),
        sandbox_host=SANDBOX_HOST,
        sandbox_port=8123,
    )
    code = (
        "import django; django.setup();"
        "from integrations.facilioo.client import FaciliooClient;"
        "print(FaciliooClient.base_url_for('sandbox'))"
    )
    # when: a part (portal, worker, beat) asks for the sandbox's address
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    # then: it is the port the sandbox was started on
    assert result.stdout.strip() == "http://127.0.0.1:8123"


def test_serve_without_sandbox_keeps_the_configured_address(tmp_path):
    env = parts_environment(
        {"FACILIOO_SANDBOX_URL": "http://sandbox.example:9000"}, sandbox_host=None, sandbox_port=1
    )
    assert env["FACILIOO_SANDBOX_URL"] == "http://sandbox.example:9000"
