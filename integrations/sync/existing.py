"""Existing facilioo data at go-live: hand-entered properties and units, matched to the ERP.

A tenant may already hold properties and units entered by hand, without any of our external
ids. Before the first real run the product lists them and suggests a match (docs/facilioo.md):

- a property by its number (the Gebäude's composite id, else its Gebäude number), then by
  street + house number + postcode;
- a unit by its number within the matched property.

The admin confirms or rejects each; a confirmed match becomes a link the next run adopts
(``ADOPT_MARK``): the record is updated with our data and our external id, never duplicated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from integrations.erp.records import Einheit, Gebaeude, NaturalKey
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.sync.ids import AmbiguousKey, external_id_for

# The payload hash of a link the admin confirmed: the next run adopts (PATCHes) the record.
ADOPT_MARK = "adopt"
# The entities a hand-entered record of facilioo is matched for.
ENTITIES = (Entity.PROPERTIES, Entity.UNITS)


@dataclass(frozen=True)
class Suggestion:
    entity: Entity  # properties or units
    facilioo_id: int
    facilioo_label: str  # name / number / address as facilioo has it
    natural_key: NaturalKey | None  # the suggested ERP record, None: no match found
    erp_label: str
    external_id: str
    rule: str  # "number", "address", "unit_number" or ""


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def _address_key(street: Any, number: Any, postcode: Any) -> tuple[str, str, str] | None:
    key = (_norm(street), _norm(number), _norm(postcode))
    return key if all(key) else None


def suggest(
    *,
    facilioo_properties: Iterable[dict[str, Any]],
    facilioo_units: Iterable[dict[str, Any]],
    erp_records: Iterable[Any],
    separator: str,
    tenants: set[int],
    ours: set[str],
) -> list[Suggestion]:
    """Suggestions for the facilioo properties and units (in ``tenants``) without our ids."""
    gebaeude: list[Gebaeude] = []
    einheiten: list[Einheit] = []
    for record in erp_records:
        if isinstance(record, Gebaeude):
            gebaeude.append(record)
        elif isinstance(record, Einheit):
            einheiten.append(record)

    def composite(record: Any) -> str:
        try:
            return external_id_for(record, separator)
        except AmbiguousKey:
            return ""

    by_number: dict[str, Gebaeude] = {}
    by_address: dict[tuple[str, str, str], Gebaeude] = {}
    for g in gebaeude:
        for number in (composite(g), g.gebaeude_nr):
            if number:
                by_number.setdefault(_norm(number), g)
        address = _address_key(g.strasse, g.hausnummer, g.plz)
        if address is not None:
            by_address.setdefault(address, g)
    units_of: dict[NaturalKey, dict[str, Einheit]] = {}
    for e in einheiten:
        building: NaturalKey = ("gebaeude", e.mandant_nr, e.we_nr, e.gebaeude_nr)
        units_of.setdefault(building, {})[_norm(e.einheit_nr)] = e

    results: list[Suggestion] = []
    matched: dict[int, Gebaeude] = {}
    for prop in facilioo_properties:
        got = dialect.read_back(Entity.PROPERTIES, prop)
        if prop.get(dialect.DELETED) or got.get("tenantId") not in tenants:
            continue
        if got.get("externalId") and str(got["externalId"]) in ours:
            continue
        label = " · ".join(
            str(v)
            for v in (
                got.get("name"),
                got.get("number"),
                " ".join(str(got.get(k) or "") for k in ("street", "houseNumber")).strip(),
                got.get("zipCode"),
            )
            if v
        )
        rule = ""
        found = by_number.get(_norm(got.get("number"))) if got.get("number") else None
        if found is not None:
            rule = "number"
        else:
            address = _address_key(got.get("street"), got.get("houseNumber"), got.get("zipCode"))
            found = by_address.get(address) if address else None
            rule = "address" if found is not None else ""
        if found is not None:
            matched[int(prop[dialect.ID])] = found
        results.append(
            Suggestion(
                Entity.PROPERTIES,
                int(prop[dialect.ID]),
                label,
                found.key if found else None,
                f"{found.strasse} {found.hausnummer}, {found.plz} {found.ort}".strip()
                if found
                else "",
                composite(found) if found else "",
                rule,
            )
        )
    for unit in facilioo_units:
        got = dialect.read_back(Entity.UNITS, unit)
        parent = matched.get(int(got.get("entranceId") or 0))
        if unit.get(dialect.DELETED) or parent is None:
            continue
        if got.get("externalId") and str(got["externalId"]) in ours:
            continue
        einheit = units_of.get(parent.key, {}).get(_norm(got.get("number")))
        results.append(
            Suggestion(
                Entity.UNITS,
                int(unit[dialect.ID]),
                " · ".join(str(v) for v in (got.get("name"), got.get("number")) if v),
                einheit.key if einheit else None,
                f"{einheit.einheit_nr} {einheit.bezeichnung or ''}".strip() if einheit else "",
                composite(einheit) if einheit else "",
                "unit_number" if einheit else "",
            )
        )
    return results


def facilioo_records(client: FaciliooClient) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The properties and units the account can see (one paged list each)."""
    return list(client.iter_collection(Entity.PROPERTIES)), list(
        client.iter_collection(Entity.UNITS)
    )
