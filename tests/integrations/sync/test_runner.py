"""A run from request to final status: activation settings, demo ERP, sandbox over HTTP."""

from __future__ import annotations

import pytest

from connect.models import Customer, RunStatus
from connect.services.credentials import facilioo_connection_set
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import RunAlreadyActive, sync_run_create
from tests.factories import activate_stammdaten, connect_to_sandbox, sandbox_for


@pytest.fixture
def ready_customer(db, settings):
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=60)
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        yield customer, sandbox


def test_a_run_ends_succeeded_with_counts_and_a_skipped_tenant(ready_customer):
    customer, _sandbox = ready_customer
    run = sync_run_create(customer=customer, use_case="stammdaten", trigger="manual")
    run = sync_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert run.counts["units"]["created"] == 60
    assert run.progress_done == run.progress_total > 0
    assert run.items.filter(reason="no_email", message__contains="keine E-Mail-Adresse").exists()


def test_a_second_trigger_while_one_is_active_is_refused(ready_customer):
    customer, _sandbox = ready_customer
    sync_run_create(customer=customer, use_case="stammdaten", trigger="manual")
    with pytest.raises(RunAlreadyActive) as refused:
        sync_run_create(customer=customer, use_case="stammdaten", trigger="schedule")
    assert "läuft bereits ein Lauf" in refused.value.message


def test_rejected_credentials_fail_the_run_with_a_clear_message(ready_customer):
    customer, _sandbox = ready_customer
    facilioo_connection_set(
        customer=customer,
        actor=None,
        username="sandbox@facilioo.example",
        password="falsch",
        environment="sandbox",
    )
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )
    assert run.status == RunStatus.FAILED
    assert "Zugangsdaten wurden abgelehnt" in run.error_message
