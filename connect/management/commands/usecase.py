"""usecase enable SLUG stammdaten --separator S --mandanten M1,M2 [--default-tenant ID]
    [--days tue,thu,sun] [--times 02:00]

usecase enable SLUG dokumente --separator S --mandanten M1,M2 [--archives A,B]
    [--keywords K1,K2] [--dated-from YYYY-MM-DD] [--max-mb 50] [--include-unreleased]
"""

from django.core.management.base import BaseCommand, CommandError

from connect.exceptions import ApplicationError
from connect.models import Customer
from connect.services.activations import activation_enable, activation_set_paused
from integrations import registry
from integrations.sync.settings import DEFAULT_MAX_MB, DEFAULT_SAFETY_BRAKE_PERCENT


class Command(BaseCommand):
    help = "Anwendungsfälle eines Kunden aktivieren, pausieren oder fortsetzen."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        enable = sub.add_parser("enable")
        enable.add_argument("slug")
        enable.add_argument("use_case", choices=registry.names())
        enable.add_argument("--separator", required=True)
        enable.add_argument("--mandanten", required=True, help="z. B. 1000,2000")
        enable.add_argument("--default-tenant", type=int)
        enable.add_argument(
            "--deletion-policy", choices=["terminate", "delete"], default="terminate"
        )
        enable.add_argument("--safety-brake", type=int, default=DEFAULT_SAFETY_BRAKE_PERCENT)
        enable.add_argument("--archives", default="", help="Dokumente: nur diese Archive")
        enable.add_argument("--keywords", default="", help="Dokumente: Stichwörter der Bemerkung")
        enable.add_argument("--dated-from", default="", help="Dokumente: ab Datum JJJJ-MM-TT")
        enable.add_argument(
            "--max-mb", type=int, default=DEFAULT_MAX_MB, help="Dokumente: Höchstgröße"
        )
        enable.add_argument(
            "--days", help="Zeitplan: Wochentage, z. B. tue,thu,sun (Standard: unverändert)"
        )
        enable.add_argument(
            "--times", help="Zeitplan: Uhrzeiten HH:MM, z. B. 02:00 oder 02:00,14:00"
        )
        enable.add_argument(
            "--include-unreleased",
            action="store_true",
            help="Dokumente: auch nicht freigegebene Dokumente",
        )
        for name in ("pause", "resume"):
            p = sub.add_parser(name)
            p.add_argument("slug")
            p.add_argument("use_case", choices=registry.names())
            p.add_argument("--reason", default="")

    def handle(self, *args, **options):
        customer = Customer.objects.filter(slug=options["slug"]).first()
        if customer is None:
            raise CommandError(f"Kein Kunde mit dem Kürzel „{options['slug']}“.")
        try:
            if options["action"] == "enable":
                settings = registry.entry(options["use_case"]).cli_settings(options)
                schedule = {
                    key: options[key] for key in ("days", "times") if options[key] is not None
                }
                activation_enable(
                    customer=customer,
                    use_case=options["use_case"],
                    actor=None,
                    actor_fallback="cli",
                    settings=settings,
                    schedule=schedule or None,
                )
                self.stdout.write(
                    self.style.SUCCESS(f"{options['use_case']} für {customer.slug} aktiviert.")
                )
            else:
                activation_set_paused(
                    customer=customer,
                    use_case=options["use_case"],
                    actor=None,
                    paused=options["action"] == "pause",
                    reason=options["reason"],
                )
                self.stdout.write(f"{options['use_case']}: {options['action']}")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
