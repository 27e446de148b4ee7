"""Pure mappers of the Stammdaten use case: canonical ERP records -> facilioo request bodies.

Each mapper returns a ``TargetPayload`` (canonical body, parent ids as ``refs``) or a ``Skip``.
The engine writes them in dependency order: property -> entrance -> unit -> party -> contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext_noop

from integrations.erp.records import (
    Einheit,
    Gebaeude,
    Nutzungsart,
    Person,
    PersonRolle,
    Vertrag,
    VertragsArt,
    Wirtschaftseinheit,
)
from integrations.facilioo import dialect
from integrations.facilioo.entity import Entity
from integrations.phrases import phrase
from integrations.sync.filters import email_problem, valid_email
from integrations.sync.floors import floor_from_lage
from integrations.sync.ids import (
    AmbiguousKey,
    compose,
    contract_document_key,
    contract_external_id,
    entrance_key,
    external_id_for,
    unit_contract_key,
)
from integrations.sync.types import MapContext, Skip, TargetPayload, skip

# facilioo's enumerations live in the dialect; the ERP side names them here.
CONTRACT_TYPE_IDS: Mapping[VertragsArt, int] = {
    VertragsArt.MIETVERTRAG: dialect.CONTRACT_TYPES["tenant"],
    VertragsArt.EIGENTUEMERVERTRAG: dialect.CONTRACT_TYPES["owner"],
}

# When the customer's facilioo has no unit type for a Nutzungsart, the unit gets this one's.
FALLBACK_NUTZUNGSART = Nutzungsart.SONSTIGES


def _ambiguous(exc: AmbiguousKey, entity: str, key: tuple[str, ...]) -> Skip:
    return skip("ambiguous_key", detail=str(exc), entity=entity, key=key)


def _text(value: str | None) -> str | None:
    """ERP text as facilioo gets it: blank becomes None."""
    if value is None or not value.strip():
        return None
    return value.strip()


# ---------------------------------------------------------------------------------------------
# Properties and entrances (Gebäude)
# ---------------------------------------------------------------------------------------------


def property_name(gebaeude: Gebaeude) -> str:
    """The Gebäude's Bezeichnung, else "Straße Hausnummer"."""
    return _text(gebaeude.bezeichnung) or f"{gebaeude.strasse} {gebaeude.hausnummer}".strip()


def _address(gebaeude: Gebaeude) -> dict[str, Any]:
    return {
        "street": _text(gebaeude.strasse),
        "houseNumber": _text(gebaeude.hausnummer),
        "zipCode": _text(gebaeude.plz),
        "city": _text(gebaeude.ort),
    }


def map_property(
    gebaeude: Gebaeude, we: Wirtschaftseinheit, ctx: MapContext
) -> TargetPayload | Skip:
    """A Gebäude as a facilioo property, under the tenant its WE is assigned to."""
    if we.key != ("we", gebaeude.mandant_nr, gebaeude.we_nr):
        raise ValueError(f"{gebaeude.key} does not belong to {we.key}")
    tenant_id = ctx.tenant_for_we(we.key)
    if tenant_id is None:
        return skip(
            "no_facilioo_tenant",
            detail=f"WE {we.we_nr} {we.bezeichnung}",
            entity=Entity.PROPERTIES,
            key=gebaeude.key,
        )
    try:
        external_id = external_id_for(gebaeude, ctx.separator)
    except AmbiguousKey as exc:
        return _ambiguous(exc, Entity.PROPERTIES, gebaeude.key)
    return TargetPayload(
        entity=Entity.PROPERTIES,
        key=gebaeude.key,
        external_id=external_id,
        body={
            "tenantId": tenant_id,
            "name": property_name(gebaeude),
            # facilioo wants the number unique per tenant; the composite id is.
            "number": external_id,
            "externalId": external_id,
            **_address(gebaeude),
        },
    )


def map_entrance(gebaeude: Gebaeude, ctx: MapContext) -> TargetPayload | Skip:
    """Name and address of the entrance facilioo created with the property (same facilioo id).

    It is never created: the engine PATCHes ``/api/entrances/{id of the property}``
    (``same_id_as``) after the property exists.
    """
    key = entrance_key(gebaeude)
    try:
        external_id = external_id_for(gebaeude, ctx.separator)
    except AmbiguousKey as exc:
        return _ambiguous(exc, Entity.ENTRANCES, key)
    return TargetPayload(
        entity=Entity.ENTRANCES,
        key=key,
        external_id=external_id,
        body={"name": property_name(gebaeude), **_address(gebaeude)},
        same_id_as=gebaeude.key,
    )


# ---------------------------------------------------------------------------------------------
# Units (Einheiten)
# ---------------------------------------------------------------------------------------------


def unit_name(einheit: Einheit) -> str:
    """The Einheit's Bezeichnung, else "<Nutzungsart> <Einheit-Nr>" (e.g. "Stellplatz 900")."""
    return _text(einheit.bezeichnung) or f"{einheit.nutzungsart.value} {einheit.einheit_nr}"


