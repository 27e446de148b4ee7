"""One language per page: the English portal shows no German, the German portal no English.

A customer admin and a support person walk the pages they visit, with data on every page (a
synced customer, a run that failed and one with warnings, an alert, audit entries, a
reconciliation, the record inspector, the ERP page, the mapping screen of three suggested
samples, the facilioo page and its probe, the settings pages and the run log): once in English,
once in German. Each page's visible text is searched
for frequent words of the other language. Proper names, the ERP's data and facilioo's own words
(quoted after a translated sentence) are data, not interface, and are taken out first.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from connect.models import (
    Customer,
    ErpSample,
    FaciliooConnection,
    Role,
    RunStatus,
    SampleAction,
    SyncRun,
)
from connect.selectors.erp_sources import connector_for_customer
from connect.services.alerts import alerts_after_run
from connect.services.credentials import facilioo_connection_test
from connect.services.erp_samples import erp_sample_process, erp_sample_store
from connect.services.reconciliations import reconciliation_create, reconciliation_execute
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import (
    ItemRecord,
    sync_run_create,
    sync_run_items_record,
    sync_run_reap_stale,
)
from integrations.erp.file import format as fmt
from integrations.erp.profiles.examples import EXAMPLE_NAMES, example_sample
from integrations.facilioo.client import FaciliooClient
from integrations.models import ExternalLink
from integrations.phrases import Phrase
from integrations.usecases import UseCase
from tests.browser.pages import log_in
from tests.factories import (
    MembershipFactory,
    UserFactory,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
    sync_run,
)

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]


# Frequent German words: function words, and the product's German nouns the English catalog
# translates (docs/ui.md, glossary). Any word with an umlaut or ß counts as German as well.
def _words(text: str) -> list[str]:
    return text.split()


GERMAN_WORDS = _words(
    "der die das dem den des und oder nicht ist sind wurde wurden werden wird für mit von vom "
    "zum zur bei beim auf aus nach kein keine keinen einer eines Sie Ihr Ihre bitte noch auch "
    "alle Lauf Laufs Datensatz Fehler Protokoll Einstellungen Abgleich Vorschau Zeitplan "
    "Mieter Einheit Verbindung Zugangsdaten erfolgreich fehlgeschlagen angelegt geändert "
    "Stammdaten Dokumente Mandant Mandanten Anwendungsfall Abmelden Sprache Benutzer"
)
UMLAUT_WORD = r"[A-Za-zÄÖÜäöüß]*[ÄÖÜäöüß][A-Za-zÄÖÜäöüß]*"
# Frequent English words a German page must not show ("was" is German as well).
ENGLISH_WORDS = _words(
    "the and not were run runs is are of to with for has have been this that from by "
    "records record failed skipped created updated error settings please your you which will "
    "would could should there log"
)
# Names, not words of either language: the language switch names the languages themselves.
PROPER_NAMES = ("Deutsch", "English", "Musterstadt Wohnen GmbH")
# Data quoted after a translated sentence (facilioo's own words, ERP examples): „…“ or “…”;
# and a URL's query parameters (?sync=stammdaten) named in a sentence: code, not words.
QUOTED = re.compile(r"„[^“]*“|“[^”]*”|\?[\w-]+=[\w,.-]+")


def detector(words: Iterable[str], *, umlauts: bool) -> re.Pattern[str]:
    alternatives = [re.escape(w) for w in words] + ([UMLAUT_WORD] if umlauts else [])
    return re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


GERMAN = detector(GERMAN_WORDS, umlauts=True)
ENGLISH = detector(ENGLISH_WORDS, umlauts=False)

# The page's visible text; what it shows as code (commands, paths) comes back apart: data.
VISIBLE_TEXT = """() => {
  const parts = [document.title, document.body.innerText];
  const code = [...document.querySelectorAll("pre, code")].map(e => e.innerText.trim());
  for (const e of document.querySelectorAll("input[type=submit], input[type=button]")) {
    if (e.checkVisibility()) parts.push(e.value);
  }
  for (const e of document.querySelectorAll("[placeholder]")) {
    if (e.checkVisibility()) parts.push(e.placeholder);
  }
  return {text: parts.join("\\n"), code: code};
}"""


@dataclass(frozen=True)
class World:
    customer: Customer
    admin: str
    support: str
    runs: list[int]
    reconciliations: list[int]
    record_path: str
    search: str
    projects: list[str]  # the names of the facilioo projects the account sees
    samples: list[int]  # suggested samples: the mapping screen


def data_values(customer: Customer, projects: Iterable[str]) -> set[str]:
    """What the pages show of the customer's data: the ERP's records, what was sent to
    facilioo, the records' keys, the facilioo projects' names and the probe's test values."""
    values: set[str] = set(PROPER_NAMES) | set(projects)
    connector = connector_for_customer(customer)
    try:
        for mandant in connector.list_mandanten():
            values.update(_strings(mandant))
        for use_case in (UseCase.STAMMDATEN, UseCase.DOKUMENTE):
            mandanten = [m.mandant_nr for m in connector.list_mandanten()]
            for item in connector.read(use_case, mandanten=mandanten):
                values.update(_strings(item))
    finally:
        connector.close()
    for link in ExternalLink.objects.filter(customer=customer):
        values.update({link.external_id, " ".join(link.natural_key.split("\x1f"))})
        values.update(_strings(link.sent_body))
    connection = FaciliooConnection.objects.get(customer=customer)
    for check in (connection.probe_result or {}).get("checks", []):
        values.update(_strings([check.get("sent"), check.get("got")]))
    values.update(mapping_data(customer))
    return values


