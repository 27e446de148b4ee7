"""facilioo's dialect: every path, JSON name, enum value and lookup the product sends or reads.

The mappers produce *canonical* payloads (the product's own field names); this module renders
them into facilioo's wire format and reads facilioo's answers back. No other module spells a
facilioo field. When the real API turns out to differ, this is the one place to change, and
the conformance probe (``integrations.facilioo.probe``) names the entry that differs.

Every entry carries its evidence (docs/facilioo.md, section 'The dialect module'):

- ``D``: documented on developers.facilioo.de;
- ``O``: observed in public client code that called the real API;
- ``I``: inferred (a naming guess), to be confirmed by the probe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from integrations.facilioo.entity import Entity

JSON = dict[str, Any]
Evidence = Literal["D", "O", "I"]

# ---------------------------------------------------------------------------------------------
# Transport
# ---------------------------------------------------------------------------------------------

API_VERSION_HEADER: Final = "api-version"  # O (C1, C3); semantics D (endpoint pages)
API_VERSION: Final = "2.0"  # D: "1 or 2, with or without .0", 2.0 when omitted
PAGE_NUMBER: Final = "PageNumber"  # D (query string, also on /search), O (name)
PAGE_SIZE_PARAM: Final = "PageSize"  # D (query string), O (name)
MAX_PAGE_SIZE: Final = 100  # O (C1, C2: clients use 100; not documented)
PAGE_ITEMS: Final = "items"  # D (pagination envelope)
PAGE_HAS_NEXT: Final = "hasNextPage"  # D (pagination envelope)

# Auth (reference §3)
LOGIN_PATH: Final = "/api/auth/login"  # D
REFRESH_PATH: Final = "/api/auth/refresh"  # D (name); O: no body, refresh token as bearer
LOGIN_EMAIL: Final = "email"  # D
LOGIN_PASSWORD: Final = "password"  # noqa: S105 (a field name) D
LOGIN_SKIP_MFA: Final = "skipMultiFactorAuthentication"  # D
ACCESS_TOKEN: Final = "accessToken"  # noqa: S105 (a field name) O (C1, C3; named in the docs' prose)
REFRESH_TOKEN: Final = "refreshToken"  # noqa: S105 (a field name) O (C3)
TWO_FACTOR_REQUIRED: Final = "twoFactorRequired"  # O (C3)

# Read-model fields every entity has (reference §11)
ID: Final = "id"  # O (camelCase, integer ids)
DELETED: Final = "deleted"  # O (C2: soft delete, ISO timestamp or null)
CREATED: Final = "created"  # O (C2)
EXTERNAL_ID: Final = "externalId"  # D (single external id entities, S11)
NAME: Final = "name"  # O (properties, tenants, catalogues)

# ---------------------------------------------------------------------------------------------
# Collections: canonical entity name (the product's bookkeeping name) → path
# ---------------------------------------------------------------------------------------------

TENANTS_PATH: Final = "/api/tenants"  # O (C3 route list); concept D (S5)
UNIT_TYPES_PATH: Final = "/api/unit-types"  # O (C3 route list); values not documented
FILE_TYPES_PATH: Final = "/api/file-types"  # D (S14: "fetched through the API"), O (route)

COLLECTIONS: Final[Mapping[str, tuple[str, Evidence]]] = {
    Entity.PROPERTIES: ("/api/properties", "D"),  # S17
    Entity.ENTRANCES: ("/api/entrances", "O"),  # C3 route list; PATCH I
    Entity.UNITS: ("/api/units", "O"),  # C3 route list; POST/PATCH I
    Entity.PARTIES: ("/api/parties", "D"),  # S18
    Entity.UNIT_CONTRACTS: ("/api/unit-contracts", "D"),  # S19, S20, S21
    Entity.DOCUMENT_GROUPS: ("/api/document-groups", "O"),  # C3 route; search D (S15)
    Entity.FILES: ("/api/files", "D"),  # S14
    Entity.DOCUMENTS: ("/api/documents", "D"),  # S16
    Entity.CONTACT_DETAILS: ("/api/contact-details", "D"),  # S22 (search); create I
}


def collection_path(entity: str) -> str:
    """``/api/<entities>``: list (GET) and create (POST)."""
    return COLLECTIONS[entity][0]


def record_path(entity: str, record_id: int) -> str:
    """``/api/<entities>/{id}``: read (GET, I), partial update (PATCH, D S20), delete (I)."""
    return f"{collection_path(entity)}/{int(record_id)}"


def search_path(entity: str) -> str:
    """``/api/<entities>/search``: uniform search (D S23), paging in the query string (D S10)."""
    return f"{collection_path(entity)}/search"


def party_external_ids_path(party_id: int) -> str:
    """GET (a page of strings), PUT (replaces the list) of a party's external ids. D S11, §17:
    PUT for roles Admin and PMC. Whether GET shows other owners' ids and PUT replaces only the
    caller's own is not documented: the product reads, merges and writes back."""
    return f"{collection_path(Entity.PARTIES)}/{int(party_id)}/external-ids"