def unit_type_id(nutzungsart: Nutzungsart, unit_type_ids: Mapping[str, int]) -> int | None:
    return unit_type_ids.get(nutzungsart.value, unit_type_ids.get(FALLBACK_NUTZUNGSART.value))


def map_unit(einheit: Einheit, ctx: MapContext) -> TargetPayload | Skip:
    """An Einheit as a facilioo unit on its building's entrance (the property's id)."""
    try:
        external_id = external_id_for(einheit, ctx.separator)
    except AmbiguousKey as exc:
        return _ambiguous(exc, Entity.UNITS, einheit.key)
    return TargetPayload(
        entity=Entity.UNITS,
        key=einheit.key,
        external_id=external_id,
        body={
            "name": unit_name(einheit),
            "number": einheit.einheit_nr,
            "externalId": external_id,
            "floor": floor_from_lage(einheit.lage),
            "typeId": unit_type_id(einheit.nutzungsart, ctx.unit_type_ids),
            "livingArea": float(einheit.wohnflaeche) if einheit.wohnflaeche is not None else None,
        },
        refs={"entranceId": ("gebaeude", einheit.mandant_nr, einheit.we_nr, einheit.gebaeude_nr)},
    )


# ---------------------------------------------------------------------------------------------
# Parties (Mieter, Eigentümer)
# ---------------------------------------------------------------------------------------------


def party_last_name(person: Person) -> str | None:
    """Nachname with the Titel in front ("Dr. Müller"), else the Firma.

    facilioo has no title field; in front of the last name it reads right in a German letter
    ("Sehr geehrte Frau Dr. Müller"). facilioo's SecondaryName holds the full legal name of a
    legal entity, so a company without Nachname gets its Firma there.
    """
    nachname = _text(person.nachname)
    if nachname is None:
        return _text(person.firma)
    titel = _text(person.titel)
    return f"{titel} {nachname}" if titel else nachname


def party_first_names(person: Person) -> str | None:
    """The Vorname(n); empty for a legal entity (a company without Nachname)."""
    if _text(person.nachname) is None:
        return None
    return _text(person.vorname)


def map_party(person: Person, ctx: MapContext) -> TargetPayload | Skip:
    """A Mieter or Eigentümer as a canonical facilioo party of kind User.

    A Mieter without a valid e-mail address is skipped (``no_email``/``invalid_email``); an
    Eigentümer without one is synced for postal contact. The key is ``("person", M, P)`` for both
    roles: a person who is tenant and owner is one party (``map_person``, ``person_party``).

    The payload is canonical: the dialect renders the names (PrimaryName, SecondaryName) and the
    contact-by flags as the party; e-mail and phone become contact details of the party, and
    the external id goes into the party's list of external ids.
    """
    problem = email_problem(person.email)
    if problem is not None and person.rolle is PersonRolle.MIETER:
        return skip(problem, entity=Entity.PARTIES, key=person.key)
    try:
        external_id = external_id_for(person, ctx.separator)
    except AmbiguousKey as exc:
        return _ambiguous(exc, Entity.PARTIES, person.key)
    first_names = party_first_names(person)
    last_name = party_last_name(person)
    if first_names is None and last_name is None:
        return skip("missing_name", entity=Entity.PARTIES, key=person.key)
    email = valid_email(person.email)
    return TargetPayload(
        entity=Entity.PARTIES,
        key=person.key,
        external_id=external_id,
        body={
            "kind": "user",
            "firstNames": first_names,
            "lastName": last_name,
            "email": email,
            "phone": _text(person.telefon) or _text(person.mobil),
            "contactByEmail": email is not None,
            # facilioo refuses push as the only channel; without e-mail the party gets mail.
            "contactByPush": False,
            "contactByMail": email is None,
        },
    )


def map_person(
    person: Person, ctx: MapContext, *, tenant_party_mapped: bool
) -> TargetPayload | Skip | None:
    """The party of one Person record, in the read's order (Mieter, then Eigentümer).

    A person who is tenant and owner is one party: mapped from the Mieter record when that
    maps (a valid e-mail, a name), else from the Eigentümer record (synced without e-mail).
    None: an Eigentümer whose party was mapped from the Mieter record already.
    """
    if person.rolle is not PersonRolle.MIETER and tenant_party_mapped:
        return None
    return map_party(person, ctx)


def person_party(
    mieter: Person | None, eigentuemer: Person | None, ctx: MapContext
) -> TargetPayload | Skip:
    """The party the sync writes for a person, from both of its records (``map_person`` in
    the read's order): what the record inspector shows for a person."""
    first = map_person(mieter, ctx, tenant_party_mapped=False) if mieter else None
    if eigentuemer is None:
        if first is None:
            raise ValueError("person_party needs at least one person")
        return first
    second = map_person(eigentuemer, ctx, tenant_party_mapped=isinstance(first, TargetPayload))
    result = second if second is not None else first
    assert result is not None  # noqa: S101 (second is None only when first is a payload)
    return result


