"""Import profiles of a customer (the layout of its own ERP export):

erp_profile save SLUG PROFILE.json      save a new version (becomes active)
erp_profile example SLUG NAME           save a shipped example (csv-je-datei, xlsx-blaetter,
                                        flach-mietvertraege, personen-vertraege,
                                        flach-vertragsbericht)
erp_profile off SLUG                    read new exports as ERP export v1 again
erp_profile show SLUG                   the active profile as JSON
erp_profile draft SAMPLE [--customer SLUG | --mandant NR]
                                        a whole profile suggested for a sample (.csv, .xlsx
                                        or .zip) as JSON on stdout, as the portal's
                                        "Vorschlagen" drafts it; what is open and how sure
                                        each field is on stderr (save it with `save`)
erp_profile suggest TARGET SAMPLE       suggested columns for a v1 file (e.g. einheiten.csv)
                                        from a .csv, an .xlsx (its best sheet) or a .zip
erp_profile preview SLUG EXPORT         the first rows of an export as the product reads them
erp_profile examples                    rewrite the shipped examples from the demo portfolio
"""

import json
import zipfile
from pathlib import Path
from typing import cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connect.exceptions import ApplicationError
from connect.models import Customer
from connect.selectors.activations import activation_mandanten
from connect.selectors.erp_exports import erp_profile_active
from connect.selectors.erp_sources import import_profile
from connect.services.erp_exports import workbook_refusal
from connect.services.erp_profiles import erp_profile_deactivate, erp_profile_save
from integrations.erp.demo import DemoConnector
from integrations.erp.file import format as fmt
from integrations.erp.profiles import ProfileError
from integrations.erp.profiles.examples import (
    EXAMPLE_SEED,
    EXAMPLE_UNITS,
    EXAMPLES_DIR,
    write_examples,
)
from integrations.erp.profiles.suggest import (
    ASK_MANDANT,
    Confidence,
    draft_with_confidence,
    preview,
    suggest_for_sample,
    with_mandant,
    without_filled_mandant,
)
from integrations.erp.profiles.workbook import WorkbookError

# Below this, a suggested field is listed for a person to check (a close spelling is at most 0.7).
SURE = 0.9


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
        draft = sub.add_parser("draft")
        draft.add_argument("sample")
        mandant = draft.add_mutually_exclusive_group()
        mandant.add_argument(
            "--customer",
            metavar="SLUG",
            help="use the Mandant number of this customer's settings, as the portal does",
        )
        mandant.add_argument(
            "--mandant",
            default="",
            help="the Mandant number of every file no column names it in (asked once)",
        )
        draft.add_argument("--name", default="Vorschlag", help="the profile's name")
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

    def draft(self, options: dict) -> None:
        sample = Path(options["sample"])
        if not sample.is_file():
            raise CommandError(f"Die Datei {sample} gibt es nicht.")
        with sample.open("rb") as handle:
            refused = workbook_refusal(sample.name, handle.read(8))
        if refused:
            raise CommandError(refused)
        known: list[str] = []
        if options["customer"]:
            known = activation_mandanten(customer=self.customer(options["customer"]))
        try:
            drafted, missing, confidence = draft_with_confidence(
                sample, name=options["name"], known_mandanten=known
            )
        except (ProfileError, WorkbookError, ValueError, zipfile.BadZipFile) as exc:
            raise CommandError(
                f"Die Datei „{sample.name}“ kann nicht als ERP-Export gelesen werden: {exc}"
            ) from exc
        given = str(options["mandant"]).strip()
        if given:
            entities = cast("dict[str, object]", drafted["entities"])
            missing = without_filled_mandant(missing, with_mandant(entities, given))
        self.stdout.write(json.dumps(drafted, ensure_ascii=False, indent=2))
        for point in missing:
            self.stderr.write(f"Offen: {point}")
            if point.msgid == ASK_MANDANT and not given:
                self.stderr.write("       (mit --mandant NR wird sie in jede Datei eingetragen)")
        for line in unsure_fields(drafted, confidence):
            self.stderr.write(f"Bitte prüfen: {line}")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "examples":
            for path in write_examples(DemoConnector(units=EXAMPLE_UNITS, seed=EXAMPLE_SEED)):
                self.stdout.write(str(path))
            return
        if action == "draft":
            self.draft(options)
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


def unsure_fields(drafted: dict, confidence: Confidence) -> list[str]:
    """ "mieter.csv, Feld email ← „Mail“ (70 % sicher)" for each suggested field a person should
    check, in the order of the draft."""
    lines = []
    for target, entity in (drafted.get("entities") or {}).items():
        for field_name, rule in (entity.get("fields") or {}).items():
            surety = confidence.get(target, {}).get(field_name)
            if surety is None or surety >= SURE:
                continue
            source = rule.get("column") or ", ".join(rule.get("join") or []) or rule.get("constant")
            sure = f"{round(100 * surety)} % sicher"
            lines.append(f"{target}, Feld {field_name} ← „{source}“ ({sure})")
    return lines