def mapping_data(customer: Customer) -> set[str]:
    """What the mapping screen shows of a sample and of export v1: the sample's files, sheets,
    columns and values (a filter's role, what a code stands for), the v1 files and fields by
    their names."""
    values: set[str] = set(EXAMPLE_NAMES)
    for spec in fmt.FILES:
        values.add(spec.name)
        values.update(column.name for column in spec.columns)
    for sample in ErpSample.objects.filter(customer=customer):
        values.add(sample.original_name)
        for source, columns in (sample.result.get("sources") or {}).items():
            values.add(source)
            values.update(columns)
        draft = sample.result.get("draft") or {}
        for entity in (draft.get("entities") or {}).values():
            values.update(_strings(entity.get("filter") or []))
            for rule in (entity.get("fields") or {}).values():
                values.update(_strings(rule.get("codes") or {}))
    # Taken out of the text as substrings: a short code ("GE") would cut words apart.
    return {value for value in values if len(value) > 3}


def _strings(value: Any) -> Iterable[str]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, str):
        yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.fixture
def world(settings, transactional_db, tmp_path) -> Iterable[World]:
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(
            name="Musterstadt Wohnen GmbH", slug="musterstadt", demo_units=12
        )
        admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
        support = UserFactory(is_support=True)
        connect_to_sandbox(customer, sandbox)
        facilioo_connection_test(customer=customer, actor=admin)
        activate_stammdaten(customer)
        # a preview and a sync through the runner, as the portal starts them
        runs = []
        for dry_run in (True, False):
            run = sync_run_execute(
                run_id=sync_run_create(
                    customer=customer, use_case="stammdaten", trigger="manual", dry_run=dry_run
                ).pk
            )
            assert run.status in (RunStatus.SUCCEEDED, RunStatus.WARNING), run.error_message
            runs.append(run.pk)
        # a reconciliation after the sync
        reconciliation = reconciliation_execute(
            reconciliation_id=reconciliation_create(
                customer=customer, use_case="stammdaten", trigger="manual", actor=admin
            ).pk
        )
        # and one that fails: Dokumente is not set up
        failed_reconciliation = reconciliation_execute(
            reconciliation_id=reconciliation_create(
                customer=customer, use_case="dokumente", trigger="manual", actor=admin
            ).pk
        )
        assert failed_reconciliation.status == "failed"
        # a run with warnings: records skipped for reasons a person must act on
        warned = sync_run(customer, status=RunStatus.WARNING, counts={"parties": {"skipped": 2}})
        sync_run_items_record(
            run=warned,
            items=[
                ItemRecord(
                    entity="parties",
                    action="skipped",
                    erp_key="person 1000/P9001",
                    reason="no_email",
                    message=Phrase.reason("no_email"),
                ),
                ItemRecord(
                    entity="units",
                    action="skipped",
                    erp_key="einheit 1000/0001/01/099",
                    reason="missing_reference",
                    message=Phrase.reason_with("missing_reference", "1000/0001"),
                ),
            ],
        )
        alerts_after_run(run=warned)
        # a run whose worker went silent: the reaper fails it, the run-failed alert quotes it
        stale = sync_run_create(customer=customer, use_case="stammdaten", trigger="manual")
        SyncRun.objects.filter(pk=stale.pk).update(
            status=RunStatus.RUNNING,
            started_at=timezone.now() - timedelta(hours=2),
            heartbeat_at=timezone.now() - timedelta(hours=1),
        )
        assert sync_run_reap_stale(older_than=timedelta(minutes=15)) == [stale.pk]
        alerts_after_run(run=stale)
        runs += [warned.pk, stale.pk]
        tenant = ExternalLink.objects.filter(customer=customer, entity="parties").order_by("id")[0]
        with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
            projects = [str(t["name"]) for t in client.list_tenants()]
        # samples suggested on the ERP page, read by the worker: the mapping screen
        settings.MEDIA_ROOT = str(tmp_path / "media")
        samples = []
        for name in ("csv-je-datei", "personen-vertraege", "flach-vertragsbericht"):
            path = example_sample(name)
            sample = erp_sample_store(
                customer=customer,
                actor=admin,
                uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()),
                action=SampleAction.SUGGEST,
            )
            assert erp_sample_process(sample_id=sample.pk).status == "done"
            samples.append(sample.pk)
        yield World(
            customer=customer,
            admin=admin.username,
            support=support.username,
            runs=runs,
            reconciliations=[reconciliation.pk, failed_reconciliation.pk],
            record_path="/".join(tenant.natural_key.split("\x1f")[1:]),
            search=tenant.external_id,
            projects=projects,
            samples=samples,
        )


