"""sync SLUG stammdaten|dokumente [--dry-run] [--wait] [--json]

Exit status 0 for succeeded (with or without warnings), 1 otherwise.
"""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from connect.models import Customer, RunStatus, SyncRun, Trigger
from connect.services.sync_logs import RunAlreadyActive, sync_run_request
from integrations import registry


def run_summary(run: SyncRun) -> dict:
    return {
        "id": run.pk,
        "customer": run.customer.slug,
        "use_case": run.use_case,
        "dry_run": run.dry_run,
        "status": run.status,
        "phase": run.phase,
        "progress": {"done": run.progress_done, "total": run.progress_total},
        "counts": run.counts,
        "error": run.error_text,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


class Command(BaseCommand):
    help = "Einen Lauf starten (optional als Vorschau) und auf Wunsch auf sein Ende warten."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("use_case", choices=registry.names())
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--wait", action="store_true")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--timeout", type=int, default=6 * 3600)

    def handle(self, *args, **options):
        customer = Customer.objects.filter(slug=options["slug"]).first()
        if customer is None:
            raise CommandError(f"Kein Kunde mit dem Kürzel „{options['slug']}“.")
        try:
            run = sync_run_request(
                customer=customer,
                use_case=options["use_case"],
                trigger=Trigger.CLI,
                dry_run=options["dry_run"],
            )
        except RunAlreadyActive as exc:
            raise CommandError(exc.message) from exc
        if options["wait"]:
            deadline = time.monotonic() + options["timeout"]
            while run.is_active and time.monotonic() < deadline:
                time.sleep(1)
                run.refresh_from_db()
        if options["json"]:
            self.stdout.write(json.dumps(run_summary(run), ensure_ascii=False))
        else:
            self.stdout.write(
                f"Lauf #{run.pk}: {run.get_status_display()} {run.error_text}".strip()
            )
        if options["wait"] and run.status not in (RunStatus.SUCCEEDED, RunStatus.WARNING):
            sys.exit(1)
