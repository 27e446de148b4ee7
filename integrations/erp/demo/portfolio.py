"""The demo portfolio: a deterministic, realistic German property portfolio of any size.

How it stays deterministic and small in memory:

- Every random choice comes from a ``random.Random`` seeded with a string that names what it
  decides (``"erp-demo:<seed>:<mandant>:<we>:people"``). String seeds are hashed with SHA-512 by
  ``random``, so the data never depends on ``PYTHONHASHSEED``, on the order of generation or on
  which Mandanten are read.
- A Mandant's units are split into Wirtschaftseinheiten by a cheap plan (one draw per WE). Each
  WE is then built on its own from its streams: structure (buildings, units), people
  (persons, contracts) and documents. Building a WE never looks at another WE, so a WE can be
  built again for every pass of a read and only one WE is ever held in memory.
- All dates are relative to ``REFERENCE_DATE`` (the demo's "today"), never to the clock.

The first WE of Mandant 1000 and of Mandant 3000 is a hand-written showcase that holds every
special case once (see ``integrations.erp.demo.special_cases``); the other WEs are drawn at
random with the same kinds of cases at realistic rates.
"""

from __future__ import annotations

import calendar
import functools
import io
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import BinaryIO

from integrations.erp.demo import names
from integrations.erp.demo.pdf import tiny_pdf
from integrations.erp.records import (
    Anrede,
    Dokument,
    Einheit,
    Gebaeude,
    Mandant,
    Nutzungsart,
    Ordner,
    Person,
    PersonRolle,
    Vertrag,
    VertragsArt,
    Wirtschaftseinheit,
)

# The demo's "today": contracts end before it or begin after it. Fixed, so that the same
# (units, seed) gives the same data on every day.
REFERENCE_DATE = date(2026, 11, 1)

RENTAL = "rental"  # a housing company: Mietverträge
WEG = "weg"  # a WEG administration: Eigentümerverträge, and Mietverträge of rented-out flats


@dataclass(frozen=True, slots=True)
class MandantProfile:
    mandant_nr: str
    name: str
    kind: str
    cities: tuple[str, ...]  # keys of names.CITIES
    weight: int  # share of the portfolio's units


PROFILES = (
    MandantProfile("1000", "Musterstadt Wohnen GmbH", RENTAL, ("koeln", "bonn"), 40),
    MandantProfile(
        "2000", "Rheinblick Immobilien eG", RENTAL, ("koblenz", "mainz", "duesseldorf"), 30
    ),
    MandantProfile("3000", "WEG-Verwaltung Sonnenhang GmbH", WEG, ("freiburg", "konstanz"), 30),
    MandantProfile("4000", "Elbtal Wohnbau GmbH", RENTAL, ("dresden", "leipzig"), 25),
    MandantProfile("5000", "Hausverwaltung Kaiser & Partner GmbH", WEG, ("muenchen",), 15),
    MandantProfile("6000", "Spree-Wohnen Berlin GmbH", RENTAL, ("berlin",), 30),
    MandantProfile("7000", "Wohnungsgenossenschaft Ruhrtal eG", RENTAL, ("essen", "bochum"), 20),
    MandantProfile("8000", "Hanse Immobilienverwaltung KG", WEG, ("hamburg",), 15),
    MandantProfile("9000", "Mainufer Wohnen GmbH", RENTAL, ("frankfurt",), 20),
)
# From these portfolio sizes on, one more Mandant takes part (3 Mandanten below 1,000 units).
_MANDANT_THRESHOLDS = (1_000, 5_000, 10_000, 25_000, 50_000, 100_000)

# Units of the hand-written showcase WEs (first WE of these Mandanten), see showcase.py.
SHOWCASE_SIZES = {"1000": 14, "3000": 7}

PERSONS_PER_UNIT = 10  # size of a WE's block of person numbers, per unit
PERSON_NR_START = 40001
DOCUMENTS_PER_WE = 1000  # document ids are "<WE index><3 digits>"

# The Mandant-level folders; each WE adds a folder under "Objekte" with three sub-folders.
FOLDER_OBJEKTE = "1"
_MANDANT_FOLDERS = (
    (FOLDER_OBJEKTE, "Objekte", None),
    ("2", "Verwaltung", None),
    ("3", "Rundschreiben", "2"),
    ("4", "Intern", "2"),
)
FOLDER_INTERN = "4"


