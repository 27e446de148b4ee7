"""The sandbox's data: records in memory behind one lock, facilioo's validation rules, persistence.

Records are plain dicts shaped like facilioo's read models (camelCase, integer ids, ``created``,
``lastModified``, ``deleted``). One id counter serves every entity, so an id of the wrong kind
(a unit id sent as a party id) is refused instead of hitting an unrelated record; properties and
their surrogate entrances share their id, as in facilioo.
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import enum
import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

JSON = dict[str, Any]

FIRST_ID = 100
# Each sandbox account is a property-management company with its own tenants. Records of the
# tenant-bound entities (and document groups, files, documents) carry the company that wrote
# them and are visible to it alone; parties and contact details are shared, as in facilioo.
SHARED_TABLES = frozenset({"parties", "contact-details"})
COMPANY = "_company"  # internal: never in an API answer
# A party's external ids, per owner (the company whose account wrote them): facilioo documents
# that a shared party "can have multiple external ids with different owners". Internal: an
# account reads and replaces its own ids only.
OWNED_IDS = "_externalIds"
# The company of the seeded account, and the owner when the store is used without a request.
DEFAULT_COMPANY = 1


@dataclasses.dataclass(frozen=True)
class Scope:
    """Who is asking: the account's company and the tenants it may see."""

    company_id: int
    tenants: frozenset[int]


# The scope of the request being handled (set by the app per request; None: sees everything).
CURRENT_SCOPE: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "sandbox_scope", default=None
)

SEED_TENANTS: list[JSON] = [
    {"id": 1, "name": "Musterstadt Wohnen Nord", "externalId": "1000-0001"},
    {"id": 2, "name": "Musterstadt Wohnen Süd", "externalId": None},
    # Exists, but the sandbox accounts cannot see it: writes into it are refused.
    {"id": 3, "name": "Fremdverwaltung West", "externalId": "9000-0001"},
]
UNIT_TYPES: list[JSON] = [
    {"id": 1, "name": "Wohnung"},
    {"id": 2, "name": "Gewerbe"},
    {"id": 3, "name": "Stellplatz"},
    {"id": 4, "name": "Garage"},
    {"id": 5, "name": "Lager"},
    {"id": 6, "name": "Sonstiges"},
]
FILE_TYPES: list[JSON] = [
    {"id": 1, "name": "PDF"},
    {"id": 2, "name": "Bild"},
    {"id": 3, "name": "Office-Dokument"},
    {"id": 4, "name": "Sonstiges"},
]
CONTACT_TYPES: list[JSON] = [
    {"id": 1, "name": "E-Mail"},
    {"id": 2, "name": "Telefon"},
    {"id": 3, "name": "Mobil"},
    {"id": 4, "name": "Fax"},
]
CONTACT_TYPE_EMAIL = 1
PARTY_TYPES = frozenset({1, 2, 3, 5, 7, 10, 11, 13, 14, 15})
CONTRACT_TYPES = range(1, 12)
CATALOGS = ("tenants", "unit-types", "file-types", "contact-types")
# Search body keys every entity honours besides its own fields (reference §6 and §17: free
# text is ``searchTerm``, ``ids`` filters by id). Any other key is ignored, as ASP.NET ignores
# unknown JSON keys: an undocumented filter such as ``externalId`` means an unfiltered search.
SEARCH_KEYS = frozenset({"searchTerm", "ids", "orderBy"})
# Filters no search page documents, ignored even where the entity has such a field.
UNDOCUMENTED_FILTERS = frozenset({"externalId"})
# Parties are shared between property-management companies and carry a list of external ids
# (facilioo docs, external ids): kept here, read and replaced through /external-ids.
MULTI_ID_TABLES = frozenset({"parties"})

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Kind(enum.Enum):
    INT = "int"
    STR = "str"
    BOOL = "bool"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class Spec:
    label: str  # German name for the HTML page
    fields: dict[str, Kind]
    required: tuple[str, ...] = ()
    refs: dict[str, str] = field(default_factory=dict)  # field -> table
    text_fields: tuple[str, ...] = ("name",)  # what the free-text search looks at


