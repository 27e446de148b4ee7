"""Login throttling without a denial of service: failures count per user name and address;
per user name they grow a delay for addresses the user never logged in from, never a lock that
the right password from a known address cannot pass; a valid API token is never refused for
password failures; password reset mails are limited per address and per account; at most
``API_TOKEN_LIMIT`` live tokens per user."""

from __future__ import annotations

import re
from datetime import timedelta

from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOGIN = "/login/"
HOME = "198.51.100.7"


def _login(user, address: str) -> int:
    client = Client(REMOTE_ADDR=address)
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code


def _attack(user, count: int, first: int = 1) -> None:
    for n in range(first, first + count):
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            LOGIN, {"username": user.username, "password": "falsch"}
        )


def test_rotating_addresses_do_not_lock_the_user_out_of_a_known_address(tenancy, settings):
    # given: the admin has logged in from the office before
    user = tenancy.admin_a
    assert _login(user, HOME) == 302
    # when: an attacker tries wrong passwords for that user name from many addresses
    _attack(user, settings.AXES_FAILURE_LIMIT + 4)
    # then: the right password from the office still opens the portal
    assert _login(user, HOME) == 302


def test_per_user_name_failures_grow_a_delay_for_unknown_addresses(tenancy, settings):
    user = tenancy.admin_a
    _attack(user, settings.AXES_FAILURE_LIMIT)
    # a new address with the right password waits, told so in German with Retry-After
    first = Client(REMOTE_ADDR="192.0.2.200").post(
        LOGIN, {"username": user.username, "password": PASSWORD}
    )
    assert first.status_code == 429
    assert "Bitte warten Sie" in first.content.decode()
    first_wait = int(first["Retry-After"])
    assert re.search(rf"\b{first_wait} Sekunde", first.content.decode())
    # one more failure once that delay has passed: a longer delay
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=first_wait + 1))
    _attack(user, 1, first=100)
    second = Client(REMOTE_ADDR="192.0.2.201").post(
        LOGIN, {"username": user.username, "password": PASSWORD}
    )
    assert second.status_code == 429
    assert int(second["Retry-After"]) > first_wait
    # once the delay has passed, the right password works from anywhere
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(seconds=int(second["Retry-After"]) + 1)
    )
    assert _login(user, "192.0.2.202") == 302


def test_one_address_with_one_user_name_is_still_locked(tenancy, settings):
    user = tenancy.viewer_a
    assert _login(user, HOME) == 302
    office = Client(REMOTE_ADDR=HOME)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        office.post(LOGIN, {"username": user.username, "password": "falsch"})
    assert _login(user, HOME) == 429


def test_a_valid_api_token_works_from_a_locked_address(tenancy, settings):
    # given: a valid token, and its address locked by spraying passwords
    _token, secret = AuthToken.objects.create(user=tenancy.admin_a)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        Client(REMOTE_ADDR="203.0.113.9").post(
            LOGIN, {"username": UserFactory().username, "password": "falsch"}
        )
    assert _login(tenancy.viewer_a, "203.0.113.9") == 429
    # when/then: the token still opens the API from there; a wrong one does not
    api = APIClient(REMOTE_ADDR="203.0.113.9")
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/customers/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert api.get("/api/customers/").status_code == 429


def test_password_reset_mails_are_limited_per_account(tenancy, settings):
    user = tenancy.viewer_a
    user.email = "leser@alpha.example"
    user.save()
    for n in range(settings.PASSWORD_RESET_PER_ACCOUNT + 3):
        response = Client(REMOTE_ADDR=f"203.0.113.{n + 1}").post(
            "/password-reset/", {"email": "leser@alpha.example"}
        )
        # the same answer every time: it never tells whether an account exists
        assert response.status_code == 302
    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_ACCOUNT


def test_password_reset_is_limited_per_address(db, settings):
    client = Client(REMOTE_ADDR="203.0.113.44")
    statuses = [
        client.post("/password-reset/", {"email": f"wer{n}@example.org"}).status_code
        for n in range(settings.PASSWORD_RESET_PER_ADDRESS + 1)
    ]
    assert statuses[:-1] == [302] * settings.PASSWORD_RESET_PER_ADDRESS
    assert statuses[-1] == 429
    refused = client.post("/password-reset/", {"email": "noch@example.org"})
    assert "Zu viele Anfragen zum Zurücksetzen des Passworts" in refused.content.decode()
    # another address is not affected
    other = Client(REMOTE_ADDR="203.0.113.45").post("/password-reset/", {"email": "a@example.org"})
    assert other.status_code == 302


def test_the_token_limit_per_user_is_enforced(tenancy, settings):
    user = tenancy.viewer_a
    for _ in range(settings.API_TOKEN_LIMIT):
        AuthToken.objects.create(user=user)
    api = APIClient()
    response = api.post(
        "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"Sie haben bereits {settings.API_TOKEN_LIMIT} gültige API-Tokens. Bitte widerrufen "
        "Sie zuerst eines, das Sie nicht mehr brauchen (unter „Mein Konto“)."
    )
    assert AuthToken.objects.filter(user=user).count() == settings.API_TOKEN_LIMIT
    # expired tokens do not count
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(minutes=1))
    again = api.post(
        "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert again.status_code == 200