def profiles_for(units: int) -> tuple[MandantProfile, ...]:
    return PROFILES[: 3 + sum(units >= threshold for threshold in _MANDANT_THRESHOLDS)]


def unit_budgets(units: int) -> dict[str, int]:
    """How many units each Mandant holds: shares by weight, the rest to the first."""
    profiles = profiles_for(units)
    total = sum(profile.weight for profile in profiles)
    budgets = [units * profile.weight // total for profile in profiles]
    budgets[0] += units - sum(budgets)
    return {profile.mandant_nr: budget for profile, budget in zip(profiles, budgets, strict=True)}


def mandanten(units: int) -> list[Mandant]:
    return [Mandant(profile.mandant_nr, profile.name) for profile in profiles_for(units)]


@dataclass(frozen=True, slots=True)
class WePlan:
    profile: MandantProfile
    index: int  # 1-based within the Mandant
    size: int  # number of units
    first_ordinal: int  # Mandant-wide number of the WE's first unit, 1-based
    seed: int
    showcase: bool = False  # the hand-written WE holding every special case

    @property
    def we_nr(self) -> str:
        return f"{self.index:04d}"

    @property
    def mandant_nr(self) -> str:
        return self.profile.mandant_nr

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"erp-demo:{self.seed}:{self.mandant_nr}:{self.we_nr}:{stream}")  # noqa: S311 - demo data, not cryptography


def we_plans(profile: MandantProfile, budget: int, seed: int) -> Iterator[WePlan]:
    """The Mandant's WEs, lazily: one random draw per WE decides its size."""
    rng = random.Random(f"erp-demo:{seed}:{profile.mandant_nr}:plan")  # noqa: S311 - demo data
    remaining, ordinal, index = budget, 1, 0
    while remaining > 0:
        index += 1
        showcase = index == 1 and remaining >= SHOWCASE_SIZES.get(profile.mandant_nr, budget + 1)
        if showcase:
            size = SHOWCASE_SIZES[profile.mandant_nr]
        else:
            size = _draw_we_size(rng, profile.kind)
            if remaining - size < 4:
                size = remaining
            size = min(size, remaining)
        yield WePlan(profile, index, size, ordinal, seed, showcase)
        remaining -= size
        ordinal += size


def _draw_we_size(rng: random.Random, kind: str) -> int:
    roll = rng.random()
    if kind == WEG:
        return rng.randint(4, 12) if roll < 0.6 else rng.randint(13, 36)
    if roll < 0.35:
        return rng.randint(6, 12)
    if roll < 0.8:
        return rng.randint(13, 40)
    return rng.randint(41, 120)


# --- helpers -------------------------------------------------------------------------------


def _month_start(rng: random.Random, first: date, last: date) -> date:
    """The first day of a random month from the month of ``first`` to the month of ``last``."""
    months = (last.year - first.year) * 12 + last.month - first.month
    offset = rng.randint(0, max(months, 0))
    year, month = divmod(first.month - 1 + offset, 12)
    return date(first.year + year, month + 1, 1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    return date(day.year + year, month + 1, 1)


def _ascii(text: str) -> str:
    """E-mail-safe lower-case form of a name: Müller -> mueller, Öztürk -> oeztuerk."""
    text = text.lower()
    dotless_i = "\u0131"  # the Turkish dotless i, which NFKD keeps
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), (dotless_i, "i")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in text if char.isalnum() or char == "-")


Address = tuple[str, str, str, str]  # strasse, hausnummer, plz, ort


# --- structure: WE, buildings, units --------------------------------------------------------


@dataclass(slots=True)
class Structure:
    we: Wirtschaftseinheit
    gebaeude: list[Gebaeude]
    einheiten: list[Einheit]

    def address_of(self, einheit: Einheit) -> Address:
        for building in self.gebaeude:
            if building.gebaeude_nr == einheit.gebaeude_nr:
                return (building.strasse, building.hausnummer, building.plz, building.ort)
        raise LookupError(einheit.gebaeude_nr)


_POSITIONS = {
    1: ("",),
    2: ("links", "rechts"),
    3: ("links", "mitte", "rechts"),
    4: ("links", "mitte links", "mitte rechts", "rechts"),
}


