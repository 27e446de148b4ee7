"""Every add, change and delete through the Django admin is audited, for every registered
model: the product's own, and those other libraries register (periodic tasks, two-factor
devices, login attempts, tokens, groups)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_otp.plugins.otp_totp.models import TOTPDevice

from connect.admin_audit import AuditedAdmin
from connect.models import AuditLog

ADDRESS, PROGRAM = "192.0.2.77", "Chromium/141"


@pytest.fixture
def operator(tenancy) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=PROGRAM)
    client.force_login(tenancy.operator)
    return client


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def test_every_registered_admin_model_is_audited():
    # A model registered later (by the product or a library) cannot slip through.
    unaudited = [
        model._meta.label
        for model, model_admin in _registered()
        if not isinstance(model_admin, AuditedAdmin)
    ]
    assert unaudited == []


@pytest.mark.parametrize("model", [m for m, _ in _registered()], ids=lambda m: m._meta.label)
def test_every_admin_list_still_opens(operator, model):
    opts = model._meta
    response = operator.get(f"/admin/{opts.app_label}/{opts.model_name}/")
    assert response.status_code == 200


def _entry(action: str) -> AuditLog:
    entry = AuditLog.objects.filter(action=action).latest("id")
    assert (entry.via, entry.ip_address, entry.user_agent) == ("admin", ADDRESS, PROGRAM)
    return entry


def test_disabling_a_periodic_task_with_the_admin_action_is_audited(tenancy, operator):
    # given: the overdue check, scheduled every 5 minutes for every customer
    every = CrontabSchedule.objects.create(minute="*/5", timezone="Europe/Berlin")
    task = PeriodicTask.objects.create(
        name="alerts_check_overdue", task="connect.alerts_check_overdue", crontab=every
    )
    # when: an operator disables it through "disable selected tasks"
    response = operator.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "disable_tasks", "_selected_action": [str(task.pk)]},
    )
    # then: it is off, and the audit log says who, from where, and what changed
    assert response.status_code == 302
    task.refresh_from_db()
    assert not task.enabled
    entry = _entry("periodictask.update")
    assert entry.actor == tenancy.operator
    assert entry.object_id == str(task.pk)
    assert entry.changes["enabled"] == [True, False]
    assert entry.reason == "disable_tasks"


def test_deleting_a_two_factor_device_in_the_admin_is_audited(tenancy, operator):
    device = TOTPDevice.objects.create(user=tenancy.admin_a, name="app", confirmed=True)
    response = operator.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = _entry("totpdevice.delete")
    assert entry.actor == tenancy.operator
    assert entry.changes["name"] == ["app", None]
    assert entry.changes["user_id"] == [tenancy.admin_a.pk, None]
    assert "key" not in entry.changes
    assert device.key not in str(entry.changes)


def test_adding_a_group_with_permissions_in_the_admin_is_audited(operator):
    permission = Permission.objects.get(codename="change_customer")
    response = operator.post(
        "/admin/auth/group/add/", {"name": "Betrieb", "permissions": [str(permission.pk)]}
    )
    assert response.status_code == 302
    group = Group.objects.get(name="Betrieb")
    entry = _entry("group.create")
    assert entry.object_id == str(group.pk)
    assert entry.changes["name"] == [None, "Betrieb"]
    assert entry.changes["permissions"] == [None, [str(permission.pk)]]


def test_giving_a_user_a_group_in_the_admin_is_audited(tenancy, operator):
    group = Group.objects.create(name="Betrieb")
    user = tenancy.viewer_b
    data = {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "groups": [str(group.pk)],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }
    response = operator.post(f"/admin/connect/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = _entry("user.update")
    assert entry.changes["groups"] == [[], [str(group.pk)]]
