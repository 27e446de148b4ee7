"""The facilioo resources, by their canonical name: the one spelling of an entity in code.

Templates, JSON and the database keep the string values (``Entity.UNITS == "units"``).
"""

from __future__ import annotations

import enum


class Entity(enum.StrEnum):
    """The facilioo resources the sync writes, by their canonical name (dialect.COLLECTIONS)."""

    PROPERTIES = "properties"
    ENTRANCES = "entrances"
    UNITS = "units"
    PARTIES = "parties"
    UNIT_CONTRACTS = "unit-contracts"
    DOCUMENT_GROUPS = "document-groups"
    FILES = "files"
    DOCUMENTS = "documents"
    CONTACT_DETAILS = "contact-details"
