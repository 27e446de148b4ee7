"""The pictures of docs/ui.md (``docs/img/*-after.png``), taken in Chromium.

Run by hand, not in CI, with PostgreSQL and Redis as for the browser tests::

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m tooling.docs_pictures

It runs the browser tests that show those pages with ``DOCS_PICTURES`` naming the folder: each
test checks its page as always and, on the way, saves the part of the page the docs show
(fixture ``docs_picture`` in ``tests/browser/conftest.py``). A failing test makes the script
fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "docs" / "img"

# picture -> the browser test that takes it
PICTURES = {
    "chart-after": "tests/browser/test_chart.py::test_the_dashboard_chart_draws_its_bars_in_german",
    "inspector-after": (
        "tests/browser/test_inspector.py"
        "::test_inspector_shows_the_e_mail_that_was_sent_in_german_words"
    ),
    "probe-after": (
        "tests/browser/test_facilioo_page.py"
        "::test_probe_page_offers_the_customers_projects_before_stammdaten"
    ),
    "settings-after": "tests/browser/test_journey.py::test_the_whole_journey",
    "schedule-after": "tests/browser/test_shell.py::test_the_schedule_picker_reads_as_one_line",
}


def main() -> int:
    env = {**os.environ, "DOCS_PICTURES": str(FOLDER), "REQUIRE_SERVICES": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-q", *PICTURES.values()]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    for name in PICTURES:
        print(FOLDER / f"{name}.png")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
