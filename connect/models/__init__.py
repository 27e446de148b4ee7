from connect.models.audit import AuditLog
from connect.models.credentials import FaciliooConnection
from connect.models.customers import Customer, ErpSystem, Membership, Role
from connect.models.users import User

__all__ = ["AuditLog", "Customer", "ErpSystem", "FaciliooConnection", "Membership", "Role", "User"]
