"""Benchmark the run-log pages at scale: fill the record log, time the pages, print JSON.

    python manage.py bench_logs --rows 1000000 [--runs 200] [--repeat 30] [--keep]

Fills the current database with a temporary customer, its runs and `--rows` record-log rows
(a realistic mix of entities, actions and reasons; one run holds a tenth of all rows, as a big
portfolio's first sync would), then times the portal's log pages and, when the REST API is
installed, its run and record-log endpoints, with Django's test client logged in as a support
user. Prints one JSON object with p50/p95 per page in milliseconds. Removes its data at the
end unless --keep is given.
"""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from connect.models import Customer, RunStatus, SyncRun, SyncRunItem, User

ENTITIES = [
    ("properties", 2),
    ("entrances", 4),
    ("units", 30),
    ("tenants", 34),
    ("owners", 6),
    ("contracts", 24),
]
# (action, reason, German message, weight)
OUTCOMES = [
    ("created", "", "", 25),
    ("updated", "", "", 45),
    ("skipped", "no_email", "Mieter ohne E-Mail-Adresse: keine E-Mail-Adresse", 12),
    ("skipped", "invalid_email", "ungültige E-Mail-Adresse", 2),
    ("skipped", "missing_reference", "Verweis auf eine fehlende Einheit", 3),
    ("skipped", "no_facilioo_tenant", "keinem facilioo-Mandanten zugeordnet", 2),
    ("terminated", "", "Vertrag beendet", 5),
    ("missing", "", "fehlt im ERP", 4),
    ("failed", "facilioo_rejected", "facilioo hat den Datensatz abgelehnt (HTTP 422)", 2),
]
BATCH = 10_000


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=20, method="inclusive")
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(cuts[18], 1),
        "max_ms": round(ordered[-1], 1),
    }


