"""A facilioo account shared by customers only when their Mandanten do not overlap.

Composite ids start with the Mandant number: two customers on one account that write the same
Mandant would compute the same ids and take over each other's records. The operator's
exception (sharing with a reason) is refused unless the Mandanten are disjoint, when the
connection is saved (portal, command line) and when a sharer's Mandanten change later.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from connect.exceptions import ApplicationError
from connect.models import AuditLog, FaciliooConnection, Role, UseCaseActivation
from connect.selectors.activations import mandanten_scope
from connect.services.credentials import facilioo_connection_set
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    activate_dokumente,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
)
from tests.problems import messages

SECRET = "S3cret-Passw0rd!"
REASON = "Konzernschwestern, getrennte Mandanten"
ACCOUNT = {"username": "pm@example.com", "password": SECRET, "environment": "staging"}


def connect(customer, **extra):
    facilioo_connection_set(customer=customer, actor=None, **{**ACCOUNT, **extra})


def post_connection(client, customer, **extra):
    return client.post(
        reverse("portal:facilioo", kwargs={"slug": customer.slug}),
        {**ACCOUNT, "shared_reason": REASON, **extra},
    )


# --- the connection form, as an operator ----------------------------------------------------


def test_the_form_refuses_to_share_an_account_between_overlapping_mandanten(client, tenancy):
    # given: alpha syncs Mandanten 1000 and 2000 on the account; beta syncs 2000 and 3000
    activate_stammdaten(tenancy.a, mandanten=["1000", "2000"])
    activate_stammdaten(tenancy.b, mandanten=["3000"])
    activate_dokumente(tenancy.b, mandanten=["2000"])
    connect(tenancy.a)
    # when: the operator shares it with beta, with a reason
    client.force_login(tenancy.operator)
    response = post_connection(client, tenancy.b)
    # then: refused, and the page says why and which Mandanten overlap
    assert response.status_code == 400
    page = response.content.decode()
    assert "kann nicht geteilt werden, weil sich die Mandanten der Kunden überschneiden" in page
    assert "Gemeinsame Mandanten mit dem Kunden „Alpha Wohnen“: 2000." in page
    assert "Zusammengesetzte IDs beginnen mit der Mandantennummer" in page
    # and: nothing stored, nothing audited as shared
    assert not FaciliooConnection.objects.filter(customer=tenancy.b).exists()
    assert not AuditLog.objects.filter(action="facilioo_connection.shared").exists()


def test_the_form_shares_an_account_between_disjoint_mandanten(client, tenancy):
    activate_stammdaten(tenancy.a, mandanten=["1000"])
    activate_stammdaten(tenancy.b, mandanten=["2000", "3000"])
    connect(tenancy.a)
    client.force_login(tenancy.operator)
    response = post_connection(client, tenancy.b)
    assert response.status_code == 302
    assert FaciliooConnection.objects.get(customer=tenancy.b).username == "pm@example.com"
    entry = AuditLog.objects.get(action="facilioo_connection.shared")
    assert (entry.reason, entry.changes["shared_with"]) == (REASON, [None, tenancy.a.slug])


def test_a_customer_without_a_choice_of_mandanten_counts_as_all_of_them(client, tenancy):
    # given: alpha chose 1000; beta has no settings and no readable ERP export
    activate_stammdaten(tenancy.a, mandanten=["1000"])
    tenancy.b.erp_source = "file"
    tenancy.b.save()
    connect(tenancy.a)
    client.force_login(tenancy.operator)
    response = post_connection(client, tenancy.b)
    assert response.status_code == 400
    assert (
        "Für den Kunden „Beta Bau“ sind keine Mandanten festgelegt (weder in den Einstellungen "
        "noch in einem gültigen ERP-Export); das gilt als alle Mandanten."
    ) in response.content.decode()


def test_without_settings_the_mandanten_of_the_erp_export_count(client, tenancy):
    # given: beta has no settings; its ERP (the demo portfolio) holds Mandanten 1000-3000
    activate_stammdaten(tenancy.a, mandanten=["1000"])
    connect(tenancy.a)
    client.force_login(tenancy.operator)
    response = post_connection(client, tenancy.b)
    assert response.status_code == 400
    assert "Gemeinsame Mandanten mit dem Kunden „Alpha Wohnen“: 1000." in (
        response.content.decode()
    )


def test_the_form_tells_an_operator_about_the_condition_before_a_reason_is_given(client, tenancy):
    connect(tenancy.a)
    client.force_login(tenancy.operator)
    response = post_connection(client, tenancy.b, shared_reason="")
    assert response.status_code == 400
    assert "wenn sich die Mandanten der Kunden nicht überschneiden" in response.content.decode()


# --- the service and the command line -------------------------------------------------------


def test_the_scope_is_the_union_of_the_use_cases_and_an_empty_choice_is_all(tenancy):
    assert mandanten_scope(customer=tenancy.a) == {"1000", "2000", "3000"}  # demo export
    activate_stammdaten(tenancy.a, mandanten=["1000"])
    activate_dokumente(tenancy.a, mandanten=["2000"])
    assert mandanten_scope(customer=tenancy.a) == {"1000", "2000"}
    assert mandanten_scope(customer=tenancy.a, replacing=("dokumente", ["3000"])) == {
        "1000",
        "3000",
    }
    UseCaseActivation.objects.filter(customer=tenancy.a, use_case="dokumente").update(settings={})
    assert mandanten_scope(customer=tenancy.a) is None


def test_the_service_refuses_overlapping_mandanten_whoever_asks(tenancy):
    activate_stammdaten(tenancy.a, mandanten=["1000"])
    activate_stammdaten(tenancy.b, mandanten=["1000"])
    connect(tenancy.a)
    with pytest.raises(ApplicationError) as refused:
        connect(tenancy.b, shared_reason=REASON)
    assert "Gemeinsame Mandanten mit dem Kunden „Alpha Wohnen“: 1000." in refused.value.message
    # the same account in another environment is another account
    connect(tenancy.b, environment="production")


def test_the_command_line_refuses_overlapping_mandanten(tenancy):
    activate_stammdaten(tenancy.a, mandanten=["1000", "2000"])
    activate_stammdaten(tenancy.b, mandanten=["2000"])
    connect(tenancy.a)
    with pytest.raises(CommandError) as refused:
        call_command(
            "facilioo",
            "set-credentials",
            tenancy.b.slug,
            "--username",
            "pm@example.com",
            "--password",
            SECRET,
            "--environment",
            "staging",
            "--shared-reason",
            REASON,
        )
    assert "Gemeinsame Mandanten mit dem Kunden „Alpha Wohnen“: 2000." in str(refused.value)
    assert not FaciliooConnection.objects.filter(customer=tenancy.b).exists()


# --- changing the Mandanten of a customer that shares its account ---------------------------


@pytest.fixture
def sharing(settings, db):
    """Two demo customers on the sandbox account: alpha with Mandant 1000, beta with 2000."""
    with sandbox_for(settings) as sandbox:
        alpha = CustomerFactory(name="Alpha Wohnen", slug="alpha")
        beta = CustomerFactory(name="Beta Bau", slug="beta")
        activate_stammdaten(alpha, mandanten=["1000"])
        activate_stammdaten(beta, mandanten=["2000"])
        connect_to_sandbox(alpha, sandbox)
        facilioo_connection_set(
            customer=beta,
            actor=None,
            username=sandbox.email,
            password=sandbox.password,
            environment="sandbox",
            shared_reason=REASON,
        )
        yield alpha, beta


def stammdaten_form(mandanten):
    return {
        "separator": "-",
        "mandanten": mandanten,
        "default_tenant_id": "1",
        "deletion_policy": "terminate",
        "safety_brake_percent": "20",
    }


def test_the_settings_page_refuses_mandanten_of_the_customer_sharing_the_account(client, sharing):
    _alpha, beta = sharing
    client.force_login(MembershipFactory(customer=beta, role=Role.ADMIN).user)
    url = reverse("portal:usecase", kwargs={"slug": beta.slug, "use_case": "stammdaten"})
    # when: beta's admin adds Mandant 1000, which alpha syncs on the same account
    response = client.post(url, stammdaten_form(["1000", "2000"]))
    # then: refused with the reason and the overlapping Mandant; the settings stay as they were
    page = response.content.decode()
    assert "Diese Mandanten können nicht gespeichert werden" in page
    assert "Gemeinsame Mandanten mit dem Kunden „Alpha Wohnen“: 1000." in page
    activation = UseCaseActivation.objects.get(customer=beta, use_case="stammdaten")
    assert activation.settings["mandanten"] == ["2000"]
    # and: Mandanten of its own are saved
    saved = client.post(url, stammdaten_form(["2000", "3000"]))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    activation.refresh_from_db()
    assert activation.settings["mandanten"] == ["2000", "3000"]


def test_the_api_refuses_mandanten_of_the_customer_sharing_the_account(sharing):
    alpha, _beta = sharing
    api = APIClient()
    api.force_authenticate(MembershipFactory(customer=alpha, role=Role.ADMIN).user)
    response = api.put(
        f"/api/customers/{alpha.slug}/usecases/stammdaten/",
        {"settings": {"separator": "-", "mandanten": ["1000", "2000"], "default_tenant_id": 1}},
        format="json",
    )
    assert response.status_code == 400
    assert messages(response.json()) == [
        "Diese Mandanten können nicht gespeichert werden: Das facilioo-Konto wird mit einem "
        "anderen Kunden geteilt, und die Mandanten der beiden dürfen sich nicht überschneiden. "
        "Gemeinsame Mandanten mit dem Kunden „Beta Bau“: 2000. Zusammengesetzte IDs beginnen "
        "mit der Mandantennummer: Zwei Kunden mit demselben Mandanten bilden auf einem Konto "
        "dieselben IDs und würden gegenseitig ihre Datensätze übernehmen. Ein Konto kann nur "
        "zwischen Kunden geteilt werden, deren Mandanten sich nicht überschneiden."
    ]
