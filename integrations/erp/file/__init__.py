"""The file ERP connector: ERP export v1 (docs/erp-export-v1.md) read, validated, written."""

from integrations.erp.file.reader import ExportChanged, FileConnector
from integrations.erp.file.report import Finding, InvalidExport, ValidationReport
from integrations.erp.file.validator import validate_export
from integrations.erp.file.writer import write_export, write_export_zip

__all__ = [
    "ExportChanged",
    "FileConnector",
    "Finding",
    "InvalidExport",
    "ValidationReport",
    "validate_export",
    "write_export",
    "write_export_zip",
]
