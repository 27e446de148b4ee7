"""The fleet benchmark's building blocks: a login and project per customer, exports of its own."""

from __future__ import annotations

from pathlib import Path

from integrations.erp.demo import DemoConnector
from integrations.erp.file import validate_export, write_export
from integrations.facilioo.client import FaciliooClient
from integrations.facilioo.errors import FaciliooError
from integrations.fleet import fleet_logins, percentiles, write_fleet_export


def test_each_fleet_customer_gets_a_login_and_a_project_to_write_into(sandbox):
    # when
    logins = fleet_logins(sandbox, 3)
    # then: three logins, each with its own project, and every login works
    assert len({login.email for login in logins}) == 3
    assert len({login.tenant_id for login in logins}) == 3
    for login in logins:
        with FaciliooClient(sandbox.url, login.email, login.password) as client:
            tenants = {int(t["id"]) for t in client.list_tenants()}
            assert login.tenant_id in tenants
            created = client.create("properties", {"name": "WE", "tenantId": login.tenant_id})
            assert created["tenantId"] == login.tenant_id
    # and: after a reset the projects come back; a wrong password is still refused
    sandbox.reset()
    assert fleet_logins(sandbox, 3) == logins
    try:
        with FaciliooClient(sandbox.url, logins[0].email, "falsch", max_retries=0) as client:
            client.list_tenants()
    except FaciliooError:
        pass
    else:
        raise AssertionError("a wrong password was accepted")


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
