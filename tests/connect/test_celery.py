"""A task round-trip through a real Celery worker process: embedded broker and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

from tests.services import celery_worker, redis_url

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_round_trip_through_the_embedded_file_system_broker(tmp_path):
    # given: a worker in embedded mode (no Redis), with its own state folder
    var = tmp_path / "var"
    queue = f"q-{uuid.uuid4().hex[:8]}"
    env = {
        "CONNECT_VAR_DIR": str(var),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "CELERY_RESULT_BACKEND": "",
        "DATABASE_URL": "",
    }
    with celery_worker(env, queue=queue, log=tmp_path / "worker.log"):
        # when: a producer configured like the embedded portal sends a task
        producer = Celery(
            "producer",
            broker="filesystem://",
            backend=f"db+sqlite:///{var / 'celery-results.sqlite3'}",
        )
        producer.conf.broker_transport_options = {
            "data_folder_in": str(var / "broker" / "queue"),
            "data_folder_out": str(var / "broker" / "queue"),
            "processed_folder": str(var / "broker" / "processed"),
            "control_folder": str(var / "broker" / "control"),
        }
        result = producer.send_task("connect.ping", args=["embedded"], queue=queue)
        # then: the worker answers
        assert result.get(timeout=60)["pong"] == "embedded"


def test_round_trip_through_redis(tmp_path):
    url = redis_url()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    with celery_worker(
        {"REDIS_URL": url, "CONNECT_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": ""},
        queue=queue,
        log=tmp_path / "worker.log",
    ):
        producer = Celery("producer", broker=url, backend=url)
        result = producer.send_task("connect.ping", args=["redis"], queue=queue)
        assert result.get(timeout=60)["pong"] == "redis"


def test_a_portal_process_sends_a_job_before_any_task_module_is_loaded(tmp_path):
    """The portal is no worker: nothing has imported connect.tasks when a page starts a job
    (a sample read, a run). The job must still be sent, not fail as an unknown task."""
    # given: a fresh process set up as the portal's, jobs run in place (eager)
    code = (
        "import django; django.setup()\n"
        "from connect import jobs\n"
        "print(jobs.send(jobs.PING, 'portal').get()['pong'])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connect.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "CONNECT_VAR_DIR": str(tmp_path / "var"),
    }
    # when: it sends a job by its name
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then: the task ran
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "portal"
