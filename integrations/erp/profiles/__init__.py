"""Import profiles: a customer's own ERP export layout (CSV or XLSX) read as ERP export v1."""

from integrations.erp.profiles.container import ProfileContainer
from integrations.erp.profiles.profile import (
    EntityMapping,
    FieldRule,
    ImportProfile,
    ProfileError,
)

__all__ = ["EntityMapping", "FieldRule", "ImportProfile", "ProfileContainer", "ProfileError"]
