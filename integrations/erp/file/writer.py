"""Writing any ERP portfolio as an ERP export v1: CSV files plus documents under dokumente/.

Streaming: the records of a read go straight into open CSV writers (one per file) and each
document's bytes are copied from its stream into its file, so memory does not grow with the
portfolio.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from integrations.erp.base import ErpConnector
from integrations.erp.file import format as fmt
from integrations.erp.file.format import FileSpec
from integrations.erp.records import Dokument, Record, RecordProblem
from integrations.usecases import UseCase


@contextmanager
def _csv_writers(directory: Path, specs: tuple[FileSpec, ...]) -> Iterator[dict[str, Any]]:
    with ExitStack() as stack:
        writers: dict[str, Any] = {}
        for spec in specs:
            handle = stack.enter_context(
                (directory / spec.name).open("w", encoding="utf-8", newline="")
            )
            writer = csv.writer(
                handle,
                delimiter=fmt.DELIMITER,
                quotechar=fmt.QUOTECHAR,
                quoting=csv.QUOTE_MINIMAL,
                lineterminator="\r\n",
            )
            writer.writerow(spec.column_names)
            writers[spec.name] = writer
        yield writers


def _row(spec: FileSpec, record: Record) -> list[str]:
    return [fmt.format_value(column.kind, getattr(record, column.name)) for column in spec.columns]


def document_path(datei: str) -> str:
    """Where the writer puts a document: under dokumente/, keeping the document's own path
    (made safe: no "..", no absolute path, "/" as separator)."""
    parts = [part for part in datei.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    if parts[:1] == [fmt.DOCUMENTS_FOLDER]:
        parts = parts[1:]
    return "/".join((fmt.DOCUMENTS_FOLDER, *(parts or ["dokument"])))


def write_export(connector: ErpConnector, directory: Path) -> None:
    """Write all Mandanten of ``connector``, both use cases, as ERP export v1 into
    ``directory`` (created if needed). Records the connector could not read
    (``RecordProblem``) are left out."""
    directory.mkdir(parents=True, exist_ok=True)
    mandanten = connector.list_mandanten()
    numbers = [mandant.mandant_nr for mandant in mandanten]
    with _csv_writers(directory, fmt.USE_CASE_FILES[UseCase.STAMMDATEN]) as writers:
        for mandant in mandanten:
            writers[fmt.MANDANTEN.name].writerow(_row(fmt.MANDANTEN, mandant))
        for item in connector.read(UseCase.STAMMDATEN, mandanten=numbers):
            if not isinstance(item, RecordProblem):
                spec = fmt.spec_for(item)
                writers[spec.name].writerow(_row(spec, item))
    made: set[Path] = set()
    with _csv_writers(directory, (fmt.ORDNER, fmt.DOKUMENTE)) as writers:
        for item in connector.read(UseCase.DOKUMENTE, mandanten=numbers):
            if isinstance(item, RecordProblem):
                continue
            if isinstance(item, Dokument):
                datei = document_path(item.datei)
                target = directory / datei
                if target.parent not in made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                with item.open() as source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink)
                if datei != item.datei:
                    item = replace(item, datei=datei)
            spec = fmt.spec_for(item)
            writers[spec.name].writerow(_row(spec, item))


def write_export_zip(connector: ErpConnector, zip_path: Path) -> None:
    """Write the export as one .zip (the files at its top level)."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="erp-export-", dir=zip_path.parent) as tmp:
        root = Path(tmp)
        write_export(connector, root)
        partial = zip_path.with_name(zip_path.name + ".part")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for folder, subfolders, files in os.walk(root):
                subfolders.sort()
                for name in sorted(files):
                    path = Path(folder) / name
                    archive.write(path, path.relative_to(root).as_posix())
        partial.replace(zip_path)
