"""Steps every browser test takes."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD


def log_in(page: Any, base: str, username: str, *, lands_on: str | None = None) -> None:
    """Log in through the login form; wait for ``lands_on`` (a path) when given."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    if lands_on is not None:
        page.wait_for_url(f"{base}{lands_on}")
    else:
        page.wait_for_load_state()
