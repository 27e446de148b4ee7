"""The reconciliation ("Abgleich") against the sandbox, and "facilioo behält" in the next run.

After a real sync, a facilioo user changes a unit, deletes a contract and adds a property of
their own in the customer's project; the reconciliation reports exactly these three, writes
nothing, and a field marked "facilioo behält" is left alone by the next run while the other
changed field is written back.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from connect.exceptions import ApplicationError
from connect.models import AuditLog, Customer, Role
from connect.services.reconciliations import (
    field_holds_set,
    reconciliation_execute,
    reconciliation_request,
    reconciliation_request_due,
)
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.models import ExternalLink, FieldHold, Reconciliation
from tests.factories import (
    MembershipFactory,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
)

WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
def drifted(db, settings):
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=20)
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        run = sync_run_execute(
            run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
        )
        assert run.status == "succeeded", run.error_message
        unit = ExternalLink.objects.filter(customer=customer, entity="units").order_by("id")[0]
        contract = ExternalLink.objects.filter(customer=customer, entity="unit-contracts").order_by(
            "id"
        )[0]
        with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
            client.patch(Entity.UNITS, unit.facilioo_id, {"name": "Hausmeisterraum", "number": "X"})
            client.delete(Entity.UNIT_CONTRACTS, contract.facilioo_id)
            foreign = client.create(
                Entity.PROPERTIES, {"tenantId": 1, "name": "Fremdes Haus", "number": "F-1"}
            )
        yield customer, sandbox, unit, contract, foreign


def reconcile(customer):
    rec = reconciliation_request(customer=customer, use_case="stammdaten", trigger="manual")
    return reconciliation_execute(reconciliation_id=rec.pk)


def test_reconciliation_finds_changed_gone_and_unknown_and_writes_nothing(drifted):
    customer, sandbox, unit, contract, foreign = drifted
    sandbox.reset_counters()
    # when
    rec = reconcile(customer)
    # then: one of each, nothing written to facilioo
    assert rec.status == "succeeded", rec.error_message
    assert rec.counts == {"changed": 1, "gone": 1, "unknown": 1}
    changed = rec.findings.get(kind="changed")
    assert (changed.entity, changed.facilioo_id) == ("units", unit.facilioo_id)
    assert changed.fields == {
        "name": {"sent": unit.sent_body["name"], "live": "Hausmeisterraum"},
        "number": {"sent": unit.sent_body["number"], "live": "X"},
    }
    gone = rec.findings.get(kind="gone")
    assert (gone.entity, gone.facilioo_id) == ("unit-contracts", contract.facilioo_id)
    unknown = rec.findings.get(kind="unknown")
    assert (unknown.entity, unknown.facilioo_id) == ("properties", foreign["id"])
    by_method = sandbox.counters()["by_method"]
    assert not any(by_method.get(m) for m in WRITES if m != "POST")
    # reads only: listings of the tenant-bound entities; parties (shared by every company) by
    # our owner-scoped lookup and by id, never a listing of everyone's parties
    assert set(sandbox.counters()["by_route"]) <= {
        "POST /api/auth/login",
        *(f"GET /api/{e}" for e in ("properties", "units", "unit-contracts")),
        "POST /api/parties/external-ids/search",
        "POST /api/parties/search",
    }


def test_the_next_run_restores_what_the_reconciliation_found_deleted_or_changed(drifted):
    customer, sandbox, unit, contract, _foreign = drifted
    # given: the reconciliation found the unit changed and the contract deleted
    reconcile(customer)

    # when: the next run, with no change in the ERP
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )

    # then: the unit carries our values again, the contract exists again
    assert run.status == "succeeded", run.error_message
    assert sandbox.state.get("units", unit.facilioo_id)["name"] != "Hausmeisterraum"
    assert run.items.get(entity="units", action="updated").facilioo_id == unit.facilioo_id
    item = run.items.get(entity="unit-contracts", reason="deleted_in_facilioo")
    restored = sandbox.state.get("unit-contracts", item.facilioo_id)
    assert restored["deleted"] is None
    assert restored["externalId"] == contract.external_id
    # and a second reconciliation finds nothing changed or deleted of ours any more
    again = reconcile(customer)
    assert (again.counts["changed"], again.counts["gone"]) == (0, 0)


def test_facilioo_keeps_a_held_field_and_the_next_run_writes_the_others(drifted):
    customer, sandbox, unit, _contract, _foreign = drifted
    rec = reconcile(customer)
    finding = rec.findings.get(kind="changed")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    # when: the admin lets facilioo keep the name
    field_holds_set(customer=customer, finding=finding, fields=["name"], actor=admin)
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )
    # then: the name stays as facilioo has it, the number is written back from the ERP
    assert run.status == "succeeded", run.error_message
    live = sandbox.state.get("units", unit.facilioo_id)
    assert live["name"] == "Hausmeisterraum"
    assert live["number"] == unit.sent_body["number"]
    assert run.items.filter(entity="units", action="updated", facilioo_id=unit.facilioo_id).exists()
    # and: the choice is audited, and the next reconciliation no longer reports the unit
    assert AuditLog.objects.filter(action="record.hold", actor=admin).exists()
    assert not reconcile(customer).findings.filter(kind="changed").exists()
    # and: a third run writes nothing more for the unit
    again = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )
    assert not again.items.filter(entity="units", facilioo_id=unit.facilioo_id).exists()


def test_only_changed_fields_can_be_held(drifted):
    customer, _sandbox, *_ = drifted
    finding = reconcile(customer).findings.get(kind="changed")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    with pytest.raises(ApplicationError) as refused:
        field_holds_set(customer=customer, finding=finding, fields=["city"], actor=admin)
    assert "nicht geändert: city" in refused.value.message
    assert not FieldHold.objects.exists()


def test_weekly_by_default_and_one_at_a_time(drifted):
    customer, *_ = drifted
    # when: the daily beat task looks for due reconciliations twice
    first = reconciliation_request_due()
    second = reconciliation_request_due()
    # then: one is started, the second time none (the last is younger than a week)
    assert len(first) == 1
    assert second == []
    with pytest.raises(ApplicationError) as refused:
        reconciliation_request(customer=customer, use_case="stammdaten", trigger="manual")
    assert "läuft bereits ein Abgleich" in refused.value.message
    assert Reconciliation.objects.get().trigger == "schedule"


def test_the_report_page_and_the_dashboard_link(client, drifted):
    customer, *_ = drifted
    rec = reconcile(customer)
    viewer = MembershipFactory(customer=customer, role=Role.VIEWER).user
    client.force_login(viewer)
    dashboard = client.get(reverse("portal:dashboard", args=[customer.slug])).content.decode()
    report = client.get(
        reverse("portal:reconciliation", args=[customer.slug, rec.pk])
    ).content.decode()
    assert reverse("portal:reconciliation", args=[customer.slug, rec.pk]) in dashboard
    assert "1 geändert, 1 gelöscht, 1 unbekannt" in dashboard
    assert "Hausmeisterraum" in report
    assert "in facilioo gelöscht" in report
    assert "uns unbekannt" in report
    # a viewer reads, but cannot keep fields or start a reconciliation
    finding = rec.findings.get(kind="changed")
    hold = client.post(
        reverse("portal:reconciliation-hold", args=[customer.slug, rec.pk]),
        {"finding": finding.pk, "fields": ["name"]},
    )
    start = client.post(reverse("portal:reconciliations", args=[customer.slug]))
    assert (hold.status_code, start.status_code) == (403, 403)
    assert not FieldHold.objects.exists()


def test_the_api_starts_reports_and_keeps_fields(drifted):
    customer, *_ = drifted
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    viewer = MembershipFactory(customer=customer, role=Role.VIEWER).user
    api = APIClient()
    base = f"/api/customers/{customer.slug}/reconciliations/"
    # a viewer may not start one
    api.force_authenticate(viewer)
    assert api.post(base, {}).status_code == 403
    # an admin starts one; a second is refused while it is queued
    api.force_authenticate(admin)
    started = api.post(base, {"use_case": "stammdaten"})
    assert started.status_code == 201, started.content
    again = api.post(base, {})
    assert again.status_code == 409  # like an active run
    assert "läuft bereits ein Abgleich" in again.json()["detail"]
    reconciliation_execute(reconciliation_id=started.json()["id"])
    report = api.get(f"{base}{started.json()['id']}/").json()
    assert report["counts"] == {"changed": 1, "gone": 1, "unknown": 1}
    changed = next(f for f in report["findings"] if f["kind"] == "changed")
    assert changed["fields"]["name"]["live"] == "Hausmeisterraum"
    # the viewer reads the report but may not keep fields
    api.force_authenticate(viewer)
    hold_url = f"{base}{report['id']}/hold/"
    assert api.post(hold_url, {"finding": changed["id"], "fields": ["name"]}).status_code == 403
    api.force_authenticate(admin)
    kept = api.post(hold_url, {"finding": changed["id"], "fields": ["name"]})
    assert kept.json() == {"fields": ["name"]}
    wrong = api.post(hold_url, {"finding": changed["id"], "fields": ["city"]})
    assert wrong.status_code == 400
    assert "nicht geändert: city" in wrong.json()["detail"]


def test_the_command_reconciles_and_prints_json(drifted):
    customer, *_ = drifted
    out = io.StringIO()
    call_command("reconcile", customer.slug, "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["status"] == "succeeded"
    assert summary["counts"] == {"changed": 1, "gone": 1, "unknown": 1}
    assert {f["kind"] for f in summary["findings"]} == {"changed", "gone", "unknown"}
    with pytest.raises(CommandError) as refused:
        call_command("reconcile", "unbekannt")
    assert "Kein Kunde" in str(refused.value)


@pytest.mark.django_db
def test_broken_settings_fail_the_reconciliation_with_a_message(tenancy):
    from connect.models import UseCaseActivation
    from connect.services.credentials import facilioo_connection_set

    facilioo_connection_set(
        customer=tenancy.a,
        actor=None,
        username="sandbox@facilioo.example",
        password="x",
        environment="sandbox",
    )
    UseCaseActivation.objects.create(
        customer=tenancy.a, use_case="stammdaten", enabled=True, settings={"separator": "ab"}
    )
    rec = reconcile(tenancy.a)
    assert rec.status == "failed"
    assert "bitte speichern Sie sie neu" in rec.error_message
