"""Run the whole product on one machine: web server, Celery worker, Celery beat, facilioo sandbox.

Each part runs as its own process; their output is prefixed with the part's name. Ctrl-C (or
SIGTERM) stops them all, and if one part dies the others are stopped too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandParser

# The sandbox listens on this machine only; the other parts reach it here.
SANDBOX_HOST = "127.0.0.1"


def _pump(name: str, stream: object) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        sys.stdout.write(f"{name:>8} | {line}")
        sys.stdout.flush()


def web_command(python: str, manage: str, host: str, port: int) -> list[str]:
    """The embedded web server (``manage.py webserver``: Django's runserver, whose static file
    handler answers 404 to a path out of the static folder). With DEBUG off (the default) it
    still serves the static files (``--insecure``): nothing else serves them on one machine."""
    command = [python, manage, "webserver", f"{host}:{port}", "--noreload"]
    if not settings.DEBUG:
        command.append("--insecure")
    return command


def parts_environment(
    environ: Mapping[str, str], *, sandbox_host: str | None, sandbox_port: int
) -> dict[str, str]:
    """The environment of every part. With the sandbox on board, the portal, the workers and
    beat talk to it on the port it was started on (not to ``FACILIOO_SANDBOX_URL``'s default)."""
    env = dict(environ)
    if sandbox_host is not None:
        env["FACILIOO_SANDBOX_URL"] = f"http://{sandbox_host}:{sandbox_port}"
    return env


class Command(BaseCommand):
    help = "Portal, Celery-Worker, Celery-Beat und facilioo-Sandbox gemeinsam starten."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8025)
        parser.add_argument("--no-sandbox", action="store_true")
        parser.add_argument("--concurrency", type=int, default=2)

    @staticmethod
    def worker_command(python: str) -> list[str]:
        return [python, "-m", "celery", "-A", "connect", "worker", "-l", "INFO", "-O", "fair"]

    def handle(self, *args, **options):
        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        parts: list[tuple[str, list[str]]] = [
            ("web", web_command(python, manage, options["host"], options["port"])),
            # Small runs and housekeeping on the default queue; large initial syncs on their
            # own worker, so they never hold every slot (connect.routing).
            (
                "worker",
                [
                    *self.worker_command(python),
                    "-Q",
                    settings.CELERY_TASK_DEFAULT_QUEUE,
                    "--concurrency",
                    str(options["concurrency"]),
                    "-n",
                    "default@%h",
                ],
            ),
            (
                "large",
                [
                    *self.worker_command(python),
                    "-Q",
                    settings.SYNC_LARGE_QUEUE,
                    "--concurrency",
                    "1",
                    "-n",
                    "large@%h",
                ],
            ),
            (
                "beat",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "connect",
                    "beat",
                    "-l",
                    "INFO",
                    "--schedule",
                    str(
                        Path(os.environ.get("CONNECT_VAR_DIR", settings.BASE_DIR / "var"))
                        / "celerybeat-schedule"
                    ),
                ],
            ),
        ]
        with_sandbox = not options["no_sandbox"] and "facilioo_sandbox" in get_commands()
        env = parts_environment(
            os.environ,
            sandbox_host=SANDBOX_HOST if with_sandbox else None,
            sandbox_port=options["sandbox_port"],
        )
        if with_sandbox:
            parts.append(
                (
                    "sandbox",
                    [
                        python,
                        manage,
                        "facilioo_sandbox",
                        "--seed",
                        "--host",
                        SANDBOX_HOST,
                        "--port",
                        str(options["sandbox_port"]),
                    ],
                )
            )
        procs: list[tuple[str, subprocess.Popen[str]]] = []
        for name, cmd in parts:
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                start_new_session=True,
                env=env,
            )
            threading.Thread(target=_pump, args=(name, proc.stdout), daemon=True).start()
            procs.append((name, proc))

        stopping = threading.Event()

        def stop(*_: object) -> None:
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nConnect · facilioo läuft: http://{options['host']}:{options['port']}/  "
                "(Strg+C beendet alles)\n"
            )
        )
        while not stopping.is_set():
            for name, proc in procs:
                if proc.poll() is not None:
                    self.stderr.write(
                        f"{name} ist beendet (Status {proc.returncode}); stoppe alles."
                    )
                    stopping.set()
            stopping.wait(0.5)
        # Each part's main process gets SIGTERM and shuts down its own children (Celery's warm
        # shutdown finishes the task at hand); whatever is left after the grace time is killed.
        for _name, proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 30
        for _name, proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
