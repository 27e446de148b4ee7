"""Composite ids (docs/identity.md): the ``externalId`` a record carries in facilioo.

The ERP numbers of a record are joined with the customer's separator, without spaces:
``compose("-", "1000", "0001", "01", "003") == "1000-0001-01-003"``. A number that itself contains
the separator (or is empty) would make the id ambiguous, so composing it raises ``AmbiguousKey``
and the record is skipped with reason ``ambiguous_key``.

The sync's own bookkeeping keys records by their natural keys (the ERP numbers), never by the
composed string, so changing the separator rewrites ``externalId`` values instead of creating
duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext

from integrations.erp.records import (
    Dokument,
    Einheit,
    Gebaeude,
    NaturalKey,
    Ordner,
    Person,
    Record,
    RecordProblem,
    Vertrag,
    VertragsArt,
)

SEPARATORS: tuple[str, ...] = ("-", "_", ".", "/", "|")


class AmbiguousKey(ValueError):
    """An ERP number contains the separator (or is empty): the composed id would be ambiguous."""

    def __init__(self, part: str, separator: str) -> None:
        self.part = part
        self.separator = separator
        if part == "":
            problem = gettext("eine ERP-Nummer ist leer")
        else:
            problem = gettext("die Nummer „%(part)s“ enthält das Trennzeichen „%(separator)s“") % {
                "part": part,
                "separator": separator,
            }
        super().__init__(problem)


def check_separator(separator: str) -> str:
    if separator not in SEPARATORS:
        raise ValueError(
            f"Unbekanntes Trennzeichen {separator!r}; erlaubt sind {' '.join(SEPARATORS)}"
        )
    return separator


def compose(separator: str, *parts: str) -> str:
    """Join ERP numbers with the separator; raise ``AmbiguousKey`` if one would be ambiguous."""
    check_separator(separator)
    for part in parts:
        if part == "" or separator in part:
            raise AmbiguousKey(part, separator)
    return separator.join(parts)


# The ERP numbers that make up the externalId of each natural-key kind: the key
# without its leading entity name. (A unit contract is composed from its Vertrag, see below.)
_ID_KINDS = frozenset(
    {"we", "gebaeude", "eingang", "einheit", "person", "ordner", "dokument", "datei"}
)


def external_id_for(
    record_or_key: Record | NaturalKey, separator: str, *, person_nr: str | None = None
) -> str:
    """The externalId of a record, or of the facilioo record behind a natural key.

    ============================  ==========================  ============================
    record / key                  facilioo record             externalId
    ============================  ==========================  ============================
    Wirtschaftseinheit / "we"     tenant (suggestion only)    ``M S W``
    Gebaeude / "gebaeude"         property                    ``M S W S G``
    "eingang"                     the property's entrance     ``M S W S G``
    Einheit / "einheit"           unit                        ``M S W S G S E``
    Person / "person"             party                       ``M S P``
    Vertrag + ``person_nr``       unit contract of a person   ``M S W S G S E S V S P S K``
    Ordner / "ordner"             document group              ``M S O``
    Dokument / "dokument"         document                    ``M S D``
    "datei"                       the document's file         ``M S D``
    ============================  ==========================  ============================

    A unit contract's natural key does not hold its unit, so its id is composed from the
    ``Vertrag`` record and one of its persons. ``K`` is the contract kind (``CONTRACT_KINDS``):
    ``MV`` for a Mietvertrag, ``EV`` for an Eigentümervertrag, so a rental and an owner contract
    with the same number, unit and person have two ids. It is always the seventh part, after
    the six ERP numbers, so no ERP number can be taken for it (an id without it has six parts).
    """
    if isinstance(record_or_key, Vertrag):
        if person_nr is None:
            raise TypeError("external_id_for(Vertrag) needs the person_nr of the contract")
        return contract_external_id(record_or_key, person_nr, separator)
    if isinstance(record_or_key, RecordProblem):
        raise TypeError("a RecordProblem has no externalId")
    key = record_or_key if isinstance(record_or_key, tuple) else record_or_key.key
    kind, *numbers = key
    if kind not in _ID_KINDS:
        raise ValueError(f"no externalId is defined for records of kind {kind!r}")
    return compose(separator, *numbers)


# The last part of a unit contract's externalId: the kind of its ERP contract.
CONTRACT_KINDS: dict[VertragsArt, str] = {
    VertragsArt.MIETVERTRAG: "MV",
    VertragsArt.EIGENTUEMERVERTRAG: "EV",
}


def contract_external_id(vertrag: Vertrag, person_nr: str, separator: str) -> str:
    """``M S W S G S E S V S P S K``: the six ERP numbers, then the kind (``MV`` / ``EV``)."""
    return compose(
        separator,
        vertrag.mandant_nr,
        vertrag.we_nr,
        vertrag.gebaeude_nr,
        vertrag.einheit_nr,
        vertrag.vertrag_nr,
        person_nr,
        CONTRACT_KINDS[vertrag.art],
    )


def contract_id_without_kind(external_id: str) -> str | None:
    """The id a unit contract carried before ids held the contract kind, else None.

    ``1000-0001-01-003-V1-40001-MV`` -> ``1000-0001-01-003-V1-40001``: seven parts under one of
    the separators, the last a kind marker. Anything else (an older id, another record's id)
    gives None.
    """
    for separator in SEPARATORS:
        parts = external_id.split(separator)
        if len(parts) == 7 and parts[-1] in CONTRACT_KINDS.values() and all(parts[:-1]):
            return separator.join(parts[:-1])
    return None


def contract_id_forms(external_id: str) -> set[str]:
    """The id itself and, for a unit contract's id, its form with or without the kind.

    For the record search: a contract logged before its id held the kind is found by its id of
    today, and the other way round (``…-40001`` -> ``…-40001-MV`` and ``…-40001-EV``, under the
    separator it uses).
    """
    forms = {external_id}
    without = contract_id_without_kind(external_id)
    if without is not None:
        forms.add(without)
        return forms
    for separator in SEPARATORS:
        parts = external_id.split(separator)
        if len(parts) == 6 and all(parts):
            forms.update(separator.join((*parts, kind)) for kind in CONTRACT_KINDS.values())
    return forms


def external_id_change_reason(previous: str, current: str) -> str | None:
    """Why a record already in facilioo gets another externalId in place, else None.

    ``contract_kind_added``: a unit contract written before ids held the contract kind;
    ``external_id_changed``: anything else (a new separator). Nothing when there was no
    previous id (a link from "Bestehende facilioo-Daten zuordnen") or it is unchanged.
    """
    if not previous or previous == current:
        return None
    if contract_id_without_kind(current) == previous:
        return "contract_kind_added"
    return "external_id_changed"


def ambiguous_part(record: Record | RecordProblem, separator: str) -> str | None:
    """The first ERP number of ``record`` that makes one of its ids ambiguous, else None.

    Counts only records that become facilioo records: a Mandant has no id, and a
    Wirtschaftseinheit's id is only a tenant suggestion (its buildings fail instead).
    """
    check_separator(separator)
    if isinstance(record, Vertrag):
        numbers: Iterable[str] = (
            record.mandant_nr,
            record.we_nr,
            record.gebaeude_nr,
            record.einheit_nr,
            record.vertrag_nr,
            *record.person_nrs,
        )
    elif isinstance(record, Gebaeude | Einheit | Person | Ordner | Dokument):
        numbers = record.key[1:]
    else:
        return None
    for number in numbers:
        if number == "" or separator in number:
            return number
    return None


class AmbiguityCount:
    """How many records would fail with ``ambiguous_key``, per separator, counted in one pass.

    For the settings page's warning before a separator is saved: ``add`` each record of one
    ERP read, then read ``counts``. An ERP contract with several persons counts once, and so
    does a document (its file shares its id).
    """

    def __init__(self, separators: Iterable[str]) -> None:
        self.counts: dict[str, int] = dict.fromkeys(separators, 0)
        for separator in self.counts:
            check_separator(separator)

    def add(self, record: Record | RecordProblem) -> None:
        for separator in self.counts:
            if ambiguous_part(record, separator) is not None:
                self.counts[separator] += 1


# Natural keys of the facilioo records that have no ERP record of their own. Like the ERP keys
# they hold only ERP numbers, so they stay stable when the separator changes.


def entrance_key(gebaeude: Gebaeude) -> NaturalKey:
    """The entrance facilioo creates with each property (same facilioo id)."""
    return ("eingang", gebaeude.mandant_nr, gebaeude.we_nr, gebaeude.gebaeude_nr)


def file_key(doc: Dokument) -> NaturalKey:
    """The facilioo file that holds a document's bytes."""
    return ("datei", doc.mandant_nr, doc.dokument_id)


def unit_contract_key(vertrag: Vertrag, person_nr: str) -> NaturalKey:
    """One facilioo unit contract per person on an ERP contract."""
    return ("unit_contract", vertrag.mandant_nr, vertrag.art.value, vertrag.vertrag_nr, person_nr)


def contract_document_key(mandant_nr: str, vertrag_nr: str) -> NaturalKey:
    """The facilioo contract a document on an ERP contract is linked to.

    Documents name a contract by its number only, and facilioo has one contract per person:
    this key is an alias the Stammdaten sync records for the contract of the first person
    named on the ERP contract (see ``stammdaten.map_contracts``).
    """
    return ("vertrag_nr", mandant_nr, vertrag_nr)
