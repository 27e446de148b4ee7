"""A task round-trip through a real Celery worker process: embedded broker and Redis."""

from __future__ import annotations

import uuid

import pytest
from celery import Celery

from tests.services import celery_worker, redis_url

pytestmark = [pytest.mark.services, pytest.mark.slow]


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