def upload_path(file_id: int) -> str:
    """``PUT /api/files/{id}/upload`` → a pre-signed upload URL. D S14."""
    return f"{collection_path(Entity.FILES)}/{int(file_id)}/upload"


# No search filter by external id is documented (reference §17): facilioo's ASP.NET binding
# ignores unknown keys, so such a filter would be an unfiltered search. The product never sends
# one: single-id records are found in one listing per run, parties through the batch lookup.
# The search body key for a list of ids: D (S21, S22, /reference/filtering).
SEARCH_IDS: Final = "ids"
# Free-text search field of a search body: D (/reference/filtering, reference §17).
SEARCH_TEXT: Final = "searchTerm"
# What the free text of a search looks at, per entity: the field whose value finds a record
# again after a create whose answer was lost. D for unit contracts ("searches the
# UnitContract's Number", S21); I for the others.
TEXT_SEARCHED: Final[Mapping[str, tuple[str, Evidence]]] = {
    Entity.PROPERTIES: ("number", "I"),
    Entity.UNITS: ("name", "I"),
    Entity.UNIT_CONTRACTS: ("number", "D"),
    Entity.DOCUMENT_GROUPS: ("name", "I"),
    Entity.FILES: ("name", "I"),
    Entity.DOCUMENTS: ("title", "I"),
}

# Parties' external ids, owned per company (reference §17, /reference/external-ids).
# The batch lookup: D (/reference/post_api-parties-external-ids-search), paged in the query,
# body {"partyIds": [int] | null, "externalIds": [string] | null}; case-insensitive; the
# caller's own ids only; an empty list returns nothing.
PARTY_EXTERNAL_IDS_SEARCH_PATH: Final = "/api/parties/external-ids/search"  # D
LOOKUP_PARTY_IDS: Final = "partyIds"  # D
LOOKUP_EXTERNAL_IDS: Final = "externalIds"  # D
LOOKUP_BATCH: Final = 100  # D: PageSize 1 to 100; as many values per request
# The answer's items, PartyExternalIdRead: the names are not shown (I, checked by the probe).
LOOKUP_READ_PARTY: Final = "partyId"  # I
LOOKUP_READ_VALUE: Final = "externalId"  # I
# A party's type in its read model (I, the enum is D S18).
PARTY_TYPE_FIELD: Final = "type"  # I
# A one-time marker a new party carries until our external id is on it, so a create whose
# answer was lost is found again by proof (``searchTerm``), never by names and time. The
# fourth name field (D S18: further persons of a party; JSON name I) is free on our parties.
PARTY_MARKER_FIELD: Final = "quaternaryName"  # I
PARTY_MARKER_PREFIX: Final = "connect-anlage-"

# The answer of PUT /api/files/{id}/upload: shape not documented (I); a plain string is accepted.
UPLOAD_URL_KEYS: Final = ("url", "uploadUrl")

