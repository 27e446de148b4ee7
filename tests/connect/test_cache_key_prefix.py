"""CACHE_KEY_PREFIX: installations sharing one Redis database keep their run locks apart."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.services import ROOT, redis_url

pytestmark = [pytest.mark.services, pytest.mark.slow]

# Takes the run lock of run 1 (as a worker does) and prints whether it got it.
TAKE_LOCK = (
    "import django; django.setup(); "
    "from django.core.cache import cache; "
    "from connect.services.sync_logs import run_lock_key; "
    "print(cache.add(run_lock_key(1), '1', timeout=60))"
)


def take_run_lock(url: str, prefix: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connect.settings.base",
        "REDIS_URL": url,
        "CACHE_KEY_PREFIX": prefix,
    }
    result = subprocess.run(
        [sys.executable, "-c", TAKE_LOCK], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_run_1_of_one_installation_does_not_lock_run_1_of_another(tmp_path):
    url = redis_url()
    first, second = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    # given: installation a holds the lock of its run 1
    assert take_run_lock(url, first) == "True"
    # when / then: installation b, on the same Redis database, still gets the lock of its run 1
    assert take_run_lock(url, second) == "True"
    # and: within one installation the lock still holds
    assert take_run_lock(url, first) == "False"
