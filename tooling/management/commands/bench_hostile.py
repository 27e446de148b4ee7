"""Benchmark hostile exports: the web process stays small and fast, a worker ends each one
with a German finding under its memory ceiling.

    python manage.py bench_hostile [--only NAME ...] [--json]

Needs PostgreSQL and Redis (a real Celery worker reads the files). For each hostile export of
``tooling.hostile`` (the 514 KB workbook of 200 MB shared strings, a billion-laughs
workbook, a zip bomb of 5 GB inside a workbook, a CSV file of one 400 MB line) a temporary
customer (with a workbook import profile for the workbooks, reading export v1 for the CSV file)
posts it to "Vorschlagen" on the ERP page and pushes it through the REST API, with Django's
test client in this process (the web process). A fresh worker, started with the project's
settings (its memory ceiling included), reads both. Printed per export: the
web request's time and this process's memory before and at its peak, the worker's time until
the finding and its peak memory, and the German finding. Prints JSON with --json.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from connect.celery import app as celery_app
from connect.models import Customer, ErpExport, ErpSample, Membership, Role, User
from connect.services.erp_profiles import erp_profile_save
from connect.services.erp_push_tokens import erp_push_token_create
from connect.tasks import ping
from integrations.erp.profiles.examples import example_profile
from tooling.hostile import (
    billion_laughs_xlsx,
    long_line_csv,
    shared_strings_xlsx,
    zip_bomb_xlsx,
)
from tooling.worker_process import celery_worker

MB = 1024 * 1024
WORKBOOK = "bestand.xlsx"  # the workbook the example profile "xlsx-blaetter" reads

# name -> (the export, the example import profile the customer reads it through; None: v1)
SAMPLES: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "shared_strings_514kb": (
        lambda: shared_strings_xlsx(200 * MB, padding=512 * 1024, name=WORKBOOK),
        "xlsx-blaetter",
    ),
    "billion_laughs_xlsx": (lambda: billion_laughs_xlsx(name=WORKBOOK), "xlsx-blaetter"),
    # Beyond the default ERP_UPLOAD_MAX_UNPACKED_BYTES of 4 GB, a few kilobytes on the wire.
    "zip_bomb_in_xlsx_5gb": (lambda: zip_bomb_xlsx(5 * 1024 * MB, name=WORKBOOK), "xlsx-blaetter"),
    "long_line_csv_400mb": (lambda: long_line_csv(400 * MB), None),
}


def _status_mb(pid: int | str, field: str) -> float:
    """A memory figure of /proc/<pid>/status (VmRSS, VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _peak_mb() -> float:
    """This process's peak resident memory so far (MB)."""
    return _status_mb("self", "VmHWM")


class Command(BaseCommand):
    help = "Hostile exports: web-process time and memory, worker peak memory and the finding."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", nargs="*", choices=sorted(SAMPLES), default=None)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:

        names = options["only"] or list(SAMPLES)
        queue = f"bench-hostile-{uuid.uuid4().hex[:8]}"
        previous = celery_app.conf.task_default_queue
        self._use_queue(celery_app, queue)
        results: dict[str, Any] = {
            "worker_memory_ceiling_mb": int(settings.WORKER_MEMORY_CEILING_MB),
            "samples": {},
        }
        try:
            with (
                tempfile.TemporaryDirectory(prefix="bench-hostile-") as work,
                override_settings(ALLOWED_HOSTS=["testserver"]),
            ):
                for name in names:
                    build, profile = SAMPLES[name]
                    results["samples"][name] = self._one(name, build(), profile, queue, Path(work))
        finally:
            self._use_queue(celery_app, previous)
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"worker memory ceiling: {results['worker_memory_ceiling_mb']} MB")
        for name, figures in results["samples"].items():
            self.stdout.write(f"\n{name} ({figures['size_kb']} KB)")
            for path in ("suggest", "push"):
                f = figures[path]
                self.stdout.write(
                    f"  {path:8} web {f['web_ms']:>7} ms, web memory {f['web_rss_before_mb']} → "
                    f"peak {f['web_peak_mb']} MB; worker {f['worker_ms']:>7} ms; "
                    f"status {f['status']}\n           {f['finding'][:160]}"
                )
            self.stdout.write(f"  worker peak memory {figures['worker_peak_mb']} MB")

    @staticmethod
    def _use_queue(celery_app: Any, queue: str) -> None:
        celery_app.conf.task_default_queue = queue
        for cached in ("default_queue", "queues", "router"):
            celery_app.amqp.__dict__.pop(cached, None)

    def _worker_env(self, queue: str) -> dict[str, str]:
        s = connection.settings_dict
        auth = s.get("USER") or ""
        if s.get("PASSWORD"):
            auth += f":{s['PASSWORD']}"
        return {
            "DJANGO_SETTINGS_MODULE": "connect.settings.base",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:"
            f"{s.get('PORT') or 5432}/{s['NAME']}",
            "CELERY_DEFAULT_QUEUE": queue,
            "CACHE_KEY_PREFIX": queue,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CREDENTIAL_ENCRYPTION_KEYS": ",".join(settings.CREDENTIAL_ENCRYPTION_KEYS),
            "SECRET_KEY": settings.SECRET_KEY,
        }

    def _one(
        self, name: str, content: bytes, profile: str | None, queue: str, work: Path
    ) -> dict[str, Any]:

        slug = f"bench-{uuid.uuid4().hex[:8]}"
        customer = Customer.objects.create(name=f"Benchmark {slug}", slug=slug, erp_source="file")
        user = User.objects.create_user(username=slug, password=uuid.uuid4().hex)
        Membership.objects.create(customer=customer, user=user, role=Role.ADMIN)
        if profile is not None:
            erp_profile_save(
                customer=customer, actor=None, definition=example_profile(profile).to_dict()
            )
        _token, raw = erp_push_token_create(customer=customer, actor=None, name="bench")
        client = Client()
        client.force_login(user)
        figures: dict[str, Any] = {"size_kb": round(len(content) / 1024, 1), "profile": profile}
        try:
            with celery_worker(
                self._worker_env(queue), queue=queue, log=work / f"{name}.log", name="hostile"
            ) as worker:
                # The page once and one task sent, so the figures below are not a fresh
                # process's imports and first connection to the broker (a web server's
                # processes are long-lived).
                client.get(reverse("portal:erp", kwargs={"slug": slug}))
                ping.delay("warm-up")
                # "Vorschlagen" on the ERP page
                before, start = _status_mb("self", "VmRSS"), time.monotonic()
                response = client.post(
                    reverse("portal:erp-profile", kwargs={"slug": slug}),
                    {
                        "action": "suggest",
                        "sample": SimpleUploadedFile(f"{name}.zip", content, "application/zip"),
                    },
                )
                web_ms = round((time.monotonic() - start) * 1000, 1)
                sample = ErpSample.objects.filter(customer=customer).first()
                figures["suggest"] = self._wait(
                    lambda: ErpSample.objects.get(pk=sample.pk) if sample else None,
                    lambda row: row.status != "pending",
                    lambda row: " ".join(row.errors) or "gelesen",
                    web_ms=web_ms,
                    before=before,
                    status_code=response.status_code,
                )
                # a push through the REST API
                before, start = _status_mb("self", "VmRSS"), time.monotonic()
                response = client.post(
                    reverse("api:erp-exports", kwargs={"slug": slug}),
                    data=content,
                    content_type="application/zip",
                    HTTP_AUTHORIZATION=f"Bearer {raw}",
                )
                web_ms = round((time.monotonic() - start) * 1000, 1)
                export = ErpExport.objects.filter(customer=customer).first()
                figures["push"] = self._wait(
                    lambda: ErpExport.objects.get(pk=export.pk) if export else None,
                    lambda row: row.status != "pending",
                    lambda row: " ".join(
                        f["message_de"] for f in row.report.get("findings", [])[:2]
                    ),
                    web_ms=web_ms,
                    before=before,
                    status_code=response.status_code,
                )
                figures["worker_peak_mb"] = _status_mb(worker.pid, "VmHWM")
        finally:
            for row in ErpExport.objects.filter(customer=customer):
                row.file.delete(save=False)
            for sample_row in ErpSample.objects.filter(customer=customer):
                if sample_row.file:
                    sample_row.file.delete(save=False)
            customer.delete()
            user.delete()
        return figures

    @staticmethod
    def _wait(
        load: Callable[[], Any],
        done: Callable[[Any], bool],
        finding: Callable[[Any], str],
        *,
        web_ms: float,
        before: float,
        status_code: int,
        timeout: float = 600.0,
    ) -> dict[str, Any]:
        figures: dict[str, Any] = {
            "http_status": status_code,
            "web_ms": web_ms,
            "web_rss_before_mb": before,
            "web_peak_mb": _peak_mb(),
        }
        start = time.monotonic()
        row = load()
        while row is not None and not done(row) and time.monotonic() - start < timeout:
            time.sleep(0.2)
            row = load()
        figures["worker_ms"] = round((time.monotonic() - start) * 1000, 1)
        figures["status"] = getattr(row, "status", "not stored")
        figures["finding"] = finding(row) if row is not None else ""
        return figures