# ---------------------------------------------------------------------------------------------
# Field names: canonical name → (wire name, evidence), per entity
# ---------------------------------------------------------------------------------------------

_ADDRESS: Mapping[str, tuple[str, Evidence]] = {
    "street": ("street", "I"),
    "houseNumber": ("houseNumber", "I"),
    "zipCode": ("zipCode", "I"),
    "city": ("city", "I"),
}

FIELDS: Final[Mapping[str, Mapping[str, tuple[str, Evidence]]]] = {
    Entity.PROPERTIES: {
        "tenantId": ("tenantId", "I"),  # S17 keeps the type, not the name
        "name": ("name", "O"),  # C2 (read model)
        "number": ("number", "O"),  # C2 (read model); unique per tenant D (S17)
        "externalId": ("externalId", "O"),  # C2 (read model)
        **_ADDRESS,
    },
    Entity.ENTRANCES: {
        "name": ("name", "I"),
        **_ADDRESS,
    },
    Entity.UNITS: {
        "entranceId": ("entranceId", "I"),  # units hang on entrances D (S8)
        "name": ("name", "I"),
        "number": ("number", "I"),
        "externalId": ("externalId", "I"),
        "floor": ("floor", "I"),
        "typeId": ("typeId", "I"),  # /api/unit-types O (C3)
        "livingArea": ("livingArea", "I"),
    },
    Entity.PARTIES: {
        "type": ("type", "I"),  # the enum is D (S18), the JSON name I
        "marker": (PARTY_MARKER_FIELD, "I"),  # a one-time create marker, see above
        "firstNames": ("primaryName", "I"),  # PrimaryName D (S18 prose), camelCase I
        "lastName": ("secondaryName", "I"),  # SecondaryName D (S18 prose), camelCase I
        "contactByEmail": ("contactByEmail", "I"),  # three required booleans D (S18)
        "contactByPush": ("contactByPush", "I"),
        "contactByMail": ("contactByMail", "I"),
    },
    Entity.UNIT_CONTRACTS: {
        "unitId": ("unitId", "I"),  # int32 required D (S19), name I
        "partyId": ("partyId", "I"),  # int32 required D (S19), name I
        "typeId": ("typeId", "I"),  # int32 required D (S19), enum D (S21)
        "number": ("number", "I"),  # S21 "searches the contract's Number"
        "effectiveFrom": ("effectiveFrom", "I"),  # EffectiveFrom D (S21 prose)
        "terminationAt": ("terminationAt", "I"),  # TerminationAt D (S21 prose)
        "externalId": ("externalId", "I"),  # external id on creation D (S13)
    },
    Entity.DOCUMENT_GROUPS: {
        "name": ("name", "I"),
        "parentId": ("parentId", "I"),  # ParentId D (S15)
        "externalId": ("externalId", "I"),
    },
    Entity.FILES: {
        "name": ("name", "I"),  # original file name D (S14), name I
        "fileTypeId": ("fileTypeId", "I"),  # file type id D (S14), name I
        "externalId": ("externalId", "I"),  # external identifier D (S14), name I
    },
    Entity.DOCUMENTS: {
        "title": ("title", "D"),  # S16: 1 to 255 characters, required
        "description": ("description", "D"),  # S16
        "documentGroupId": ("documentGroupId", "I"),  # document group id D (S16)
        "date": ("date", "I"),  # business date D (S16)
        "propertyId": ("propertyId", "D"),  # S16 (PropertyId)
        "unitId": ("unitId", "D"),  # S16 (UnitId)
        "contractId": ("contractId", "D"),  # S16 (ContractId)
        "partyId": ("partyId", "D"),  # S16 (PartyId)
        "fileId": ("fileId", "I"),  # file id required D (S16)
        "externalId": ("externalId", "D"),  # S16 external id
    },
    "tenants": {
        # Read only: GET /api/tenants (O, C3 route list); the client hands these out canonical.
        "id": ("id", "O"),
        "name": ("name", "O"),
        "externalId": ("externalId", "I"),  # tenants are suggested by it (docs/use-cases.md)
    },
    Entity.CONTACT_DETAILS: {
        # The create shape of a contact detail is not documented (reference §10.7): all I.
        "partyId": ("partyId", "I"),  # "owning party" filter D (S22)
        "contactTypeId": ("contactTypeId", "I"),  # ContactTypeId D (S22)
        "value": ("value", "I"),  # "searches Value" D (S22)
    },
}


