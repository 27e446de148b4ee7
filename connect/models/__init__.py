from connect.models.activations import UseCaseActivation
from connect.models.alerts import Alert, AlertKind
from connect.models.audit import AuditLog
from connect.models.credentials import FaciliooConnection
from connect.models.customers import Customer, ErpSystem, Membership, Role
from connect.models.erp_exports import (
    ErpExport,
    ErpImportProfile,
    ErpPushToken,
    ErpSample,
    ExportOrigin,
    ExportStatus,
    SampleAction,
    SampleStatus,
)
from connect.models.sync_logs import ItemAction, RunStatus, SyncRun, SyncRunItem, Trigger
from connect.models.tokens import ApiTokenInfo
from connect.models.users import User

__all__ = [
    "Alert",
    "AlertKind",
    "ApiTokenInfo",
    "AuditLog",
    "Customer",
    "ErpExport",
    "ErpImportProfile",
    "ErpPushToken",
    "ErpSample",
    "ErpSystem",
    "ExportOrigin",
    "ExportStatus",
    "FaciliooConnection",
    "ItemAction",
    "Membership",
    "Role",
    "RunStatus",
    "SampleAction",
    "SampleStatus",
    "SyncRun",
    "SyncRunItem",
    "Trigger",
    "UseCaseActivation",
    "User",
]
