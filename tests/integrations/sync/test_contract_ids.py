"""Contract ids carry the contract kind: a Mietvertrag and an Eigentümervertrag with the same
number, unit and person are two facilioo contracts, and links written before the kind was part
of the id move to the new id in place.

Every run goes the real way: an uploaded ERP export, the runner, the sandbox over HTTP.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from connect.models import Customer, Role, RunStatus, SyncRun
from connect.services.erp_exports import erp_export_store
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.erp.records import Vertrag
from integrations.facilioo import dialect
from integrations.models import ExternalLink
from integrations.sync import stammdaten_bodies as maps
from integrations.sync.ids import compose, contract_id_without_kind
from tests.factories import (
    MembershipFactory,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
)
from tests.integrations.erp.exports import VALID, make_export, rows, zip_directory

TENANT = dialect.CONTRACT_TYPES["tenant"]
OWNER = dialect.CONTRACT_TYPES["owner"]
# Person 40001 is tenant and owner of unit 001; both contracts carry the number 0001.
OWNER_40001 = (
    "1000;40001;Herr;;Peter;Müller;;peter.mueller@example.de;0221 4711;;Lindenstraße;12;50667;Köln"
)
RENTAL = rows(str(VALID["mietvertraege.csv"]), "1000;0001;0001;01;001;40001;2019-04-01;")
OWNER_CONTRACT = rows(
    str(VALID["eigentuemervertraege.csv"]), "1000;0001;0001;01;001;40001;2001-01-01;"
)
NO_OWNER_CONTRACT = rows(str(VALID["eigentuemervertraege.csv"]))
RENTAL_ID = "1000-0001-01-001-0001-40001-MV"
OWNER_ID = "1000-0001-01-001-0001-40001-EV"
OLD_ID = "1000-0001-01-001-0001-40001"  # both kinds, before the id held the kind


@pytest.fixture
def customer(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Rheinblick", slug="rheinblick", erp_source="file")
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer, mandanten=["1000"])
        customer.sandbox = sandbox  # type: ignore[attr-defined]
        yield customer


def upload(customer: Customer, tmp_path: Path, name: str, *, owner_contract: bool) -> None:
    directory = make_export(
        tmp_path / name,
        eigentuemer_csv=rows(str(VALID["eigentuemer.csv"]), OWNER_40001),
        mietvertraege_csv=RENTAL,
        eigentuemervertraege_csv=OWNER_CONTRACT if owner_contract else NO_OWNER_CONTRACT,
        dokumente_csv=rows(str(VALID["dokumente.csv"])),
        dokumente_mv_0001_pdf=None,
    )
    archive = zip_directory(directory, tmp_path / f"{name}.zip")
    export = erp_export_store(
        validate=True,
        customer=customer,
        actor=None,
        uploaded_file=SimpleUploadedFile(f"{name}.zip", archive.read_bytes()),
    )
    assert export.valid, export.report


def run(customer: Customer) -> SyncRun:
    created = sync_run_create(customer=customer, use_case="stammdaten", trigger="manual")
    done = sync_run_execute(run_id=created.pk)
    assert done.status == RunStatus.SUCCEEDED, done.error_message
    return done


def contracts(customer: Customer) -> list[dict[str, Any]]:
    """The live facilioo contracts on unit 001 (the only unit with contracts)."""
    unit = ExternalLink.objects.get(
        customer=customer, entity="units", external_id="1000-0001-01-001"
    )
    sandbox = customer.sandbox  # type: ignore[attr-defined]
    return sorted(
        (
            c
            for c in sandbox.state.records("unit-contracts")
            if not c.get("deleted") and c.get("unitId") == unit.facilioo_id
        ),
        key=lambda c: c["id"],
    )


def by_external_id(customer: Customer) -> dict[str, dict[str, Any]]:
    return {c["externalId"]: c for c in contracts(customer)}


def test_an_owner_contract_added_later_is_a_second_contract(customer, tmp_path):
    # given: run 1 with the Mietvertrag only
    upload(customer, tmp_path, "first", owner_contract=False)
    run(customer)
    (rental,) = contracts(customer)
    # when: the next export adds an Eigentümervertrag with the same number, unit and person
    upload(customer, tmp_path, "second", owner_contract=True)
    second = run(customer)
    # then: two contracts, the first one untouched (still the tenant's contract)
    found = by_external_id(customer)
    assert set(found) == {RENTAL_ID, OWNER_ID}
    assert found[RENTAL_ID]["id"] == rental["id"]
    assert found[RENTAL_ID]["typeId"] == TENANT
    assert found[OWNER_ID]["typeId"] == OWNER
    assert found[OWNER_ID]["id"] != rental["id"]
    assert second.counts["unit-contracts"].get("created") == 1
    assert not second.counts["unit-contracts"].get("updated")


def test_both_kinds_in_one_export_are_two_contracts_and_stay_so(customer, tmp_path):
    upload(customer, tmp_path, "both", owner_contract=True)
    run(customer)
    found = by_external_id(customer)
    assert set(found) == {RENTAL_ID, OWNER_ID}
    assert (found[RENTAL_ID]["typeId"], found[OWNER_ID]["typeId"]) == (TENANT, OWNER)
    links = ExternalLink.objects.filter(customer=customer, entity="unit-contracts")
    assert {
        (link.natural_key.split("\x1f")[2], link.external_id, link.facilioo_id)
        for link in links
        if link.natural_key.startswith("unit_contract")
    } == {
        ("mietvertrag", RENTAL_ID, found[RENTAL_ID]["id"]),
        ("eigentuemervertrag", OWNER_ID, found[OWNER_ID]["id"]),
    }
    # and: the record inspector tells the two apart, each with its id, contract and type now
    api = APIClient()
    api.force_authenticate(MembershipFactory(customer=customer, role=Role.VIEWER).user)
    for art, external_id, type_id in (
        ("mietvertrag", RENTAL_ID, TENANT),
        ("eigentuemervertrag", OWNER_ID, OWNER),
    ):
        body = api.get(
            f"/api/customers/{customer.slug}/records/unit-contracts/1000/{art}/0001/40001/"
        ).json()
        assert (body["external_id"], body["facilioo_id"]) == (
            external_id,
            found[external_id]["id"],
        )
        type_row = next(f for f in body["fields"] if f["name"] == "typeId")
        assert (type_row["value"], type_row["live"], type_row["differs"]) == (
            type_id,
            type_id,
            False,
        )
    # and: the next run finds nothing to change
    again = run(customer)
    assert again.counts["unit-contracts"] == {"unchanged": 2}
    assert by_external_id(customer) == found


def _id_without_kind(vertrag: Vertrag, person_nr: str, separator: str) -> str:
    """How contract ids were composed before they held the kind."""
    return compose(
        separator,
        vertrag.mandant_nr,
        vertrag.we_nr,
        vertrag.gebaeude_nr,
        vertrag.einheit_nr,
        vertrag.vertrag_nr,
        person_nr,
    )


def test_links_written_before_the_kind_was_in_the_id_move_in_place(customer, tmp_path, monkeypatch):
    # given: an installation whose contract was written with the id without its kind
    with monkeypatch.context() as patched:
        patched.setattr(maps, "contract_external_id", _id_without_kind)
        upload(customer, tmp_path, "first", owner_contract=False)
        run(customer)
    (before,) = contracts(customer)
    assert before["externalId"] == OLD_ID
    link = ExternalLink.objects.get(
        customer=customer, natural_key__startswith="unit_contract", external_id=OLD_ID
    )
    # when: the next run, with ids that hold the kind
    moved = run(customer)
    # then: the same facilioo contract carries the new id; nothing created, nothing orphaned
    (after,) = contracts(customer)
    assert after["id"] == before["id"]
    assert after["externalId"] == RENTAL_ID
    assert after["typeId"] == TENANT
    link.refresh_from_db()
    assert (link.external_id, link.facilioo_id) == (RENTAL_ID, before["id"])
    # (the alias documents find the contract by moves with it)
    assert not ExternalLink.objects.filter(customer=customer, external_id=OLD_ID).exists()
    # and: counted and logged as an update, with its reason and the former id
    assert moved.counts["unit-contracts"] == {"updated": 1}
    row = moved.items.get(entity="unit-contracts")
    assert (row.action, row.reason) == ("updated", "contract_kind_added")
    assert row.external_id == RENTAL_ID
    assert "enthält jetzt die Vertragsart" in row.message
    assert OLD_ID in row.message
    # and: a later run finds nothing to change
    assert run(customer).counts["unit-contracts"] == {"unchanged": 1}


def test_the_id_without_its_kind_is_recognised_under_every_separator():
    assert contract_id_without_kind(RENTAL_ID) == OLD_ID
    assert contract_id_without_kind(OWNER_ID) == OLD_ID
    assert contract_id_without_kind("1000_0001_01_001_0001_40001_EV") == (
        "1000_0001_01_001_0001_40001"
    )
    # an id without a kind, another record's id, or a number that only looks like a kind
    assert contract_id_without_kind(OLD_ID) is None
    assert contract_id_without_kind("1000-0001-01-001") is None
    assert contract_id_without_kind("1000-0001-01-001-0001-MV") is None


def test_an_installation_where_the_kinds_already_collided_gets_both_contracts_back(
    customer, tmp_path, monkeypatch
):
    # given: the collision as it happened before the kind was in the id: the Eigentümervertrag
    # arrived in a later run and was adopted onto the Mietvertrag's facilioo contract
    with monkeypatch.context() as patched:
        patched.setattr(maps, "contract_external_id", _id_without_kind)
        upload(customer, tmp_path, "first", owner_contract=False)
        run(customer)
        upload(customer, tmp_path, "second", owner_contract=True)
        run(customer)
    (shared,) = contracts(customer)
    assert (shared["externalId"], shared["typeId"]) == (OLD_ID, OWNER)
    contract_links = ExternalLink.objects.filter(
        customer=customer, natural_key__startswith="unit_contract"
    )
    assert {link.facilioo_id for link in contract_links} == {shared["id"]}
    assert contract_links.count() == 2
    # when: the upgrade's data migration, then the next run
    migration = importlib.import_module("integrations.migrations.0004_contract_kind_collisions")
    migration.separate_collided_contracts(django_apps, None)
    repaired = run(customer)
    # then: the owner contract keeps the facilioo contract it holds, the rental one is back
    found = by_external_id(customer)
    assert set(found) == {RENTAL_ID, OWNER_ID}
    assert (found[OWNER_ID]["id"], found[OWNER_ID]["typeId"]) == (shared["id"], OWNER)
    assert found[RENTAL_ID]["typeId"] == TENANT
    assert repaired.counts["unit-contracts"] == {"created": 1, "updated": 1}
    assert {
        (row.erp_key.split("/")[1], row.action, row.reason)
        for row in repaired.items.filter(entity="unit-contracts")
    } == {("mietvertrag", "created", ""), ("eigentuemervertrag", "updated", "contract_kind_added")}
    # and: a later run finds nothing to change
    assert run(customer).counts["unit-contracts"] == {"unchanged": 2}
