"""One vocabulary: the main pages in German show words, never the codes the product stores.

Each page is rendered for a German reader and its visible text (without scripts, styles and
what is marked as a technical name or a sample with <code> or <pre>) is searched for what a
person should not have to decode: snake_case and dotted codes, Python lists and dicts,
True/False/None, cron strings, ISO timestamps and the English trigger and phase codes.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from connect.models import AuditLog, SyncRunItem, UseCaseActivation
from integrations.models import Reconciliation, ReconciliationFinding
from tests.factories import UserFactory, sync_run

RAW = {
    "snake_case code": re.compile(r"\b[A-Za-z]+_[A-Za-z_]+\b"),
    "dotted code": re.compile(r"(?<![@\w.])[a-z_]+\.[a-z_]+(\.[a-z_]+)*\b(?!@)"),
    "Python list or dict": re.compile(r"[\[{]'|'[\]}]"),
    "Python literal": re.compile(r"\b(True|False|None)\b"),
    "cron string": re.compile(r"\d+ \d+ \* \* "),
    "ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}(?!\d)"),
    "English code": re.compile(r"\b(manual|schedule|done|api|succeeded|failed|queued)\b"),
}


class VisibleText(HTMLParser):
    SKIP = {"script", "style", "code", "pre", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def raw_codes(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        for name, pattern in RAW.items():
            match = pattern.search(line)
            if match:
                found.append(f"{name}: {match.group(0)!r} in {line[:120]!r}")
    return found


@pytest.fixture
def story(tenancy):
    """A customer with what the pages show: a schedule, a run with a log, audit entries, a
    reconciliation with a finding, and support staff."""
    customer = tenancy.a
    UseCaseActivation.objects.create(
        customer=customer,
        use_case="stammdaten",
        enabled=True,
        settings={"separator": "-", "mandanten": ["1000", "2000"], "default_tenant_id": 1},
    )
    run = sync_run(customer, status="warning", counts={"parties": {"created": 2, "skipped": 1}})
    SyncRunItem.objects.create(
        run=run,
        customer=customer,
        entity="parties",
        action="skipped",
        reason="no_email",
        message="Mieter hat keine E-Mail-Adresse.",
        erp_key="person 1000/P0001",
        external_id="1000-P0001",
    )
    AuditLog.objects.create(
        customer=customer,
        customer_name=customer.name,
        actor=tenancy.admin_a,
        actor_name=tenancy.admin_a.username,
        action="usecase.stammdaten.enable",
        object_type="UseCaseActivation",
        changes={"mandanten": [["1000"], ["1000", "2000"]], "enabled": [False, True]},
        via="portal",
    )
    AuditLog.objects.create(
        customer=customer,
        customer_name=customer.name,
        actor=tenancy.admin_a,
        actor_name=tenancy.admin_a.username,
        action="run.start",
        object_type="SyncRun",
        object_id=str(run.pk),
        changes={"use_case": [None, "stammdaten"], "dry_run": [None, False]},
        via="api",
    )
    reconciliation = Reconciliation.objects.create(
        customer=customer,
        use_case="stammdaten",
        trigger="manual",
        status="succeeded",
        counts={"changed": 1, "gone": 0, "unknown": 0},
    )
    ReconciliationFinding.objects.create(
        reconciliation=reconciliation,
        customer=customer,
        kind="changed",
        entity="parties",
        natural_key="person\x1f1000\x1fP0001",
        erp_key="person 1000/P0001",
        external_id="1000-P0001",
        facilioo_id=101,
        fields={"lastName": {"sent": "Schäfer", "live": "Schaefer"}},
    )
    return {"run": run, "reconciliation": reconciliation, "support": UserFactory(is_support=True)}


CUSTOMER_PAGES = [
    "/c/alpha/",
    "/c/alpha/usecases/stammdaten/",
    "/c/alpha/runs/",
    "/c/alpha/runs/{run}/",
    "/c/alpha/audit/",
    "/c/alpha/reconciliations/",
    "/c/alpha/reconciliations/{reconciliation}/",
    "/c/alpha/members/",
    "/c/alpha/facilioo/",
    "/c/alpha/usecases/dokumente/",
    "/c/alpha/records/parties/1000/P0001/",
    "/c/alpha/erp/",
    "/c/alpha/mapping/",
]
SUPPORT_PAGES = ["/support/", "/support/audit/", "/support/records/?q=1000-P0001"]


def test_the_main_pages_show_words_not_codes(client, tenancy, story):
    found = []
    ids = {"run": story["run"].pk, "reconciliation": story["reconciliation"].pk}
    for user, pages in ((tenancy.admin_a, CUSTOMER_PAGES), (story["support"], SUPPORT_PAGES)):
        client.force_login(user)
        for page in pages:
            url = page.format(**ids)
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
            assert response.status_code == 200, url
            found += [f"{url}: {problem}" for problem in raw_codes(visible_text(response.text))]
    assert not found, "\n".join(found)


def test_the_checker_finds_what_it_looks_for():
    # the patterns themselves: each kind is caught, ordinary German text is not
    for raw in [
        "Grund: no_email",
        "usecase.dokumente.enable",
        "['1000', '2000']",
        "{'3000/0001': 2}",
        "aktiv: True",
        "0 2 * * tue,thu,sun (Europe/Berlin)",
        "seit 2026-12-07T01:00",
        "Auslöser: manual",
    ]:
        assert raw_codes(raw), raw
    assert not raw_codes("Mieter hat keine E-Mail-Adresse. (renate.vogel@example.de) 07.12.2026")
