from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_login_and_logout(client, tenancy):
    response = client.post(
        reverse("login"), {"username": tenancy.admin_a.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:dashboard", kwargs={"slug": "alpha"})).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("portal:dashboard", kwargs={"slug": "alpha"})).status_code == 302


def test_wrong_password_shows_a_message(client, tenancy):
    response = client.post(
        reverse("login"), {"username": tenancy.admin_a.username, "password": "nope"}
    )
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch" in response.content.decode()


def test_login_is_throttled_after_repeated_failures(client, tenancy, settings):
    # given: the limit of failed attempts (3 in the test settings) is used up
    username = tenancy.admin_a.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong"})
    # when: even the right password is tried now
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    # then: locked out with a message, and not logged in
    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert client.get(reverse("portal:dashboard", kwargs={"slug": "alpha"})).status_code == 302


def test_throttling_is_per_user_name_and_per_address(client, tenancy, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": tenancy.admin_a.username, "password": "wrong"})
    # another user from another address is not affected
    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    response = elsewhere.post(
        reverse("login"), {"username": tenancy.viewer_a.username, "password": PASSWORD}
    )
    assert response.status_code == 302