def wire_name(entity: str, canonical: str) -> str:
    return FIELDS[entity][canonical][0]


def render(entity: str, canonical: Mapping[str, Any]) -> JSON:
    """A canonical payload as facilioo's request body. An unknown canonical name is a bug."""
    names = FIELDS[entity]
    unknown = sorted(set(canonical) - set(names))
    if unknown:
        raise KeyError(f"dialect: no facilioo name for {entity}.{', '.join(unknown)}")
    return {names[key][0]: value for key, value in canonical.items()}


def read_back(entity: str, record: Mapping[str, Any]) -> JSON:
    """facilioo's read model in canonical names (fields the dialect does not know dropped)."""
    return {
        canonical: record[wire]
        for canonical, (wire, _evidence) in FIELDS[entity].items()
        if wire in record
    }


# ---------------------------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------------------------

PARTY_TYPES: Final[Mapping[str, int]] = {
    "user": 7,  # D (S2, S18): User, tenants and owners
}
PARTY_TYPE_PMC: Final = 2  # D (S2): PropertyManagementCompany, the sync account's type
CONTRACT_TYPES: Final[Mapping[str, int]] = {
    "owner": 3,  # D (S4, S21)
    "tenant": 4,  # D (S4, S21)
}
# Contact types (ContactTypeId, D S22); the values are not documented: I, verified by the probe.
CONTACT_TYPES: Final[Mapping[str, int]] = {
    "email": 1,  # I
    "phone": 2,  # I
}
# Salutation: the party body has an unnamed int32/null (S18); its values are unknown, so the
# dialect knows none and the product sends no salutation.
SALUTATIONS: Final[Mapping[str, int]] = {}
# File types: only PDF = 1 is documented (D S14); the rest comes from /api/file-types.
FILE_TYPE_PDF: Final = 1


def render_party(canonical: Mapping[str, Any]) -> JSON:
    """A canonical party (kind, names, contact-by flags) as facilioo's party body.

    E-mail, phone and the external id are not part of the party body: they go through the
    contact details and the external-ids sub-resource (``contact_detail_body``,
    ``party_external_ids_path``).
    """
    body = {key: value for key, value in canonical.items() if key in FIELDS[Entity.PARTIES]}
    body["type"] = PARTY_TYPES[str(canonical.get("kind", "user"))]
    return render(Entity.PARTIES, body)


def contact_detail_body(party_id: int, contact_type: str, value: str) -> JSON:
    """The create body of a contact detail (I: the shape is not documented)."""
    return render(
        Entity.CONTACT_DETAILS,
        {"partyId": party_id, "contactTypeId": CONTACT_TYPES[contact_type], "value": value},
    )


def contact_detail_search(party_id: int, contact_type: str) -> JSON:
    """The search body for a party's contact details of one type (filters D S22, names I)."""
    return render(
        Entity.CONTACT_DETAILS,
        {"partyId": party_id, "contactTypeId": CONTACT_TYPES[contact_type]},
    )


def contact_detail_value(record: Mapping[str, Any]) -> str | None:
    value = record.get(wire_name(Entity.CONTACT_DETAILS, "value"))
    return value if isinstance(value, str) else None


def external_ids_from_page(items: list[Any]) -> list[str]:
    """The items of ``GET …/external-ids``: D "a paginated list of strings"."""
    return [item for item in items if isinstance(item, str)]


def external_ids_body(ids: list[str]) -> list[str]:
    """The body of ``PUT …/external-ids``: a JSON array of strings (I: the page was cut off)."""
    return list(ids)
