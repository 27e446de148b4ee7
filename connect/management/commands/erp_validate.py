"""Validate an ERP export v1 (a directory or a .zip) and print the report; with ``--profile``
(or ``--customer``: its active profile) an export in the ERP's own layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connect.models import Customer
from connect.selectors.erp_exports import erp_profile_active
from connect.selectors.erp_sources import import_profile
from integrations.erp.file.validator import validate_export
from integrations.erp.profiles import ImportProfile, ProfileError
from integrations.erp.profiles.examples import EXAMPLE_NAMES, EXAMPLES_DIR
from integrations.usecases import UseCase


class Command(BaseCommand):
    help = (
        "Prüft einen ERP-Export v1 (Verzeichnis oder .zip) und gibt den Prüfbericht aus; "
        "Exit-Status 1, wenn der Export ungültig ist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Verzeichnis oder .zip des Exports")
        parser.add_argument(
            "--use-case",
            action="append",
            choices=[use_case.value for use_case in UseCase],
            dest="use_cases",
            help="nur für diesen Anwendungsfall prüfen (mehrfach möglich); "
            "Standard: Stammdaten, und Dokumente, wenn ordner.csv oder dokumente.csv da ist",
        )
        parser.add_argument("--json", action="store_true", help="den Bericht als JSON ausgeben")
        parser.add_argument(
            "--profile",
            help="Importprofil (JSON-Datei oder Name eines mitgelieferten Beispiels): der Export "
            "ist im eigenen Format des ERP",
        )
        parser.add_argument(
            "--customer",
            help="Kürzel eines Kunden: den Export mit dessen aktivem Importprofil prüfen",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        use_cases = [UseCase(value) for value in options["use_cases"] or []] or None
        profile = self._profile(options.get("profile"), options.get("customer"))
        report = validate_export(options["path"], use_cases, profile=profile)
        self.stdout.write(report.to_json() if options["json"] else report.render_de())
        if not report.valid:
            raise CommandError("Der ERP-Export ist ungültig.", returncode=1)

    @staticmethod
    def _profile(given: str | None, slug: str | None) -> ImportProfile | None:
        if given:
            path = Path(given)
            if not path.is_file() and given in EXAMPLE_NAMES:
                path = EXAMPLES_DIR / given / "profile.json"
            if not path.is_file():
                raise CommandError(f"Das Importprofil {given} gibt es nicht.")
            try:
                return ImportProfile.from_json(path.read_text(encoding="utf-8"))
            except ProfileError as exc:
                raise CommandError(str(exc)) from exc
        if slug:
            customer = Customer.objects.filter(slug=slug).first()
            if customer is None:
                raise CommandError(f"Kein Kunde mit dem Kürzel „{slug}“.")
            return import_profile(erp_profile_active(customer=customer))
        return None
