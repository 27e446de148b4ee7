"""The record inspector and the reconciliation ("Abgleich") for Dokumente, against the sandbox.

After real Stammdaten and Dokumente runs, a facilioo user changes one document, deletes
another and files a document of their own into one of our folders. The reconciliation reports
exactly these three and writes nothing; "facilioo behält" is respected by the next Dokumente
run; the inspector shows a document with its file, facilioo's live state, and for a skipped
document the rule and what to change in the ERP.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from connect.models import AuditLog, Customer, Role
from connect.selectors.erp_sources import connector_for_customer
from connect.services.reconciliations import (
    field_holds_set,
    reconciliation_execute,
    reconciliation_request,
)
from connect.services.runner import sync_run_execute
from connect.services.sync_logs import sync_run_create
from integrations.erp.records import Dokument
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.models import ExternalLink, FieldHold, Reconciliation
from integrations.usecases import UseCase
from tests.factories import (
    MembershipFactory,
    UserFactory,
    activate_dokumente,
    activate_stammdaten,
    connect_to_sandbox,
    sandbox_for,
)

WRITES = ("PATCH", "PUT", "DELETE")


def run_now(customer, use_case):
    run = sync_run_execute(
        run_id=sync_run_create(customer=customer, use_case=use_case, trigger="manual").pk
    )
    assert run.status == "succeeded", run.error_message
    return run


@pytest.fixture
def synced(db, settings):
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt", demo_units=20)
        connect_to_sandbox(customer, sandbox)
        activate_stammdaten(customer)
        activate_dokumente(customer)
        run_now(customer, "stammdaten")
        run = run_now(customer, "dokumente")
        yield customer, sandbox, run


@pytest.fixture
def drifted(synced):
    customer, sandbox, _run = synced
    docs = ExternalLink.objects.filter(customer=customer, entity="documents").order_by("id")
    changed, deleted = docs[0], docs[1]
    group = ExternalLink.objects.filter(customer=customer, entity="document-groups")[0]
    unit = ExternalLink.objects.filter(customer=customer, entity="units")[0]
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
        client.patch(
            Entity.DOCUMENTS, changed.facilioo_id, {"title": "Von Hand", "description": "Notiz"}
        )
        client.delete(Entity.DOCUMENTS, deleted.facilioo_id)
        file = client.create(Entity.FILES, {"name": "fremd.pdf", "fileTypeId": 1})
        foreign = client.create(
            Entity.DOCUMENTS,
            {
                "title": "Fremdes Dokument",
                "fileId": file["id"],
                "documentGroupId": group.facilioo_id,
                "unitId": unit.facilioo_id,
            },
        )
    return customer, sandbox, changed, deleted, foreign


def reconcile(customer):
    rec = reconciliation_request(customer=customer, use_case="dokumente", trigger="manual")
    return reconciliation_execute(reconciliation_id=rec.pk)


def test_dokumente_links_keep_what_was_sent(synced):
    customer, sandbox, _run = synced
    doc = ExternalLink.objects.filter(customer=customer, entity="documents").order_by("id")[0]
    file = ExternalLink.objects.get(
        customer=customer, entity="files", natural_key=doc.natural_key.replace("dokument", "datei")
    )
    group = ExternalLink.objects.filter(customer=customer, entity="document-groups")[0]
    live = sandbox.state.get("documents", doc.facilioo_id)
    # then: the stored bodies are what facilioo got
    assert doc.sent_body["title"] == live["title"]
    assert doc.sent_body["fileId"] == live["fileId"] == file.facilioo_id
    assert doc.sent_body["documentGroupId"] == live["documentGroupId"]
    assert file.sent_body["name"] == sandbox.state.get("files", file.facilioo_id)["name"]
    assert (
        group.sent_body["name"] == sandbox.state.get("document-groups", group.facilioo_id)["name"]
    )


def test_reconciliation_finds_a_changed_a_deleted_and_a_foreign_document(drifted):
    customer, sandbox, changed, deleted, foreign = drifted
    sandbox.reset_counters()
    # when
    rec = reconcile(customer)
    # then: one of each, nothing written to facilioo
    assert rec.status == "succeeded", rec.error_message
    assert rec.counts == {"changed": 1, "gone": 1, "unknown": 1}
    found = rec.findings.get(kind="changed")
    assert (found.entity, found.facilioo_id) == ("documents", changed.facilioo_id)
    assert found.fields == {
        "title": {"sent": changed.sent_body["title"], "live": "Von Hand"},
        "description": {"sent": changed.sent_body["description"], "live": "Notiz"},
    }
    assert found.erp_key.startswith("dokument ")
    gone = rec.findings.get(kind="gone")
    assert (gone.entity, gone.facilioo_id) == ("documents", deleted.facilioo_id)
    unknown = rec.findings.get(kind="unknown")
    assert (unknown.entity, unknown.facilioo_id) == ("documents", foreign["id"])
    by_method = sandbox.counters()["by_method"]
    assert not any(by_method.get(m) for m in WRITES)
    assert set(sandbox.counters()["by_route"]) <= {
        "POST /api/auth/login",
        "GET /api/document-groups",
        "GET /api/documents",
    }


def test_a_foreign_folder_below_ours_is_unknown_and_one_elsewhere_is_not_ours_to_judge(synced):
    customer, sandbox, _run = synced
    group = ExternalLink.objects.filter(customer=customer, entity="document-groups")[0]
    with FaciliooClient(sandbox.url, sandbox.email, sandbox.password) as client:
        below = client.create(
            Entity.DOCUMENT_GROUPS, {"name": "Unterordner", "parentId": group.facilioo_id}
        )
        client.create(Entity.DOCUMENT_GROUPS, {"name": "Ganz woanders"})
    rec = reconcile(customer)
    assert rec.counts == {"changed": 0, "gone": 0, "unknown": 1}
    unknown = rec.findings.get()
    assert (unknown.entity, unknown.facilioo_id) == ("document-groups", below["id"])


def test_facilioo_keeps_a_held_document_field_and_the_next_run_writes_the_others(drifted):
    customer, sandbox, changed, _deleted, _foreign = drifted
    finding = reconcile(customer).findings.get(kind="changed")
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    # when: the admin lets facilioo keep the title, and the Dokumente sync runs
    field_holds_set(customer=customer, finding=finding, fields=["title"], actor=admin)
    run = run_now(customer, "dokumente")
    # then: the title stays as facilioo has it, the description is written back from the ERP
    live = sandbox.state.get("documents", changed.facilioo_id)
    assert live["title"] == "Von Hand"
    assert (live["description"] or None) == changed.sent_body["description"]
    assert run.items.filter(
        entity="documents", action="updated", facilioo_id=changed.facilioo_id
    ).exists()
    # and: the next reconciliation no longer reports the document as changed
    assert not reconcile(customer).findings.filter(kind="changed").exists()
    # and: a third run writes nothing more for it
    again = run_now(customer, "dokumente")
    assert not again.items.filter(entity="documents", facilioo_id=changed.facilioo_id).exists()
    assert FieldHold.objects.get().field == "title"


def test_the_command_reconciles_dokumente(drifted):
    customer, *_ = drifted
    out = io.StringIO()
    call_command("reconcile", customer.slug, "--use-case", "dokumente", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["counts"] == {"changed": 1, "gone": 1, "unknown": 1}


def test_the_portal_starts_a_dokumente_reconciliation(client, drifted):
    customer, *_ = drifted
    admin = MembershipFactory(customer=customer, role=Role.ADMIN).user
    client.force_login(admin)
    page = client.get(reverse("portal:reconciliations", args=[customer.slug])).content.decode()
    assert 'name="use_case" value="dokumente"' in page
    assert "Abgleich Dokumente jetzt starten" in page
    response = client.post(
        reverse("portal:reconciliations", args=[customer.slug]), {"use_case": "dokumente"}
    )
    assert response.status_code == 302
    rec = Reconciliation.objects.get(customer=customer)
    assert rec.use_case == UseCase.DOKUMENTE


def record_url(customer, entity, key):
    return reverse("portal:record", args=[customer.slug, entity, key])


def doc_url(customer, link):
    return record_url(customer, "documents", _key(link))


def _key(link):
    return "/".join(link.natural_key.split("\x1f")[1:])


def test_the_inspector_shows_a_changed_document_with_its_file(client, drifted):
    customer, _sandbox, changed, _deleted, _foreign = drifted
    support = UserFactory(is_support=True)
    client.force_login(support)
    # when
    response = client.get(doc_url(customer, changed))
    # then: ERP fields, rule, sent, facilioo now, the differences, the file, the history
    assert response.status_code == 200
    x = response.context["x"]
    assert ("dokument_id", changed.natural_key.split("\x1f")[2]) in x.erp_fields
    assert "opener" not in dict(x.erp_fields)
    title = next(row for row in x.fields if row.name == "title")
    assert title.rule.startswith("Titel")
    assert (title.sent, title.live, title.differs) == (changed.sent_body["title"], "Von Hand", True)
    assert title.value == title.sent
    assert {row.name for row in x.fields if row.differs} == {"title", "description"}
    group = next(row for row in x.fields if row.name == "documentGroupId")
    assert group.value == group.sent == changed.sent_body["documentGroupId"]
    assert x.skip is None
    assert x.history[0].action == "created"
    assert x.file_link.facilioo_id == changed.sent_body["fileId"]
    file_name = next(row for row in x.file_fields if row.name == "name")
    assert file_name.value == file_name.sent == file_name.live
    page = response.content.decode()
    assert 'data-field="title" class="differs"' in page
    assert 'id="record-file-fields"' in page
    assert "2 Felder weichen in facilioo ab" in page
    assert AuditLog.objects.filter(action="record.inspect", actor=support).exists()


def test_a_document_deleted_in_facilioo_is_said_so(client, drifted):
    customer, _sandbox, _changed, deleted, _foreign = drifted
    client.force_login(MembershipFactory(customer=customer, role=Role.VIEWER).user)
    page = client.get(doc_url(customer, deleted)).content.decode()
    assert "facilioo kennt diesen Datensatz" in page
    assert f"ID {deleted.facilioo_id}" in page


def test_a_we_only_document_shows_the_rule_and_what_to_change(client, synced):
    customer, _sandbox, run = synced
    item = run.items.filter(entity="documents", reason="we_only").first()
    url = record_url(customer, "documents", item.erp_key.partition(" ")[2])
    client.force_login(MembershipFactory(customer=customer, role=Role.ADMIN).user)
    run_page = client.get(reverse("portal:run", args=[customer.slug, run.pk])).content.decode()
    assert f'href="{url}"' in run_page
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["x"].skip.reason == "we_only"
    assert "nur einer Wirtschaftseinheit zugeordnet" in page
    assert "einem Gebäude, einer Einheit, einem Vertrag oder einer Person zuordnen" in page
    assert "Noch nie nach facilioo gesendet." in page


def test_a_filtered_document_shows_its_filter_though_no_run_logged_it(client, synced):
    customer, _sandbox, _run = synced
    connector = connector_for_customer(customer)
    try:
        hidden = next(
            item
            for item in connector.read(UseCase.DOKUMENTE, mandanten={"1000", "2000", "3000"})
            if isinstance(item, Dokument) and not item.freigegeben
        )
    finally:
        connector.close()
    client.force_login(MembershipFactory(customer=customer, role=Role.VIEWER).user)
    url = reverse(
        "portal:record",
        args=[customer.slug, "documents", f"{hidden.mandant_nr}/{hidden.dokument_id}"],
    )
    response = client.get(url)
    x = response.context["x"]
    assert x.skip.reason == "not_released"
    assert "Das Dokument im ERP freigeben" in response.content.decode()
    assert x.history == []


def test_the_support_search_links_a_document_to_the_inspector(client, synced):
    customer, _sandbox, run = synced
    item = run.items.filter(entity="documents", action="created").first()
    url = record_url(customer, "documents", item.erp_key.partition(" ")[2])
    client.force_login(UserFactory(is_support=True))
    search = client.get(reverse("portal:support-records"), {"q": item.external_id})
    assert f'href="{url}"' in search.content.decode()


def test_the_api_explains_a_document_and_a_folder(drifted):
    customer, _sandbox, changed, _deleted, _foreign = drifted
    viewer = MembershipFactory(customer=customer, role=Role.VIEWER).user
    api = APIClient()
    api.force_authenticate(viewer)
    body = api.get(f"/api/customers/{customer.slug}/records/documents/{_key(changed)}/").json()
    assert body["facilioo_id"] == changed.facilioo_id
    assert body["file_facilioo_id"] == changed.sent_body["fileId"]
    title = next(f for f in body["fields"] if f["name"] == "title")
    assert (title["differs"], title["live"]) == (True, "Von Hand")
    assert {f["name"] for f in body["file_fields"]} >= {"name", "fileTypeId"}
    group = ExternalLink.objects.filter(customer=customer, entity="document-groups")[0]
    folder = api.get(f"/api/customers/{customer.slug}/records/document-groups/{_key(group)}/")
    assert folder.status_code == 200
    assert folder.json()["facilioo_id"] == group.facilioo_id
    assert not any(f["differs"] for f in folder.json()["fields"])
    assert folder.json()["file_fields"] == []
