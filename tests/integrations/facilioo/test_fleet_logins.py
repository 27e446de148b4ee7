"""The fleet benchmark's building blocks: a login and project per customer, exports of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.erp.demo import DemoConnector
from integrations.erp.file.validator import validate_export
from integrations.erp.file.writer import write_export
from integrations.facilioo.client import FaciliooClient
from integrations.facilioo.errors import FaciliooError
from tooling.fleet import fleet_logins, percentiles, write_fleet_export


def test_each_fleet_customer_gets_an_account_of_its_own_that_sees_only_its_records(
    sandbox_factory,
):
    sandbox = sandbox_factory(accounts=4)
    # when
    logins = fleet_logins(sandbox, 3)
    # then: three accounts, none the seeded one, each with a project of its own
    assert len({login.email for login in logins}) == 3
    assert sandbox.email not in {login.email for login in logins}
    assert len({login.tenant_id for login in logins}) == 3
    written = {}
    for login in logins:
        with FaciliooClient(sandbox.url, login.email, login.password) as client:
            tenants = {int(t["id"]) for t in client.list_tenants()}
            assert login.tenant_id in tenants
            created = client.create("properties", {"name": "WE", "tenantId": login.tenant_id})
            assert created["tenantId"] == login.tenant_id
            written[login.email] = created["id"]
    # and: each account lists only its own tenants and its own property
    for login in logins:
        with FaciliooClient(sandbox.url, login.email, login.password) as client:
            others = {o.tenant_id for o in logins if o != login}
            assert not others & {int(t["id"]) for t in client.list_tenants()}
            assert [p["id"] for p in client.iter_collection("properties")] == [written[login.email]]
    # and: after a reset the same accounts and projects are there; a wrong password is refused
    sandbox.reset()
    assert fleet_logins(sandbox, 3) == logins
    with FaciliooClient(sandbox.url, logins[0].email, logins[0].password) as client:
        assert login_tenant(client) == logins[0].tenant_id
    try:
        with FaciliooClient(sandbox.url, logins[0].email, "falsch", max_retries=0) as client:
            client.list_tenants()
    except FaciliooError:
        pass
    else:
        raise AssertionError("a wrong password was accepted")


def login_tenant(client: FaciliooClient) -> int:
    return min(int(t["id"]) for t in client.list_tenants())


def test_a_fleet_larger_than_the_sandbox_s_accounts_is_refused_with_the_size_it_needs(
    sandbox_factory,
):
    sandbox = sandbox_factory(accounts=2)
    with pytest.raises(ValueError, match=r"needs 4 \(running_sandbox\(accounts=4\)\)"):
        fleet_logins(sandbox, 3)


def test_a_fleet_export_has_its_own_mandant_numbers_and_stays_valid(tmp_path: Path):
    template = tmp_path / "template"
    write_export(DemoConnector(units=20, seed=1), template)
    # when
    mandanten = write_fleet_export(template, tmp_path / "seven", prefix="7")
    # then
    assert mandanten == ["71000", "72000", "73000"]
    report = validate_export(tmp_path / "seven")
    assert report.valid, report.render_de()
    lines = (tmp_path / "seven" / "einheiten.csv").read_text(encoding="utf-8").splitlines()
    assert all(line.split(";")[0].startswith("7") for line in lines[1:])


def test_percentiles():
    assert percentiles([]) == {"p50": 0.0, "p95": 0.0, "max": 0.0}
    values = [float(v) for v in range(1, 101)]
    assert percentiles(values) == {"p50": 50.5, "p95": 95.0, "max": 100.0}
