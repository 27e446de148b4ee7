#!/usr/bin/env bash
# Run the whole test suite. Extra arguments go to pytest (e.g. ./test.sh -k isolation).
# With REQUIRE_SERVICES=1, tests that need PostgreSQL, Redis, a Celery worker or Chromium fail
# instead of skipping when those are missing.
set -euo pipefail
cd "$(dirname "$0")"
SETUP_DATABASE=0 ./scripts/setup.sh
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
