"""usecase enable SLUG USE_CASE --separator S --mandanten M1,M2 [--days tue,thu,sun]
    [--times 02:00] [the settings of the use case]

The options of the settings are derived from the settings schemas of the registered use cases
(``manage.py usecase enable --help`` lists them), e.g. Stammdaten: --default-tenant ID
--deletion-policy terminate|delete --safety-brake 20; Dokumente: --archives A,B --keywords K1,K2
--dated-from YYYY-MM-DD --max-mb 50 --include-unreleased. A setting not given keeps its default.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from connect.exceptions import ApplicationError
from connect.models import Customer
from connect.services.activations import activation_enable, activation_set_paused
from integrations import registry
from integrations.sync.schema import Boolean, Choice, Field


def _settings_fields() -> dict[str, tuple[Field, list[str]]]:
    """Each setting of the registered use cases once (by name), with the use cases having it."""
    found: dict[str, tuple[Field, list[str]]] = {}
    for name in registry.names():
        for field in registry.entry(name).schema.fields:
            if field.kind == "tenant_map":
                continue  # set per Wirtschaftseinheit on the settings page
            found.setdefault(field.name, (field, []))[1].append(registry.entry(name).label)
    return found


def _add_option(parser: Any, field: Field, use_cases: list[str]) -> None:
    where = ", ".join(use_cases)
    help_text = f"{where}: {field.label}. {field.help}".replace("%", "%%")
    if isinstance(field, Boolean):
        parser.add_argument(
            field.option,
            dest=field.name,
            action="store_const",
            const=not field.cli_negates,
            help=help_text,
        )
        return
    choices = list(field.values) if isinstance(field, Choice) else None
    parser.add_argument(
        field.option,
        dest=field.name,
        type=int if field.kind in {"integer", "tenant"} else str,
        choices=choices,
        # A value every use case needs (separator, Mandanten) must be given.
        required=(field.required or field.kind == "mandanten")
        and len(use_cases) == len(registry.names()),
        help=help_text,
    )


def _settings_from(options: dict[str, Any], use_case: str) -> dict[str, Any]:
    """The settings the options give (those of the use case's schema), defaults for the rest."""
    schema = registry.entry(use_case).schema
    settings = schema.defaults()
    for field in schema.fields:
        if options.get(field.name) is not None:
            settings[field.name] = options[field.name]
    return settings


class Command(BaseCommand):
    help = "Anwendungsfälle eines Kunden aktivieren, pausieren oder fortsetzen."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        enable = sub.add_parser("enable")
        enable.add_argument("slug")
        enable.add_argument("use_case", choices=registry.names())
        for field, use_cases in _settings_fields().values():
            _add_option(enable, field, use_cases)
        enable.add_argument(
            "--days", help="Zeitplan: Wochentage, z. B. tue,thu,sun (Standard: unverändert)"
        )
        enable.add_argument(
            "--times", help="Zeitplan: Uhrzeiten HH:MM, z. B. 02:00 oder 02:00,14:00"
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
                settings = _settings_from(options, options["use_case"])
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
