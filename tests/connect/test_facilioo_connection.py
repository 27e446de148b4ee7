from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings
from django.urls import reverse

from connect import crypto
from connect.models import AuditLog, FaciliooConnection
from connect.selectors.credentials import facilioo_password
from connect.services.credentials import credential_keys_rotate, facilioo_connection_set
from tests.factories import activate_stammdaten, connect_to_sandbox, sandbox_for

SECRET = "S3cret-Passw0rd!"


def test_password_is_stored_encrypted_and_readable_for_the_sync(tenancy):
    # when
    connection = facilioo_connection_set(
        customer=tenancy.a,
        actor=tenancy.admin_a,
        username="pm@example.com",
        password=SECRET,
        environment="sandbox",
    )
    # then: not in plain text in the row, but decryptable
    row = FaciliooConnection.objects.get(pk=connection.pk)
    assert SECRET.encode() not in bytes(row.password_encrypted)
    assert facilioo_password(connection=row) == SECRET


def test_audit_log_records_the_change_without_the_password(tenancy):
    facilioo_connection_set(
        customer=tenancy.a,
        actor=tenancy.admin_a,
        username="pm@example.com",
        password=SECRET,
        environment="sandbox",
    )
    entry = AuditLog.objects.get(action="facilioo_connection.set")
    assert entry.actor == tenancy.admin_a
    assert entry.changes["username"] == [None, "pm@example.com"]
    assert "password" in entry.changes
    assert SECRET not in str(entry.changes)


def test_form_saves_and_never_shows_the_password_again(client, tenancy):
    # given
    client.force_login(tenancy.admin_a)
    url = reverse("portal:facilioo", kwargs={"slug": "alpha"})
    # when
    response = client.post(
        url, {"username": "pm@example.com", "password": SECRET, "environment": "sandbox"}
    )
    # then
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert SECRET not in page
    assert "Passwort gesetzt am" in page
    assert "pm@example.com" in page


