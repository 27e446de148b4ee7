"""The special cases of the demo portfolio: what each is, where the showcase holds it, and a
scanner that finds every case in any stream of records.

From 50 units on, the first WE of Mandant 1000 and of Mandant 3000 are the hand-written
showcases (``showcase.py``), whatever the seed, so ``SHOWCASE`` names fixed keys. Larger
portfolios hold the same cases many times over in their random WEs; ``find_special_cases``
finds them there too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from integrations.erp.demo.portfolio import REFERENCE_DATE
from integrations.erp.records import (
    Dokument,
    Einheit,
    Gebaeude,
    NaturalKey,
    Ordner,
    Person,
    PersonRolle,
    StreamItem,
    Vertrag,
    VertragsArt,
    Wirtschaftseinheit,
)

# What each special case means, in the words of the brief for the demo.
DESCRIPTIONS: dict[str, str] = {
    "leading_zeros": "ERP numbers with leading zeros (WE 0001, Gebäude 01, Einheit 001)",
    "house_number_with_letter": "house numbers such as 12a",
    "name_with_semicolon": "a building name with a semicolon (must be quoted in the export)",
    "unit_wohnung": "a flat",
    "unit_gewerbe": "a commercial unit",
    "unit_stellplatz": "a parking space",
    "unit_garage": "a garage",
    "unit_lager": "a storage room",
    "vacant_unit": "a unit without a current contract",
    "couple_on_contract": "a rental contract with two persons",
    "owner_and_tenant": "a person who is Mieter and Eigentümer, with one contract of each kind",
    "owner_couple": "an owner contract with two persons",
    "owner_of_several_units": "one owner on the owner contracts of several units",
    "person_on_several_contracts": "a tenant who rents a flat and a cellar or parking space",
    "firm": "a person that is a firm (firma, no nachname)",
    "tenant_without_email": "a Mieter without e-mail",
    "malformed_email": "an e-mail address that is not one ('mueller@', 'a.b@@example.de', ...)",
    "ended_contract": "a contract that ended before the reference date",
    "future_contract": "a contract that begins after the reference date",
    "notice_given": "a running contract whose end lies after the reference date",
    "contract_number_with_slash": "a contract number containing '/' (ambiguous key with '/')",
    "floor_empty": "position text empty",
    "floor_erdgeschoss": "position text 'Erdgeschoss …'",
    "floor_eg": "position text 'EG …'",
    "floor_keller": "position text 'Keller'",
    "floor_kg": "position text 'KG'",
    "floor_ug": "position text '1. UG'",
    "floor_number": "position text that is a number ('3')",
    "floor_og": "position text '3. OG links'",
    "floor_etage": "position text '2. Etage, rechts'",
    "floor_dachgeschoss": "position text 'Dachgeschoss, mitte'",
    "floor_souterrain": "position text 'Souterrain'",
    "folder_nested": "a folder three levels deep",
    "document_we_only": "a document linked only to a WE (no facilioo target)",
    "document_gebaeude": "a document linked to a building",
    "document_einheit": "a document linked to a unit",
    "document_vertrag": "a document linked to a contract",
    "document_person": "a document linked to a person",
    "document_not_released": "a document that is not released",
    "archive_mietvertraege": "a document in the archive 'Mietverträge'",
    "archive_protokolle": "a document in the archive 'Protokolle'",
    "archive_intern": "a document in the archive 'Intern'",
    "document_with_remark": "a document with a remark",
    "remark_with_semicolon_quote_linebreak": "a remark with ';', '\"' and a line break",
}

_R = ("1000", "0001")
# Where the showcases hold the Stammdaten cases (for units >= 50, any seed).
SHOWCASE: dict[str, tuple[NaturalKey, ...]] = {
    "leading_zeros": (("einheit", *_R, "01", "001"),),
    "house_number_with_letter": (("gebaeude", *_R, "02"),),
    "name_with_semicolon": (("gebaeude", *_R, "02"),),
    "unit_gewerbe": (("einheit", *_R, "01", "701"),),
    "unit_stellplatz": (("einheit", *_R, "01", "901"),),
    "unit_garage": (("einheit", *_R, "01", "951"),),
    "vacant_unit": (
        ("einheit", *_R, "01", "006"),
        ("einheit", *_R, "01", "802"),
        ("einheit", *_R, "01", "951"),
    ),
    "couple_on_contract": (("vertrag", "1000", "mietvertrag", "00000101"),),
    "owner_and_tenant": (("person", "3000", "40001"),),
    "owner_couple": (("vertrag", "3000", "eigentuemervertrag", "E00000201"),),
    "owner_of_several_units": (("person", "3000", "40005"),),
    "person_on_several_contracts": (("person", "1000", "40001"),),
    "firm": (("person", "1000", "40011"), ("person", "3000", "40008")),
    "tenant_without_email": (("person", "1000", "40003"),),
    "malformed_email": (
        ("person", "1000", "40004"),
        ("person", "1000", "40005"),
        ("person", "1000", "40006"),
    ),
    "ended_contract": (("vertrag", "1000", "mietvertrag", "00000601"),),
    "future_contract": (("vertrag", "1000", "mietvertrag", "00000702"),),
    "notice_given": (("vertrag", "1000", "mietvertrag", "00000701"),),
    "contract_number_with_slash": (("vertrag", "1000", "mietvertrag", "MV/2019/17"),),
    "floor_empty": (("einheit", *_R, "01", "901"),),
    "floor_erdgeschoss": (("einheit", *_R, "01", "001"),),
    "floor_eg": (("einheit", *_R, "01", "002"),),
    "floor_keller": (("einheit", *_R, "01", "801"),),
    "floor_kg": (("einheit", *_R, "01", "802"),),
    "floor_ug": (("einheit", *_R, "01", "803"),),
    "floor_number": (("einheit", *_R, "01", "004"),),
    "floor_og": (("einheit", *_R, "01", "005"),),
    "floor_etage": (("einheit", *_R, "01", "003"),),
    "floor_dachgeschoss": (("einheit", *_R, "01", "006"),),
    "floor_souterrain": (("einheit", *_R, "01", "007"),),
}

_EMAIL = re.compile(r"^[^@\s;]+@[^@\s;]+\.[a-z]{2,}$", re.IGNORECASE)


def is_plausible_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def _floor_cases(lage: str | None) -> list[str]:
    if lage is None:
        return ["floor_empty"]
    text = lage.lower()
    tests: dict[str, Callable[[str], bool]] = {
        "floor_erdgeschoss": lambda t: "erdgeschoss" in t,
        "floor_eg": lambda t: re.match(r"^eg\b", t) is not None,
        "floor_keller": lambda t: t == "keller",
        "floor_kg": lambda t: t == "kg",
        "floor_ug": lambda t: re.match(r"^\d+\. ug$", t) is not None,
        "floor_number": str.isdigit,
        "floor_og": lambda t: re.match(r"^\d+\. og\b", t) is not None,
        "floor_etage": lambda t: re.match(r"^\d+\. etage, ", t) is not None,
        "floor_dachgeschoss": lambda t: t.startswith("dachgeschoss, "),
        "floor_souterrain": lambda t: t == "souterrain",
    }
    return [name for name, test in tests.items() if test(text)]


def find_special_cases(
    items: Iterable[StreamItem], *, today: date = REFERENCE_DATE
) -> dict[str, list[NaturalKey]]:
    """Scan records (both use cases) and return, per special case, the keys that show it.

    Holds key sets of the records it sees: meant for tests and small portfolios.
    """
    found: dict[str, list[NaturalKey]] = defaultdict(list)
    units: list[Einheit] = []
    current_or_owned: set[NaturalKey] = set()
    roles: dict[NaturalKey, set[PersonRolle]] = defaultdict(set)
    contracts_of: dict[NaturalKey, set[VertragsArt]] = defaultdict(set)
    owned_units: dict[NaturalKey, set[NaturalKey]] = defaultdict(set)
    tenant_contracts: dict[NaturalKey, int] = defaultdict(int)
    folders: dict[NaturalKey, str | None] = {}
    for item in items:
        if isinstance(item, Wirtschaftseinheit):
            if item.we_nr.startswith("0"):
                found["leading_zeros"].append(item.key)
        elif isinstance(item, Gebaeude):
            if re.fullmatch(r"\d+[a-z]", item.hausnummer):
                found["house_number_with_letter"].append(item.key)
            if item.bezeichnung and ";" in item.bezeichnung:
                found["name_with_semicolon"].append(item.key)
        elif isinstance(item, Einheit):
            units.append(item)
            if item.einheit_nr.startswith("00") and item.gebaeude_nr.startswith("0"):
                found["leading_zeros"].append(item.key)
            if (case := f"unit_{item.nutzungsart.value.lower()}") in DESCRIPTIONS:
                found[case].append(item.key)
            for case in _floor_cases(item.lage):
                found[case].append(item.key)
        elif isinstance(item, Person):
            roles[item.key].add(item.rolle)
            if item.firma and not item.nachname:
                found["firm"].append(item.key)
            if item.rolle is PersonRolle.MIETER:
                if item.email is None:
                    found["tenant_without_email"].append(item.key)
                elif not is_plausible_email(item.email):
                    found["malformed_email"].append(item.key)
        elif isinstance(item, Vertrag):
            _contract_cases(item, today, found)
            for nr in item.person_nrs:
                person: NaturalKey = ("person", item.mandant_nr, nr)
                contracts_of[person].add(item.art)
                if item.art is VertragsArt.EIGENTUEMERVERTRAG:
                    owned_units[person].add(item.einheit_key)
                if item.art is VertragsArt.MIETVERTRAG:
                    tenant_contracts[person] += 1
            running = item.beginn <= today and (item.ende is None or item.ende >= today)
            if item.art is VertragsArt.EIGENTUEMERVERTRAG or running:
                current_or_owned.add(item.einheit_key)
        elif isinstance(item, Ordner):
            folders[item.key] = item.parent_id
            if _depth(folders, item) >= 3:
                found["folder_nested"].append(item.key)
        elif isinstance(item, Dokument):
            _document_cases(item, found)
    for einheit in units:
        if einheit.key not in current_or_owned:
            found["vacant_unit"].append(einheit.key)
    for person, person_roles in roles.items():
        if len(person_roles) == 2 and contracts_of[person] == set(VertragsArt):
            found["owner_and_tenant"].append(person)
        if tenant_contracts[person] >= 2:
            found["person_on_several_contracts"].append(person)
        if len(owned_units[person]) >= 2:
            found["owner_of_several_units"].append(person)
    return dict(found)


def _contract_cases(item: Vertrag, today: date, found: dict[str, list[NaturalKey]]) -> None:
    if len(item.person_nrs) >= 2:
        owner = item.art is VertragsArt.EIGENTUEMERVERTRAG
        found["owner_couple" if owner else "couple_on_contract"].append(item.key)
    if item.ende is not None and item.ende < today:
        found["ended_contract"].append(item.key)
    if item.beginn > today:
        found["future_contract"].append(item.key)
    if item.beginn <= today and item.ende is not None and item.ende > today:
        found["notice_given"].append(item.key)
    if "/" in item.vertrag_nr:
        found["contract_number_with_slash"].append(item.key)


def _depth(folders: dict[NaturalKey, str | None], folder: Ordner) -> int:
    depth, parent = 1, folder.parent_id
    while parent is not None and depth < 10:
        depth += 1
        parent = folders.get(("ordner", folder.mandant_nr, parent))
    return depth


def _document_cases(item: Dokument, found: dict[str, list[NaturalKey]]) -> None:
    if item.person_nr:
        found["document_person"].append(item.key)
    elif item.vertrag_nr:
        found["document_vertrag"].append(item.key)
    elif item.einheit_nr:
        found["document_einheit"].append(item.key)
    elif item.gebaeude_nr:
        found["document_gebaeude"].append(item.key)
    elif item.we_nr:
        found["document_we_only"].append(item.key)
    if not item.freigegeben:
        found["document_not_released"].append(item.key)
    archives = {"Mietverträge": "mietvertraege", "Protokolle": "protokolle", "Intern": "intern"}
    if item.archiv in archives:
        found[f"archive_{archives[item.archiv]}"].append(item.key)
    if item.bemerkung:
        found["document_with_remark"].append(item.key)
        if all(mark in item.bemerkung for mark in (";", '"', "\n")):
            found["remark_with_semicolon_quote_linebreak"].append(item.key)
