"""erp_watch set SLUG FOLDER | erp_watch clear SLUG | erp_watch collect SLUG [--json]

The watched folder of a customer (on-premises installations): before each run the newest
complete .zip in it is taken, validated, kept as an upload and moved to processed/. "collect"
does that at once.
"""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connect.exceptions import ApplicationError
from connect.models import Customer
from connect.services.erp_watch import erp_watch_collect, erp_watch_folder_set
from integrations.erp.file.report import ValidationReport


class Command(BaseCommand):
    help = "Überwachten Ordner für ERP-Exporte eines Kunden setzen, leeren oder jetzt abholen."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        setc = sub.add_parser("set")
        setc.add_argument("slug")
        setc.add_argument("folder")
        clear = sub.add_parser("clear")
        clear.add_argument("slug")
        collect = sub.add_parser("collect")
        collect.add_argument("slug")
        collect.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        customer = Customer.objects.filter(slug=options["slug"]).first()
        if customer is None:
            raise CommandError(f"Kein Kunde mit dem Kürzel „{options['slug']}“.")
        action = options["action"]
        if action in ("set", "clear"):
            folder = options.get("folder", "") if action == "set" else ""
            try:
                erp_watch_folder_set(customer=customer, actor=None, folder=folder)
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Überwachter Ordner: {folder}" if folder else "Überwachter Ordner entfernt."
                )
            )
            return
        if not customer.erp_watch_folder:
            raise CommandError("Für diesen Kunden ist kein überwachter Ordner gesetzt.")
        export = erp_watch_collect(customer=customer)
        if options["json"]:
            data = (
                {"export": export.pk, "name": export.original_name, "status": export.status}
                if export is not None
                else {"export": None}
            )
            self.stdout.write(json.dumps(data))
            return
        if export is None:
            self.stdout.write("Kein neuer vollständiger ERP-Export im Ordner.")
            return
        self.stdout.write(f"{export.original_name}: {export.get_status_display()}")
        if not export.valid:
            report = ValidationReport.from_dict(export.report) if export.report else None
            if report is not None:
                for finding in report.errors[:10]:
                    self.stdout.write(f"- {finding.render_de()}")
                if len(report.errors) > 10:
                    self.stdout.write(f"- … und {len(report.errors) - 10} weitere")
            raise CommandError("Der ERP-Export ist ungültig; siehe Prüfbericht im Portal.")
