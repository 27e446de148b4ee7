"""Validate an ERP export v1 (a directory or a .zip) and print the report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.erp.file import validate_export
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

    def handle(self, *args: Any, **options: Any) -> None:
        use_cases = [UseCase(value) for value in options["use_cases"] or []] or None
        report = validate_export(options["path"], use_cases)
        self.stdout.write(report.to_json() if options["json"] else report.render_de())
        if not report.valid:
            raise CommandError("Der ERP-Export ist ungültig.", returncode=1)
