"""The Stammdaten settings page: facilioo tenants, WE assignment, ambiguous ids, validation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from connect.models import Customer, Role, UseCaseActivation
from connect.services.credentials import facilioo_connection_set
from tests.factories import MembershipFactory, connect_to_sandbox, sandbox_for
from tooling.sandbox.testing import SandboxHandle

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(settings) -> Iterator[SandboxHandle]:
    with sandbox_for(settings) as handle:
        yield handle


@pytest.fixture
def customer(sandbox: SandboxHandle) -> Customer:
    customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=60)
    connect_to_sandbox(customer, sandbox)
    return customer


@pytest.fixture
def admin_client(client, customer):
    client.force_login(MembershipFactory(customer=customer, role=Role.ADMIN).user)
    return client


def url(customer: Customer) -> str:
    return reverse("portal:usecase", kwargs={"slug": customer.slug, "use_case": "stammdaten"})


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "separator": "-",
        "mandanten": ["1000"],
        "default_tenant_id": "1",
        "deletion_policy": "terminate",
        "safety_brake_percent": "20",
    }
    data.update(changes)
    return data


def row(html: str, we: str) -> str:
    start = html.index(f'data-we="{we}"')
    return html[start : html.index("</tr>", start)]


def test_the_page_offers_the_visible_tenants_suggestions_and_ambiguity_counts(
    admin_client, customer
):
    # when
    html = admin_client.get(url(customer)).content.decode()
    # then: the tenants the account can see, by name; not the foreign one
    assert "Musterstadt Wohnen Nord (1)" in html
    assert "Musterstadt Wohnen Süd (2)" in html
    assert "Fremdverwaltung West" not in html
    # and: WE 1000/0001 is suggested tenant 1 (its externalId "1000-0001")
    assert "Musterstadt Wohnen Nord (1)" in row(html, "1000/0001").split('class="suggestion"')[1]
    assert "Musterstadt" not in row(html, "1000/0002").split('class="suggestion"')[1]
    # and: "/" would make the contract "MV/2019/17" ambiguous, "-" nothing
    assert 'data-separator="/">„/“: 1<' in html
    assert 'data-separator="-">„-“: 0<' in html
    # and: with no default tenant yet, every WE is listed as unassigned and skipped
    assert 'id="unassigned"' in html
    assert "6 Wirtschaftseinheiten haben kein facilioo-Projekt" in html
    assert "übersprungen" in html


def test_pruefen_shows_unassigned_wes_and_the_separator_warning_without_saving(
    admin_client, customer
):
    # when: no default, an override for one WE, separator "/", then "Prüfen"
    data = form(
        separator="/",
        default_tenant_id="",
        check="1",
        **{"tenant_override__1000/0001": "2"},
    )
    response = admin_client.post(url(customer), data)
    html = response.content.decode()
    # then: only the other WE of Mandant 1000 is unassigned
    assert response.status_code == 200
    unassigned = html[html.index('id="unassigned"') :]
    unassigned = unassigned[: unassigned.index("</div>")]
    assert "1000/0002" in unassigned
    assert "1000/0001" not in unassigned
    assert "1 Wirtschaftseinheit hat kein facilioo-Projekt" in unassigned
    # and: the warning for the chosen separator, before anything is saved
    assert 'id="ambiguous-warning"' in html
    assert "wäre 1 Datensatz nicht eindeutig" in html
    assert not UseCaseActivation.objects.filter(customer=customer).exists()


def test_saving_stores_the_overrides_in_the_runner_s_shape(admin_client, customer):
    # when
    response = admin_client.post(
        url(customer),
        form(mandanten=["1000", "2000"], **{"tenant_override__2000/0001": "2"}),
    )
    # then
    assert response.status_code == 302
    activation = UseCaseActivation.objects.get(customer=customer, use_case="stammdaten")
    assert activation.settings["tenant_overrides"] == {"2000/0001": 2}
    assert activation.settings["default_tenant_id"] == 1
    # and: the page shows the override selected and no unassigned WE
    html = admin_client.get(url(customer)).content.decode()
    assert 'value="2" selected' in row(html, "2000/0001")
    assert 'id="unassigned"' not in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"separator": "#"}, "Das Trennzeichen muss eines von - _ . / | sein."),
        ({"mandanten": []}, "Bitte wählen Sie mindestens einen Mandanten."),
        ({"mandanten": ["4711"]}, "Diese Mandanten kennt das ERP nicht: 4711."),
        ({"default_tenant_id": "3"}, "Das facilioo-Projekt 3 ist für das Konto nicht sichtbar."),
        (
            {"tenant_override__1000/0001": "3"},
            "Das facilioo-Projekt 3 (für WE 1000/0001) ist nicht sichtbar.",
        ),
        ({"tenant_override__1000/0001": "Nord"}, "Ungültiges facilioo-Projekt für WE 1000/0001."),
    ],
)
def test_invalid_settings_are_refused_with_german_messages(
    admin_client, customer, changes, message
):
    response = admin_client.post(url(customer), form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UseCaseActivation.objects.filter(customer=customer).exists()


def test_activation_is_refused_while_the_connection_test_fails(admin_client, customer):
    # given: the facilioo password was changed in facilioo
    facilioo_connection_set(
        customer=customer,
        actor=None,
        username="sandbox@facilioo.example",
        password="falsch",
        environment="sandbox",
    )
    # when
    response = admin_client.post(url(customer), form())
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "Aktivierung nicht möglich: Der Test der facilioo-Verbindung ist fehlgeschlagen." in html
    assert not UseCaseActivation.objects.filter(customer=customer).exists()
