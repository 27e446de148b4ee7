"""Benchmark of the file connector: write a demo export, validate it, read both use cases.

``--layout``: ``v1`` (ERP export v1, the default), ``csv-profile`` (the same data in the CSV
example's layout, read through its import profile), ``xlsx-profile`` (one workbook with a
sheet per entity) or ``persons-profile`` (one workbook with title rows, one person list with a
role and one contract list with a type, keys as zero-padded numbers); workbooks are read with
python-calamine. The profile layouts hold Stammdaten only, so only Stammdaten is read;
``--stammdaten`` validates and reads export v1 for Stammdaten only too, for a like-for-like
figure. Run one layout per process: the peak memory is the process's.

Prints one JSON object; each phase has its wall-clock ``seconds`` and the process's own
``cpu_seconds`` (steadier on a machine shared with other work). Memory is the process's peak
resident size after each phase (``getrusage``), so a phase's figure includes the phases before
it; with ``--tracemalloc`` each phase also reports its own peak of Python allocations (slower).
"""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.erp.demo import DemoConnector
from integrations.erp.file import format as fmt
from integrations.erp.file.reader import FileConnector
from integrations.erp.file.writer import write_export
from integrations.erp.profiles import ImportProfile
from integrations.erp.profiles.examples import (
    csv_profile,
    person_contract_profile,
    write_csv_layout,
    write_person_contract_workbook,
    write_xlsx_workbook,
    xlsx_profile,
)
from integrations.usecases import UseCase
from tooling.bench import peak_memory_mb


class Command(BaseCommand):
    help = (
        "Misst den Datei-Connector: schreibt einen Demo-Export, prüft ihn und liest beide "
        "Anwendungsfälle; gibt ein JSON-Objekt aus."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--keep",
            metavar="DIR",
            help="den Export in DIR schreiben und behalten; steht dort schon einer, wird er "
            "wiederverwendet",
        )
        parser.add_argument("--tracemalloc", action="store_true")
        parser.add_argument(
            "--layout",
            choices=["v1", "csv-profile", "xlsx-profile", "persons-profile"],
            default="v1",
        )
        parser.add_argument(
            "--stammdaten",
            action="store_true",
            help="export v1 nur für Stammdaten prüfen und lesen (wie die Profil-Layouts)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keep"]:
            self._run(Path(options["keep"]), options)
            return
        with tempfile.TemporaryDirectory(prefix="bench-erp-") as tmp:
            self._run(Path(tmp) / "export", options)

    def _phase(self, trace: bool) -> dict[str, Any]:
        if trace:
            tracemalloc.reset_peak()
        return {"started": time.perf_counter(), "cpu_started": time.process_time()}

    def _end(self, phase: dict[str, Any], trace: bool) -> dict[str, Any]:
        started = phase.pop("started")
        phase["seconds"] = round(time.perf_counter() - started, 2)
        # The process's own CPU time: on a shared machine steadier than the wall-clock time.
        phase["cpu_seconds"] = round(time.process_time() - phase.pop("cpu_started"), 2)
        phase["peak_memory_mb"] = peak_memory_mb()
        if trace:
            phase["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        return phase

    def _layout(
        self,
        directory: Path,
        layout: str,
        phases: dict[str, Any],
        trace: bool,
        *,
        stammdaten: bool = False,
    ) -> tuple[Path, ImportProfile | None, tuple[UseCase, ...]]:
        """The export to read in the chosen layout (written next to the v1 export once)."""
        if layout == "v1":
            return directory, None, (UseCase.STAMMDATEN,) if stammdaten else tuple(UseCase)
        convert = self._phase(trace)
        if layout == "csv-profile":
            target = directory.parent / f"{directory.name}-csv"
            if not (target / "firma.csv").is_file():
                write_csv_layout(directory, target)
            profile = csv_profile(mandant_column=True)
        elif layout == "xlsx-profile":
            target = directory.parent / f"{directory.name}-xlsx"
            if not (target / "bestand.xlsx").is_file():
                target.mkdir(parents=True, exist_ok=True)
                write_xlsx_workbook(directory, target / "bestand.xlsx")
            profile = xlsx_profile()
        else:
            target = directory.parent / f"{directory.name}-persons"
            if not (target / "bestand.xlsx").is_file():
                target.mkdir(parents=True, exist_ok=True)
                write_person_contract_workbook(directory, target / "bestand.xlsx")
            profile = person_contract_profile()
        convert["path"] = str(target)
        phases["convert"] = self._end(convert, trace)
        return target, profile, (UseCase.STAMMDATEN,)

    def _run(self, directory: Path, options: dict[str, Any]) -> None:
        trace = options["tracemalloc"]
        if trace:
            tracemalloc.start()
        result: dict[str, Any] = {"units": options["units"], "seed": options["seed"]}
        phases: dict[str, Any] = {}

        export = self._phase(trace)
        reused = (directory / fmt.MANDANTEN.name).is_file()
        if not reused:
            write_export(DemoConnector(units=options["units"], seed=options["seed"]), directory)
        export["reused"] = reused
        phases["export"] = self._end(export, trace)
        result["layout"] = options["layout"]
        path, profile, use_cases = self._layout(
            directory, options["layout"], phases, trace, stammdaten=options["stammdaten"]
        )
        result["use_cases"] = [use_case.value for use_case in use_cases]

        with FileConnector(path, profile=profile) as connector:
            validate = self._phase(trace)
            report = connector.validate(use_cases)
            validate["valid"] = report.valid
            validate["rows"] = sum(summary.rows for summary in report.files.values())
            phases["validate"] = self._end(validate, trace)
            if not report.valid:
                self.stderr.write(report.render_de())

            read = self._phase(trace)
            counts: Counter[str] = Counter()
            mandanten = [mandant.mandant_nr for mandant in connector.list_mandanten()]
            for use_case in use_cases:
                for item in connector.read(use_case, mandanten=mandanten):
                    counts[type(item).__name__] += 1
            read["records"] = sum(counts.values())
            read["by_type"] = dict(counts)
            phases["read"] = self._end(read, trace)

        records = phases["read"]["records"]
        seconds = phases["validate"]["seconds"] + phases["read"]["seconds"]
        result.update(
            records=records,
            seconds=round(seconds, 2),
            records_per_second=round(records / seconds) if seconds else None,
            peak_memory_mb=peak_memory_mb(),
            phases=phases,
            export_path=str(directory) if options["keep"] else None,
        )
        self.stdout.write(json.dumps(result, ensure_ascii=False))
