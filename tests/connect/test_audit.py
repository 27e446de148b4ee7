from __future__ import annotations

from django.urls import reverse

from connect.models import AuditLog, Role
from connect.services.customers import customer_create, customer_update, membership_set


def test_customer_create_and_update_are_audited_with_old_and_new_values(tenancy):
    # when
    customer = customer_create(name="Gamma eG", actor=tenancy.operator)
    customer_update(customer=customer, actor=tenancy.operator, name="Gamma Wohnen eG")
    # then
    entries = list(AuditLog.objects.filter(customer=customer).order_by("id"))
    assert [e.action for e in entries] == ["customer.create", "customer.update"]
    assert entries[0].changes["name"] == [None, "Gamma eG"]
    assert entries[1].changes == {"name": ["Gamma eG", "Gamma Wohnen eG"]}
    assert entries[1].actor_name == tenancy.operator.username


def test_unchanged_update_writes_no_entry(tenancy):
    before = AuditLog.objects.count()
    customer_update(customer=tenancy.a, actor=None, name=tenancy.a.name)
    assert AuditLog.objects.count() == before


def test_membership_changes_are_audited(tenancy):
    membership_set(
        customer=tenancy.a, user=tenancy.viewer_b, role=Role.VIEWER, actor=tenancy.admin_a
    )
    membership_set(
        customer=tenancy.a, user=tenancy.viewer_b, role=Role.ADMIN, actor=tenancy.admin_a
    )
    actions = list(
        AuditLog.objects.filter(customer=tenancy.a, action__startswith="membership")
        .order_by("id")
        .values_list("action", "changes")
    )
    assert actions[-2][0] == "membership.create"
    assert actions[-1] == ("membership.update", {"role": ["viewer", "admin"]})


def test_audit_page_shows_entries_of_the_own_customer_only(client, tenancy):
    customer_update(customer=tenancy.a, actor=tenancy.admin_a, name="Alpha Wohnen AG")
    customer_update(customer=tenancy.b, actor=tenancy.admin_b, name="Beta Bau AG")
    client.force_login(tenancy.viewer_a)
    body = client.get(reverse("portal:audit", kwargs={"slug": "alpha"})).content.decode()
    assert "Alpha Wohnen AG" in body
    assert "Beta Bau AG" not in body