# ---------------------------------------------------------------------------------------------
# Unit contracts (Mietverträge, Eigentümerverträge)
# ---------------------------------------------------------------------------------------------


def contract_person_status(person: Person | None, art: VertragsArt) -> bool | str:
    """Whether a person's facilioo contract on an ERP contract of ``art`` can be synced.

    True, or the reason code: the person is unknown (``missing_reference``), or a tenant has no
    valid e-mail on a Mietvertrag (``no_email``/``invalid_email``). For ``person_ok``.
    """
    if person is None:
        return "missing_reference"
    if art is VertragsArt.MIETVERTRAG:
        return email_problem(person.email) or True
    return True


def map_contracts(
    vertrag: Vertrag, ctx: MapContext, *, person_ok: Callable[[str], bool | str]
) -> list[TargetPayload | Skip]:
    """One facilioo unit contract per person on the ERP contract, in the ERP's order.

    ``person_ok(person_nr)`` is True when that person's contract can be synced, else the reason
    code (False means ``missing_reference``); see ``contract_person_status``.

    The first synced person's contract also carries the alias ``contract_document_key(M, V)``:
    documents on the ERP contract are linked to it. The end of the ERP contract is
    the ``terminationAt`` of every one of its facilioo contracts.
    """
    results: list[TargetPayload | Skip] = []
    alias_taken = False
    for person_nr in dict.fromkeys(vertrag.person_nrs):  # a person named twice is one contract
        key = unit_contract_key(vertrag, person_nr)
        status = person_ok(person_nr)
        if status is not True:
            reason = status if isinstance(status, str) and status else "missing_reference"
            results.append(
                skip(reason, detail=f"Person {person_nr}", entity=Entity.UNIT_CONTRACTS, key=key)
            )
            continue
        try:
            external_id = contract_external_id(vertrag, person_nr, ctx.separator)
        except AmbiguousKey as exc:
            results.append(_ambiguous(exc, Entity.UNIT_CONTRACTS, key))
            continue
        results.append(
            TargetPayload(
                entity=Entity.UNIT_CONTRACTS,
                key=key,
                external_id=external_id,
                body={
                    "typeId": CONTRACT_TYPE_IDS[vertrag.art],
                    "number": vertrag.vertrag_nr,
                    "effectiveFrom": vertrag.beginn.isoformat(),
                    "terminationAt": vertrag.ende.isoformat() if vertrag.ende else None,
                    "externalId": external_id,
                },
                refs={
                    "unitId": vertrag.einheit_key,
                    "partyId": ("person", vertrag.mandant_nr, person_nr),
                },
                aliases=()
                if alias_taken
                else (contract_document_key(vertrag.mandant_nr, vertrag.vertrag_nr),),
            )
        )
        alias_taken = True
    return results


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover (every month has a 28th)


def creation_skip(payload: TargetPayload, today: date, former_months: int = 0) -> Skip | None:
    """Why a payload the differ would CREATE is not created, else None.

    A contract that ended before ``today`` is created only when it ended within the last
    ``former_months`` months ("beendete Verträge der letzten N Monate übertragen"): former
    tenants still get their final statements and other documents, which hang on the contract.
    Older ones are not created (they would only add history nobody can use); one that facilioo
    already has is still updated, so its ``terminationAt`` is set. The engine asks this only for
    ``ChangeKind.CREATE``.
    """
    if payload.entity != Entity.UNIT_CONTRACTS:
        return None
    termination = payload.body.get("terminationAt")
    if termination is None:
        return None
    ended = date.fromisoformat(termination)
    if ended >= today:
        return None
    if former_months > 0 and ended >= months_before(today, former_months):
        return None
    detail = phrase(
        gettext_noop(
            "beendet am %(ended)s; übertragen werden beendete Verträge der letzten "
            "%(months)s Monate"
        ),
        ended=f"{ended:%d.%m.%Y}",
        months=former_months,
    )
    return skip("ended_contract", detail=detail, entity=payload.entity, key=payload.key)


# ---------------------------------------------------------------------------------------------
# Tenant assignment suggestions (docs/use-cases.md, section 'Stammdaten settings')
# ---------------------------------------------------------------------------------------------


def suggest_tenant(
    we: Wirtschaftseinheit, tenants: Iterable[Mapping[str, Any]], separator: str
) -> int | None:
    """The facilioo tenant to suggest for a WE, from ``GET /api/tenants`` items.

    One whose ``externalId`` equals the WE's composite id, else one whose name equals the WE's
    Bezeichnung (ignoring case and surrounding spaces), else None.
    """
    candidates = list(tenants)
    try:
        we_id: str | None = compose(separator, we.mandant_nr, we.we_nr)
    except AmbiguousKey:
        we_id = None
    for tenant in candidates:
        if we_id is not None and tenant.get("externalId") == we_id:
            return int(tenant["id"])
    name = we.bezeichnung.strip().casefold()
    for tenant in candidates:
        if str(tenant.get("name") or "").strip().casefold() == name:
            return int(tenant["id"])
    return None
