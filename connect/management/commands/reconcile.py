"""reconcile SLUG [--use-case stammdaten|dokumente] [--json]: one reconciliation (Abgleich) of
the customer's Stammdaten or Dokumente, here and now (read-only towards facilioo). Exit status 0
when it succeeded, 1 otherwise."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from connect.exceptions import ApplicationError
from connect.models import Customer
from connect.services.reconciliations import reconciliation_create, reconciliation_execute


class Command(BaseCommand):
    help = "Einen Abgleich mit facilioo ausführen (liest nur) und seine Befunde ausgeben."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--use-case", default="stammdaten", choices=["stammdaten", "dokumente"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        customer = Customer.objects.filter(slug=options["slug"]).first()
        if customer is None:
            raise CommandError(f"Kein Kunde mit dem Kürzel „{options['slug']}“.")
        try:
            rec = reconciliation_create(
                customer=customer, use_case=options["use_case"], trigger="cli"
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        rec = reconciliation_execute(reconciliation_id=rec.pk)
        findings = [
            {
                "kind": f.kind,
                "entity": f.entity,
                "erp_key": f.erp_key,
                "external_id": f.external_id,
                "facilioo_id": f.facilioo_id,
                "fields": f.fields,
            }
            for f in rec.findings.all()
        ]
        if options["json"]:
            summary = {
                "id": rec.pk,
                "status": rec.status,
                "counts": rec.counts,
                "error": rec.error_text,
                "findings": findings,
            }
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"Abgleich #{rec.pk}: {rec.status} {rec.counts} {rec.error_text}")
            for f in findings:
                self.stdout.write(
                    f"  {f['kind']:8} {f['entity']:15} {f['erp_key'] or f['external_id']} "
                    f"{f['facilioo_id']} {', '.join(f['fields'])}"
                )
        if rec.status != "succeeded":
            sys.exit(1)
