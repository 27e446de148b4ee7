"""A request budget per facilioo account, shared by every worker that talks to that account.

Both limiters implement GCRA (the generic cell rate algorithm) as a reservation: each
``acquire()`` books the next free slot and sleeps until it comes, so concurrent callers queue
fairly without spinning. ``burst`` requests may go out at once after a quiet period.

- :class:`LocalRateLimiter` keeps the schedule in this process (threads share it);
- :class:`RedisRateLimiter` keeps it in Redis (one atomic Lua script on the server's clock), so
  every Celery worker process of every machine shares one budget per account.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def acquire(self) -> None:
        """Block until the caller may send one request."""


def rate_limit_key(base_url: str, username: str) -> str:
    """The Redis key of one facilioo account: a hash of address and user name, no secret in it."""
    account = f"{base_url.rstrip('/').lower()}\n{username.strip().lower()}"
    digest = hashlib.sha256(account.encode()).hexdigest()[:32]
    return f"connect:facilioo:ratelimit:{digest}"


class LocalRateLimiter:
    """In-process token bucket (GCRA), thread-safe."""

    def __init__(
        self,
        rate_per_s: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.rate_per_s = rate_per_s
        self._interval = 1.0 / rate_per_s
        self._tolerance = max(0, burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tat = -math.inf  # theoretical arrival time of the next request

    def reserve(self) -> float:
        """Book the next slot; return the seconds to wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(self._tat, now - self._tolerance)
            self._tat = slot + self._interval
            return max(0.0, slot - now)

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)


# KEYS[1]: the account's key. ARGV[1]: interval in microseconds, ARGV[2]: burst tolerance in
# microseconds. Returns the microseconds the caller has to wait for its slot.
_GCRA_LUA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(tat, now - tolerance)
local next_tat = slot + interval
local ttl_ms = math.max(1, math.ceil((next_tat + tolerance - now) / 1000)) + 1000
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', ttl_ms)
return math.max(0, slot - now)
"""


class RedisRateLimiter:
    """GCRA on Redis: one budget per account across processes and machines.

    If Redis cannot be reached the limiter falls back to an in-process limiter with the same
    rate (and logs a warning): a hiccup of the limiter must not fail a sync run.
    """

    def __init__(
        self,
        redis_url: str,
        key: str,
        rate_per_s: float,
        *,
        burst: int = 1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:

        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.key = key
        self.rate_per_s = rate_per_s
        self._interval_us = round(1_000_000 / rate_per_s)
        self._tolerance_us = max(0, burst - 1) * self._interval_us
        self._sleep = sleep
        self._redis: Any = redis.Redis.from_url(
            redis_url, socket_timeout=5, socket_connect_timeout=5
        )
        self._script: Any = self._redis.register_script(_GCRA_LUA)
        self._fallback = LocalRateLimiter(rate_per_s, burst=burst, sleep=sleep)
        self._warned = False

    def reserve(self) -> float:

        try:
            wait_us = int(
                self._script(keys=[self.key], args=[self._interval_us, self._tolerance_us])
            )
        except redis.RedisError as exc:
            if not self._warned:
                logger.warning(
                    "facilioo rate limiter: Redis unreachable, limiting in this process only",
                    extra={"error": type(exc).__name__},
                )
                self._warned = True
            return self._fallback.reserve()
        return wait_us / 1_000_000

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)

    def close(self) -> None:
        self._redis.close()


# One limiter per account and process: clients of the same account share it (and its Redis pool).
_limiters: dict[tuple[str, str, float], RateLimiter] = {}
_limiters_lock = threading.Lock()


def rate_limiter_for(
    base_url: str,
    username: str,
    *,
    rate_per_s: float | None = None,
    redis_url: str | None = None,
) -> RateLimiter:
    """The limiter of one facilioo account: in Redis when REDIS_URL is set, else per process.

    Defaults come from the settings ``FACILIOO_REQUESTS_PER_SECOND`` and ``REDIS_URL``.
    Limiters are shared by all clients of the same account in this process.
    """

    rate = rate_per_s if rate_per_s is not None else float(settings.FACILIOO_REQUESTS_PER_SECOND)
    url = redis_url if redis_url is not None else getattr(settings, "REDIS_URL", None)
    key = rate_limit_key(base_url, username)
    with _limiters_lock:
        limiter = _limiters.get((url or "", key, rate))
        if limiter is None:
            limiter = RedisRateLimiter(url, key, rate) if url else LocalRateLimiter(rate)
            _limiters[(url or "", key, rate)] = limiter
        return limiter
