"""The audit trail is complete: changes in the Django admin and the CLI are recorded, entries
carry address and program, and the trail outlives the deletion of its customer."""

from __future__ import annotations

from django.core.management import call_command
from django.test import Client

from connect.models import AuditLog, Customer, Membership, Role, User
from tests.factories import UserFactory


def _admin(tenancy) -> Client:
    client = Client(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Chromium/140")
    client.force_login(tenancy.operator)
    return client


def test_granting_support_in_the_admin_is_audited(tenancy):
    client = _admin(tenancy)
    user = tenancy.viewer_b
    page = client.get(f"/admin/connect/user/{user.pk}/change/")
    assert page.status_code == 200
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "is_support": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }
    response = client.post(f"/admin/connect/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditLog.objects.filter(action="user.update", object_id=str(user.pk)).latest("id")
    assert entry.changes["is_support"] == [False, True]
    assert entry.actor == tenancy.operator
    assert (entry.ip_address, entry.user_agent, entry.via) == (
        "192.0.2.10",
        "Chromium/140",
        "admin",
    )


def _customer_form(
    customer: Customer, memberships: list[Membership], new: int = 0, **extra
) -> dict:
    data = {
        "name": customer.name,
        "slug": customer.slug,
        "erp_system": customer.erp_system,
        "erp_source": customer.erp_source,
        "is_active": "on",
        "demo_units": str(customer.demo_units),
        "demo_seed": str(customer.demo_seed),
        "memberships-TOTAL_FORMS": str(len(memberships) + new),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for n, m in enumerate(memberships):
        data |= {
            f"memberships-{n}-id": str(m.pk),
            f"memberships-{n}-customer": str(customer.pk),
            f"memberships-{n}-user": str(m.user_id),
            f"memberships-{n}-role": m.role,
            f"memberships-{n}-receives_alerts": "on" if m.receives_alerts else "",
        }
    data |= extra
    return {k: v for k, v in data.items() if v != ""}


def test_renaming_a_customer_and_adding_an_admin_in_the_admin_are_audited(tenancy):
    client = _admin(tenancy)
    customer = tenancy.a
    memberships = list(customer.memberships.order_by("pk"))
    newcomer = UserFactory()
    n = len(memberships)
    data = _customer_form(
        customer,
        memberships,
        new=1,
        name="Alpha Wohnen AG",
        **{
            f"memberships-{n}-customer": str(customer.pk),
            f"memberships-{n}-user": str(newcomer.pk),
            f"memberships-{n}-role": Role.ADMIN,
            f"memberships-{n}-receives_alerts": "on",
        },
    )
    page = client.get(f"/admin/connect/customer/{customer.pk}/change/")
    assert page.status_code == 200
    response = client.post(f"/admin/connect/customer/{customer.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rename = AuditLog.objects.get(action="customer.update", customer=customer)
    assert rename.changes["name"] == ["Alpha Wohnen", "Alpha Wohnen AG"]
    added = AuditLog.objects.get(action="membership.create", customer=customer)
    assert added.changes["role"] == [None, "admin"]
    assert added.changes["user_id"] == [None, newcomer.pk]
    assert added.via == "admin"


def test_the_trail_outlives_the_deletion_of_its_customer(tenancy):
    client = _admin(tenancy)
    slug, pk = tenancy.b.slug, tenancy.b.pk
    renamed = client.post(
        f"/admin/connect/customer/{pk}/change/",
        _customer_form(tenancy.b, list(tenancy.b.memberships.order_by("pk")), name="Beta neu"),
    )
    assert renamed.status_code == 302, renamed.context["errors"]
    before = AuditLog.objects.filter(customer_id=pk).count()
    assert before >= 1
    response = client.post(f"/admin/connect/customer/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=pk).exists()
    kept = AuditLog.objects.filter(customer_name__contains=f"({slug})")
    assert kept.count() == before + 1
    assert kept.filter(action="customer.delete").exists()


def test_cli_changes_are_audited_as_such(tenancy, monkeypatch):
    monkeypatch.setenv("CONNECT_AUDIT_CHANNEL", "cli")
    call_command("customer", "create", "--name", "Gamma eG", "--erp", "demo")
    entry = AuditLog.objects.get(action="customer.create", customer__name="Gamma eG")
    assert (entry.actor_name, entry.via, entry.ip_address) == ("cli", "cli", None)


def test_a_password_set_by_a_command_is_audited_without_the_password(tenancy, monkeypatch):
    monkeypatch.setenv("CONNECT_AUDIT_CHANNEL", "cli")
    user = User.objects.get(pk=tenancy.viewer_a.pk)
    user.set_password("geheim-und-neu-1")
    user.save()
    entry = AuditLog.objects.filter(action="user.update").latest("id")
    assert entry.changes == {"password": ["•••", "••• (geändert)"]}
    assert entry.via == "cli"
    assert "geheim" not in str(entry.changes)
