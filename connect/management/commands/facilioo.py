"""facilioo set-credentials SLUG --username U --password P --environment production|staging|sandbox
facilioo test SLUG
facilioo probe SLUG [--json] [--tenant ID]   (conformance probe; exit 1 on any mismatch)"""

import getpass
import json
import os
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connect.exceptions import ApplicationError
from connect.models import Customer
from connect.services.credentials import (
    facilioo_connection_set,
    facilioo_connection_test,
    facilioo_probe_run,
)


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
        setc.add_argument(
            "--shared-reason",
            default="",
            help="Begründung, wenn das Konto bewusst auch für einen anderen Kunden dient "
            "(wird im Audit-Protokoll festgehalten).",
        )
        test = sub.add_parser("test")
        test.add_argument("slug")
        probe = sub.add_parser("probe")
        probe.add_argument("slug")
        probe.add_argument("--json", action="store_true", help="Ergebnis als JSON ausgeben.")
        probe.add_argument(
            "--tenant", type=int, help="facilioo-Projekt (Pflicht in der Produktionsumgebung)."
        )

    def handle(self, *args, **options):
        customer = Customer.objects.filter(slug=options["slug"]).first()
        if customer is None:
            raise CommandError(f"Kein Kunde mit dem Kürzel „{options['slug']}“.")
        if options["action"] == "probe":
            self._probe(customer, options)
            return
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
                shared_reason=options["shared_reason"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS("facilioo-Zugangsdaten gespeichert."))

    def _probe(self, customer: Customer, options: dict) -> None:
        try:
            result = facilioo_probe_run(customer=customer, actor=None, tenant_id=options["tenant"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        else:
            if result.get("error"):
                self.stdout.write(f"Fehler: {result['error']}")
            for check in result["checks"]:
                line = f"{check['entity']:16} {check['field']:16} {check['outcome']}"
                if check["outcome"] == "changed":
                    line += f" (gesendet {check['sent']!r}, zurück {check['got']!r})"
                elif check["outcome"] == "refused":
                    line += f" ({check.get('message', '')})"
                self.stdout.write(line)
            self.stdout.write(
                "Schnittstelle in Ordnung." if result["ok"] else "Abweichungen gefunden."
            )
        if not result["ok"]:
            sys.exit(1)
