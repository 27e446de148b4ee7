"""Previews after a real sync, and runs that were interrupted and resumed, for both use cases.

Everything goes through the runner (activation settings, demo ERP, our client, the sandbox over
HTTP), as a run started from the portal, the API or the command line does.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Any

import pytest
from django.urls import reverse

from connect.models import Customer, FaciliooConnection, RunStatus, SyncRun, UseCaseActivation
from connect.models.customers import Role
from connect.services import runner
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.erp.edited import EditedConnector
from integrations.erp.records import Dokument, Einheit
from integrations.facilioo.errors import FaciliooTransientError
from integrations.usecases import UseCase
from tests.factories import MembershipFactory, activate_stammdaten, connect_to_sandbox
from tooling.sandbox.testing import SandboxHandle, running_sandbox

MANDANTEN = ["1000", "2000", "3000"]
ENTITIES = {
    "stammdaten": ("properties", "units", "parties", "unit-contracts"),
    "dokumente": ("document-groups", "files", "documents"),
}
WRITES = ("POST", "PATCH", "PUT", "DELETE")


def writes(counters: dict[str, Any]) -> int:
    return sum(
        n
        for route, n in counters["by_route"].items()
        if route.split()[0] in WRITES and "/search" not in route and "/auth/" not in route
    )


def ready(settings: Any, sandbox: SandboxHandle, *, slug: str, units: int = 30) -> Customer:
    """A customer on ``sandbox`` with Stammdaten and Dokumente switched on."""
    settings.FACILIOO_SANDBOX_URL = sandbox.url
    customer = Customer.objects.create(name=slug.title(), slug=slug, demo_units=units)
    connect_to_sandbox(customer, sandbox)
    activate_stammdaten(customer)
    UseCaseActivation.objects.create(
        customer=customer,
        use_case=UseCase.DOKUMENTE,
        enabled=True,
        settings={"separator": "-", "mandanten": MANDANTEN, "only_released": True, "max_mb": 50},
    )
    return customer


def run_now(customer: Customer, use_case: str, *, dry_run: bool = False, **options: Any) -> SyncRun:
    run = sync_run_create(customer=customer, use_case=use_case, trigger="manual", dry_run=dry_run)
    return sync_run_execute(run_id=run.pk, client_options={"workers": 2, **options})


def log_rows(run: SyncRun) -> Counter[tuple[str, str, str, str]]:
    return Counter(run.items.values_list("entity", "action", "erp_key", "reason"))


def external_ids(sandbox: SandboxHandle, use_case: str) -> dict[str, list[str]]:
    return {
        entity: sorted(
            str(r.get("externalId")) for r in sandbox.state.records(entity) if not r.get("deleted")
        )
        for entity in ENTITIES[use_case]
    }


def changed_counts(run: SyncRun) -> int:
    return sum(
        n
        for actions in run.counts.values()
        for action, n in actions.items()
        if action in ("created", "updated", "deleted", "terminated", "missing")
    )


@pytest.fixture
def sandbox() -> Any:
    with running_sandbox(seed=True) as handle:
        yield handle


# The demo's documents include some of tenants without e-mail, whose party is not in facilioo:
# they are skipped as missing_reference, so a Dokumente run (and its preview) ends as a warning.
CLEAN = {"stammdaten": RunStatus.SUCCEEDED, "dokumente": RunStatus.WARNING}


@pytest.mark.parametrize("use_case", ["stammdaten", "dokumente"])
def test_a_preview_after_a_real_sync_succeeds_writes_nothing_and_then_shows_one_change(
    db, settings, sandbox, use_case
):
    # given: a customer whose data was synced for real
    customer = ready(settings, sandbox, slug="vorschau")
    assert run_now(customer, "stammdaten").status == RunStatus.SUCCEEDED
    if use_case == "dokumente":
        assert run_now(customer, "dokumente").status == CLEAN["dokumente"]
    # when: a preview right afterwards
    sandbox.reset_counters()
    preview = run_now(customer, use_case, dry_run=True)
    # then: it ends as a clean run of its use case does, writes nothing and reports no change
    assert preview.status == CLEAN[use_case], preview.error_message
    assert writes(sandbox.counters()) == 0
    assert changed_counts(preview) == 0, preview.counts
    assert sum(n.get("unchanged", 0) for n in preview.counts.values()) > 0
    assert not preview.items.exclude(action="skipped").exists()
    # when: one record changes in the ERP (a unit's size; for Dokumente: its document's remark)
    entity = "units" if use_case == "stammdaten" else "documents"
    _change_one(customer, use_case)
    sandbox.reset_counters()
    preview = run_now(customer, use_case, dry_run=True)
    # then: exactly that change is shown, and still nothing is written
    assert preview.status == CLEAN[use_case], preview.error_message
    assert writes(sandbox.counters()) == 0
    assert changed_counts(preview) == 1, preview.counts
    assert preview.counts[entity]["updated"] == 1
    assert preview.items.filter(entity=entity, action="updated").count() == 1


def _change_one(customer: Customer, use_case: str) -> None:
    """From now on one record of this customer's ERP differs (see ``_edited_connector``)."""
    _EDITS[customer.pk] = use_case


