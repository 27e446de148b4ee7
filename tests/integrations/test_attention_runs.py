"""A run that could not deliver what the ERP says ends as a warning with an alert, through the
real runner against the sandbox: our id on a record outside the customer's reach
(``foreign_match``) is never "succeeded"."""

from __future__ import annotations

from django.core import mail

from connect.models import Alert, AlertKind, Customer, Membership, Role, RunStatus
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.facilioo.client import Entity, FaciliooClient
from tests.factories import (
    UserFactory,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
)


def run(customer, *, dry_run=False):
    return sync_run_execute(
        run_id=sync_run_create(
            customer=customer, use_case="stammdaten", trigger="manual", dry_run=dry_run
        ).pk
    )


def test_a_foreign_match_makes_a_warning_with_an_alert_that_the_next_clean_run_closes(db, settings):
    with sandbox_for(settings) as sandbox:
        # given: a customer whose first building's id already sits on a property in a tenant
        # not assigned to it (tenant 2; the customer's tenant is 1)
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=20)
        Membership.objects.create(
            customer=customer, user=UserFactory(email="admin@musterstadt.example"), role=Role.ADMIN
        )
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        preview = run(customer, dry_run=True)
        external_id = preview.items.filter(entity="properties").order_by("pk")[0].external_id
        with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
            foreign = client.create(
                Entity.PROPERTIES, {"tenantId": 2, "name": "Fremd", "externalId": external_id}
            )
        mail.outbox.clear()

        # when
        warned = run(customer)

        # then: a warning, an open alert that names the cause, one mail
        assert warned.status == RunStatus.WARNING
        alert = Alert.objects.get(customer=customer, closed_at__isnull=True)
        assert alert.kind == AlertKind.RECORDS_SKIPPED
        assert "außerhalb Ihrer Mandanten" in alert.message
        assert alert.last_run_id == warned.pk
        assert len(mail.outbox) == 1
        assert "Datensätze nicht übertragen" in mail.outbox[0].subject

        # when: the foreign record is gone and the next run delivers everything
        with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
            client.delete(Entity.PROPERTIES, foreign["id"])
        clean = run(customer)

        # then: succeeded, and the alert is closed
        assert clean.status == RunStatus.SUCCEEDED
        assert not Alert.objects.filter(customer=customer, closed_at__isnull=True).exists()
