"""Fair routing of runs: which queue a run goes to, and the limit of runs per customer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files import File
from django.utils import timezone

from connect.models import Customer, ErpExport, RunStatus, SyncRun
from connect.routing import large_worker_nice, route_task, run_queue
from connect.services.erp_exports import erp_export_store
from connect.services.erp_profiles import erp_profile_save
from connect.services.sync_logs import (
    sync_run_create,
    sync_run_next_waiting,
    sync_run_start_within_limit,
)
from integrations.erp.demo import DemoConnector
from integrations.erp.file.writer import write_export
from integrations.erp.profiles.examples import write_xlsx_sample, xlsx_profile
from integrations.models import ExternalLink
from tests.factories import sync_run

pytestmark = pytest.mark.django_db

FRESH = timedelta(minutes=5)


@pytest.fixture(autouse=True)
def fairness(settings):
    settings.SYNC_LARGE_QUEUE = "runs-large"
    settings.SYNC_LARGE_RUN_UNITS = 100


def customer(slug: str, units: int) -> Customer:
    return Customer.objects.create(name=slug, slug=slug, demo_units=units)


def link_units(c: Customer, count: int) -> None:
    ExternalLink.objects.bulk_create(
        ExternalLink(
            customer=c,
            entity="units",
            natural_key=f"1000\x1f{i}",
            external_id=str(i),
            facilioo_id=i,
            payload_hash="x",
        )
        for i in range(count)
    )


def run(c: Customer, use_case: str = "stammdaten", *, dry_run: bool = False) -> SyncRun:
    return sync_run_create(customer=c, use_case=use_case, trigger="manual", dry_run=dry_run)


def test_a_large_initial_sync_goes_to_the_large_queue_and_a_small_one_stays():
    # given: a big customer's first sync and a small customer's
    big, small = customer("big", 500), customer("small", 99)
    # then: the big one is routed to the large-runs queue, the small one to the default
    assert route_task("integrations.sync_run", [run(big).pk], {}, {}) == {"queue": "runs-large"}
    assert route_task("integrations.sync_run", [run(small).pk], {}, {}) is None
    # and: other tasks are never routed
    assert route_task("integrations.sync_scheduled", [1], {}, {}) is None


def test_an_incremental_run_of_a_big_customer_is_small():
    # given: a big customer whose units are already in facilioo, but for a few new ones
    big = customer("big", 500)
    link_units(big, 450)
    # then: 50 new units are below the threshold
    assert run_queue(run(big).pk) is None
    # when: the portfolio grows by 150 units
    SyncRun.objects.all().delete()
    Customer.objects.filter(pk=big.pk).update(demo_units=600)
    # then: large again
    assert run_queue(run(big).pk) == "runs-large"


def test_a_dry_run_is_never_large_and_zero_switches_the_large_queue_off(settings):
    big = customer("big", 500)
    assert run_queue(run(big, dry_run=True).pk) is None
    SyncRun.objects.all().delete()
    settings.SYNC_LARGE_RUN_UNITS = 0
    assert run_queue(run(big).pk) is None


def test_dokumente_is_large_only_before_its_first_documents():
    big = customer("big", 500)
    assert run_queue(run(big, "dokumente").pk) == "runs-large"
    SyncRun.objects.all().delete()
    ExternalLink.objects.create(
        customer=big, entity="documents", natural_key="d", external_id="d", facilioo_id=1,
        payload_hash="x",
    )  # fmt: skip
    assert run_queue(run(big, "dokumente").pk) is None


def test_the_size_of_an_export_is_its_units_rows():
    # given: a file customer with a valid export of 300 units
    c = Customer.objects.create(name="Datei", slug="datei", erp_source="file")
    ErpExport.objects.create(
        customer=c,
        file="x.zip",
        original_name="x.zip",
        size=1,
        valid=True,
        report={"files": {"einheiten.csv": {"present": True, "rows": 300}}},
    )
    # then
    assert run_queue(run(c).pk) == "runs-large"


def test_a_second_run_of_a_customer_waits_while_one_executes():
    # given: a customer's Stammdaten run executing
    c, other = customer("c", 10), customer("other", 10)
    first = run(c)
    assert sync_run_start_within_limit(run=first, max_per_customer=1, fresh=FRESH)
    # when: its Dokumente run comes to a worker
    second = run(c, "dokumente")
    started = sync_run_start_within_limit(run=second, max_per_customer=1, fresh=FRESH)
    # then: it waits, queued, and is the one to hand on
    assert not started
    second.refresh_from_db()
    assert (second.status, second.phase, second.attempts) == (RunStatus.QUEUED, "waiting", 0)
    assert sync_run_next_waiting(customer_id=c.pk) == [second.pk]
    # and: another customer is not limited by it
    assert sync_run_start_within_limit(run=run(other), max_per_customer=1, fresh=FRESH)
    # and: a limit of two lets it start
    assert sync_run_start_within_limit(run=second, max_per_customer=2, fresh=FRESH)
    assert SyncRun.objects.get(pk=second.pk).status == RunStatus.RUNNING


def test_a_silent_run_does_not_hold_the_slot_of_its_customer():
    # given: a Stammdaten run started six minutes ago whose worker has not spoken since
    c = customer("c", 10)
    sync_run(c, status=RunStatus.RUNNING, at=timezone.now() - timedelta(minutes=6))
    # when: its Dokumente run comes to a worker, then it starts
    second = run(c, "dokumente")
    assert sync_run_start_within_limit(run=second, max_per_customer=1, fresh=FRESH)


def test_an_export_directory_from_the_command_line_counts_its_units_rows(tmp_path):
    (tmp_path / "einheiten.csv").write_text(
        "mandant_nr;we_nr\n" + "".join(f"1000;{i}\n" for i in range(150)), encoding="utf-8"
    )
    c = Customer.objects.create(name="Pfad", slug="pfad", erp_source="file", erp_path=str(tmp_path))
    assert run_queue(run(c).pk) == "runs-large"
    SyncRun.objects.all().delete()
    Customer.objects.filter(pk=c.pk).update(erp_path=str(tmp_path / "fehlt"))
    assert run_queue(run(c).pk) is None


def test_only_a_worker_of_the_large_queue_alone_lowers_its_cpu_priority(settings):
    settings.SYNC_LARGE_WORKER_NICE = 10
    assert large_worker_nice(["runs-large"]) == 10
    assert large_worker_nice(["celery"]) == 0
    # a worker that also takes the small runs must not slow them down
    assert large_worker_nice(["celery", "runs-large"]) == 0
    settings.SYNC_LARGE_WORKER_NICE = 0
    assert large_worker_nice(["runs-large"]) == 0


def test_an_export_read_through_an_import_profile_counts_its_units(tmp_path):
    # given: a file customer whose workbook is read through an import profile: 120 units, on
    # a sheet the profile maps onto einheiten.csv
    v1 = tmp_path / "v1"
    write_export(DemoConnector(units=120, seed=1), v1)
    workbook = tmp_path / "bestand.zip"
    write_xlsx_sample(v1, workbook)
    c = Customer.objects.create(name="Profil", slug="profil", erp_source="file")
    erp_profile_save(customer=c, actor=None, definition=xlsx_profile().to_dict())
    export = erp_export_store(
        customer=c,
        actor=None,
        uploaded_file=File(workbook.open("rb"), name="bestand.zip"),
        validate=True,
    )
    assert export.valid
    # then: its first run is large, as the same data as export v1 would be
    assert run_queue(run(c).pk) == "runs-large"
