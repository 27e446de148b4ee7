"""Reading a customer's uploaded ERP exports (always within one customer)."""

from __future__ import annotations

from django.db.models import QuerySet

from connect.models import Customer, ErpExport, ErpImportProfile, ErpPushToken
from integrations.erp.file.report import ValidationReport


def erp_export_list(*, customer: Customer) -> QuerySet[ErpExport]:
    """The customer's uploads, newest first."""
    return ErpExport.objects.filter(customer=customer).select_related("uploaded_by")


def erp_export_get(*, customer: Customer, export_id: int) -> ErpExport:
    """One upload of the customer; ``ErpExport.DoesNotExist`` for another customer's."""
    return erp_export_list(customer=customer).get(pk=export_id)


def erp_export_current(*, customer: Customer) -> ErpExport | None:
    """The upload syncs read: the newest valid one."""
    return (
        ErpExport.objects.filter(customer=customer, valid=True)
        .order_by("-uploaded_at", "-id")
        .first()
    )


def erp_export_report(*, export: ErpExport) -> ValidationReport:
    """The stored validation report of an upload (empty when none was stored)."""
    if not export.report:
        return ValidationReport()
    return ValidationReport.from_dict(export.report)


def erp_push_token_list(*, customer: Customer) -> QuerySet[ErpPushToken]:
    """The customer's Übermittlungs-Tokens, newest first (revoked ones too)."""
    return ErpPushToken.objects.filter(customer=customer).select_related("created_by")


def erp_profile_active(*, customer: Customer) -> ErpImportProfile | None:
    """The import profile new exports of the customer are read through (None: export v1)."""
    return ErpImportProfile.objects.filter(customer=customer, is_active=True).first()


def erp_profile_versions(*, customer: Customer) -> QuerySet[ErpImportProfile]:
    return ErpImportProfile.objects.filter(customer=customer).select_related("created_by")
