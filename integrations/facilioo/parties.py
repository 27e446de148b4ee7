"""Parties as facilioo documents them: names, external ids by sub-resource, contact details.

A party in facilioo is shared between property-management companies. So:

- external ids belong to an owner: a party found by facilioo's batch lookup for our id is ours
  (the lookup answers only the ids the account's company owns, without regard to case); a
  party that only another company's id points to is never written, detached or shown;
- it is created with its names only, then **our** external id is added to its list of external
  ids (read, merge, write back); ids of other owners are never dropped;
- e-mail and phone are *contact details* of the party, created once and kept in line;
- a create carries a one-time marker until our id is on the party, so a create whose answer
  was lost is found again by that proof (free-text search for the marker), never by names and
  time, which another company's new namesake would match as well;
- it is never deleted: when it leaves the ERP only our external id is removed from its list.

Wire names and paths come from :mod:`integrations.facilioo.dialect`; the canonical party payload
is the mapper's (``integrations.sync.stammdaten_bodies.map_party``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooNotFound

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
CONTACT_FIELDS: Mapping[str, str] = {"email": "email", "phone": "phone"}  # canonical → type
# The parts of a party the product keeps apart: its body (names, flags) and each contact detail;
# each part's digest decides whether it is written, so a changed e-mail is one update.
BODY_PART = "body"
PARTS = (BODY_PART, *CONTACT_FIELDS.values())
# The party type the product writes and adopts (D S18: User, tenants and owners); a value of
# the batch lookup can match one party per type.
USER_TYPE = dialect.PARTY_TYPES["user"]


@dataclass
class PartyResult:
    facilioo_id: int
    created: bool
    # part (BODY_PART or a contact type) → (facilioo id, digest of what was sent)
    contacts: dict[str, tuple[int, str]] = field(default_factory=dict)


def same_id(a: str, b: str) -> bool:
    """External ids compare without regard to case, as facilioo's lookup does."""
    return a.casefold() == b.casefold()


def _same_contact(a: Any, b: Any) -> bool:
    # facilioo's search "ignores whitespace" in Value (D S22); we compare the same way.
    return "".join(str(a or "").split()).casefold() == "".join(str(b or "").split()).casefold()