_ADDRESS = {"street": Kind.STR, "houseNumber": Kind.STR, "zipCode": Kind.STR, "city": Kind.STR}

SPECS: dict[str, Spec] = {
    "properties": Spec(
        "Gebäude",
        {"tenantId": Kind.INT, "name": Kind.STR, "number": Kind.STR, "externalId": Kind.STR}
        | _ADDRESS,
        required=("tenantId", "name"),
        refs={"tenantId": "tenants"},
        text_fields=("name", "number"),
    ),
    "entrances": Spec(
        "Eingänge",
        {"propertyId": Kind.INT, "name": Kind.STR, "externalId": Kind.STR} | _ADDRESS,
        required=("propertyId", "name"),
        refs={"propertyId": "properties"},
    ),
    "units": Spec(
        "Einheiten",
        {
            "entranceId": Kind.INT,
            "name": Kind.STR,
            "number": Kind.STR,
            "externalId": Kind.STR,
            "floor": Kind.INT,
            "typeId": Kind.INT,
            "livingArea": Kind.NUMBER,
        },
        required=("entranceId", "name"),
        refs={"entranceId": "entrances", "typeId": "unit-types"},
        text_fields=("name", "number"),
    ),
    "parties": Spec(
        "Personen",
        {
            "type": Kind.INT,
            "primaryName": Kind.STR,
            "secondaryName": Kind.STR,
            "ternaryName": Kind.STR,
            "quaternaryName": Kind.STR,
            "contactByEmail": Kind.BOOL,
            "contactByPush": Kind.BOOL,
            "contactByMail": Kind.BOOL,
        },
        required=("type", "contactByEmail", "contactByPush", "contactByMail"),
        text_fields=("primaryName", "secondaryName", "ternaryName", "quaternaryName"),
    ),
    "contact-details": Spec(
        "Kontaktdaten",
        {"partyId": Kind.INT, "contactTypeId": Kind.INT, "value": Kind.STR},
        required=("partyId", "contactTypeId", "value"),
        refs={"partyId": "parties", "contactTypeId": "contact-types"},
        text_fields=("value",),
    ),
    "unit-contracts": Spec(
        "Verträge",
        {
            "unitId": Kind.INT,
            "partyId": Kind.INT,
            "typeId": Kind.INT,
            "number": Kind.STR,
            "effectiveFrom": Kind.DATE,
            "terminationAt": Kind.DATE,
            "externalId": Kind.STR,
        },
        required=("unitId", "partyId", "typeId"),
        refs={"unitId": "units", "partyId": "parties"},
        text_fields=("number",),
    ),
    "document-groups": Spec(
        "Dokumentenordner",
        {"name": Kind.STR, "parentId": Kind.INT, "externalId": Kind.STR},
        required=("name",),
        refs={"parentId": "document-groups"},
    ),
    "files": Spec(
        "Dateien",
        {"name": Kind.STR, "fileTypeId": Kind.INT, "externalId": Kind.STR},
        required=("name", "fileTypeId"),
        refs={"fileTypeId": "file-types"},
    ),
    "documents": Spec(
        "Dokumente",
        {
            "title": Kind.STR,
            "description": Kind.STR,
            "documentGroupId": Kind.INT,
            "date": Kind.DATE,
            "propertyId": Kind.INT,
            "unitId": Kind.INT,
            "contractId": Kind.INT,
            "partyId": Kind.INT,
            "fileId": Kind.INT,
            "externalId": Kind.STR,
        },
        required=("title", "fileId"),
        refs={
            "documentGroupId": "document-groups",
            "propertyId": "properties",
            "unitId": "units",
            "contractId": "unit-contracts",
            "partyId": "parties",
            "fileId": "files",
        },
        text_fields=("title", "description"),
    ),
}
ENTITIES = tuple(SPECS)
# Server-side fields of a file: set by the upload, not by the client.
FILE_UPLOAD_FIELDS = ("size", "sha256", "uploaded")