_EDITS: dict[int, str] = {}


@pytest.fixture(autouse=True)
def _edited_connector(monkeypatch):
    """The customer's ERP with one record changed once a test asks for it (``_change_one``)."""
    real = runner.connector_for_customer

    def connector(customer: Customer) -> Any:
        base = real(customer)
        use_case = _EDITS.get(customer.pk)
        if use_case is None:
            return base
        chosen: dict[str, Any] = {}  # the key of the changed record, the same in every read

        def change(item: Any) -> Any:
            kind = Einheit if use_case == "stammdaten" else Dokument
            if not isinstance(item, kind):
                return item
            if "key" not in chosen and (kind is Einheit or (item.freigegeben and item.einheit_nr)):
                chosen["key"] = item.key
            if item.key != chosen.get("key"):
                return item
            if isinstance(item, Einheit):
                return dataclasses.replace(item, wohnflaeche=(item.wohnflaeche or 0) + 1)
            return dataclasses.replace(item, bemerkung=(item.bemerkung or "") + " neu")

        return EditedConnector(base, change)

    monkeypatch.setattr(runner, "connector_for_customer", connector)
    yield
    _EDITS.clear()


@pytest.mark.parametrize(
    ("use_case", "fault_path"),
    [("stammdaten", "/api/units"), ("dokumente", "/api/documents")],
)
def test_a_batch_that_fails_midway_resumes_to_the_counts_and_log_of_a_clean_run(
    db, settings, use_case, fault_path
):
    # given: the clean run of the same portfolio into its own sandbox, as the reference
    with running_sandbox(seed=True) as clean_box:
        clean = ready(settings, clean_box, slug="referenz", units=40)
        if use_case == "dokumente":
            run_now(clean, "stammdaten")
        reference = run_now(clean, use_case)
        assert reference.status == CLEAN[use_case], reference.error_message
        expected_state = external_ids(clean_box, use_case)
    # an account belongs to one customer: the reference gives up its login to the next one
    FaciliooConnection.objects.filter(customer=clean).delete()
    with running_sandbox(seed=True) as box:
        customer = ready(settings, box, slug="unterbrochen", units=40)
        if use_case == "dokumente":
            run_now(customer, "stammdaten")
        # given: facilioo fails one create of the first batch after others went through
        box.control(error_rate=0.25, seed=3, fault_paths=[fault_path], fault_methods=["POST"])
        run = sync_run_create(customer=customer, use_case=use_case, trigger="manual")
        with pytest.raises(FaciliooTransientError):
            sync_run_execute(run_id=run.pk, client_options={"workers": 2, "max_retries": 0})
        written = len(external_ids(box, use_case)[fault_path.rsplit("/", 1)[1]])
        assert 0 < written < len(expected_state[fault_path.rsplit("/", 1)[1]])
        # when: facilioo is well again and the run is resumed (as the task's retry does)
        box.control(error_rate=0.0)
        resumed = sync_run_execute(run_id=run.pk, client_options={"workers": 2})
        # then: facilioo, the counts per entity and action, and the log equal the clean run's
        assert resumed.status == CLEAN[use_case], resumed.error_message
        assert resumed.attempts == 2
        assert external_ids(box, use_case) == expected_state
        assert resumed.counts == reference.counts
        assert log_rows(resumed) == log_rows(reference)


def _facilioo_id_cells(page: str, erp_key: str) -> list[str]:
    """The facilioo-ID column (7th) of the run log's rows for ``erp_key``."""
    cells = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        columns = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
        if len(columns) >= 7 and erp_key in columns[4]:
            cells.append(columns[6].strip())
    return cells


@pytest.mark.django_db(transaction=True)
def test_a_preview_shows_new_records_as_new_not_as_made_up_ids(settings, client):
    with running_sandbox(seed=False) as sandbox:
        customer = ready(settings, sandbox, slug="vorschau-ids", units=3)
        admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
        # when: the first preview of an empty facilioo (new buildings and their entrances)
        preview = run_now(customer, UseCase.STAMMDATEN, dry_run=True)
    assert preview.status == RunStatus.SUCCEEDED, preview.error_message
    client.force_login(admin)
    url = reverse("portal:run", args=[customer.slug, preview.pk]) + "?entity=entrances"
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then: the entrances (written with their new building) have no id yet: "neu" / "new"
    entrances = preview.items.filter(entity="entrances")
    assert entrances.count() >= 1
    assert not entrances.filter(facilioo_id__lt=0).exists()
    keys = {k.partition(" ")[2] for k in entrances.values_list("erp_key", flat=True)}
    for key in keys:
        assert _facilioo_id_cells(german, key) == ["neu"]
        assert _facilioo_id_cells(english, key) == ["new"]
    assert not re.search(r"<td>-\d+</td>", german)
