"""Write the demo portfolio as an ERP export v1: a directory, or with --zip a .zip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.erp.demo import DemoConnector
from integrations.erp.file.writer import write_export, write_export_zip


class Command(BaseCommand):
    help = (
        "Schreibt das Demo-Portfolio als ERP-Export v1 nach DIR "
        "(mit --zip als DIR.zip). Gibt den geschriebenen Pfad aus."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="Zielverzeichnis (mit --zip: Name ohne .zip)")
        parser.add_argument("--units", type=int, default=200, help="Einheiten (Standard 200)")
        parser.add_argument("--seed", type=int, default=1, help="Seed (Standard 1)")
        parser.add_argument("--zip", action="store_true", help="als DIR.zip schreiben")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["units"] < 1:
            raise CommandError("--units muss mindestens 1 sein.")
        connector = DemoConnector(units=options["units"], seed=options["seed"])
        directory = Path(options["directory"])
        if options["zip"]:
            target = directory.with_name(directory.name.removesuffix(".zip") + ".zip")
            write_export_zip(connector, target)
        else:
            target = directory
            write_export(connector, target)
        self.stdout.write(str(target))
