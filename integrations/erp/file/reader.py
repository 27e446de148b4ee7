"""The file ERP connector: reads an ERP export v1 (a directory or a .zip).

An export is validated before anything is read from it; an invalid export is refused as a
whole with ``InvalidExport`` (carrying the report), so nothing is synced from it. A valid
export is read lazily, file by file in dependency order, one row at a time; rows with a broken
reference come out as ``RecordProblem(reason="missing_reference")`` in their place. The
validation's findings say which rows those are, so reading keeps no key sets of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from integrations.erp.base import ErpRead, GeneratorRead
from integrations.erp.file import format as fmt
from integrations.erp.file.container import ContainerError, ExportContainer
from integrations.erp.file.format import FileSpec
from integrations.erp.file.report import MISSING_REFERENCE, Finding, InvalidExport, ValidationReport
from integrations.erp.file.table import Row, Table
from integrations.erp.file.validator import (
    ReadPlan,
    check_export,
    check_mandanten,
    export_use_cases,
    unreadable_report,
)
from integrations.erp.profiles.container import open_export
from integrations.erp.records import Mandant, Record, RecordProblem, StreamItem
from integrations.phrases import phrase
from integrations.usecases import UseCase

if TYPE_CHECKING:
    from integrations.erp.profiles.profile import ImportProfile


class ExportChanged(Exception):
    """The export's files changed while they were being read; the read is not complete.

    ``detail`` names what changed (the validator's German finding, or the missing file)."""

    def __init__(self, detail: str) -> None:
        self.sentence = phrase(
            gettext_noop("Der ERP-Export hat sich seit der Prüfung geändert: %(detail)s"),
            detail=detail,
        )
        self.message = str(self.sentence)
        super().__init__(self.message)


class FileConnector:
    """An ERP connector over an ERP export v1 at ``path`` (a directory or a .zip).

    Validation results are kept for the connector's lifetime and checked against the files'
    size and modification time, so reading both use cases validates once.
    """

    def __init__(self, path: Path | str, profile: ImportProfile | None = None) -> None:
        self.path = Path(path)
        self.profile = profile
        self._container: ExportContainer | None = None
        self._checked: dict[frozenset[UseCase], tuple[ValidationReport, ReadPlan]] = {}

    # --- lifetime ------------------------------------------------------------------------

    def __enter__(self) -> FileConnector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._container is not None:
            self._container.close()

    @property
    def container(self) -> ExportContainer:
        if self._container is None:
            try:
                self._container = open_export(self.path, profile=self.profile)
            except ContainerError as exc:
                raise InvalidExport(unreadable_report(self.path, exc)) from exc
        return self._container

    # --- validation ----------------------------------------------------------------------

    def validate(self, use_cases: Collection[UseCase] | None = None) -> ValidationReport:
        """The export's validation report (see ``validate_export``)."""
        try:
            chosen = set(use_cases) if use_cases else export_use_cases(self.container)
        except InvalidExport as exc:
            return exc.report
        return self._check(chosen)[0]

    def _check(self, use_cases: set[UseCase]) -> tuple[ValidationReport, ReadPlan]:
        cache_key = frozenset(use_cases)
        cached = self._checked.get(cache_key)
        if cached is not None and cached[1].fingerprint == self.container.fingerprint():
            return cached
        try:
            result = check_export(self.container, use_cases)
        except ContainerError as exc:
            raise InvalidExport(unreadable_report(self.path, exc)) from exc
        self._checked[cache_key] = result
        return result

    # --- the connector protocol ----------------------------------------------------------

    def list_mandanten(self) -> list[Mandant]:
        report, rows = check_mandanten(self.container)
        if not report.valid:
            raise InvalidExport(report)
        return [Mandant(row.values["mandant_nr"] or "", row.values["name"] or "") for row in rows]

    def read(self, use_case: UseCase, *, mandanten: Collection[str]) -> ErpRead:
        """Validate (raising ``InvalidExport`` for an invalid export), then read lazily."""
        report, plan = self._check(export_use_cases(self.container) | {use_case})
        if not report.valid:
            raise InvalidExport(report)
        wanted = frozenset(mandanten)
        return GeneratorRead(lambda: self._records(use_case, wanted, plan))

    # --- reading -------------------------------------------------------------------------

    def _records(
        self, use_case: UseCase, wanted: frozenset[str], plan: ReadPlan
    ) -> Iterator[StreamItem]:
        for spec in fmt.USE_CASE_FILES[use_case]:
            if spec is fmt.MANDANTEN:
                continue  # Mandanten are listed, not read as records
            if spec is fmt.ORDNER and not plan.folders_in_order:
                yield from self._folders_parents_first(wanted, plan)
            else:
                for row in self._rows(spec, wanted):
                    yield self._item(spec, row, plan)

    def _rows(self, spec: FileSpec, wanted: frozenset[str]) -> Iterator[Row]:
        for item in Table(spec, self.container).rows():
            if isinstance(item, Finding):
                raise ExportChanged(item.render_de())
            if item.values["mandant_nr"] in wanted:
                yield item

    def _item(self, spec: FileSpec, row: Row, plan: ReadPlan) -> StreamItem:
        message = plan.broken.get(spec.name, {}).get(row.line)
        if message is not None:
            return RecordProblem(
                entity=spec.entity,
                key=spec.natural_key(row.values),
                reason=MISSING_REFERENCE,
                message=message,
                source=f"{spec.name}:{row.line}",
            )
        return self._record(spec, row)

    def _record(self, spec: FileSpec, row: Row) -> Record:
        values: dict[str, Any] = {}
        for column in spec.columns:
            text = row.values.get(column.name)
            values[column.name] = None if text is None else fmt.parse_value(column.kind, text)
        if spec.rolle is not None:
            values["rolle"] = spec.rolle
        if spec.art is not None:
            values["art"] = spec.art
        if spec is fmt.DOKUMENTE:
            datei: str = values["datei"]
            size = self.container.size(datei)
            if size is None:
                raise ExportChanged(f"{datei} fehlt.")
            values["dateiname"] = values["dateiname"] or fmt.default_filename(datei)
            values["size"] = size
            values["opener"] = self.container.opener(datei)
            if values["freigegeben"] is None:
                values["freigegeben"] = True
        record: Record = spec.record_type(**values)
        return record

    def _folders_parents_first(
        self, wanted: frozenset[str], plan: ReadPlan
    ) -> Iterator[StreamItem]:
        """ordner.csv names some children before their parents: read it once per tree level
        (parents first), with the folders' keys and depths in memory."""
        spec = fmt.ORDNER
        broken = plan.broken.get(spec.name, {})
        parents: dict[tuple[str, str], str | None] = {}
        for row in self._rows(spec, wanted):
            if row.line not in broken:
                key = (row.values["mandant_nr"] or "", row.values["ordner_id"] or "")
                parents[key] = row.values["parent_id"]
        depths = _depths(parents)
        for level in range(max(depths.values(), default=0) + 1):
            for row in self._rows(spec, wanted):
                if row.line in broken:
                    if level == 0:
                        yield self._item(spec, row, plan)
                    continue
                key = (row.values["mandant_nr"] or "", row.values["ordner_id"] or "")
                if depths[key] == level:
                    yield self._item(spec, row, plan)


def _depths(parents: dict[tuple[str, str], str | None]) -> dict[tuple[str, str], int]:
    """Depth of every folder (0 = top level). The validation ensured every chain ends."""
    depths: dict[tuple[str, str], int] = {}
    for start in parents:
        chain: list[tuple[str, str]] = []
        key: tuple[str, str] | None = start
        while key is not None and key not in depths:
            chain.append(key)
            parent = parents[key]
            key = None if parent is None else (key[0], parent)
        depth = -1 if key is None else depths[key]
        for member in reversed(chain):
            depth += 1
            depths[member] = depth
    return depths
