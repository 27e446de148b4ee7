"""Playwright for Python driving Debian's Chromium (no browser download)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.services import CHROMIUM_ARGS, chromium_path, unavailable

# Screenshots of the browser journeys land here (the README points to it).
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "screenshots")
)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls of the
    # test itself (fixtures) are still synchronous and safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class AxeChecks:
    """axe-core (WCAG 2 A and AA rules) on every page a browser context shows.

    axe-core comes from the npm registry, installed by scripts/setup.sh into
    tests/browser/node_modules (pinned by package-lock.json); nothing is downloaded here. It is
    injected as an init script, outside the pages' Content Security Policy, and runs once each
    page has loaded; the result comes back through a binding. A page the test left before axe
    finished is opened again at the end and checked then.
    """

    def __init__(self) -> None:
        self.checked: set[str] = set()
        self.visited: list[str] = []
        self.violations: list[str] = []

    def attach(self, context: object) -> None:
        if not AXE.exists():
            unavailable(f"axe-core is not installed at {AXE} (run ./scripts/setup.sh)")
        context.expose_binding("__axeReport", self._report)  # type: ignore[attr-defined]
        context.add_init_script(path=str(AXE))  # type: ignore[attr-defined]
        context.add_init_script(script=AXE_ON_LOAD)  # type: ignore[attr-defined]
        context.on("response", self._response)  # type: ignore[attr-defined]

    def _response(self, response: object) -> None:
        request = response.request  # type: ignore[attr-defined]
        if (
            request.is_navigation_request()
            and request.method == "GET"
            and response.status == 200  # type: ignore[attr-defined]
            and "text/html" in (response.headers.get("content-type") or "")  # type: ignore[attr-defined]
            and request.frame.parent_frame is None
            and request.url not in self.visited
        ):
            self.visited.append(request.url)

    def _report(self, _source: object, url: str, found: list[dict[str, object]]) -> None:
        self.checked.add(url)
        for v in found:
            line = f"{url}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}"
            if line not in self.violations:
                self.violations.append(line)

    def finish(self, context: object) -> None:
        missed = [
            url
            for url in self.visited
            if url not in self.checked and not any(p in url for p in AXE_NEVER_REVISIT)
        ]
        if missed:
            page = context.new_page()  # type: ignore[attr-defined]
            for url in missed:
                page.goto(url)  # the init script checks it once loaded
                for _ in range(200):
                    if page.url in self.checked:  # type: ignore[attr-defined]
                        break
                    page.wait_for_timeout(50)  # type: ignore[attr-defined]
                else:
                    self.violations.append(f"{url}: axe-core did not finish")
        assert not self.violations, "axe-core (WCAG 2 A/AA):\n" + "\n".join(self.violations)


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# Opening these again would change the state the test left (log out).
AXE_NEVER_REVISIT = ("/logout/",)
AXE_RUN = """() => axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}})
  .then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  })))"""
# Beyond axe's rules: an id used twice (labels and links then point at the wrong element) and
# markup in the browser title (a template block that leaks HTML into <title>).
PAGE_CHECKS = """() => {
  const found = [];
  const seen = {};
  for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
  const twice = Object.keys(seen).filter(id => seen[id] > 1);
  if (twice.length) found.push({id: "duplicate-id", impact: "serious",
    help: "Jede id nur einmal", nodes: twice.map(id => "#" + id + " x" + seen[id])});
  if (/[<>]/.test(document.title)) found.push({id: "title-markup", impact: "serious",
    help: "Kein HTML im Seitentitel", nodes: [document.title]});
  return found;
}"""
AXE_ON_LOAD = f"""
if (window.top === window) {{
  window.addEventListener("load", () => setTimeout(() => {{
    ({AXE_RUN})().then(found => window.__axeReport(
      location.href, found.concat(({PAGE_CHECKS})())));
  }}, 0));
}}
"""


def checked_context(browser: object, **options: object) -> tuple[object, AxeChecks]:
    options.setdefault("locale", "de-DE")
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)  # type: ignore[attr-defined]
    checks = AxeChecks()
    checks.attach(context)
    return context, checks


@pytest.fixture
def new_page(browser: object) -> Iterator[Callable[..., object]]:
    """Pages in further browser contexts (another user), each checked with axe-core."""
    opened: list[tuple[object, AxeChecks]] = []

    def make(**options: object) -> object:
        context, checks = checked_context(browser, **options)
        opened.append((context, checks))
        page = context.new_page()  # type: ignore[attr-defined]
        page.set_default_timeout(15_000)
        return page

    yield make
    try:
        for context, checks in opened:
            checks.finish(context)
    finally:
        for context, _checks in opened:
            context.close()  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context, checks = checked_context(browser)
    page = context.new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(15_000)
    yield page
    try:
        checks.finish(context)
    finally:
        context.close()  # type: ignore[attr-defined]


@pytest.fixture
def screenshot(page: object, request: pytest.FixtureRequest):
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(step: str, target: object = None) -> Path:
        path = folder / f"{next(counter):02d}-{step}.png"
        (target or page).screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return take


# The pictures of docs/ui.md (docs/img), taken only when DOCS_PICTURES names a folder: the
# script tooling/docs_pictures.py runs the tests that show those pages with it set.
DOCS_PICTURES = os.environ.get("DOCS_PICTURES")


@pytest.fixture
def docs_picture() -> Callable[[str, object], None]:
    def take(name: str, target: object) -> None:
        if DOCS_PICTURES:
            target.screenshot(path=str(Path(DOCS_PICTURES) / f"{name}.png"))  # type: ignore[attr-defined]

    return take
