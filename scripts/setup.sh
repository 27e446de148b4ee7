#!/usr/bin/env bash
# Prepare this checkout: virtual environment, dependencies, database, translations, demo data.
# Safe to run again: every step is skipped or idempotent when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if [ ! -x .venv/bin/python ]; then
  echo "» virtual environment"
  "$PYTHON" -m venv .venv
fi

# Install only when pyproject.toml changed since the last install.
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "» dependencies"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# axe-core for the browser tests' accessibility checks, from the npm registry at install time
# (pinned by tests/browser/package-lock.json); the tests never download it.
if command -v npm >/dev/null 2>&1 && [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  echo "» axe-core (npm)"
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi

echo "» translations"
.venv/bin/python manage.py compile_translations

if [ "${SETUP_DATABASE:-1}" = "1" ]; then
  echo "» database"
  .venv/bin/python manage.py migrate --noinput -v 0
  .venv/bin/python manage.py setup_periodic_tasks
fi
