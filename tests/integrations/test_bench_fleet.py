"""``manage.py bench_fleet`` end to end at a tiny size: PostgreSQL, Redis, real Celery workers.

The report's shape and counts are checked, never its seconds.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from connect.models import Customer, FaciliooConnection, SyncRun
from connect.services.credentials import facilioo_connection_set
from integrations.models import ExternalLink
from tests.services import redis_url, unavailable
from tooling.sandbox.app import account_email

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(autouse=True)
def services() -> None:
    if connection.vendor != "postgresql":
        unavailable("bench_fleet needs PostgreSQL (DATABASE_URL)")
    if not getattr(settings, "REDIS_URL", None):
        unavailable("bench_fleet needs Redis (REDIS_URL)")
    redis_url()


def bench(*args: str) -> dict:
    out = StringIO()
    call_command("bench_fleet", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_every_round_is_measured_and_the_fleet_is_removed_afterwards():
    before = set(Customer.objects.values_list("pk", flat=True))
    # when: two small customers and a big one, one worker, every kind of round
    report = bench(
        "--customers", "2", "--units", "5", "--workers", "1", "--latency-ms", "0",
        "--big-customer", "12", "--scale", "1", "--memory-rounds", "2",
    )  # fmt: skip

    size = report["size"]
    assert (size["customers"], size["units"], size["workers"]) == (2, 5, 1)
    assert size["big_customer_units"] == 12
    # the big customer's first sync is a large run, the small ones are not
    assert 5 < size["large_run_threshold_units"] <= 12

    # then: every first sync succeeded and wrote to facilioo
    full = report["full_round"]
    assert full["runs"] == 2
    assert full["statuses"] == {"succeeded": 2}
    assert full["facilioo_requests"] > 0
    assert full["requests_by_method"].get("POST", 0) > 0
    assert sum(full["requests_by_method"].values()) == full["facilioo_requests"]
    assert set(full["worker_memory"]) == {"w1"}
    assert full["worker_memory"]["w1"]["rss_mb"] > 0

    # and: the same again with nothing changed wrote nothing
    same = report["no_change_round"]
    assert same["runs"] == 2
    assert same["statuses"] == {"succeeded": 2}
    assert not WRITES & set(same["requests_by_method"])
    assert same["facilioo_requests"] < full["facilioo_requests"]
    assert len(same["cpu_s_per_run_all_rounds"]) == 2

    memory = report["memory"]
    assert memory["rounds"] == 2
    assert memory["runs_in_between"] == 2
    assert set(memory["per_worker"]) == {"w1"}
    assert len(memory["rss_mb_series"]) == 2

    # and: the big customer's round ran all three first syncs, the big one the largest
    big = report["big_customer"]
    assert big["units"] == 12
    assert big["round"]["runs"] == 3
    assert big["round"]["statuses"] == {"succeeded": 3}
    assert big["round"]["facilioo_requests"] > full["facilioo_requests"]
    assert big["big_run"] is not None

    # and: the scale-out round with one worker is its own reference
    assert set(report["scale_out"]) == {"1"}
    assert report["scale_out"]["1"]["statuses"] == {"succeeded": 2}
    assert report["scale_out"]["1"]["speedup"] == 1.0

    # and: nothing of the fleet stays in the database
    assert set(Customer.objects.values_list("pk", flat=True)) == before
    assert not SyncRun.objects.exclude(customer__in=before).exists()
    assert not ExternalLink.objects.exclude(customer__in=before).exists()


def test_an_account_of_the_fleet_already_taken_stops_the_bench_and_removes_its_customers():
    # given: the second customer's sandbox account is connected to a customer already
    other = Customer.objects.create(name="Andere", slug="andere")
    facilioo_connection_set(
        customer=other,
        actor=None,
        username=account_email(3),
        password="geheim",
        environment="sandbox",
    )
    # when: the fleet is set up
    with pytest.raises(CommandError, match="bereits mit einem anderen Kunden verbunden"):
        bench("--customers", "2", "--units", "5", "--workers", "1", "--scale", "")
    # then: the first customer, created before the refusal, is removed again
    assert list(Customer.objects.values_list("slug", flat=True)) == ["andere"]
    assert FaciliooConnection.objects.get().customer == other
