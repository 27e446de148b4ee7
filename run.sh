#!/usr/bin/env bash
# Set up this machine (first run) and start Connect · facilioo: portal, Celery worker and beat,
# and the facilioo sandbox, with a demo customer. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
.venv/bin/python manage.py seed_demo
exec .venv/bin/python manage.py serve "$@"
