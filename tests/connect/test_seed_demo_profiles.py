"""The demo shows the shipped example import profiles."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from connect.management.commands import seed_demo
from connect.models import Customer, ErpImportProfile, User
from integrations.erp.profiles.examples import EXAMPLE_NAMES


@pytest.mark.django_db
def test_seed_demo_gives_the_demo_the_example_profiles_once(client, tmp_path, monkeypatch):
    monkeypatch.setattr(seed_demo, "_logins_file", lambda: tmp_path / "logins.json")
    # when: the demo is set up, twice
    call_command("seed_demo", "--units", "10", "--quiet", stdout=StringIO())
    call_command("seed_demo", "--units", "10", "--quiet", stdout=StringIO())
    # then: the three examples are versions of the demo customer, none active
    customer = Customer.objects.get(slug=seed_demo.DEMO_SLUG)
    rows = ErpImportProfile.objects.filter(customer=customer).order_by("version")
    assert [(r.name, r.version, r.is_active) for r in rows] == [
        (name, number, False) for number, name in enumerate(EXAMPLE_NAMES, start=1)
    ]
    # and: the ERP page lists them for the demo admin
    client.force_login(User.objects.get(username="demo-admin"))
    page = client.get(reverse("portal:erp", kwargs={"slug": customer.slug})).content.decode()
    versions = page.split('id="profile-versions"', 1)[1].split("</table>", 1)[0]
    assert all(f"<td>{name}</td>" in versions for name in EXAMPLE_NAMES)
