"""What the record inspector and the reconciliation need of facilioo's names.

Every name comes from the dialect (``integrations.facilioo.dialect``), the one module that
spells facilioo: these two features read facilioo only through FaciliooClient's read methods
(get, iter_pages) and look at facilioo's records only through the names below.
"""

from __future__ import annotations

from typing import Any

from integrations.facilioo import dialect
from integrations.facilioo.entity import Entity

# The record's id, its externalId, and the soft-delete flag in facilioo's read model.
RECORD_ID = dialect.ID
EXTERNAL_ID = dialect.EXTERNAL_ID
DELETED = dialect.DELETED

# The list endpoint per entity (paged by the client).
LIST_PATH = {
    entity: dialect.collection_path(entity)
    for entity in (
        Entity.PROPERTIES,
        Entity.UNITS,
        Entity.PARTIES,
        Entity.UNIT_CONTRACTS,
        Entity.DOCUMENT_GROUPS,
        Entity.DOCUMENTS,
    )
}

# How a record points at what it belongs to: used to find "our tenants'" records.
PROPERTY_TENANT = dialect.wire_name(Entity.PROPERTIES, "tenantId")  # property -> facilioo tenant
UNIT_ENTRANCE = dialect.wire_name(Entity.UNITS, "entranceId")  # unit -> entrance (= its property)
CONTRACT_UNIT = dialect.wire_name(Entity.UNIT_CONTRACTS, "unitId")  # unit contract -> unit
CONTRACT_PARTY = dialect.wire_name(Entity.UNIT_CONTRACTS, "partyId")  # unit contract -> party
GROUP_PARENT = dialect.wire_name(Entity.DOCUMENT_GROUPS, "parentId")  # folder -> parent folder
DOCUMENT_GROUP = dialect.wire_name(Entity.DOCUMENTS, "documentGroupId")  # document -> its folder
# document -> the record it is linked to, per facilioo entity of that record
DOCUMENT_TARGET = {
    Entity.PROPERTIES: dialect.wire_name(Entity.DOCUMENTS, "propertyId"),
    Entity.UNITS: dialect.wire_name(Entity.DOCUMENTS, "unitId"),
    Entity.UNIT_CONTRACTS: dialect.wire_name(Entity.DOCUMENTS, "contractId"),
    Entity.PARTIES: dialect.wire_name(Entity.DOCUMENTS, "partyId"),
}

# Rows of the field mapping whose value travels under another name in our request body: a
# party's e-mail and phone become contact details, its kind becomes facilioo's party type.
BODY_FIELD_OF_ROW: dict[str, dict[str, str]] = {
    Entity.PARTIES: {
        "contactDetails: E-Mail": "email",
        "contactDetails: Telefon": "phone",
        "type": "kind",
    },
}


def as_sent(entity: str, row: str, value: Any) -> Any:
    """A body value as facilioo receives it under the mapping row's name (kind -> type id)."""
    if entity == Entity.PARTIES and row == "type" and value is not None:
        return dialect.PARTY_TYPES.get(str(value), value)
    return value


# A field of our (canonical) request body -> the field of facilioo's read model holding it.
READ_FIELD: dict[str, dict[str, str]] = {
    entity: {canonical: wire for canonical, (wire, _evidence) in fields.items()}
    for entity, fields in dialect.FIELDS.items()
}


def compared(entity: str, body_field: str) -> bool:
    """True if facilioo's read model of the entity holds the field (a party's e-mail, phone
    and external id live elsewhere: in contact details and the external-ids list)."""
    return body_field in READ_FIELD.get(entity, {})


def canonical_name(entity: str, wire: str) -> str:
    """The product's name of a facilioo field (the field-mapping page shows facilioo's)."""
    for canonical, name in READ_FIELD.get(entity, {}).items():
        if name == wire:
            return canonical
    return wire


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
