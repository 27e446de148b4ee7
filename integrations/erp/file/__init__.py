"""The file ERP connector: ERP export v1 (docs/erp-export-v1.md) read, validated, written.

Import from the modules: ``reader`` (FileConnector), ``validator`` (validate_export),
``report`` (findings), ``writer`` (write_export). This package itself imports nothing, so the
import-profile package can build on ``format``, ``container`` and ``limits`` while the reader
and the validator open exports through a profile.
"""