def admin_pages(world: World) -> list[str]:
    c = f"/c/{world.customer.slug}"
    return [
        f"{c}/",
        f"{c}/facilioo/",
        f"{c}/facilioo/probe/",
        f"{c}/usecases/stammdaten/",
        f"{c}/usecases/dokumente/",
        f"{c}/runs/",
        *[f"{c}/runs/{pk}/" for pk in world.runs],
        f"{c}/mapping/",
        f"{c}/members/",
        f"{c}/audit/",
        f"{c}/erp/",
        *[f"{c}/erp/samples/{pk}/" for pk in world.samples],
        f"{c}/records/parties/{world.record_path}/",
        f"{c}/reconciliations/",
        *[f"{c}/reconciliations/{pk}/" for pk in world.reconciliations],
        f"{c}/stammdaten/existing/",
        "/account/",
        "/account/2fa/",
    ]


def support_pages(world: World) -> list[str]:
    return ["/support/", f"/support/records/?q={world.search}", "/support/audit/", "/account/"]


def foreign_words(text: str, detect: re.Pattern[str], data: Iterable[str]) -> list[str]:
    """The other language's words in ``text``, each with some context; data taken out first."""
    for value in sorted((v for v in data if len(v) > 1), key=len, reverse=True):
        text = text.replace(value, " ")
    text = QUOTED.sub(" ", text)
    found = []
    for line in text.splitlines():
        for match in detect.finditer(line):
            found.append(f"{match.group(0)!r} in {line.strip()[:160]!r}")
    return found


def walk(
    page: Any, base: str, username: str, paths: list[str], language: str
) -> list[tuple[str, dict[str, Any]]]:
    """Log in, pick the language with the switch, open each page (the probe runs once)."""
    log_in(page, base, username)
    if page.locator("select[name=language]").input_value() != language:
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
    texts = []
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language, path
        if path.endswith("/facilioo/probe/"):
            page.click("#run-probe")
            page.wait_for_selector("#probe-state")
        texts.append((path, page.evaluate(VISIBLE_TEXT)))
    return texts


def check(
    texts: list[tuple[str, dict[str, Any]]], detect: re.Pattern[str], data: set[str]
) -> list[str]:
    problems = []
    for path, shown in texts:
        found = foreign_words(shown["text"], detect, data | set(shown["code"]))
        problems += [f"{path}: {word}" for word in found]
    return problems


@pytest.mark.parametrize(
    ("language", "locale", "detect"),
    [("en", "en-US", GERMAN), ("de", "de-DE", ENGLISH)],
    ids=["english-shows-no-german", "german-shows-no-english"],
)
def test_each_page_speaks_one_language(live_server, world, new_page, language, locale, detect):
    base = live_server.url
    texts = walk(new_page(locale=locale), base, world.admin, admin_pages(world), language)
    texts += walk(new_page(locale=locale), base, world.support, support_pages(world), language)
    problems = check(texts, detect, data_values(world.customer, world.projects))
    assert not problems, f"{len(problems)} words of the other language:\n" + "\n".join(problems)


def test_the_detector_finds_german_in_english_and_english_in_german():
    """The checks themselves: a German word on an English page is found, ERP data is not."""
    data = {"Lindenstraße 4", "1000-P0001"}
    assert foreign_words("Run failed: der Lauf", GERMAN, data) != []
    assert foreign_words("Skipped (Lindenstraße 4) for 1000-P0001", GERMAN, data) == []
    assert foreign_words("facilioo refused the record: „Feld ist Pflicht“", GERMAN, data) == []
    assert foreign_words("Übersprungen", GERMAN, data) != []
    assert foreign_words("Der Lauf ist fehlgeschlagen.", ENGLISH, data) == []
    assert foreign_words("Der Lauf the fehlgeschlagen.", ENGLISH, data) != []
