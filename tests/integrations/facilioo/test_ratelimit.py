"""The per-account request budget: in this process and shared through Redis."""

from __future__ import annotations

import os
import threading
import uuid
from urllib.parse import urlparse

import pytest

from integrations.facilioo.ratelimit import (
    LocalRateLimiter,
    RedisRateLimiter,
    rate_limit_key,
    rate_limiter_for,
)
from tests.services import unavailable


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))


def test_local_limiter_books_slots_one_interval_apart():
    fake = FakeTime()
    limiter = LocalRateLimiter(10, clock=fake.clock, sleep=fake.sleep)

    for _ in range(4):
        limiter.acquire()

    assert fake.sleeps == [0.1, 0.2, 0.3]


def test_local_limiter_allows_a_burst_after_a_quiet_period():
    fake = FakeTime()
    limiter = LocalRateLimiter(10, burst=3, clock=fake.clock, sleep=fake.sleep)

    for _ in range(4):
        limiter.acquire()
    fake.now += 10
    fake.sleeps.clear()
    for _ in range(3):
        limiter.acquire()

    assert fake.sleeps == []


def test_local_limiter_is_shared_by_threads():
    fake = FakeTime()
    limiter = LocalRateLimiter(50, clock=fake.clock, sleep=fake.sleep)

    def work():
        for _ in range(5):
            limiter.acquire()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 20 requests at 50/s: the first goes at once, each other one its own slot after it
    assert sorted(fake.sleeps) == [round(n / 50, 6) for n in range(1, 20)]


def test_the_key_names_the_account_without_its_secret():
    key = rate_limit_key("https://api.facilioo.de/", "Admin@Example.org")

    assert key == rate_limit_key("https://api.facilioo.de", "admin@example.org")
    assert key != rate_limit_key("https://api.facilioo.de", "other@example.org")
    assert "example" not in key
    assert key.startswith("connect:facilioo:ratelimit:")


def test_limiter_for_shares_one_local_limiter_per_account(settings):
    settings.REDIS_URL = None

    first = rate_limiter_for("http://x", "a@example.org", rate_per_s=5)
    second = rate_limiter_for("http://x", "a@example.org", rate_per_s=5)
    other = rate_limiter_for("http://x", "b@example.org", rate_per_s=5)

    assert first is second
    assert first is not other


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        parsed = urlparse(url)
        unavailable(f"Redis is not reachable at {parsed.hostname}:{parsed.port}")
    finally:
        client.close()
    return url


def test_redis_limiter_is_shared_across_instances(redis_url):
    # given: two limiters for one account, as two worker processes would hold them, with a
    # slot every 100 s, so the milliseconds that pass between the calls do not matter
    key = f"test:ratelimit:{uuid.uuid4().hex}"
    waits: list[float] = []
    limiters = [RedisRateLimiter(redis_url, key, 0.01, sleep=waits.append) for _ in range(2)]

    # when: 6 requests alternate between them
    for n in range(6):
        limiters[n % 2].acquire()

    # then: they kept one budget together: the first went at once, each other one waited
    # for its own slot, one interval after the one before
    assert [round(wait / 100) for wait in waits] == [1, 2, 3, 4, 5]
    for limiter in limiters:
        limiter.close()


def test_redis_limiter_waits_are_booked_atomically(redis_url):
    # given: two limiters of one account with a slot every 100 s and a burst of 2, so the
    # milliseconds that pass between the calls do not matter
    key = f"test:ratelimit:{uuid.uuid4().hex}"
    limiters = [RedisRateLimiter(redis_url, key, 0.01, burst=2) for _ in range(2)]
    waits: list[float] = []
    lock = threading.Lock()

    def book(limiter):
        for _ in range(3):
            wait = limiter.reserve()
            with lock:
                waits.append(wait)

    # when: 6 reservations race from two threads
    threads = [threading.Thread(target=book, args=(limiter,)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: the burst goes at once, and every other reservation got a slot of its own, one
    # interval after the one before (no two share a slot, none is skipped)
    ordered = sorted(waits)
    assert ordered[:2] == [0.0, 0.0]
    assert [round(wait / 100) for wait in ordered[2:]] == [1, 2, 3, 4]
    for limiter in limiters:
        limiter.close()


def test_redis_limiter_falls_back_to_local_when_redis_is_gone(caplog):
    limiter = RedisRateLimiter("redis://127.0.0.1:9/0", "test:ratelimit:gone", 1000)

    limiter.acquire()
    limiter.acquire()

    assert "Redis unreachable" in caplog.text
    limiter.close()


RESERVE_IN_ANOTHER_PROCESS = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings.base")
import django
django.setup()
from integrations.facilioo.ratelimit import rate_limiter_for
print(rate_limiter_for(sys.argv[1], sys.argv[2], rate_per_s=10, redis_url=sys.argv[3]).reserve())
"""


def reserve_in_another_process(redis_url: str, base_url: str, username: str) -> float:
    """One slot booked by a separate process (as a second Celery worker would)."""
    import subprocess
    import sys

    from tests.services import ROOT

    out = subprocess.run(
        [sys.executable, "-c", RESERVE_IN_ANOTHER_PROCESS, base_url, username, redis_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def test_each_account_keeps_its_own_budget_across_processes(redis_url):
    # given: customer A's account has booked thirty seconds of requests at 10/s in this worker
    base = f"https://facilioo.test/{uuid.uuid4().hex}"
    a = rate_limiter_for(base, "kunde-a@example.org", rate_per_s=10, redis_url=redis_url)
    for _ in range(300):
        a.reserve()
    # when: another worker process books one request for each account
    wait_a = reserve_in_another_process(redis_url, base, "kunde-a@example.org")
    wait_b = reserve_in_another_process(redis_url, base, "kunde-b@example.org")
    # then: A's request waits behind A's budget; B's goes at once (the fleet shares nothing)
    assert wait_a >= 15
    assert wait_b == 0.0


def test_runs_of_two_customers_use_the_limiters_of_their_own_accounts(db, settings, redis_url):
    import redis

    from connect.models import Customer
    from connect.selectors.credentials import facilioo_client_for
    from connect.services.credentials import facilioo_connection_set
    from integrations.facilioo.errors import FaciliooError

    settings.REDIS_URL = redis_url
    settings.FACILIOO_SANDBOX_URL = f"http://127.0.0.1:9/{uuid.uuid4().hex}"
    store = redis.Redis.from_url(redis_url)
    keys = {
        slug: rate_limit_key(settings.FACILIOO_SANDBOX_URL, f"{slug}@example.org")
        for slug in ("kunde-a", "kunde-b")
    }
    assert keys["kunde-a"] != keys["kunde-b"]
    booked = []
    for slug in ("kunde-a", "kunde-b"):
        customer = Customer.objects.create(name=slug, slug=slug)
        connection = facilioo_connection_set(
            customer=customer,
            actor=None,
            username=f"{slug}@example.org",
            password="geheim-1234",
            environment="sandbox",
        )
        # when: the customer's client sends one request (nobody answers)
        with (
            facilioo_client_for(connection=connection, max_retries=0) as client,
            pytest.raises(FaciliooError),
        ):
            client.test_connection()
        # then: it was booked in Redis under the customer's own account
        booked.append([bool(store.exists(key)) for key in keys.values()])
    assert booked == [[True, False], [True, True]]
    store.close()
