"""Run the facilioo sandbox: a local imitation of facilioo for tests, demos and benchmarks."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tooling.sandbox.app import SandboxConfig
from tooling.sandbox.server import SandboxOptions, SandboxServer


class Command(BaseCommand):
    help = (
        "Startet die facilioo-Sandbox (ein lokaler HTTP-Server, der facilioo nachahmt) und gibt "
        "Adresse, E-Mail und Passwort aus. Beenden mit Strg+C oder SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025, help="0 wählt einen freien Port.")
        parser.add_argument(
            "--seed",
            action="store_true",
            help="Mit den Startdaten beginnen, auch wenn --state schon Daten enthält.",
        )
        parser.add_argument("--state", type=Path, help="Datei, in der die Daten erhalten bleiben.")
        parser.add_argument(
            "--password",
            help="Passwort der Sandbox-Konten (sonst FACILIOO_SANDBOX_PASSWORD oder zufällig).",
        )
        parser.add_argument("--token-lifetime", type=int, default=3600, help="Sekunden.")
        parser.add_argument("--upload-url-lifetime", type=int, default=900, help="Sekunden.")
        parser.add_argument("--error-rate", type=float, default=0.0, help="Anteil 500er (0..1).")
        parser.add_argument("--rate-limit-rate", type=float, default=0.0, help="Anteil 429er.")
        parser.add_argument("--retry-after", type=int, default=1, help="Sekunden bei 429.")
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument(
            "--drop-rate", type=float, default=0.0, help="Anteil abgebrochener Verbindungen."
        )
        parser.add_argument("--fault-seed", type=int, help="Startwert des Zufalls der Fehler.")
        parser.add_argument(
            "--no-content", action="store_true", help="Hochgeladene Bytes nicht aufbewahren."
        )
        parser.add_argument(
            "--accounts",
            type=int,
            default=1,
            help="Anzahl der Konten (je eine Hausverwaltung mit zwei Projekten).",
        )
        parser.add_argument(
            "--logins-file",
            type=Path,
            help="Die Anmeldedaten der Konten als JSON in diese Datei schreiben (statt sie "
            "auszugeben).",
        )
        parser.add_argument(
            "--ignore-field",
            action="append",
            default=[],
            metavar="ENTITÄT.FELD",
            help="Drift nachahmen: dieses Feld stillschweigend ignorieren (mehrfach möglich).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = SandboxConfig()
        try:
            config.update(
                {
                    "token_lifetime": options["token_lifetime"],
                    "upload_url_lifetime": options["upload_url_lifetime"],
                    "error_rate": options["error_rate"],
                    "rate_limit_rate": options["rate_limit_rate"],
                    "retry_after": options["retry_after"],
                    "latency_ms": options["latency_ms"],
                    "drop_rate": options["drop_rate"],
                    "seed": options["fault_seed"],
                    "ignore_fields": _ignored(options["ignore_field"]),
                }
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            server = SandboxServer(
                SandboxOptions(
                    host=options["host"],
                    port=options["port"],
                    password=options["password"],
                    state_file=options["state"],
                    fresh=options["seed"],
                    store_content=not options["no_content"],
                    config=config,
                    accounts=options["accounts"],
                )
            )
        except OSError as exc:
            raise CommandError(f"Die Sandbox kann nicht starten: {exc}") from exc
        if options["accounts"] < 1:
            raise CommandError("--accounts muss mindestens 1 sein.")

        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        server.start()
        self.stdout.write("facilioo-Sandbox läuft.")
        self.stdout.write(f"  URL:       {server.url}")
        self.stdout.write(f"  E-Mail:    {server.email}")
        self.stdout.write(f"  Passwort:  {server.password}")
        self.stdout.write(
            f"  Nutzer-Konto ohne Schreibrecht: {server.user_email} (gleiches Passwort)"
        )
        logins = server.app.logins()
        if options["logins_file"]:
            options["logins_file"].write_text(json.dumps(logins, ensure_ascii=False, indent=2))
            options["logins_file"].chmod(0o600)
            self.stdout.write(f"  Anmeldedaten der {len(logins)} Konten: {options['logins_file']}")
        elif len(logins) > 1:
            for login in logins:
                tenants = ", ".join(str(t) for t in login["tenants"])
                self.stdout.write(f"  Konto {login['email']}: Projekte {tenants}")
        if server.control_password:
            self.stdout.write(
                f"  Steuerung und Übersicht: Benutzer „sandbox“, Passwort {server.control_password}"
            )
        if options["state"]:
            self.stdout.write(f"  Daten:     {options['state']}")
        self.stdout.flush()
        while not stop.wait(0.5):
            pass
        server.stop()
        self.stdout.write("facilioo-Sandbox beendet.")


def _ignored(values: list[str]) -> dict[str, list[str]]:
    ignored: dict[str, list[str]] = {}
    for value in values:
        entity, _sep, name = value.partition(".")
        if not entity or not name:
            raise CommandError(f"--ignore-field erwartet ENTITÄT.FELD, nicht „{value}“.")
        ignored.setdefault(entity, []).append(name)
    return ignored
