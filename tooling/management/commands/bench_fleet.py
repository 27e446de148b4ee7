"""A fleet of customers on shared Celery workers: rounds of runs fired at once, measured.

    python manage.py bench_fleet --customers 12 --units 200 --workers 2 --latency-ms 5 \
        --big-customer 5000

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL): the workers are real Celery worker
processes on the benchmark's own queues. The facilioo sandbox runs in this process with one
account per customer, each a property-management company with tenants of its own
(tooling.fleet.fleet_logins). Temporary customers are created in
the current database and removed afterwards. Prints one JSON object:

- ``full_round``: every customer's first Stammdaten sync, requested at once: makespan, wait
  until start and duration (p50, p95, max), facilioo requests, peak memory per worker;
- ``no_change_round``: the same again with nothing changed, plus CPU seconds per run;
- ``memory``: worker memory after each of ``--memory-rounds`` no-change rounds (first vs last);
- ``big_customer``: with ``--big-customer``, the small customers' p95 wait in a full round
  beside the big customer's first sync, against the full round without it;
- ``scale_out``: the full round with 1, 2 and 4 worker processes (speedup against 1).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from connect.celery import app as celery_app
from connect.exceptions import ApplicationError
from connect.models import AuditLog, Customer, SyncRun, SyncRunItem, UseCaseActivation
from connect.services.credentials import facilioo_connection_set
from integrations.erp.demo import DemoConnector
from integrations.erp.file.writer import write_export
from integrations.models import ExternalLink
from tooling.fleet import (
    FleetLogin,
    RoundResult,
    fleet_logins,
    percentiles,
    run_round,
    worker_pool,
    write_fleet_export,
)
from tooling.sandbox.testing import running_sandbox


class Command(BaseCommand):
    help = "Misst eine Flotte von Kunden auf gemeinsamen Celery-Workern und gibt JSON aus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=10)
        parser.add_argument("--units", type=int, default=200)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--big-customer", type=int, default=0, metavar="UNITS")
        parser.add_argument("--scale", default="1,2,4", help="Worker-Anzahlen für scale-out")
        parser.add_argument("--memory-rounds", type=int, default=3)
        # The full round of 50 customers x 1,000 units on 2 workers alone takes over an hour.
        parser.add_argument(
            "--timeout", type=float, default=4 * 3600.0, help="Höchstdauer einer Runde in Sekunden"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_fleet braucht PostgreSQL (DATABASE_URL).")
        if not getattr(settings, "REDIS_URL", None):
            raise CommandError("bench_fleet braucht Redis (REDIS_URL).")
        if options["customers"] < 1 or options["units"] < 1 or options["workers"] < 1:
            raise CommandError("--customers, --units und --workers müssen mindestens 1 sein.")
        if options["big_customer"] and options["big_customer"] <= options["units"]:
            raise CommandError("--big-customer muss mehr Einheiten haben als --units.")
        work = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
        try:
            result = self.bench(work, options)
        except ApplicationError as exc:
            # e.g. a fleet account still connected to a customer of an earlier benchmark
            raise CommandError(
                f"Die Flotte ließ sich nicht anlegen: {exc.message} "
                "Läuft in dieser Datenbank schon ein anderes bench_fleet?"
            ) from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.stdout.write(json.dumps(result, indent=2))

    # -- setup ------------------------------------------------------------------------------

    def bench(self, work: Path, options: dict[str, Any]) -> dict[str, Any]:

        tag = uuid.uuid4().hex[:8]
        queue, large_queue = f"bench-{tag}", f"bench-{tag}-large"
        previous_queue, previous_large, previous_threshold = (
            celery_app.conf.task_default_queue,
            settings.SYNC_LARGE_QUEUE,
            settings.SYNC_LARGE_RUN_UNITS,
        )
        self._use_queues(celery_app, queue, large_queue)
        big = options["big_customer"]
        if big and not options["units"] < int(settings.SYNC_LARGE_RUN_UNITS) <= big:
            # The big customer's first sync must be a large run, the small ones must not.
            settings.SYNC_LARGE_RUN_UNITS = big
        count = options["customers"] + (1 if options["big_customer"] else 0)
        try:
            with running_sandbox(
                seed=True, latency_ms=options["latency_ms"], accounts=count + 1
            ) as sandbox:
                logins = fleet_logins(sandbox, count)
                customers: list[Any] = []
                try:
                    # Filled one by one, so a setup that fails half-way removes what it made.
                    self._customers(work, logins, options, tag, customers)
                    env = self._worker_env(sandbox.url, queue, large_queue)
                    return self._rounds(work, sandbox, customers, logins, env, options)
                finally:
                    self._remove(customers)
        finally:
            settings.SYNC_LARGE_QUEUE = previous_large
            settings.SYNC_LARGE_RUN_UNITS = previous_threshold
            self._use_queues(celery_app, previous_queue, previous_large)

    @staticmethod
    def _use_queues(celery_app: Any, queue: str, large_queue: str) -> None:
        celery_app.conf.task_default_queue = queue
        settings.SYNC_LARGE_QUEUE = large_queue
        for cached in ("default_queue", "queues", "router"):
            celery_app.amqp.__dict__.pop(cached, None)

    def _worker_env(self, sandbox_url: str, queue: str, large_queue: str) -> dict[str, str]:
        s = connection.settings_dict
        auth = s.get("USER") or ""
        if s.get("PASSWORD"):
            auth += f":{s['PASSWORD']}"
        return {
            "DJANGO_SETTINGS_MODULE": "connect.settings.base",
            # As in production: with DEBUG, Django keeps the last 9,000 queries per worker.
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:"
            f"{s.get('PORT') or 5432}/{s['NAME']}",
            "FACILIOO_SANDBOX_URL": sandbox_url,
            "CELERY_DEFAULT_QUEUE": queue,
            "SYNC_LARGE_QUEUE": large_queue,
            # Run locks and cached settings of the benchmark's own, whatever else uses Redis.
            "CACHE_KEY_PREFIX": queue,
            "SYNC_LARGE_RUN_UNITS": str(settings.SYNC_LARGE_RUN_UNITS),
            "SYNC_LARGE_WORKER_NICE": str(settings.SYNC_LARGE_WORKER_NICE),
            "CREDENTIAL_ENCRYPTION_KEYS": ",".join(settings.CREDENTIAL_ENCRYPTION_KEYS),
            "SECRET_KEY": settings.SECRET_KEY,
        }

    def _customers(
        self,
        work: Path,
        logins: list[FleetLogin],
        options: dict[str, Any],
        tag: str,
        customers: list[Any],
    ) -> None:
        """Create the fleet's customers into ``customers``, each as soon as it exists."""

        templates: dict[int, Path] = {}
        big = options["big_customer"]
        for index, login in enumerate(logins, start=1):
            units = big if big and index == len(logins) else options["units"]
            if units not in templates:
                templates[units] = work / f"template-{units}"
                write_export(DemoConnector(units=units, seed=1), templates[units])
            export = work / f"export-{index:03d}"
            mandanten = write_fleet_export(templates[units], export, prefix=str(index))
            kind = "gross" if big and index == len(logins) else "klein"
            customer = Customer.objects.create(
                name=f"Flotte {index:03d} ({kind})",
                slug=f"fleet-{tag}-{index:03d}",
                erp_source="file",
                erp_path=str(export),
            )
            customers.append(customer)
            facilioo_connection_set(
                customer=customer,
                actor=None,
                username=login.email,
                password=login.password,
                environment="sandbox",
            )
            UseCaseActivation.objects.create(
                customer=customer,
                use_case="stammdaten",
                enabled=True,
                settings={
                    "separator": "-",
                    "mandanten": mandanten,
                    "default_tenant_id": login.tenant_id,
                },
            )

    @staticmethod
    def _reset(sandbox: Any, customers: list[Any]) -> None:

        sandbox.reset()  # the fleet's accounts and tenants stay
        SyncRunItem.objects.filter(customer__in=customers).delete()
        SyncRun.objects.filter(customer__in=customers).delete()
        ExternalLink.objects.filter(customer__in=customers).delete()

    @staticmethod
    def _remove(customers: list[Any]) -> None:

        for customer in customers:
            SyncRunItem.objects.filter(customer=customer).delete()
            SyncRun.objects.filter(customer=customer).delete()
            ExternalLink.objects.filter(customer=customer).delete()
            AuditLog.objects.filter(customer=customer).delete()
            customer.delete()

    # -- rounds -----------------------------------------------------------------------------

    def _rounds(
        self,
        work: Path,
        sandbox: Any,
        customers: list[Any],
        logins: list[FleetLogin],
        env: dict[str, str],
        options: dict[str, Any],
    ) -> dict[str, Any]:
        big = options["big_customer"]
        small = customers[:-1] if big else customers
        timeout = options["timeout"]
        workers = options["workers"]
        result: dict[str, Any] = {
            "size": {
                "customers": len(small),
                "units": options["units"],
                "workers": workers,
                "latency_ms": options["latency_ms"],
                "big_customer_units": big or None,
                "pool": "solo (one run at a time per worker process)",
                "large_run_threshold_units": settings.SYNC_LARGE_RUN_UNITS,
                "large_worker_nice": settings.SYNC_LARGE_WORKER_NICE,
                "requests_per_second_per_account": settings.FACILIOO_REQUESTS_PER_SECOND,
            }
        }
        log = self.stderr.write
        with worker_pool(env, work) as pool:
            pool.start(env["CELERY_DEFAULT_QUEUE"], workers, "w")
            started = time.monotonic()
            full = run_round(small, sandbox, timeout=timeout)
            log(f"full round: {full.makespan_s} s ({time.monotonic() - started:.0f} s)")
            result["full_round"] = {**full.as_dict(), "worker_memory": pool.memory()}
            memory_series = []
            no_change: RoundResult | None = None
            cpu_per_run: list[float] = []
            for n in range(max(1, options["memory_rounds"])):
                cpu_before = pool.cpu()
                this = run_round(small, sandbox, timeout=timeout)
                cpu_per_run.append((pool.cpu() - cpu_before) / max(1, this.runs))
                memory_series.append(pool.memory())
                log(f"no-change round {n + 1}: {this.makespan_s} s")
                if no_change is None:
                    no_change = this
                    result["no_change_round"] = {
                        **this.as_dict(),
                        "cpu_s_per_run": round(cpu_per_run[0], 3),
                        "makespan_share_of_full": round(this.makespan_s / full.makespan_s, 4),
                        "worker_memory": pool.memory(),
                    }
            result["memory"] = self._memory(memory_series, len(small))
            result["no_change_round"]["cpu_s_per_run_all_rounds"] = [
                round(c, 3) for c in cpu_per_run
            ]
        if big:
            self._reset(sandbox, customers)
            with worker_pool(env, work) as pool:
                pool.start(env["CELERY_DEFAULT_QUEUE"], workers, "w")
                pool.start(env["SYNC_LARGE_QUEUE"], 1, "large")
                beside = run_round(customers, sandbox, timeout=timeout)
            big_slug = customers[-1].slug
            small_waits = [v["wait_s"] for k, v in beside.per_customer.items() if k != big_slug]

            small_p95 = percentiles(small_waits)["p95"]
            result["big_customer"] = {
                "units": big,
                "big_run": beside.per_customer.get(big_slug),
                "small_wait_s_beside_big": percentiles(small_waits),
                "small_wait_s_without_big": full.wait_s,
                "p95_wait_ratio": round(small_p95 / full.wait_s["p95"], 2)
                if full.wait_s["p95"]
                else None,
                "small_makespan_s_beside_big": round(
                    max(
                        v["wait_s"] + v["duration_s"]
                        for k, v in beside.per_customer.items()
                        if k != big_slug
                    ),
                    2,
                ),
                "round": beside.as_dict(),
            }
            log(f"big-customer round: {beside.makespan_s} s")
        scale: dict[str, Any] = {}
        for n in [int(x) for x in str(options["scale"]).split(",") if x.strip()]:
            self._reset(sandbox, customers)
            with worker_pool(env, work) as pool:
                pool.start(env["CELERY_DEFAULT_QUEUE"], n, "w")
                this = run_round(small, sandbox, timeout=timeout)
                scale[str(n)] = {
                    "makespan_s": this.makespan_s,
                    "wait_s": this.wait_s,
                    "duration_s": this.duration_s,
                    "statuses": this.statuses,
                    "worker_memory": pool.memory(),
                }
            log(f"scale-out {n} workers: {this.makespan_s} s")
        base = scale.get("1", {}).get("makespan_s")
        for entry in scale.values():
            entry["speedup"] = round(base / entry["makespan_s"], 2) if base else None
        result["scale_out"] = scale
        return result

    @staticmethod
    def _memory(series: list[dict[str, dict[str, float]]], runs_per_round: int) -> dict[str, Any]:
        first, last = series[0], series[-1]
        per_worker = {}
        for name in first:
            a, b = first[name]["rss_mb"], last[name]["rss_mb"]
            per_worker[name] = {
                "rss_mb_after_first_no_change_round": a,
                "rss_mb_after_last_round": b,
                "growth_percent": round((b - a) / a * 100, 1) if a else None,
                "peak_mb": last[name]["peak_mb"],
            }
        return {
            "rounds": len(series),
            "runs_in_between": runs_per_round * (len(series) - 1),
            "per_worker": per_worker,
            "rss_mb_series": [{k: v["rss_mb"] for k, v in m.items()} for m in series],
        }