class Command(BaseCommand):
    help = "Record-log pages at scale: fill, time p50/p95, print JSON, clean up."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=200)
        parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="keep the generated data")

    def handle(self, *args: Any, **options: Any) -> None:
        rows: int = options["rows"]
        run_count: int = max(2, options["runs"])
        rng = random.Random(options["seed"])  # noqa: S311 (test data, not security)
        tag = uuid.uuid4().hex[:8]
        customer = Customer.objects.create(name=f"Benchmark {tag}", slug=f"bench-logs-{tag}")
        support = User.objects.create(username=f"bench-support-{tag}", is_support=True)
        try:
            started = time.perf_counter()
            big_run = self._fill(customer, rows=rows, run_count=run_count, rng=rng)
            fill_seconds = time.perf_counter() - started
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE connect_syncrunitem")
                    cursor.execute("ANALYZE connect_syncrun")
            pages = self._measure(customer, support, big_run, repeat=options["repeat"])
            result = {
                "database": connection.vendor,
                "rows": rows,
                "runs": run_count,
                "largest_run_rows": SyncRunItem.objects.filter(run=big_run).count(),
                "fill_seconds": round(fill_seconds, 1),
                "repeat": options["repeat"],
                "pages": pages,
                "p95_target_ms": 300,
                "all_under_target": all(p["p95_ms"] < 300 for p in pages.values()),
            }
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
        finally:
            if not options["keep"]:
                self._clean(customer, support)

    def _fill(
        self, customer: Customer, *, rows: int, run_count: int, rng: random.Random
    ) -> SyncRun:
        now = timezone.now()
        # One big run with a tenth of the rows, the rest spread evenly.
        big = max(1, rows // 10)
        rest = rows - big
        sizes = [big] + [
            rest // (run_count - 1) + (1 if i < rest % (run_count - 1) else 0)
            for i in range(run_count - 1)
        ]
        entity_names = [e for e, _w in ENTITIES]
        entity_weights = [w for _e, w in ENTITIES]
        outcome_weights = [o[3] for o in OUTCOMES]
        big_run: SyncRun | None = None
        for index, size in enumerate(sizes):
            created = now - timedelta(hours=12 * (run_count - index))
            run = SyncRun.objects.create(
                customer=customer,
                use_case="stammdaten",
                trigger="schedule",
                status=RunStatus.SUCCEEDED,
            )
            counts: dict[str, Counter[str]] = {}
            buffer: list[SyncRunItem] = []
            for n in range(size):
                entity = rng.choices(entity_names, entity_weights)[0]
                action, reason, message, _w = rng.choices(OUTCOMES, outcome_weights)[0]
                counts.setdefault(entity, Counter())[action] += 1
                key = f"{1000 + n % 3 * 1000}-{n // 40:05d}-{n % 40:02d}"
                buffer.append(
                    SyncRunItem(
                        run=run,
                        customer=customer,
                        entity=entity,
                        action=action,
                        reason=reason,
                        message=message,
                        erp_key=key,
                        external_id=f"WE{key}",
                        facilioo_id=100_000 + n if action in ("created", "updated") else None,
                        http_status=422 if action == "failed" else None,
                    )
                )
                if len(buffer) >= BATCH:
                    SyncRunItem.objects.bulk_create(buffer, batch_size=BATCH)
                    buffer.clear()
            if buffer:
                SyncRunItem.objects.bulk_create(buffer, batch_size=BATCH)
            SyncRun.objects.filter(pk=run.pk).update(
                created_at=created,
                started_at=created,
                finished_at=created + timedelta(minutes=20),
                counts={e: dict(c) for e, c in counts.items()},
                progress_done=size,
                progress_total=size,
            )
            if index == 0:
                big_run = run
        if big_run is None:
            raise RuntimeError("no run was created")
        return big_run

    def _measure(
        self, customer: Customer, support: User, run: SyncRun, *, repeat: int
    ) -> dict[str, dict[str, float]]:
        slug = customer.slug
        detail = reverse("portal:run", kwargs={"slug": slug, "run_id": run.pk})
        item_ids = SyncRunItem.objects.filter(run=run).order_by("-id").values_list("id", flat=True)
        late_cursor = item_ids[60]  # the second-to-last page of the biggest run
        runs_url = reverse("portal:runs", kwargs={"slug": slug})
        run_ids = list(
            SyncRun.objects.filter(customer=customer).order_by("id").values_list("id", flat=True)
        )
        late_run_cursor = run_ids[min(30, len(run_ids) - 1)]  # near the oldest runs
        pages: dict[str, str] = {
            "run_list": runs_url,
            "run_list_late_cursor": f"{runs_url}?after={late_run_cursor}",
            "run_detail_first_page": detail,
            "run_detail_action_failed": f"{detail}?action=failed",
            "run_detail_reason_no_email": f"{detail}?reason=no_email",
            "run_detail_entity_owners": f"{detail}?entity=owners",
            "run_detail_search_erp_key": f"{detail}?q=2000-00123",
            "run_detail_late_cursor": f"{detail}?after={late_cursor}",
            "run_detail_action_late_cursor": f"{detail}?action=updated&after={late_cursor}",
        }
        pages.update(self._api_pages(slug, run))
        client = Client()
        client.force_login(support)
        timings: dict[str, dict[str, float]] = {}
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
            for name, url in pages.items():
                first = client.get(url)  # warm-up: caches, prepared plans
                if first.status_code != 200:
                    raise RuntimeError(f"{name}: HTTP {first.status_code}")
                samples = []
                for _ in range(repeat):
                    began = time.perf_counter()
                    client.get(url)
                    samples.append((time.perf_counter() - began) * 1000)
                timings[name] = _percentiles(samples)
        return timings

    def _api_pages(self, slug: str, run: SyncRun) -> dict[str, str]:
        """The REST API's run and log endpoints, when they are installed."""
        try:
            runs = reverse("api:runs", kwargs={"slug": slug})
            items = reverse("api:run-items", kwargs={"slug": slug, "run_id": run.pk})
        except NoReverseMatch:
            return {}
        pages = {
            "api_runs": runs,
            "api_run_items": items,
            "api_run_items_action_failed": f"{items}?action=failed",
            "api_run_items_reason_no_email": f"{items}?reason=no_email",
        }
        return pages

    def _clean(self, customer: Customer, support: User) -> None:
        # One run at a time keeps each DELETE small.
        for run_id in SyncRun.objects.filter(customer=customer).values_list("id", flat=True):
            with transaction.atomic():
                SyncRunItem.objects.filter(run_id=run_id).delete()
        customer.delete()
        support.delete()