class Problem(Exception):
    """An RFC 7807 answer: validation errors (400) or an unknown id (404)."""

    def __init__(
        self,
        status: int,
        title: str,
        *,
        detail: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors


def unknown_fields(entity: str, names: list[str]) -> Problem:
    """Strict where facilioo is silent: a field this server does not know is refused."""
    listed = ", ".join(f"„{name}“" for name in names)
    return Problem(
        400,
        "Ein oder mehrere Validierungsfehler sind aufgetreten.",
        detail=f"Unbekannte Felder für {entity}: {listed}.",
        errors={name: [f"Unbekanntes Feld „{name}“."] for name in names},
    )


def not_found(entity: str, record_id: int) -> Problem:
    return Problem(404, "Nicht gefunden", detail=f"{entity}/{record_id} existiert nicht.")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """All records of one sandbox. Every public method takes the lock; results are copies."""

    def __init__(
        self, *, visible_tenants: Iterable[int] = (1, 2), store_content: bool = True
    ) -> None:
        self.lock = threading.RLock()
        self.visible_tenants = frozenset(visible_tenants)
        self.store_content = store_content
        # Drift: fields of an entity the server silently ignores, as one that does not know
        # them would (entity -> field names). Empty: strict, unknown fields are refused.
        self.ignored: dict[str, frozenset[str]] = {}
        self.extra_tenants: list[JSON] = []  # tenants of further accounts (--accounts)
        self.tables: dict[str, dict[int, JSON]] = {}
        self.contents: dict[int, bytes] = {}  # file id -> uploaded bytes
        # (owner, external id in lower case) -> party ids: the batch lookup's index.
        self.owned_index: dict[tuple[int, str], set[int]] = {}
        self.next_id = FIRST_ID
        self.version = 0  # bumped by every write; the persister saves when it moved
        self.reset()

    # -- seed, reset, persistence -----------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            stamp = now_iso()
            self.tables = {name: {} for name in (*CATALOGS, *ENTITIES)}
            for tenant in [*SEED_TENANTS, *self.extra_tenants]:
                self.tables["tenants"][tenant["id"]] = {
                    **tenant,
                    "created": stamp,
                    "lastModified": stamp,
                    "deleted": None,
                }
            for item in UNIT_TYPES:
                self.tables["unit-types"][item["id"]] = dict(item)
            for item in FILE_TYPES:
                self.tables["file-types"][item["id"]] = dict(item)
            for item in CONTACT_TYPES:
                self.tables["contact-types"][item["id"]] = dict(item)
            self.contents = {}
            self.owned_index = {}
            self.next_id = FIRST_ID
            self.version += 1

    def dump(self) -> JSON:
        with self.lock:
            return {
                "format": 1,
                "nextId": self.next_id,
                "tables": {name: list(rows.values()) for name, rows in self.tables.items()},
            }

    def save(self, path: Path) -> None:
        """Write the state atomically; uploaded bytes go beside it, one file per file id."""
        with self.lock:
            data = json.dumps(self.dump(), ensure_ascii=False)
            contents = dict(self.contents)
        blob_dir = path.with_name(path.name + ".blobs")
        blob_dir.mkdir(parents=True, exist_ok=True)
        for file_id, content in contents.items():
            blob = blob_dir / str(file_id)
            if not blob.exists() or blob.stat().st_size != len(content):
                blob.write_bytes(content)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)

    def load(self, path: Path) -> None:
        raw = json.loads(path.read_text(encoding="utf-8"))
        blob_dir = path.with_name(path.name + ".blobs")
        with self.lock:
            self.reset()
            for name, rows in raw.get("tables", {}).items():
                if name in self.tables:
                    self.tables[name] = {int(row["id"]): row for row in rows}
            for row in self.tables["parties"].values():
                row.pop("externalIds", None)  # a test view (``records``), never stored
                row.pop("externalIdsByOwner", None)
                owned = row.get(OWNED_IDS) or {}
                row[OWNED_IDS] = {str(owner): list(ids) for owner, ids in owned.items()}
                self._index_party(row, {})
            self.next_id = int(raw.get("nextId", FIRST_ID))
            for file_id in self.tables["files"]:
                blob = blob_dir / str(file_id)
                if blob.exists():
                    self.contents[file_id] = blob.read_bytes()

    # -- scope ------------------------------------------------------------------------------

    def add_tenants(self, tenants: Iterable[JSON]) -> None:
        """More tenants (of further accounts); kept across ``reset``."""
        with self.lock:
            self.extra_tenants = [*self.extra_tenants, *tenants]
            stamp = now_iso()
            for tenant in tenants:
                self.tables["tenants"][tenant["id"]] = {
                    **tenant,
                    "created": stamp,
                    "lastModified": stamp,
                    "deleted": None,
                }

    def _visible(self) -> frozenset[int]:
        scope = CURRENT_SCOPE.get()
        return scope.tenants if scope is not None else self.visible_tenants

    def _mine(self, table: str, row: JSON) -> bool:
        """Whether the asking account may see ``row`` (shared tables: always)."""
        scope = CURRENT_SCOPE.get()
        if scope is None or table in SHARED_TABLES or table in CATALOGS:
            return True
        return row.get(COMPANY) in (None, scope.company_id)

    # -- reads ------------------------------------------------------------------------------

    def records(self, table: str) -> list[JSON]:
        """Every row, for tests and the overview page. A party also shows ``externalIds`` (the
        ids of every owner, as a test sees them) and ``externalIdsByOwner``."""
        with self.lock:
            rows = [copy.deepcopy(row) for row in self.tables[table].values()]
        if table in MULTI_ID_TABLES:
            for row in rows:
                owned = row.get(OWNED_IDS) or {}
                row["externalIds"] = [i for ids in owned.values() for i in ids]
                row["externalIdsByOwner"] = {owner: list(ids) for owner, ids in owned.items()}
        return rows

    def count(self, table: str) -> int:
        with self.lock:
            return len(self.tables[table])

    def get(self, table: str, record_id: int) -> JSON:
        with self.lock:
            row = self.tables[table].get(record_id)
            if row is None or (table == "tenants" and record_id not in self._visible()):
                raise not_found(table, record_id)
            if not self._mine(table, row):
                raise not_found(table, record_id)
            return copy.deepcopy(row)

    def file_content(self, file_id: int) -> bytes | None:
        with self.lock:
            return self.contents.get(file_id)

    def page(self, table: str, number: int, size: int) -> tuple[list[JSON], int]:
        """One page of a list endpoint (soft-deleted records included, by id) and the total.

        Ids only grow and rows are inserted in id order, so the dict order is the id order.
        """
        with self.lock:
            rows = [row for row in self.tables[table].values() if self._mine(table, row)]
            if table == "tenants":
                rows = [row for row in rows if row["id"] in self._visible()]
            start = (number - 1) * size
            return [copy.deepcopy(row) for row in rows[start : start + size]], len(rows)

    def search(self, table: str, query: JSON) -> list[JSON]:
        """``POST /api/<entity>/search``: ``ids``, free-text ``searchTerm``, equality on a field
        of the entity, ``orderBy`` like ``"name desc"``. Keys it does not know are ignored, as
        facilioo's ASP.NET binding ignores them (``externalId`` and ``search`` included)."""
        spec = SPECS[table]
        filters: list[Callable[[JSON], bool]] = []
        for key, value in query.items():
            if value is None or key in SEARCH_KEYS or key in UNDOCUMENTED_FILTERS:
                continue
            if key in spec.fields:
                filters.append(_equals(key, value))
        ids = query.get("ids")
        if isinstance(ids, list):
            wanted = set(ids)
            filters.append(lambda row: row["id"] in wanted)
        text = query.get("searchTerm")
        if isinstance(text, str) and text:
            needle = text.casefold()
            filters.append(
                lambda row: any(
                    needle in str(row.get(f) or "").casefold() for f in spec.text_fields
                )
            )
        with self.lock:
            rows = [
                copy.deepcopy(row)
                for row in self.tables[table].values()
                if self._mine(table, row) and all(check(row) for check in filters)
            ]
        order = query.get("orderBy")
        if isinstance(order, list):
            for clause in reversed([c for c in order if isinstance(c, str) and c.strip()]):
                name, _sep, direction = clause.strip().partition(" ")
                rows.sort(key=_sort_key(name), reverse=direction.strip().lower() == "desc")
        return rows

    def lookup_external_ids(self, party_ids: Any, external_ids: Any) -> list[JSON]:
        """``POST /api/parties/external-ids/search``: the external ids the asking company owns,
        ordered by party, optionally only of the given parties or with the given values (case
        ignored). An empty list returns nothing; null does not filter."""
        for name, value, kind in (("partyIds", party_ids, int), ("externalIds", external_ids, str)):
            if value is not None and (
                not isinstance(value, list)
                or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value)
            ):
                raise Problem(
                    400,
                    "Ein oder mehrere Validierungsfehler sind aufgetreten.",
                    detail=f"„{name}“ muss eine Liste oder null sein.",
                    errors={name: [f"„{name}“ muss eine Liste oder null sein."]},
                )
        if party_ids == [] or external_ids == []:
            return []
        owner = self._owner()
        with self.lock:
            if external_ids is not None:
                candidates: set[int] = set()
                for value in external_ids:
                    candidates |= self.owned_index.get((owner, value.casefold()), set())
            else:
                candidates = set(self.tables["parties"])
            if party_ids is not None:
                candidates &= set(party_ids)
            wanted = {v.casefold() for v in external_ids} if external_ids is not None else None
            result: list[JSON] = []
            for party_id in sorted(candidates):
                row = self.tables["parties"].get(party_id)
                if row is None or row.get("deleted"):
                    continue
                for value in (row.get(OWNED_IDS) or {}).get(str(owner), []):
                    if wanted is None or value.casefold() in wanted:
                        result.append({"partyId": party_id, "externalId": value})
            return result

    # -- writes -----------------------------------------------------------------------------

    def accept(self, table: str, body: JSON) -> JSON:
        """The body as this server takes it: drifted fields dropped, unknown ones refused."""
        ignored = self.ignored.get(table, frozenset())
        body = {key: value for key, value in body.items() if key not in ignored}
        unknown = sorted(set(body) - set(SPECS[table].fields))
        if unknown:
            raise unknown_fields(table, unknown)
        return body

    def create(self, table: str, body: JSON) -> JSON:
        spec = SPECS[table]
        body = self.accept(table, body)
        values = {name: body.get(name) for name in spec.fields}
        with self.lock:
            self._validate(table, values, current_id=None)
            stamp = now_iso()
            record_id = self.next_id
            self.next_id += 1
            row: JSON = {
                "id": record_id,
                **values,
                "created": stamp,
                "lastModified": stamp,
                "deleted": None,
            }
            scope = CURRENT_SCOPE.get()
            if scope is not None and table not in SHARED_TABLES:
                row[COMPANY] = scope.company_id
            self._derive(table, row)
            if table == "files":
                row.update(dict.fromkeys(FILE_UPLOAD_FIELDS))
            if table in MULTI_ID_TABLES:
                row[OWNED_IDS] = {}
            self.tables[table][record_id] = row
            if table == "properties":
                # facilioo creates the property's surrogate entrance, with the same id and values.
                entrance = {
                    "id": record_id,
                    "propertyId": record_id,
                    "name": row["name"],
                    "externalId": row.get("externalId"),
                    **{key: row.get(key) for key in _ADDRESS},
                    "created": stamp,
                    "lastModified": stamp,
                    "deleted": None,
                }
                if COMPANY in row:
                    entrance[COMPANY] = row[COMPANY]
                self.tables["entrances"][record_id] = entrance
            self.version += 1
            return copy.deepcopy(row)

    def patch(self, table: str, record_id: int, body: JSON) -> JSON:
        spec = SPECS[table]
        with self.lock:
            row = self.tables[table].get(record_id)
            if row is None or row["deleted"] or not self._mine(table, row):
                raise not_found(table, record_id)
            merged = {name: row.get(name) for name in spec.fields}
            merged.update(self.accept(table, body))
            self._validate(table, merged, current_id=record_id)
            row.update(merged)
            self._derive(table, row)
            row["lastModified"] = now_iso()
            self.version += 1
            return copy.deepcopy(row)

    def delete(self, table: str, record_id: int) -> None:
        """Soft delete: the record stays in lists with ``deleted`` set."""
        with self.lock:
            row = self.tables[table].get(record_id)
            if row is None or row["deleted"] or not self._mine(table, row):
                raise not_found(table, record_id)
            stamp = now_iso()
            row["deleted"] = row["lastModified"] = stamp
            surrogate = self.tables["entrances"].get(record_id) if table == "properties" else None
            if surrogate is not None and not surrogate["deleted"]:
                surrogate["deleted"] = surrogate["lastModified"] = stamp
            self.version += 1

    def external_ids(self, table: str, record_id: int, *, owner: int | None = None) -> list[str]:
        """``GET …/external-ids``: the asking company's own ids of the party."""
        with self.lock:
            row = self._live(table, record_id)
            if row is None or table not in MULTI_ID_TABLES:
                raise not_found(table, record_id)
            return list(row[OWNED_IDS].get(str(self._owner(owner)), []))

    def put_external_ids(
        self, table: str, record_id: int, ids: Any, *, owner: int | None = None
    ) -> list[str]:
        """``PUT …/external-ids``: replaces the asking company's own ids (a JSON array of
        strings); other owners' ids stay as they are."""
        if not isinstance(ids, list) or not all(isinstance(i, str) and i.strip() for i in ids):
            raise Problem(
                400,
                "Ein oder mehrere Validierungsfehler sind aufgetreten.",
                detail="Erwartet wird eine Liste nicht leerer Texte.",
                errors={"externalIds": ["Erwartet wird eine Liste nicht leerer Texte."]},
            )
        with self.lock:
            row = self._live(table, record_id)
            if row is None or table not in MULTI_ID_TABLES:
                raise not_found(table, record_id)
            before = {owner_: list(values) for owner_, values in row[OWNED_IDS].items()}
            key = str(self._owner(owner))
            row[OWNED_IDS][key] = list(dict.fromkeys(ids))
            if not row[OWNED_IDS][key]:
                del row[OWNED_IDS][key]
            self._index_party(row, before)
            row["lastModified"] = now_iso()
            self.version += 1
            return list(row[OWNED_IDS].get(key, []))

    def plant_party(self, owner: int, body: JSON, external_ids: list[str]) -> JSON:
        """A party another company created and holds ids on (``/_control/plant-parties``)."""
        created = self.create("parties", body)
        self.put_external_ids("parties", created["id"], external_ids, owner=owner)
        return created

    def merge_parties(self, into: int, merged: list[int]) -> None:
        """facilioo's deduplication: the main party takes every id of the merged ones, which
        are deleted (``/_control/merge-parties``)."""
        with self.lock:
            main = self.tables["parties"].get(into)
            if main is None or main.get("deleted"):
                raise not_found("parties", into)
            before = {owner: list(ids) for owner, ids in main[OWNED_IDS].items()}
            for other_id in merged:
                other = self.tables["parties"].get(other_id)
                if other is None or other.get("deleted") or other_id == into:
                    raise not_found("parties", other_id)
                other_before = {owner: list(ids) for owner, ids in other[OWNED_IDS].items()}
                for owner, ids in other[OWNED_IDS].items():
                    main[OWNED_IDS].setdefault(owner, [])
                    main[OWNED_IDS][owner] += [i for i in ids if i not in main[OWNED_IDS][owner]]
                other[OWNED_IDS] = {}
                self._index_party(other, other_before)
                other["deleted"] = other["lastModified"] = now_iso()
            self._index_party(main, before)
            main["lastModified"] = now_iso()
            self.version += 1

    def store_upload(self, file_id: int, *, size: int, sha256: str, content: bytes | None) -> None:
        with self.lock:
            row = self.tables["files"].get(file_id)
            if row is None:
                raise not_found("files", file_id)
            stamp = now_iso()
            row.update({"size": size, "sha256": sha256, "uploaded": stamp, "lastModified": stamp})
            if content is not None and self.store_content:
                self.contents[file_id] = content
            self.version += 1

    # -- rules ------------------------------------------------------------------------------

    def _index_party(self, row: JSON, before: dict[str, list[str]]) -> None:
        for owner, ids in before.items():
            for value in ids:
                self.owned_index.get((int(owner), value.casefold()), set()).discard(row["id"])
        for owner, ids in (row.get(OWNED_IDS) or {}).items():
            for value in ids:
                self.owned_index.setdefault((int(owner), value.casefold()), set()).add(row["id"])

    @staticmethod
    def _owner(owner: int | None = None) -> int:
        """The company whose ids a request reads and writes."""
        if owner is not None:
            return owner
        scope = CURRENT_SCOPE.get()
        return scope.company_id if scope is not None else DEFAULT_COMPANY

    def _derive(self, table: str, row: JSON) -> None:
        if table == "units":
            entrance = self.tables["entrances"].get(row["entranceId"])
            row["propertyId"] = entrance["propertyId"] if entrance else None

    def _live(self, table: str, record_id: Any) -> JSON | None:
        row = self.tables[table].get(record_id) if isinstance(record_id, int) else None
        if row is None or row.get("deleted") or not self._mine(table, row):
            return None
        return row

    def _validate(self, table: str, values: JSON, *, current_id: int | None) -> None:
        spec = SPECS[table]
        errors: dict[str, list[str]] = {}

        def add(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        for name, kind in spec.fields.items():
            value = values.get(name)
            if value is None or (kind is Kind.STR and value == "" and name in spec.required):
                if name in spec.required:
                    add(name, f"Das Feld „{name}“ ist erforderlich.")
                continue
            problem = _type_problem(name, kind, value)
            if problem:
                add(name, problem)
        for name, target in spec.refs.items():
            value = values.get(name)
            if value is None or name in errors:
                continue
            if target == "tenants":
                if value not in self._visible() or value not in self.tables["tenants"]:
                    add(
                        name,
                        f"Der Mandant {value} ist unbekannt oder für dieses Konto nicht sichtbar.",
                    )
            elif target in CATALOGS:
                if value not in self.tables[target]:
                    add(name, f"Der Wert {value} ist in „{target}“ unbekannt.")
            elif self._live(target, value) is None:
                add(name, f"Es gibt keinen Datensatz {target}/{value}.")
        rule = getattr(self, "_rules_" + table.replace("-", "_"), None)
        if rule is not None:
            rule(values, current_id, add)
        if errors:
            raise Problem(
                400,
                "Ein oder mehrere Validierungsfehler sind aufgetreten.",
                detail="Bitte prüfen Sie die genannten Felder.",
                errors=errors,
            )

    def _rules_properties(self, values: JSON, current_id: int | None, add: _Add) -> None:
        number = values.get("number")
        if not number or not isinstance(number, str):
            return
        for row in self.tables["properties"].values():
            if (
                row["id"] != current_id
                and not row["deleted"]
                and row["tenantId"] == values.get("tenantId")
                and row["number"] == number
            ):
                add("number", f"Die Nummer „{number}“ ist in diesem Mandanten bereits vergeben.")
                return

    def _rules_parties(self, values: JSON, current_id: int | None, add: _Add) -> None:
        party_type = values.get("type")
        if isinstance(party_type, int) and party_type not in PARTY_TYPES:
            add("type", f"Unbekannter Personentyp {party_type}.")
        if not (values.get("primaryName") or values.get("secondaryName")):
            add(
                "secondaryName",
                "PrimaryName oder SecondaryName ist erforderlich (mindestens einer der beiden).",
            )
        if (
            values.get("contactByPush") is True
            and values.get("contactByEmail") is not True
            and values.get("contactByMail") is not True
        ):
            add(
                "contactByPush",
                "Push darf nicht der einzige Kontaktweg sein; "
                "E-Mail oder Post muss ebenfalls aktiv sein.",
            )

    def _rules_contact_details(self, values: JSON, current_id: int | None, add: _Add) -> None:
        value = values.get("value")
        if (
            values.get("contactTypeId") == CONTACT_TYPE_EMAIL
            and isinstance(value, str)
            and not _EMAIL.match(value.strip())
        ):
            add("value", "Die E-Mail-Adresse ist ungültig.")

    def _rules_unit_contracts(self, values: JSON, current_id: int | None, add: _Add) -> None:
        type_id = values.get("typeId")
        if (
            isinstance(type_id, int)
            and not isinstance(type_id, bool)
            and type_id not in CONTRACT_TYPES
        ):
            add("typeId", "Der Vertragstyp muss zwischen 1 und 11 liegen.")

    def _rules_document_groups(self, values: JSON, current_id: int | None, add: _Add) -> None:
        parent = values.get("parentId")
        seen: set[int] = set()
        while isinstance(parent, int) and current_id is not None and parent not in seen:
            if parent == current_id:
                add("parentId", "Ein Ordner kann nicht in sich selbst liegen.")
                return
            seen.add(parent)
            row = self.tables["document-groups"].get(parent)
            parent = row.get("parentId") if row else None

    def _rules_documents(self, values: JSON, current_id: int | None, add: _Add) -> None:
        title = values.get("title")
        if isinstance(title, str) and len(title) > 255:
            add("title", "Der Titel darf höchstens 255 Zeichen lang sein.")
        if not any(
            values.get(k) is not None for k in ("propertyId", "unitId", "contractId", "partyId")
        ):
            add(
                "propertyId",
                "Mindestens eines von propertyId, unitId, contractId oder partyId "
                "ist erforderlich.",
            )


_Add = Callable[[str, str], None]


def _equals(key: str, value: Any) -> Callable[[JSON], bool]:
    return lambda row: bool(row.get(key) == value)


def _sort_key(name: str) -> Callable[[JSON], tuple[bool, str]]:
    return lambda row: (row.get(name) is None, str(row.get(name) or ""))


def _type_problem(name: str, kind: Kind, value: Any) -> str | None:
    if kind is Kind.INT and (not isinstance(value, int) or isinstance(value, bool)):
        return f"„{name}“ muss eine ganze Zahl sein."
    if kind is Kind.NUMBER and (not isinstance(value, int | float) or isinstance(value, bool)):
        return f"„{name}“ muss eine Zahl sein."
    if kind is Kind.BOOL and not isinstance(value, bool):
        return f"„{name}“ muss true oder false sein."
    if kind is Kind.STR and not isinstance(value, str):
        return f"„{name}“ muss ein Text sein."
    if kind is Kind.DATE and (not isinstance(value, str) or not _is_iso_date(value)):
        return f"„{name}“ muss ein Datum nach ISO 8601 sein."
    if kind is Kind.STR and len(value) > 2000:
        return f"„{name}“ ist zu lang."
    return None


def _is_iso_date(value: str) -> bool:
    try:
        if len(value) == 10:
            date.fromisoformat(value)
        else:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
