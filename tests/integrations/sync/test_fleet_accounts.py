"""Several customers syncing into one sandbox, each through an account of its own.

Every customer reads the same demo portfolio (the same Mandant numbers, so the same external
ids) and runs its Stammdaten sync through the runner, as the portal, the API and the worker
do. Each account must end up with a complete copy of its own, in its own project, and never
list, adopt or change another customer's properties, units or contracts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connect.models import Customer, RunStatus
from connect.services.credentials import facilioo_connection_set
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.facilioo.client import FaciliooClient
from integrations.facilioo.errors import FaciliooError
from integrations.models import ExternalLink
from tests.factories import activate_stammdaten
from tooling.fleet import FleetLogin, fleet_logins
from tooling.sandbox.testing import SandboxHandle, running_sandbox

SEPARATED = ("properties", "units", "unit-contracts")
FLEET = 3


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(seed=True, accounts=FLEET + 1) as handle:
        yield handle


def fleet_customer(sandbox: SandboxHandle, login: FleetLogin, number: int) -> Customer:
    customer = Customer.objects.create(
        name=f"Flotte {number}", slug=f"flotte-{number}", demo_units=12
    )
    facilioo_connection_set(
        customer=customer,
        actor=None,
        username=login.email,
        password=login.password,
        environment="sandbox",
    )
    activate_stammdaten(customer, default_tenant_id=login.tenant_id)
    return customer


def sync(customer: Customer) -> Any:
    run = sync_run_create(customer=customer, use_case="stammdaten", trigger="schedule")
    return sync_run_execute(run_id=run.pk, client_options={"workers": 2})


def seen_by(sandbox: SandboxHandle, login: FleetLogin, entity: str) -> dict[int, dict[str, Any]]:
    with FaciliooClient(sandbox.url, login.email, login.password) as client:
        return {int(r["id"]): r for r in client.iter_collection(entity) if not r.get("deleted")}


def test_customers_of_one_sandbox_never_see_each_other_s_properties_units_and_contracts(
    db, settings, sandbox
):
    settings.FACILIOO_SANDBOX_URL = sandbox.url
    logins = fleet_logins(sandbox, FLEET)
    customers = [fleet_customer(sandbox, login, n) for n, login in enumerate(logins, start=1)]
    # given: the first customer synced alone
    first = sync(customers[0])
    assert first.status == RunStatus.SUCCEEDED, first.error_message
    before = {entity: seen_by(sandbox, logins[0], entity) for entity in SEPARATED}
    assert all(before.values())

    # when: the others sync the same portfolio into the same sandbox
    later = [sync(customer) for customer in customers[1:]]

    # then: each created its own complete copy and adopted nothing of another's
    for run in later:
        assert run.status == RunStatus.SUCCEEDED, run.error_message
        for entity in SEPARATED:
            counts = run.counts.get(entity, {})
            assert counts.get("created") == len(before[entity]), (entity, counts)
            assert not counts.get("adopted"), (entity, counts)
    # and: every account lists exactly its own records, all in its own project
    mine: dict[str, dict[str, set[int]]] = {}
    for customer, login in zip(customers, logins, strict=True):
        mine[login.email] = {}
        for entity in SEPARATED:
            records = seen_by(sandbox, login, entity)
            linked = set(
                ExternalLink.objects.filter(
                    customer=customer, entity=entity, deleted=False
                ).values_list("facilioo_id", flat=True)
            )
            assert set(records) == {int(i) for i in linked}, entity
            mine[login.email][entity] = set(records)
        properties = seen_by(sandbox, login, "properties").values()
        assert {p["tenantId"] for p in properties} == {login.tenant_id}
    for entity in SEPARATED:
        sets = [mine[login.email][entity] for login in logins]
        assert sum(len(s) for s in sets) == len(set().union(*sets)), entity
    # and: the first customer's records are exactly as its own sync left them
    assert {entity: seen_by(sandbox, logins[0], entity) for entity in SEPARATED} == before
    # and: a record of another account is not there for it, not even by id
    other = next(iter(mine[logins[1].email]["units"]))
    client = FaciliooClient(sandbox.url, logins[0].email, logins[0].password, max_retries=0)
    with client, pytest.raises(FaciliooError) as refused:
        client.get("units", other)
    assert refused.value.status == 404
