"""Import profiles of a customer (the layout of its own ERP export):

erp_profile save SLUG PROFILE.json      save a new version (becomes active)
erp_profile example SLUG NAME           save a shipped example (csv-je-datei, xlsx-blaetter,
                                        flach-mietvertraege)
erp_profile off SLUG                    read new exports as ERP export v1 again
erp_profile show SLUG                   the active profile as JSON
erp_profile suggest TARGET SAMPLE       suggested columns for a v1 file (e.g. einheiten.csv)
                                        from a .csv, an .xlsx (its best sheet) or a .zip
erp_profile preview SLUG EXPORT         the first rows of an export as the product reads them
erp_profile examples                    rewrite the shipped examples from the demo portfolio
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connect.exceptions import ApplicationError
from connect.models import Customer
from connect.selectors.erp_exports import erp_profile_active
from connect.selectors.erp_sources import import_profile
from connect.services.erp_profiles import erp_profile_deactivate, erp_profile_save
from integrations.erp.demo import DemoConnector
from integrations.erp.file import format as fmt
from integrations.erp.profiles.examples import (
    EXAMPLE_SEED,
    EXAMPLE_UNITS,
    EXAMPLES_DIR,
    write_examples,
)
from integrations.erp.profiles.suggest import preview, suggest_for_sample


class Command(BaseCommand):
    help = "Importprofile (eigenes Exportformat des ERP) eines Kunden verwalten."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        save = sub.add_parser("save")
        save.add_argument("slug")
        save.add_argument("file")
        example = sub.add_parser("example")
        example.add_argument("slug")
        example.add_argument("name")
        off = sub.add_parser("off")
        off.add_argument("slug")
        show = sub.add_parser("show")
        show.add_argument("slug")
        suggest = sub.add_parser("suggest")
        suggest.add_argument("target", choices=[spec.name for spec in fmt.FILES])
        suggest.add_argument("sample")
        view = sub.add_parser("preview")
        view.add_argument("slug")
        view.add_argument("export")
        view.add_argument("--rows", type=int, default=5)
        sub.add_parser("examples")

    def customer(self, slug: str) -> Customer:
        customer = Customer.objects.filter(slug=slug).first()
        if customer is None:
            raise CommandError(f"Kein Kunde mit dem Kürzel „{slug}“.")
        return customer

    def handle(self, *args, **options):
        action = options["action"]
        if action == "examples":
            for path in write_examples(DemoConnector(units=EXAMPLE_UNITS, seed=EXAMPLE_SEED)):
                self.stdout.write(str(path))
            return
        if action == "suggest":
            self.stdout.write(
                json.dumps(
                    suggest_for_sample(options["target"], Path(options["sample"])),
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        customer = self.customer(options["slug"])
        try:
            if action in ("save", "example"):
                path = (
                    Path(options["file"])
                    if action == "save"
                    else EXAMPLES_DIR / options["name"] / "profile.json"
                )
                if not path.is_file():
                    raise CommandError(f"Die Datei {path} gibt es nicht.")
                row = erp_profile_save(
                    customer=customer, actor=None, definition=path.read_text(encoding="utf-8")
                )
                self.stdout.write(self.style.SUCCESS(f"Importprofil {row} gespeichert und aktiv."))
            elif action == "off":
                erp_profile_deactivate(customer=customer, actor=None)
                self.stdout.write("Neue Exporte werden als ERP-Export v1 gelesen.")
            elif action == "show":
                active = erp_profile_active(customer=customer)
                definition = active.definition if active is not None else {}
                self.stdout.write(json.dumps(definition, ensure_ascii=False, indent=2))
            elif action == "preview":
                profile = import_profile(erp_profile_active(customer=customer))
                if profile is None:
                    raise CommandError("Der Kunde hat kein aktives Importprofil.")
                shown = preview(Path(options["export"]), profile, rows=options["rows"])
                self.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