def _floor_text(style: str, floor: int, position: str, top: bool, roof: bool) -> str:
    """The ERP's free-text position of a flat, written the way this building's clerk writes it."""
    suffix = f" {position}" if position else ""
    if roof and top:
        return f"Dachgeschoss, {position}" if position and style != "short" else f"DG{suffix}"
    if floor == 0:
        return {"short": f"EG{suffix}", "number": "0"}.get(style, f"Erdgeschoss{suffix}")
    return {
        "og": f"{floor}. OG{suffix}",
        "short": f"{floor}. OG{suffix}",
        "etage": f"{floor}. Etage, {position}" if position else f"{floor}. Etage",
        "long": f"{floor}. Obergeschoss{suffix}",
        "number": str(floor),
    }[style]


def random_structure(plan: WePlan) -> Structure:
    rng = plan.rng("structure")
    profile = plan.profile
    city, _area, postcodes = names.CITIES[rng.choice(profile.cities)]
    plz = rng.choice(postcodes)
    street = rng.choice(names.STREETS)
    count = 1 if plan.size <= 12 else rng.randint(1, min(4, plan.size // 8))
    sizes = [plan.size // count] * count
    for extra in range(plan.size - sum(sizes)):
        sizes[extra] += 1
    first_number = rng.randint(1, 140)
    gebaeude: list[Gebaeude] = []
    einheiten: list[Einheit] = []
    for position, size in enumerate(sizes):
        number = first_number + 2 * position
        roll = rng.random()
        hausnummer = (
            f"{number}{rng.choice('abc')}"
            if roll < 0.12
            else f"{number}-{number + 2}"
            if roll < 0.17
            else str(number)
        )
        baujahr = (
            None
            if rng.random() < 0.05
            else rng.choice((1905, 1928, 1955, 1962, 1971)) + (rng.randint(0, 50))
        )
        building = Gebaeude(
            mandant_nr=plan.mandant_nr,
            we_nr=plan.we_nr,
            gebaeude_nr=f"{position + 1:02d}",
            strasse=street,
            hausnummer=hausnummer,
            plz=plz,
            ort=city,
            bezeichnung=_building_name(rng, hausnummer),
            baujahr=baujahr,
        )
        gebaeude.append(building)
        einheiten.extend(_random_units(rng, plan, building, size))
    first, last = gebaeude[0], gebaeude[-1]
    if profile.kind == WEG:
        bezeichnung = f"WEG {street} {first.hausnummer}"
    elif len(gebaeude) > 1:
        bezeichnung = f"Wohnanlage {street} {first.hausnummer}–{last.hausnummer}"  # noqa: RUF001 - the typographic dash, as clerks type it
    else:
        bezeichnung = f"{street} {first.hausnummer}"
    with_address = rng.random() >= 0.1
    we = Wirtschaftseinheit(
        mandant_nr=plan.mandant_nr,
        we_nr=plan.we_nr,
        bezeichnung=bezeichnung,
        strasse=street if with_address else None,
        hausnummer=first.hausnummer if with_address else None,
        plz=plz if with_address else None,
        ort=city if with_address else None,
    )
    return Structure(we, gebaeude, einheiten)


def _building_name(rng: random.Random, hausnummer: str) -> str | None:
    roll = rng.random()
    if roll < 0.3:
        return None
    if roll < 0.35:
        return f"Haus {hausnummer}; {rng.choice(('Hinterhaus', 'Vorderhaus', 'Seitenflügel'))}"
    return f"Haus {hausnummer}"


def _random_units(rng: random.Random, plan: WePlan, building: Gebaeude, size: int) -> list[Einheit]:
    garages = rng.randint(0, size // 10) if size >= 10 else 0
    parking = rng.randint(0, size // 6) if size >= 6 else 0
    storage = 1 if size >= 8 and rng.random() < 0.25 else 0
    commercial = 1 if size >= 6 and rng.random() < 0.3 else 0
    other = 1 if size >= 12 and rng.random() < 0.08 else 0
    flats = size - garages - parking - storage - commercial - other
    units: list[Einheit] = []

    def unit(
        nr: str,
        art: Nutzungsart,
        bezeichnung: str,
        lage: str | None = None,
        wohnflaeche: Decimal | None = None,
        zimmer: Decimal | None = None,
    ) -> None:
        units.append(
            Einheit(
                plan.mandant_nr,
                plan.we_nr,
                building.gebaeude_nr,
                nr,
                art,
                bezeichnung=bezeichnung,
                lage=lage,
                wohnflaeche=wohnflaeche,
                zimmer=zimmer,
            )
        )

    for nr in range(1, commercial + 1):
        unit(
            f"{700 + nr}",
            Nutzungsart.GEWERBE,
            bezeichnung=rng.choice(("Ladenlokal", "Büro", "Praxis", "Gewerbeeinheit")),
            lage=rng.choice(("Erdgeschoss", "EG", "EG links")),
            wohnflaeche=Decimal(rng.randint(4500, 25000)) / 100,
        )
    per_floor = rng.choice((2, 2, 3, 4))
    floors = -(-flats // per_floor)
    style = rng.choice(("og", "short", "etage", "long", "number"))
    roof = floors >= 3 and rng.random() < 0.4
    basement_flat = floors >= 3 and rng.random() < 0.1
    for index in range(flats):
        floor, slot = divmod(index, per_floor)
        if basement_flat and index == 0:
            lage: str | None = "Souterrain"
        elif rng.random() < 0.01:
            lage = None
        else:
            lage = _floor_text(style, floor, _POSITIONS[per_floor][slot], floor == floors - 1, roof)
        rooms = rng.choice((1, 1.5, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 5))
        area = Decimal(18 + rooms * rng.uniform(16.0, 24.0)).quantize(Decimal("0.01"))
        unit(
            f"{index + 1:03d}",
            Nutzungsart.WOHNUNG,
            bezeichnung=f"Wohnung {index + 1}",
            lage=lage,
            wohnflaeche=area,
            zimmer=Decimal(str(rooms)),
        )
    for nr in range(1, other + 1):
        unit(
            f"{750 + nr}",
            Nutzungsart.SONSTIGES,
            bezeichnung=rng.choice(("Gemeinschaftsraum", "Fahrradraum", "Waschküche")),
            lage=rng.choice(("EG", "Keller")),
        )
    for nr in range(1, storage + 1):
        unit(
            f"{800 + nr}",
            Nutzungsart.LAGER,
            bezeichnung=f"Kellerraum {nr}",
            lage=rng.choice(("Keller", "KG", "1. UG", "Kellergeschoss")),
            wohnflaeche=Decimal(rng.randint(600, 1500)) / 100,
        )
    for nr in range(1, parking + 1):
        unit(f"{900 + nr}", Nutzungsart.STELLPLATZ, bezeichnung=f"Stellplatz {nr}")
    for nr in range(1, garages + 1):
        unit(
            f"{950 + nr}",
            Nutzungsart.GARAGE,
            bezeichnung=f"Garage {nr}",
            wohnflaeche=Decimal("18.00") if rng.random() < 0.5 else None,
        )
    return units


# --- people: persons and contracts ----------------------------------------------------------


@dataclass(slots=True)
class People:
    mieter: list[Person] = field(default_factory=list)
    eigentuemer: list[Person] = field(default_factory=list)
    mietvertraege: list[Vertrag] = field(default_factory=list)
    eigentuemervertraege: list[Vertrag] = field(default_factory=list)


_MALFORMED_EMAILS = (
    "{last}@",
    "{first}.{last}@@example.de",
    "{first} at example.de",
    "{first}.{last}@example",
    "{first}.{last}example.de",
    "{first}@example.de; {last}@example.de",
)


class _PeopleBuilder:
    """Persons and contracts of one WE. Person numbers come from the WE's own block."""

    def __init__(self, plan: WePlan, structure: Structure, rng: random.Random) -> None:
        self.plan = plan
        self.structure = structure
        self.rng = rng
        self.next_nr = PERSON_NR_START + PERSONS_PER_UNIT * (plan.first_ordinal - 1)
        self.last_nr = self.next_nr + PERSONS_PER_UNIT * plan.size
        self.persons: dict[str, Person] = {}
        self.tenants: set[str] = set()
        self.owners: set[str] = set()
        self.people = People()
        self.ordinals = {
            unit.key: plan.first_ordinal + index for index, unit in enumerate(structure.einheiten)
        }
        self.sequence: dict[tuple[str, ...], int] = {}
        _, self.area_code, _ = names.CITIES[plan.profile.cities[0]]

    # persons

    def _nr(self) -> str:
        if self.next_nr >= self.last_nr:  # pragma: no cover - guards the numbering scheme
            raise RuntimeError("person number block of the WE exhausted")
        nr = str(self.next_nr)
        self.next_nr += 1
        return nr

    def _email(self, first: str, last: str, nr: str, domain: str = "example.de") -> str | None:
        roll = self.rng.random()
        if roll < 0.1:
            return None
        first_ascii, last_ascii = _ascii(first) or "kontakt", _ascii(last) or "person"
        if roll < 0.125:
            return self.rng.choice(_MALFORMED_EMAILS).format(first=first_ascii, last=last_ascii)
        return f"{first_ascii}.{last_ascii}.{self.plan.mandant_nr[0]}{nr}@{domain}"

    def _phones(self) -> tuple[str | None, str | None]:
        telefon = (
            f"{self.area_code} {self.rng.randint(200000, 9899999)}"
            if self.rng.random() < 0.6
            else None
        )
        mobil = (
            f"{self.rng.choice(names.MOBILE_PREFIXES)} {self.rng.randint(1000000, 99999999)}"
            if self.rng.random() < 0.5
            else None
        )
        return telefon, mobil

    def _other_address(self) -> Address:
        city, _, postcodes = names.CITIES[self.rng.choice(tuple(names.CITIES))]
        return (
            self.rng.choice(names.STREETS),
            str(self.rng.randint(1, 160)),
            self.rng.choice(postcodes),
            city,
        )

    def add_person(
        self,
        *,
        address: Address | None,
        anrede: Anrede | None = None,
        titel: str | None = None,
        vorname: str | None = None,
        nachname: str | None = None,
        firma: str | None = None,
        email: str | None = None,
        telefon: str | None = None,
        mobil: str | None = None,
    ) -> str:
        nr = self._nr()
        strasse, hausnummer, plz, ort = address or (None, None, None, None)
        self.persons[nr] = Person(
            mandant_nr=self.plan.mandant_nr,
            person_nr=nr,
            rolle=PersonRolle.MIETER,  # the role is set when the lists are made
            anrede=anrede,
            titel=titel,
            vorname=vorname,
            nachname=nachname,
            firma=firma,
            email=email,
            telefon=telefon,
            mobil=mobil,
            strasse=strasse,
            hausnummer=hausnummer,
            plz=plz,
            ort=ort,
        )
        return nr

    def _peek_nr(self) -> str:
        return str(self.next_nr)

    def private(self, address: Address | None, last_name: str | None = None) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.02:
            anrede, first = Anrede.DIVERS, rng.choice(names.FIRST_NAMES_DIVERSE)
        elif roll < 0.51:
            anrede, first = Anrede.FRAU, rng.choice(names.FIRST_NAMES_FEMALE)
        else:
            anrede, first = Anrede.HERR, rng.choice(names.FIRST_NAMES_MALE)
        last = last_name or rng.choice(names.LAST_NAMES)
        telefon, mobil = self._phones()
        return self.add_person(
            address=address,
            anrede=None if rng.random() < 0.04 else anrede,
            titel=rng.choice(names.TITLES) if rng.random() < 0.04 else None,
            vorname=first,
            nachname=last,
            email=self._email(first, last, self._peek_nr()),
            telefon=telefon,
            mobil=mobil,
        )

    def household(self, address: Address | None, couple_rate: float) -> tuple[str, ...]:
        first = self.private(address)
        if self.rng.random() >= couple_rate:
            return (first,)
        shared = self.persons[first].nachname if self.rng.random() < 0.7 else None
        return (first, self.private(address, last_name=shared))

    def firm(self, address: Address | None) -> str:
        firma = self.rng.choice(names.FIRMS)
        telefon, _ = self._phones()
        return self.add_person(
            address=address,
            anrede=Anrede.FIRMA,
            firma=firma,
            email=self._email("info", firma.split()[0], self._peek_nr(), domain="example.com"),
            telefon=telefon,
        )

    def estate(self, address: Address | None) -> str:
        firma = self.rng.choice(names.ESTATES).format(self.rng.choice(names.LAST_NAMES))
        return self.add_person(
            address=address,
            firma=firma,
            email=self._email(
                "verwaltung", firma.split()[-1], self._peek_nr(), domain="example.com"
            ),
        )

    # contracts

    def contract(
        self,
        art: VertragsArt,
        unit: Einheit,
        persons: tuple[str, ...],
        beginn: date,
        ende: date | None = None,
        vertrag_nr: str | None = None,
    ) -> Vertrag:
        counter = (art.value, *unit.key)
        sequence = self.sequence[counter] = self.sequence.get(counter, 0) + 1
        ordinal = self.ordinals[unit.key]
        prefix = "E" if art is VertragsArt.EIGENTUEMERVERTRAG else ""
        vertrag = Vertrag(
            mandant_nr=self.plan.mandant_nr,
            vertrag_nr=vertrag_nr or f"{prefix}{ordinal:06d}{sequence:02d}",
            art=art,
            we_nr=unit.we_nr,
            gebaeude_nr=unit.gebaeude_nr,
            einheit_nr=unit.einheit_nr,
            person_nrs=persons,
            beginn=beginn,
            ende=ende,
        )
        if art is VertragsArt.MIETVERTRAG:
            self.tenants.update(persons)
            self.people.mietvertraege.append(vertrag)
        else:
            self.owners.update(persons)
            self.people.eigentuemervertraege.append(vertrag)
        return vertrag

    def finish(self) -> People:
        for nr, person in self.persons.items():
            if nr in self.tenants:
                self.people.mieter.append(person)
            if nr in self.owners:
                self.people.eigentuemer.append(replace(person, rolle=PersonRolle.EIGENTUEMER))
        return self.people

    # random tenancies

    def tenancy(self, unit: Einheit, address: Address, couple_rate: float) -> tuple[str, ...]:
        """Contracts of a flat or shop over time: maybe a former tenant, the current one, and
        a successor who moves in after the reference date. Returns the current tenants."""
        rng = self.rng
        art = VertragsArt.MIETVERTRAG
        commercial = unit.nutzungsart is Nutzungsart.GEWERBE

        def tenants(current: bool) -> tuple[str, ...]:
            where = address if current else (None if rng.random() < 0.4 else self._other_address())
            return (self.firm(where),) if commercial else self.household(where, couple_rate)

        if rng.random() < 0.06:  # vacant
            if rng.random() < 0.5:
                beginn = _month_start(rng, date(1990, 1, 1), date(2022, 1, 1))
                last_month = _add_months(REFERENCE_DATE, -1)
                ended = _month_end(_month_start(rng, _add_months(beginn, 12), last_month))
                self.contract(art, unit, tenants(False), beginn, ended)
            if rng.random() < 0.3:
                beginn = _add_months(REFERENCE_DATE, rng.randint(1, 3))
                self.contract(art, unit, tenants(True), beginn)
            return ()
        beginn = _month_start(rng, date(1975, 1, 1), _add_months(REFERENCE_DATE, -1))
        if beginn.year >= 1980 and rng.random() < 0.22:
            previous = _month_start(rng, date(1970, 1, 1), _add_months(beginn, -13))
            self.contract(art, unit, tenants(False), previous, beginn - timedelta(days=1))
        current = tenants(True)
        ende: date | None = None
        if rng.random() < 0.04:  # notice given: ends after the reference date
            ende = _month_end(_add_months(REFERENCE_DATE, rng.randint(1, 4)))
        self.contract(art, unit, current, beginn, ende)
        if ende is not None and rng.random() < 0.8:
            self.contract(art, unit, tenants(True), ende + timedelta(days=1))
        return current


def random_people(plan: WePlan, structure: Structure) -> People:
    builder = _PeopleBuilder(plan, structure, plan.rng("people"))
    if plan.profile.kind == WEG:
        _random_weg(builder)
    else:
        _random_rental(builder)
    return builder.finish()


def _random_rental(builder: _PeopleBuilder) -> None:
    rng = builder.rng
    households: list[tuple[tuple[str, ...], date]] = []  # current tenants and their move-in
    for unit in builder.structure.einheiten:
        address = builder.structure.address_of(unit)
        if unit.nutzungsart in (Nutzungsart.WOHNUNG, Nutzungsart.GEWERBE):
            current = builder.tenancy(unit, address, couple_rate=0.25)
            if current and unit.nutzungsart is Nutzungsart.WOHNUNG:
                households.append((current, builder.people.mietvertraege[-1].beginn))
        elif unit.nutzungsart in (Nutzungsart.STELLPLATZ, Nutzungsart.GARAGE, Nutzungsart.LAGER):
            vacancy = 0.4 if unit.nutzungsart is Nutzungsart.LAGER else 0.15
            if rng.random() < vacancy:
                continue
            if households and rng.random() < 0.65:  # a tenant of the WE rents it too
                persons, moved_in = rng.choice(households)
                persons = persons[:1]
                beginn = _month_start(rng, moved_in, REFERENCE_DATE)
            else:
                persons = (builder.private(builder._other_address()),)
                beginn = _month_start(rng, date(1995, 1, 1), REFERENCE_DATE)
            builder.contract(VertragsArt.MIETVERTRAG, unit, persons, beginn)


def _random_weg(builder: _PeopleBuilder) -> None:
    rng = builder.rng
    art = VertragsArt.EIGENTUEMERVERTRAG
    occupiers: list[tuple[str, ...]] = []  # owners who live in their flat
    owners: list[tuple[str, ...]] = []
    for unit in builder.structure.einheiten:
        if unit.nutzungsart is Nutzungsart.SONSTIGES:
            continue  # common property: no owner of its own
        address = builder.structure.address_of(unit)
        flat = unit.nutzungsart is Nutzungsart.WOHNUNG
        occupied = flat and rng.random() < 0.55
        if owners and (not flat or rng.random() < 0.1):
            owner = rng.choice(owners)  # owns several units of the WE
        elif rng.random() < 0.08 or unit.nutzungsart is Nutzungsart.GEWERBE:
            owner = (builder.estate(builder._other_address()),)
            occupied = False
        else:
            owner = builder.household(address if occupied else builder._other_address(), 0.3)
        beginn = _month_start(rng, date(1985, 1, 1), _add_months(REFERENCE_DATE, -1))
        if rng.random() < 0.12 and beginn.year > 1990:  # bought from a previous owner
            seller = builder.household(None, 0.2)
            previous = _month_start(rng, date(1975, 1, 1), _add_months(beginn, -13))
            builder.contract(art, unit, seller, previous, beginn - timedelta(days=1))
        builder.contract(art, unit, owner, beginn)
        owners.append(owner)
        if occupied:
            occupiers.append(owner)
        elif flat or unit.nutzungsart is Nutzungsart.GEWERBE:
            builder.tenancy(unit, address, couple_rate=0.25)
        elif unit.nutzungsart is not Nutzungsart.LAGER and rng.random() < 0.5:
            candidates = [o for o in occupiers if o != owner]
            if candidates and rng.random() < 0.5:  # an owner-occupier rents a parking space
                tenant = rng.choice(candidates)[:1]
            else:
                tenant = (builder.private(builder._other_address()),)
            builder.contract(
                VertragsArt.MIETVERTRAG,
                unit,
                tenant,
                _month_start(rng, beginn, REFERENCE_DATE),
            )


# --- documents -----------------------------------------------------------------------------


def we_folders(plan: WePlan) -> list[Ordner]:
    base = 10 * (plan.index + 100)
    weg = plan.profile.kind == WEG
    m = plan.mandant_nr
    return [
        Ordner(m, str(base), f"WE {plan.we_nr}", FOLDER_OBJEKTE),
        Ordner(m, str(base + 1), "Verträge" if weg else "Mietverträge", str(base)),
        Ordner(m, str(base + 2), "Protokolle", str(base)),
        Ordner(m, str(base + 3), "Technik & Pläne", str(base)),
    ]


def mandant_folders(mandant_nr: str) -> list[Ordner]:
    return [Ordner(mandant_nr, nr, name, parent) for nr, name, parent in _MANDANT_FOLDERS]


def _pdf_opener(data: bytes) -> Callable[[], BinaryIO]:
    return functools.partial(io.BytesIO, data)


class _DocumentBuilder:
    def __init__(self, plan: WePlan, rng: random.Random, showcase: bool) -> None:
        self.plan = plan
        self.rng = rng
        self.showcase = showcase
        self.folders = we_folders(plan)
        self.documents: list[Dokument] = []

    def add(
        self,
        titel: str,
        folder: int | str,
        archiv: str,
        *,
        we_nr: str | None = None,
        gebaeude_nr: str | None = None,
        einheit_nr: str | None = None,
        vertrag_nr: str | None = None,
        person_nr: str | None = None,
    ) -> None:
        rng = self.rng
        number = len(self.documents) + 1
        if number >= DOCUMENTS_PER_WE:  # pragma: no cover - guards the numbering scheme
            raise RuntimeError("document number block of the WE exhausted")
        dokument_id = f"{self.plan.index:05d}{number:03d}"
        m = self.plan.mandant_nr
        data = tiny_pdf(titel, f"{self.plan.profile.name} · Mandant {m} · Dokument {dokument_id}")
        ordner_id = self.folders[folder].ordner_id if isinstance(folder, int) else folder
        roll = rng.random()
        released = archiv != names.ARCHIVE_INTERNAL and roll >= 0.05
        remark = rng.choice(names.REMARKS) if rng.random() < 0.3 else None
        self.documents.append(
            Dokument(
                mandant_nr=m,
                dokument_id=dokument_id,
                ordner_id=ordner_id,
                titel=titel,
                datei=f"dokumente/{m}/{self.plan.we_nr}/{dokument_id}.pdf",
                dateiname=titel.replace("/", "-") + ".pdf",
                size=len(data),
                opener=_pdf_opener(data),
                mime_type="application/pdf",
                datum=None if rng.random() < 0.05 else self.date(),
                archiv=archiv,
                bemerkung=remark,
                freigegeben=released,
                we_nr=we_nr,
                gebaeude_nr=gebaeude_nr,
                einheit_nr=einheit_nr,
                vertrag_nr=vertrag_nr,
                person_nr=person_nr,
            )
        )

    def date(self) -> date:
        return date(2012, 1, 1) + timedelta(
            days=self.rng.randrange((REFERENCE_DATE - date(2012, 1, 1)).days)
        )

    def take(self, rate: float) -> bool:
        return self.showcase or self.rng.random() < rate


def build_documents(plan: WePlan, structure: Structure, people: People) -> list[Dokument]:
    """The WE's documents: at every level of reference, in several archives."""
    builder = _DocumentBuilder(plan, plan.rng("documents"), plan.showcase)
    weg = plan.profile.kind == WEG
    we = structure.we
    w = plan.we_nr
    builder.add(
        f"{'Teilungserklärung' if weg else 'Hausordnung'} {we.bezeichnung}",
        0,
        names.ARCHIVE_CORRESPONDENCE,
        we_nr=w,
    )
    for building in structure.gebaeude:
        builder.add(
            f"Energieausweis {building.strasse} {building.hausnummer}",
            3,
            names.ARCHIVE_TECHNICAL,
            we_nr=w,
            gebaeude_nr=building.gebaeude_nr,
        )
    for unit in structure.einheiten:
        if unit.nutzungsart is Nutzungsart.WOHNUNG and builder.take(0.15):
            builder.add(
                f"Wohnungsübergabeprotokoll {unit.bezeichnung}, Haus {unit.gebaeude_nr}",
                2,
                names.ARCHIVE_PROTOCOLS,
                we_nr=w,
                gebaeude_nr=unit.gebaeude_nr,
                einheit_nr=unit.einheit_nr,
            )
    persons = {person.person_nr: person for person in people.mieter}
    persons.update({person.person_nr: person for person in people.eigentuemer})
    for vertrag in (*people.mietvertraege, *people.eigentuemervertraege):
        if builder.take(0.3):
            first = persons[vertrag.person_nrs[0]]
            owner = vertrag.art is VertragsArt.EIGENTUEMERVERTRAG
            builder.add(
                f"{'Eigentümervertrag' if owner else 'Mietvertrag'} {vertrag.vertrag_nr} "
                f"{first.nachname or first.firma}",
                1,
                names.ARCHIVE_OWNER_CONTRACTS if owner else names.ARCHIVE_CONTRACTS,
                we_nr=w,
                gebaeude_nr=vertrag.gebaeude_nr,
                einheit_nr=vertrag.einheit_nr,
                vertrag_nr=vertrag.vertrag_nr,
            )
    for person in persons.values():
        if builder.take(0.08):
            builder.add(
                " ".join(
                    part
                    for part in (
                        "SEPA-Lastschriftmandat",
                        person.vorname,
                        person.nachname or person.firma,
                    )
                    if part
                ),
                0,
                names.ARCHIVE_CORRESPONDENCE,
                person_nr=person.person_nr,
            )
    if builder.take(0.3):
        builder.add(
            f"Interne Notiz Instandhaltung WE {w}",
            FOLDER_INTERN,
            names.ARCHIVE_INTERNAL,
            we_nr=w,
        )
    if builder.take(0.02):
        # A remark the way people type it: a semicolon, quotes and a line break.
        builder.add(
            f'Protokoll "Begehung {we.bezeichnung}"',
            2,
            names.ARCHIVE_PROTOCOLS,
            we_nr=w,
            gebaeude_nr=structure.gebaeude[0].gebaeude_nr,
        )
        last = builder.documents[-1]
        builder.documents[-1] = replace(
            last,
            bemerkung='Zählerstände: Strom 12345; Wasser 678\nHinweis "dringend" an Technik',
        )
    return builder.documents
