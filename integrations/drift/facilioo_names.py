"""Every facilioo path and JSON name the record inspector and the reconciliation use.

# ---- FACILIOO NAMES (inspector, reconciliation) --------------------------------------------
# These two features read facilioo only through FaciliooClient's read methods (get, iter_pages)
# and look at facilioo's records only through the names below. When facilioo's dialect moves
# into one module of its own, point these at it; nothing else here names a facilioo field.
"""

from __future__ import annotations

from typing import Any

# The record's id, its externalId, and the soft-delete flag in facilioo's read model.
RECORD_ID = "id"
EXTERNAL_ID = "externalId"
DELETED = "deleted"

# The list endpoint per entity (paged by the client).
LIST_PATH = {
    "properties": "/api/properties",
    "units": "/api/units",
    "parties": "/api/parties",
    "unit-contracts": "/api/unit-contracts",
}

# How a record points at what it belongs to: used to find "our tenants'" records.
PROPERTY_TENANT = "tenantId"  # property -> facilioo tenant (project)
UNIT_ENTRANCE = "entranceId"  # unit -> entrance (same id as its property)
CONTRACT_UNIT = "unitId"  # unit contract -> unit
CONTRACT_PARTY = "partyId"  # unit contract -> party

# A field of our request body -> the field of facilioo's read model holding it, where the two
# differ (today they never do).
READ_FIELD: dict[str, dict[str, str]] = {}
# ---- end of FACILIOO NAMES -------------------------------------------------------------------


def live_value(entity: str, record: dict[str, Any], body_field: str) -> Any:
    """The value facilioo holds now for a field of our request body."""
    return record.get(READ_FIELD.get(entity, {}).get(body_field, body_field))


def same_value(sent: Any, live: Any) -> bool:
    """Equal as facilioo stores them: blank text is no text, 12 equals 12.0."""
    if sent in ("", None) and live in ("", None):
        return True
    if isinstance(sent, int | float) and isinstance(live, int | float):
        return float(sent) == float(live)
    return bool(sent == live)
