"""facilioo set-credentials SLUG --username U --password P --environment production|staging|sandbox
facilioo test SLUG"""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connect.exceptions import ApplicationError
from connect.models import Customer
from connect.services.credentials import facilioo_connection_set, facilioo_connection_test


class Command(BaseCommand):
    help = "facilioo-Verbindung eines Kunden setzen oder testen."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        setc = sub.add_parser("set-credentials")
        setc.add_argument("slug")
        setc.add_argument("--username", required=True)
        setc.add_argument(
            "--password",
            help="Passwort; ohne Angabe aus FACILIOO_PASSWORD oder interaktiv abgefragt.",
        )
        setc.add_argument(
            "--environment", required=True, choices=["production", "staging", "sandbox"]
        )
        test = sub.add_parser("test")
        test.add_argument("slug")

    def handle(self, *args, **options):
        customer = Customer.objects.filter(slug=options["slug"]).first()
        if customer is None:
            raise CommandError(f"Kein Kunde mit dem Kürzel „{options['slug']}“.")
        if options["action"] == "test":
            result = facilioo_connection_test(customer=customer, actor=None)
            self.stdout.write(result.message)
            if not result.ok:
                raise CommandError(result.message)
            return
        password = options["password"] or os.environ.get("FACILIOO_PASSWORD") or getpass.getpass()
        try:
            facilioo_connection_set(
                customer=customer,
                actor=None,
                actor_fallback="cli",
                username=options["username"],
                password=password,
                environment=options["environment"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS("facilioo-Zugangsdaten gespeichert."))
