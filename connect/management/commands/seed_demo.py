"""Create the demo customer with an admin, a viewer and a support user (idempotent), and give
it the shipped example import profiles as versions (none active: the demo reads its demo ERP, and
an upload stays export v1 until an admin takes a profile on the ERP page).

Passwords are generated once per machine and kept in the state folder (never in the repository).
"""

import json
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from connect.models import Customer, ErpImportProfile, Role, User
from connect.services.customers import customer_create, membership_set
from connect.services.erp_profiles import erp_profile_deactivate, erp_profile_save
from connect.settings.env import VAR_DIR
from integrations.erp.profiles.examples import EXAMPLE_NAMES, example_profile

DEMO_SLUG = "musterstadt"
DEMO_USERS = (
    ("demo-admin", Role.ADMIN),
    ("demo-viewer", Role.VIEWER),
    ("demo-support", "support"),
)


def _logins_file():

    return VAR_DIR / "demo-logins.json"


class Command(BaseCommand):
    help = "Demo-Kunden mit Administrator, Betrachter und Support-Benutzer anlegen."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=200)
        parser.add_argument("--quiet", action="store_true")

    @transaction.atomic
    def handle(self, *args, **options):
        path = _logins_file()
        logins: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        customer = Customer.objects.filter(slug=DEMO_SLUG).first()
        if customer is None:
            customer = customer_create(
                name="Musterstadt Wohnen GmbH",
                slug=DEMO_SLUG,
                actor=None,
                actor_fallback="setup",
                demo_units=options["units"],
            )
        for username, role in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None or username not in logins:
                logins[username] = secrets.token_urlsafe(9)
                if user is None:
                    user = User(username=username, email=f"{username}@example.com")
                user.set_password(logins[username])
            user.is_support = role == "support"
            user.save()
            if role != "support":
                membership_set(customer=customer, user=user, role=role, actor=None)
        if not ErpImportProfile.objects.filter(customer=customer).exists():
            for name in EXAMPLE_NAMES:
                erp_profile_save(
                    customer=customer, actor=None, definition=example_profile(name).to_dict()
                )
            erp_profile_deactivate(customer=customer, actor=None)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(logins, indent=2))
        path.chmod(0o600)
        if not options["quiet"]:
            self.stdout.write(f"Demo-Kunde: {customer.name} ({customer.slug})")
            for username, role in DEMO_USERS:
                self.stdout.write(f"  {role:8} {username} / {logins[username]}")