class PartyWriter:
    """Writes one party (thread-safe as the client is; holds no state between parties)."""

    def __init__(self, client: FaciliooClient) -> None:
        self.client = client

    # -- external ids --------------------------------------------------------------------------

    def lookup(
        self, external_ids: list[str], *, owned: Mapping[str, list[int]] | None = None
    ) -> dict[str, list[int]]:
        """The parties our ids point to (lower case → party ids): from ``owned`` when given,
        else facilioo's batch lookup (no request for an empty list)."""
        if owned is None:
            return self.client.lookup_parties(external_ids)
        wanted = {v.casefold() for v in external_ids}
        return {value: list(ids) for value, ids in owned.items() if value in wanted}

    def find(
        self, external_ids: list[str], *, owned: Mapping[str, list[int]] | None = None
    ) -> dict[str, int]:
        """Our parties by our ids (lower case → party id): from ``owned`` (an index of every id
        our company owns, ``client.owned_party_ids``) when given, else through facilioo's batch
        lookup, 100 ids a request. Only parties of the type we write are kept (a value can
        match one party per type); the lookup is owner-scoped, so each carries our id."""
        hits = self.lookup(external_ids, owned=owned)
        if not hits:
            return {}
        types = self.client.party_types(sorted({pid for ids in hits.values() for pid in ids}))
        found: dict[str, int] = {}
        for value, party_ids in hits.items():
            users = [pid for pid in party_ids if types.get(pid) == USER_TYPE]
            if users:
                found[value] = max(users)
        return found

    def add_external_id(
        self, party_id: int, external_id: str, *, drop: str | None = None, known_empty: bool = False
    ) -> None:
        """Our id into the party's list (``drop``: our previous id, after a separator change).
        The list is read, merged and written back: whatever else it holds stays."""
        current = [] if known_empty else self.client.party_external_ids(party_id)
        merged = [
            i for i in current if drop is None or same_id(i, external_id) or not same_id(i, drop)
        ]
        if not any(same_id(i, external_id) for i in merged):
            merged.append(external_id)
        if merged != current:
            self.client.put_party_external_ids(party_id, merged)

    def remove_external_id(self, party_id: int, external_id: str) -> bool:
        """Our id (in any letter case) out of the party's list; everything else stays.
        False: it was not there."""
        current = self.client.party_external_ids(party_id)
        kept = [i for i in current if not same_id(i, external_id)]
        if kept == current:
            return False
        self.client.put_party_external_ids(party_id, kept)
        return True

    # -- create and update ---------------------------------------------------------------------

    def create(self, canonical: JSON, external_id: str) -> PartyResult:
        """A new party with our external id and its contact details.

        The create carries a one-time marker (``dialect.PARTY_MARKER_FIELD``); a repeat after a
        lost answer first looks for it, and it is cleared once our id is on the party.
        """
        marker = dialect.PARTY_MARKER_PREFIX + secrets.token_hex(12)
        adopted: list[int] = []

        def find_again() -> JSON | None:
            found = self._find_lost_create(marker)
            if found is not None:
                adopted.append(int(found[dialect.ID]))
            return found

        record = self.client.create(
            Entity.PARTIES, {**canonical, "marker": marker}, find_again=find_again
        )
        party_id = int(record[dialect.ID])
        # A freshly created party has no external ids; one found again by its marker has none
        # either (our id goes in only after its create answer arrived).
        self.add_external_id(party_id, external_id, known_empty=True)
        self.client.patch(Entity.PARTIES, party_id, {"marker": None})
        # A new party has no contact details yet: no search before creating them.
        contacts = self.sync_contacts(party_id, canonical, fresh=not adopted)
        contacts[BODY_PART] = (party_id, party_digest(canonical))
        return PartyResult(party_id, created=True, contacts=contacts)

    def update(
        self,
        party_id: int,
        canonical: JSON,
        external_id: str,
        *,
        previous_external_id: str | None,
        known_contacts: Mapping[str, tuple[int, str]],
        check_ids: bool,
    ) -> PartyResult:
        """PATCH the names; our id into its list when it may be missing; contacts in line.

        ``check_ids``: the party was adopted or our id changed (separator): read and merge the
        list. Otherwise our id went in when we created or adopted it, and is left alone.
        """
        body_digest = party_digest(canonical)
        before = known_contacts.get(BODY_PART)
        if before is None or before[1] != body_digest or check_ids:
            try:
                self.client.patch(Entity.PARTIES, party_id, canonical)
            except FaciliooNotFound:
                # Gone in facilioo (merged or removed by its owner): create it again.
                return self.create(canonical, external_id)
        if check_ids or previous_external_id != external_id:
            drop = previous_external_id if previous_external_id != external_id else None
            self.add_external_id(party_id, external_id, drop=drop)
        contacts = self.sync_contacts(party_id, canonical, known=known_contacts)
        contacts[BODY_PART] = (party_id, body_digest)
        return PartyResult(party_id, created=False, contacts=contacts)

    def _find_lost_create(self, marker: str) -> JSON | None:
        """The party a lost create answer left: the one that carries this attempt's marker."""
        field_name = dialect.PARTY_MARKER_FIELD
        for item in self.client.search(Entity.PARTIES, {dialect.SEARCH_TEXT: marker}):
            if not item.get(dialect.DELETED) and item.get(field_name) == marker:
                logger.info("facilioo party create went through before the failure; found again")
                return item
        return None

    # -- contact details -----------------------------------------------------------------------

    def sync_contacts(
        self,
        party_id: int,
        canonical: JSON,
        *,
        known: Mapping[str, tuple[int, str]] | None = None,
        fresh: bool = False,
    ) -> dict[str, tuple[int, str]]:
        """E-mail and phone as contact details: one each, created once, updated in place.

        ``known``: the contact details this product wrote before (type → (id, value digest)).
        An unchanged value causes no request. A value that is gone from the ERP leaves
        facilioo's detail alone (it may serve someone else).
        """
        known = known or {}
        result: dict[str, tuple[int, str]] = {}
        for canonical_name, contact_type in CONTACT_FIELDS.items():
            value = canonical.get(canonical_name)
            before = known.get(contact_type)
            if not value:
                if before is not None:
                    result[contact_type] = before
                continue
            digest = contact_digest(value)
            if before is not None and before[1] == digest:
                result[contact_type] = before
                continue
            detail_id = self._sync_contact(
                party_id, contact_type, value, before[0] if before else None, fresh=fresh
            )
            result[contact_type] = (detail_id, digest)
        return result

    def _sync_contact(
        self, party_id: int, contact_type: str, value: str, detail_id: int | None, *, fresh: bool
    ) -> int:
        if detail_id is not None:
            try:
                self.client.patch(Entity.CONTACT_DETAILS, detail_id, {"value": value})
            except FaciliooNotFound:
                pass  # removed in facilioo: find or create it again below
            else:
                return detail_id
        if not fresh:
            for item in self.client.contact_details(party_id, contact_type):
                if _same_contact(dialect.contact_detail_value(item), value):
                    return int(item[dialect.ID])

        def find_again() -> JSON | None:
            for item in self.client.contact_details(party_id, contact_type):
                if _same_contact(dialect.contact_detail_value(item), value):
                    return item
            return None

        body = {
            "partyId": party_id,
            "contactTypeId": dialect.CONTACT_TYPES[contact_type],
            "value": value,
        }
        record = self.client.create(Entity.CONTACT_DETAILS, body, find_again=find_again)
        return int(record[dialect.ID])


def party_digest(canonical: JSON) -> str:
    body = dialect.render_party(canonical)
    text = "\x1f".join(f"{k}={body[k]!r}" for k in sorted(body))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def contact_digest(value: str) -> str:
    normal = "".join(value.split()).casefold()
    return hashlib.sha256(normal.encode()).hexdigest()[:32]