def test_keeping_the_password_when_the_field_is_left_empty(client, tenancy):
    client.force_login(tenancy.admin_a)
    url = reverse("portal:facilioo", kwargs={"slug": "alpha"})
    client.post(url, {"username": "pm@example.com", "password": SECRET, "environment": "sandbox"})
    client.post(url, {"username": "other@example.com", "password": "", "environment": "staging"})
    connection = FaciliooConnection.objects.get(customer=tenancy.a)
    assert connection.username == "other@example.com"
    assert facilioo_password(connection=connection) == SECRET


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"username": "", "password": SECRET, "environment": "sandbox"},
            "Dieses Feld ist zwingend erforderlich.",
        ),
        (
            {"username": "kein-mail", "password": SECRET, "environment": "sandbox"},
            "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        ),
        (
            {"username": "pm@example.com", "password": "", "environment": "sandbox"},
            "Bitte geben Sie das Passwort des facilioo-Kontos an.",
        ),
        (
            {"username": "pm@example.com", "password": SECRET, "environment": "mars"},
            "Bitte eine gültige Auswahl treffen.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client, tenancy, data, message):
    client.force_login(tenancy.admin_a)
    response = client.post(reverse("portal:facilioo", kwargs={"slug": "alpha"}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FaciliooConnection.objects.filter(customer=tenancy.a).exists()


def test_key_rotation_re_encrypts_under_the_new_key(tenancy, settings):
    # given: a password stored under the old key
    old_key = settings.CREDENTIAL_ENCRYPTION_KEYS[0]
    facilioo_connection_set(
        customer=tenancy.a,
        actor=None,
        username="pm@example.com",
        password=SECRET,
        environment="sandbox",
    )
    new_key = Fernet.generate_key().decode()
    # when: the new key is put in front and the rotation runs
    with override_settings(CREDENTIAL_ENCRYPTION_KEYS=[new_key, old_key]):
        assert credential_keys_rotate() == (1, 0)
    # then: the new key alone reads it, the old key alone no longer does
    row = FaciliooConnection.objects.get(customer=tenancy.a)
    with override_settings(CREDENTIAL_ENCRYPTION_KEYS=[new_key]):
        assert facilioo_password(connection=row) == SECRET
    with (
        override_settings(CREDENTIAL_ENCRYPTION_KEYS=[old_key]),
        pytest.raises(crypto.SecretUnreadable),
    ):
        facilioo_password(connection=row)


@pytest.fixture
def sandbox(settings):

    with sandbox_for(settings) as handle:
        yield handle


def test_connection_test_against_the_sandbox_lists_its_projects(client, tenancy, sandbox, caplog):
    # given: the sandbox account stored for customer A
    connect_to_sandbox(tenancy.a, sandbox)
    client.force_login(tenancy.admin_a)
    # when: the admin presses "Verbindung testen"
    response = client.post(reverse("portal:facilioo-test", kwargs={"slug": "alpha"}), follow=True)
    # then: success with the visible projects, state stored, password nowhere
    body = response.content.decode()
    assert "Verbindung erfolgreich" in body
    assert FaciliooConnection.objects.get(customer=tenancy.a).state == "ok"
    assert sandbox.password not in body
    assert sandbox.password not in caplog.text


def test_connection_test_with_a_wrong_password_says_so(client, tenancy, sandbox, caplog):
    facilioo_connection_set(
        customer=tenancy.a,
        actor=None,
        username=sandbox.email,
        password="falsch-123",
        environment="sandbox",
    )
    client.force_login(tenancy.admin_a)
    response = client.post(reverse("portal:facilioo-test", kwargs={"slug": "alpha"}), follow=True)
    body = response.content.decode()
    assert "Zugangsdaten wurden abgelehnt" in body
    assert FaciliooConnection.objects.get(customer=tenancy.a).state == "failed"
    assert "falsch-123" not in body
    assert "falsch-123" not in caplog.text


def test_one_facilioo_account_belongs_to_one_customer(client, tenancy):
    # given: customer alpha uses the account
    facilioo_connection_set(
        customer=tenancy.a,
        actor=tenancy.admin_a,
        username="pm@example.com",
        password=SECRET,
        environment="staging",
    )
    # when: beta's admin saves the same account (other spelling) in the portal
    client.force_login(tenancy.admin_b)
    response = client.post(
        reverse("portal:facilioo", kwargs={"slug": tenancy.b.slug}),
        {"username": "PM@example.com", "password": SECRET, "environment": "staging"},
    )
    # then: refused with a German message, nothing stored; no override offered to an admin
    assert response.status_code == 400
    page = response.content.decode()
    assert "bereits mit einem anderen Kunden verbunden" in page
    assert "Begründung" not in page
    assert not FaciliooConnection.objects.filter(customer=tenancy.b).exists()
    # but the same username in another environment is another account
    facilioo_connection_set(
        customer=tenancy.b,
        actor=tenancy.admin_b,
        username="pm@example.com",
        password=SECRET,
        environment="production",
    )


def test_an_operator_may_share_an_account_with_a_reason_which_is_audited(client, tenancy):
    # the customers sync different Mandanten (tests/connect/test_shared_account.py: else not)
    activate_stammdaten(tenancy.a, mandanten=["1000"])
    activate_stammdaten(tenancy.b, mandanten=["2000"])
    facilioo_connection_set(
        customer=tenancy.a,
        actor=tenancy.admin_a,
        username="pm@example.com",
        password=SECRET,
        environment="staging",
    )
    client.force_login(tenancy.operator)
    url = reverse("portal:facilioo", kwargs={"slug": tenancy.b.slug})
    form = {"username": "pm@example.com", "password": SECRET, "environment": "staging"}

    # without a reason: refused, and the operator is told about the exception
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "mit einer Begründung eine Ausnahme" in refused.content.decode()

    # with one: saved, and the audit log says why and with whom
    response = client.post(url, {**form, "shared_reason": "Konzernschwestern, getrennte Projekte"})
    assert response.status_code == 302
    entry = AuditLog.objects.get(action="facilioo_connection.shared")
    assert entry.customer == tenancy.b
    assert entry.actor == tenancy.operator
    assert entry.reason == "Konzernschwestern, getrennte Projekte"
    assert entry.changes["shared_with"] == [None, tenancy.a.slug]
