"""The record inspector ("Datensatz erklären") through the portal page and the API.

A real run against the sandbox first; then a facilioo user changes a record there, so the
page shows facilioo's live state next to what was sent, with the difference marked.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from connect.models import AuditLog, Customer, Role
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.models import ExternalLink
from tests.factories import (
    MembershipFactory,
    UserFactory,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
)


@pytest.fixture
def synced(db, settings):
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=30)
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        run = sync_run_execute(
            run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
        )
        assert run.status == "succeeded", run.error_message
        yield customer, sandbox, run


def change_in_facilioo(sandbox, entity, facilioo_id, changes):
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password, timeout=10) as client:
        client.patch(Entity(entity), facilioo_id, changes)


def unit_link(customer):
    return ExternalLink.objects.filter(customer=customer, entity="units").order_by("id").first()


def page_url(customer, entity, natural_key):
    return reverse("portal:record", args=[customer.slug, entity, "/".join(natural_key[1:])])


def test_a_record_changed_in_facilioo_is_shown_field_by_field(client, synced):
    customer, sandbox, run = synced
    link = unit_link(customer)
    key = link.natural_key.split("\x1f")
    change_in_facilioo(sandbox, "units", link.facilioo_id, {"name": "Von Hand geändert"})
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    client.force_login(admin)
    # when
    response = client.get(page_url(customer, "units", key))
    # then: ERP fields with the export, the rule, what was sent, facilioo now, the history
    assert response.status_code == 200
    x = response.context["x"]
    assert "Demo-Portfolio" in x.source_name
    assert ("einheit_nr", key[4]) in x.erp_fields
    name = next(row for row in x.fields if row.name == "name")
    assert name.rule.startswith("Bezeichnung der Einheit")
    assert name.live == "Von Hand geändert"
    assert name.sent == name.value != "Von Hand geändert"
    assert name.differs
    assert [row.name for row in x.fields if row.differs] == ["name"]
    assert x.facilioo_id == link.facilioo_id
    assert x.history[0].run_id == run.pk
    assert x.history[0].action == "created"
    page = response.content.decode()
    assert 'data-field="name" class="differs"' in page
    assert "abweichend" in page
    assert link.payload_hash[:16] in page
    # and: an admin opening it is not audited
    assert not AuditLog.objects.filter(action="record.inspect").exists()


def test_a_skipped_tenant_shows_the_rule_and_what_to_change_in_the_erp(client, synced):
    customer, _sandbox, run = synced
    item = run.items.filter(entity="parties", reason="no_email").first()
    support = UserFactory(is_support=True)
    client.force_login(support)
    url = reverse("portal:record", args=[customer.slug, "parties", item.erp_key.partition(" ")[2]])
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "keine E-Mail-Adresse" in page
    assert "E-Mail-Adresse im ERP hinterlegen." in page
    assert "Noch nie nach facilioo gesendet." in page
    # and: support opening a customer's record is audited
    entry = AuditLog.objects.get(action="record.inspect")
    assert entry.customer == customer
    assert entry.actor == support


def test_facilioo_unreachable_is_said_clearly_and_the_rest_is_shown(client, synced, settings):
    customer, sandbox, _run = synced
    link = unit_link(customer)
    sandbox.stop()
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    client.force_login(admin)
    response = client.get(page_url(customer, "units", link.natural_key.split("\x1f")))
    page = response.content.decode()
    assert response.status_code == 200
    assert "facilioo ist gerade nicht erreichbar" in page
    assert response.context["x"].erp_fields
    assert response.context["x"].link.sent_body["name"]


def test_the_log_row_and_the_support_search_link_to_the_inspector(client, synced):
    customer, _sandbox, run = synced
    item = run.items.filter(entity="parties", reason="no_email").first()
    url = reverse("portal:record", args=[customer.slug, "parties", item.erp_key.partition(" ")[2]])
    client.force_login(UserFactory(is_support=True))
    run_page = client.get(reverse("portal:run", args=[customer.slug, run.pk])).content.decode()
    search = client.get(reverse("portal:support-records"), {"q": item.external_id})
    assert f'href="{url}"' in run_page
    assert f'href="{url}"' in search.content.decode()


def test_the_api_explains_a_record(synced):
    customer, sandbox, _run = synced
    link = unit_link(customer)
    change_in_facilioo(sandbox, "units", link.facilioo_id, {"name": "Von Hand geändert"})
    viewer = MembershipFactory(customer=customer, role=Role.VIEWER).user
    api = APIClient()
    api.force_authenticate(viewer)
    key = "/".join(link.natural_key.split("\x1f")[1:])
    body = api.get(f"/api/customers/{customer.slug}/records/units/{key}/").json()
    assert body["facilioo_id"] == link.facilioo_id
    assert body["live_error"] == ""
    name = next(f for f in body["fields"] if f["name"] == "name")
    assert name["differs"] is True
    assert name["live"] == "Von Hand geändert"
    assert body["history"][0]["action"] == "created"
    assert dict(body["erp_fields"])["einheit_nr"] == key.split("/")[-1]
    assert api.get(f"/api/customers/{customer.slug}/records/units/nope/").status_code == 404


def test_a_unit_deleted_in_facilioo_comes_back_with_the_next_run_as_the_inspector_says(
    client, synced
):
    # given: a facilioo user deleted a unit; the ERP side did not change
    customer, sandbox, _run = synced
    link = unit_link(customer)
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password, timeout=10) as facilioo:
        facilioo.delete(Entity.UNITS, link.facilioo_id)
    client.force_login(MembershipFactory(customer=customer, role=Role.VIEWER).user)

    # when: someone looks at it in the inspector
    page = client.get(page_url(customer, "units", link.natural_key.split("\x1f")))

    # then: the inspector says the next run creates it again
    assert "Der nächste Lauf legt ihn wieder an." in page.content.decode()

    # when: the next run
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )

    # then: it is there again, as a new facilioo record, logged as created with the reason
    assert run.status == "succeeded", run.error_message
    item = run.items.get(entity="units", reason="deleted_in_facilioo")
    assert item.action == "created"
    assert "wieder angelegt" in item.message
    new_id = ExternalLink.objects.get(pk=link.pk).facilioo_id
    assert new_id != link.facilioo_id
    restored = sandbox.state.get("units", new_id)
    assert restored["deleted"] is None
    assert restored["externalId"] == link.external_id


def test_a_party_that_lost_our_id_is_not_shown_and_the_next_run_finds_the_person_again(
    client, synced
):
    # given: facilioo holds the linked party, but our id is gone from it (changed by hand)
    customer, sandbox, _run = synced
    link = ExternalLink.objects.filter(customer=customer, entity="parties").order_by("id").first()
    sandbox.state.store.put_external_ids("parties", link.facilioo_id, [])
    client.force_login(MembershipFactory(customer=customer, role=Role.VIEWER).user)

    # when: the inspector is opened
    page = client.get(page_url(customer, "parties", link.natural_key.split("\x1f"))).content
    text = page.decode()

    # then: facilioo's state of that party is not shown, and the page says what happens next
    assert "trägt unsere externe ID nicht mehr" in text
    assert "Der nächste Lauf sucht die Person über unsere externe ID" in text

    # when: the next run, with no change in the ERP
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case="stammdaten", trigger="manual").pk
    )

    # then: the person has a party carrying our id again, and the old one is left alone
    assert run.status == "succeeded", run.error_message
    now = ExternalLink.objects.get(pk=link.pk).facilioo_id
    assert now != link.facilioo_id
    assert sandbox.state.store.external_ids("parties", now) == [link.external_id]
    assert sandbox.state.store.external_ids("parties", link.facilioo_id) == []


def test_a_partys_e_mail_shows_what_facilioo_holds_now(client, synced):
    # given: a tenant sent with an e-mail address, then changed by hand in facilioo
    customer, sandbox, _run = synced
    link = next(
        link
        for link in ExternalLink.objects.filter(customer=customer, entity="parties").order_by("id")
        if (link.sent_body or {}).get("email")
    )
    sent = link.sent_body["email"]
    client.force_login(MembershipFactory(customer=customer, role=Role.VIEWER).user)
    url = page_url(customer, "parties", link.natural_key.split("\x1f"))

    # when: the inspector is opened
    x = client.get(url).context["x"]

    # then: "facilioo jetzt" of the e-mail row is the address facilioo holds, the same as sent
    email = next(row for row in x.fields if row.name == "contactDetails: E-Mail")
    assert email.has_live
    assert email.sent == sent
    assert email.live == sent
    assert not email.differs

    # when: someone changes the address in facilioo
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password, timeout=10) as facilioo:
        (detail,) = facilioo.contact_details(link.facilioo_id, "email")
        facilioo.patch(Entity.CONTACT_DETAILS, detail["id"], {"value": "neu@example.org"})
    page = client.get(url)

    # then: the page shows the new address, marked as differing
    email = next(row for row in page.context["x"].fields if row.name == "contactDetails: E-Mail")
    assert email.live == "neu@example.org"
    assert email.differs
    assert "neu@example.org" in page.content.decode()
