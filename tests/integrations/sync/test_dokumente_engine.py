"""The Dokumente engine end to end: demo ERP → our client → the sandbox server over HTTP.

Stammdaten runs first in each test, so the parties, contracts, units and properties that
documents hang on exist in the sandbox.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from datetime import date
from typing import Any

import pytest

from connect.models import Customer, SyncRun
from connect.services.run_ledger import OrmRunLedger
from integrations.erp.demo.connector import DemoConnector
from integrations.erp.edited import EditedConnector
from integrations.erp.records import Dokument, StreamItem
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooTransientError
from integrations.models import ExternalLink
from integrations.reasons import ATTENTION_REASONS
from integrations.sync.streams.dokumente import DokumenteSync
from integrations.sync.streams.stammdaten import StammdatenSync
from integrations.sync.types import DokumenteSettings, StammdatenSettings
from integrations.usecases import UseCase
from tests.factories import run_engine, running_run
from tooling.sandbox.testing import running_sandbox

TODAY = date(2026, 11, 25)
DEMO = DemoConnector(units=40, seed=1)
MANDANTEN = frozenset(m.mandant_nr for m in DEMO.list_mandanten())
READS = {"POST /api/auth/login", "GET /api/file-types"}


def documents(connector: Any = DEMO) -> list[Dokument]:
    read = connector.read(UseCase.DOKUMENTE, mandanten=MANDANTEN)
    return [item for item in read if isinstance(item, Dokument)]


def content(doc: Dokument) -> bytes:
    with doc.open() as stream:
        return stream.read()


def with_bytes(doc: Dokument, data: bytes) -> Dokument:
    return dataclasses.replace(doc, size=len(data), opener=functools.partial(io.BytesIO, data))


@pytest.fixture
def sandbox():
    with running_sandbox(seed=True) as handle:
        yield handle


@pytest.fixture
def customer(db, sandbox):
    customer = Customer.objects.create(name="Musterstadt Wohnen", slug="musterstadt")
    run = _run(customer, "stammdaten")
    with _client(sandbox) as client:
        run_engine(
            run,
            StammdatenSync(
                ledger=OrmRunLedger(run),
                client=client,
                connector=DEMO,
                today=TODAY,
                settings=StammdatenSettings(
                    separator="-", mandanten=MANDANTEN, default_tenant_id=1
                ),
            ),
        )
    return customer


def _run(customer: Customer, use_case: str, *, dry_run: bool = False) -> SyncRun:
    return running_run(customer, use_case, dry_run=dry_run)


def _client(sandbox: Any) -> FaciliooClient:
    return FaciliooClient(
        sandbox.url, sandbox.email, sandbox.password, workers=4, sleep=lambda _s: None
    )


def sync(customer, sandbox, *, connector=DEMO, dry_run=False, **settings):
    run = _run(customer, "dokumente", dry_run=dry_run)
    sandbox.reset_counters()
    brake = settings.pop("safety_brake_percent", 20)
    with _client(sandbox) as client:
        engine = DokumenteSync(
            ledger=OrmRunLedger(run),
            client=client,
            connector=connector,
            today=TODAY,
            settings=DokumenteSettings(
                separator=settings.pop("separator", "-"), mandanten=MANDANTEN, **settings
            ),
            safety_brake_percent=brake,
        )
        run = run_engine(run, engine)
    return run, engine.counts, sandbox.counters()


def assert_only_demo_warnings(run) -> None:
    """No record failed; the run ends as a warning only because of the demo's documents that
    name a record facilioo does not have (as every full run of the demo export does)."""
    assert not run.items.filter(action="failed").exists()
    attention = run.items.filter(action="skipped", reason__in=ATTENTION_REASONS)
    assert set(attention.values_list("reason", flat=True)) == {"missing_reference"}
    assert run.status == "warning"


def live(sandbox, entity):
    return [r for r in sandbox.state.records(entity) if not r.get("deleted")]


def by_external_id(sandbox, entity):
    return {r["externalId"]: r for r in live(sandbox, entity)}


def routes(counters, prefix: str) -> int:
    return sum(n for route, n in counters["by_route"].items() if route.startswith(prefix))


def test_folders_keep_their_tree_parents_first(customer, sandbox):
    # when
    _, counts, _ = sync(customer, sandbox)
    # then: every ERP folder is a group whose parent is the group of its ERP parent
    folders = [
        item
        for item in DEMO.read(UseCase.DOKUMENTE, mandanten=MANDANTEN)
        if type(item).__name__ == "Ordner"
    ]
    groups = by_external_id(sandbox, "document-groups")
    assert len(groups) == len(folders) == counts.by_entity["document-groups"]["created"]
    for folder in folders:
        group = groups[f"{folder.mandant_nr}-{folder.ordner_id}"]
        if folder.parent_id is None:
            assert group["parentId"] is None
        else:
            assert group["parentId"] == groups[f"{folder.mandant_nr}-{folder.parent_id}"]["id"]


def test_documents_reach_each_reference_level_with_their_bytes(customer, sandbox):
    # when
    run, counts, _ = sync(customer, sandbox)
    # then: released documents with a facilioo target arrived, linked to exactly one record
    docs = {f"{d.mandant_nr}-{d.dokument_id}": d for d in documents()}
    arrived = by_external_id(sandbox, "documents")
    assert len(arrived) == counts.by_entity["documents"]["created"] > 0
    properties = {r["id"]: r for r in live(sandbox, "properties")}
    units = {r["id"]: r for r in live(sandbox, "units")}
    contracts = {r["id"]: r for r in live(sandbox, "unit-contracts")}
    parties = {r["id"]: r for r in live(sandbox, "parties")}
    levels = set()
    for external_id, record in arrived.items():
        doc = docs[external_id]
        targets = [f for f in ("propertyId", "unitId", "contractId", "partyId") if record[f]]
        assert len(targets) == 1, record
        levels.add(targets[0])
        if doc.person_nr:
            assert f"{doc.mandant_nr}-{doc.person_nr}" in parties[record["partyId"]]["externalIds"]
        elif doc.vertrag_nr:
            contract_id = contracts[record["contractId"]]["externalId"]
            unit = f"{doc.mandant_nr}-{doc.we_nr}-{doc.gebaeude_nr}-{doc.einheit_nr}"
            assert contract_id.startswith(f"{unit}-{doc.vertrag_nr}-")
        elif doc.einheit_nr:
            unit_id = f"{doc.mandant_nr}-{doc.we_nr}-{doc.gebaeude_nr}-{doc.einheit_nr}"
            assert units[record["unitId"]]["externalId"] == unit_id
        else:
            property_id = f"{doc.mandant_nr}-{doc.we_nr}-{doc.gebaeude_nr}"
            assert properties[record["propertyId"]]["externalId"] == property_id
        assert sandbox.state.file_content(record["fileId"]) == content(doc)
    assert levels == {"propertyId", "unitId", "contractId", "partyId"}
    # and: WE-only documents are skipped with their reason, nothing else is lost
    we_only = [d for d in docs.values() if d.freigegeben and d.we_nr and not d.gebaeude_nr]
    assert run.items.filter(reason="we_only").count() == len(we_only) > 0
    assert "Wirtschaftseinheit" in run.items.filter(reason="we_only").first().message
    skipped = run.items.filter(entity="documents", action="skipped").count()
    filtered = counts.by_entity["documents"].get("skipped_not_released", 0)
    assert len(arrived) + skipped + filtered == len(docs)


def test_a_document_of_a_person_stammdaten_did_not_sync_is_missing_reference(customer, sandbox):
    # given: a person without e-mail address is not a facilioo party
    run, _counts, _ = sync(customer, sandbox)
    # then
    missing = run.items.filter(entity="documents", reason="missing_reference")
    synced_parties = set(
        ExternalLink.objects.filter(entity="parties").values_list("natural_key", flat=True)
    )
    expected = [
        d
        for d in documents()
        if d.freigegeben
        and d.person_nr
        and f"person\x1f{d.mandant_nr}\x1f{d.person_nr}" not in synced_parties
    ]
    person_docs = {f"dokument {d.mandant_nr}/{d.dokument_id}" for d in documents() if d.person_nr}
    missing_person_docs = {m.erp_key for m in missing if m.erp_key in person_docs}
    assert missing_person_docs == {f"dokument {d.mandant_nr}/{d.dokument_id}" for d in expected}
    assert expected
    assert "fehlt in facilioo" in missing.first().message


@pytest.mark.parametrize(("delta", "synced"), [(0, True), (-1, False)])
def test_size_limit_just_below_and_above(customer, sandbox, delta, synced):
    # given: the limit at the size of one document, or one byte below it
    target = next(d for d in documents() if d.freigegeben and d.einheit_nr)
    big = with_bytes(target, content(target) + b"%" * 5000)

    def never_opened() -> Any:
        raise AssertionError("a too large document must not be read")

    def edit(item: StreamItem) -> StreamItem:
        if isinstance(item, Dokument) and item.key == target.key:
            return big if synced else dataclasses.replace(big, opener=never_opened)
        return item

    # when
    run, _counts, _ = sync(
        customer, sandbox, connector=EditedConnector(DEMO, edit), max_bytes=big.size + delta
    )
    # then
    external_id = f"{target.mandant_nr}-{target.dokument_id}"
    assert (external_id in by_external_id(sandbox, "documents")) is synced
    too_large = run.items.filter(reason="too_large")
    assert too_large.count() == (0 if synced else 1)
    if not synced:
        assert too_large.get().erp_key == f"dokument {target.mandant_nr}/{target.dokument_id}"


def _archive(d: Dokument) -> bool:
    return d.archiv == "Mietverträge"


def _keyword(d: Dokument) -> bool:
    return "zähler" in (d.bemerkung or "").casefold()


def _dated(d: Dokument) -> bool:
    return d.datum is not None and d.datum >= date(2020, 1, 1)


@pytest.mark.parametrize(
    ("settings", "reason", "passes"),
    [
        ({}, "not_released", lambda d: d.freigegeben),
        ({"archives": frozenset({"Mietverträge"})}, "filtered_archive", _archive),
        ({"keywords": ("Zähler",)}, "filtered_keyword", _keyword),
        ({"dated_from": date(2020, 1, 1)}, "filtered_date", _dated),
    ],
)
def test_each_filter_counts_and_keeps_out_what_it_filters(
    customer, sandbox, settings, reason, passes
):
    # when
    run, counts, _ = sync(customer, sandbox, **settings)
    # then: counted per reason, not logged; no filtered document is in facilioo
    released = [d for d in documents() if d.freigegeben or reason == "not_released"]
    filtered = [d for d in released if not passes(d)]
    assert counts.by_entity["documents"][f"skipped_{reason}"] == len(filtered) > 0
    assert not run.items.filter(reason=reason).exists()
    arrived = by_external_id(sandbox, "documents")
    assert not {f"{d.mandant_nr}-{d.dokument_id}" for d in filtered} & set(arrived)
    assert arrived


def test_an_unchanged_second_run_makes_no_request_beyond_login_and_reading(customer, sandbox):
    sync(customer, sandbox)
    # when
    _run2, counts, counters = sync(customer, sandbox)
    # then
    assert set(counters["by_route"]) <= READS, counters["by_route"]
    assert counts.total("created") == counts.total("updated") == 0
    assert counts.by_entity["documents"]["unchanged"] > 0


def test_a_changed_pdf_is_uploaded_once_and_the_document_patched(customer, sandbox):
    sync(customer, sandbox)
    target = next(d for d in documents() if d.freigegeben and d.gebaeude_nr and not d.vertrag_nr)
    new_bytes = content(target).replace(b"%%EOF", b"% neue Fassung\n%%EOF")
    edited = EditedConnector(
        DEMO,
        lambda item: (
            with_bytes(item, new_bytes)
            if isinstance(item, Dokument) and item.key == target.key
            else item
        ),
    )
    # when
    run, _counts, counters = sync(customer, sandbox, connector=edited)
    # then: one new file, one upload, one patched document, the old file deleted
    assert counters["by_route"].get("POST /api/files") == 1
    assert counters["by_route"].get("PUT /_storage/{token}") == 1
    assert counters["by_route"].get("PATCH /api/documents/{id}") == 1
    assert counters["by_route"].get("DELETE /api/files/{id}") == 1
    assert routes(counters, "POST /api/documents") == 0
    record = by_external_id(sandbox, "documents")[f"{target.mandant_nr}-{target.dokument_id}"]
    assert sandbox.state.file_content(record["fileId"]) == new_bytes
    written = run.items.filter(entity="documents", action__in=("created", "updated"))
    assert [(w.action, w.erp_key) for w in written] == [
        ("updated", f"dokument {target.mandant_nr}/{target.dokument_id}")
    ]
    # when: the next run sees no change
    _run3, _c3, counters3 = sync(customer, sandbox, connector=edited)
    assert set(counters3["by_route"]) <= READS


def test_changed_metadata_patches_the_document_without_upload(customer, sandbox):
    sync(customer, sandbox)
    target = next(d for d in documents() if d.freigegeben and d.einheit_nr)
    edited = EditedConnector(
        DEMO,
        lambda item: (
            dataclasses.replace(item, titel="Neuer Titel")
            if isinstance(item, Dokument) and item.key == target.key
            else item
        ),
    )
    # when
    _run2, _counts, counters = sync(customer, sandbox, connector=edited)
    # then
    assert counters["by_route"].get("PATCH /api/documents/{id}") == 1
    assert routes(counters, "PUT") == routes(counters, "POST /api/files") == 0
    record = by_external_id(sandbox, "documents")[f"{target.mandant_nr}-{target.dokument_id}"]
    assert record["title"] == "Neuer Titel"


def test_an_expired_upload_url_is_asked_for_again_once_then_converges(customer, sandbox):
    # given: every upload URL has expired by the time the bytes arrive
    sandbox.control(upload_url_lifetime=0)
    # when
    run, counts, counters = sync(customer, sandbox)
    # then: per file a second URL was asked for once; no document without its bytes
    files = counts.by_entity["files"]["created"]
    assert counters["by_route"]["PUT /api/files/{id}/upload"] == 2 * files > 0
    assert counters["by_route"]["PUT /_storage/{token}"] == 2 * files
    assert not live(sandbox, "documents")
    assert run.items.filter(entity="documents", action="failed").count() == files
    # when: URLs live long enough again
    sandbox.control(upload_url_lifetime=900)
    _run2, counts2, _ = sync(customer, sandbox)
    # then: the files created before get their bytes; no second file per document
    assert counts2.by_entity["files"].get("created", 0) == 0
    _assert_converged(sandbox, customer)


def test_injected_upload_faults_converge_to_every_document_exactly_once(customer, sandbox):
    # given: errors and connections dropped after the request took effect
    sandbox.control(
        error_rate=0.15, drop_rate=0.15, drop_mode="after", seed=11, fault_skip_auth=True
    )
    # when: runs until one gets through
    for _attempt in range(10):
        try:
            sync(customer, sandbox)
        except FaciliooTransientError:
            continue
    sandbox.control(error_rate=0.0, drop_rate=0.0)
    sync(customer, sandbox)
    # then
    _assert_converged(sandbox, customer)
    _run, _counts, counters = sync(customer, sandbox)
    assert set(counters["by_route"]) <= READS


def _assert_converged(sandbox, customer) -> None:
    docs = {f"{d.mandant_nr}-{d.dokument_id}": d for d in documents()}
    arrived = live(sandbox, "documents")
    external_ids = [r["externalId"] for r in arrived]
    assert len(external_ids) == len(set(external_ids))
    expected = ExternalLink.objects.filter(
        customer=customer, entity="documents", deleted=False
    ).count()
    assert len(arrived) == expected > 0
    file_ids = [r["fileId"] for r in arrived]
    assert len(file_ids) == len(set(file_ids))  # no file linked twice
    assert len(live(sandbox, "files")) == len(arrived)  # no orphan file
    for record in arrived:
        assert sandbox.state.file_content(record["fileId"]) == content(docs[record["externalId"]])


def test_a_document_gone_from_the_erp_is_deleted_with_its_file(customer, sandbox):
    sync(customer, sandbox)
    gone = next(d for d in documents() if d.freigegeben and d.einheit_nr)
    external_id = f"{gone.mandant_nr}-{gone.dokument_id}"
    file_id = by_external_id(sandbox, "documents")[external_id]["fileId"]
    edited = EditedConnector(
        DEMO, lambda item: None if isinstance(item, Dokument) and item.key == gone.key else item
    )
    # when
    run, _counts, counters = sync(customer, sandbox, connector=edited)
    # then
    assert external_id not in by_external_id(sandbox, "documents")
    assert sandbox.state.get("files", file_id)["deleted"]
    assert counters["by_route"]["DELETE /api/documents/{id}"] == 1
    assert (
        run.items.get(action="deleted").erp_key == f"dokument {gone.mandant_nr}/{gone.dokument_id}"
    )


def test_dry_run_writes_nothing_and_reports_what_it_would_do(customer, sandbox):
    # when
    run, counts, counters = sync(customer, sandbox, dry_run=True)
    # then
    assert counts.by_entity["documents"]["created"] > 0
    assert counts.by_entity["document-groups"]["created"] > 0
    writes = [r for r in counters["by_route"] if r.split()[0] in {"PATCH", "PUT", "DELETE"}]
    posts = [r for r in counters["by_route"] if r.startswith("POST") and "/search" not in r]
    assert writes == []
    assert posts == ["POST /api/auth/login"]
    assert not live(sandbox, "documents")
    assert not live(sandbox, "files")
    assert run.items.filter(entity="documents", action="created").exists()
    assert not ExternalLink.objects.filter(entity__in=("documents", "files")).exists()


def test_a_separator_change_rewrites_every_external_id_without_duplicates_or_uploads(
    customer, sandbox
):
    # given: documents synced with "-"
    run, _counts, _ = sync(customer, sandbox)
    assert_only_demo_warnings(run)
    entities = ("document-groups", "files", "documents")
    before = {e: sorted(r["id"] for r in live(sandbox, e)) for e in entities}
    assert all(before.values())
    # when: the separator becomes "_"
    run, counts, counters = sync(customer, sandbox, separator="_")
    # then: the same records under new externalIds; nothing created, no byte uploaded again
    assert_only_demo_warnings(run)
    assert counts.total("created") == 0
    assert routes(counters, "PUT /_storage/") == 0
    for entity in entities:
        records = live(sandbox, entity)
        assert sorted(r["id"] for r in records) == before[entity], entity
        assert all("_" in r["externalId"] and "-" not in r["externalId"] for r in records), entity


def test_a_document_deleted_in_facilioo_with_a_held_title_comes_back_with_the_erp_title(
    customer, sandbox
):
    """ "facilioo behält" leaves a field out of updates; a record facilioo no longer has is
    created again whole (a document without its title is refused)."""
    from integrations.models import FieldHold
    from integrations.sync.dokumente_bodies import document_title

    sync(customer, sandbox)
    link = ExternalLink.objects.filter(customer=customer, entity="documents").order_by("id")[0]
    FieldHold.objects.create(
        customer=customer, entity="documents", natural_key=link.natural_key, field="title"
    )
    with _client(sandbox) as client:
        client.delete(Entity.DOCUMENTS, link.facilioo_id)
    key = tuple(link.natural_key.split("\x1f"))
    edited = EditedConnector(
        DEMO,
        lambda r: (
            dataclasses.replace(r, bemerkung="Neu im ERP")
            if isinstance(r, Dokument) and r.key == key
            else r
        ),
    )
    doc = next(d for d in documents() if d.key == key)
    # when: the ERP changes the document, whose facilioo record is gone
    run, _counts, _ = sync(customer, sandbox, connector=edited)
    # then: it is created again, with the title from the ERP and the new description
    assert_only_demo_warnings(run)
    again = ExternalLink.objects.get(pk=link.pk)
    assert again.facilioo_id != link.facilioo_id
    live = sandbox.state.get("documents", again.facilioo_id)
    assert live["title"] == document_title(doc)
    assert live["description"] == "Neu im ERP"
