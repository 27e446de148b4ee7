"""Canonical ERP records: the standard entities every ERP connector yields.

Plain, typed, immutable dataclasses whose natural keys are made of the ERP numbers. Filters and
mappers work on these, once, for every ERP. All ERP numbers are strings: ``"0001" != "1"``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

# A natural key: the entity name followed by the ERP numbers that identify the record.
NaturalKey = tuple[str, ...]


class Nutzungsart(enum.StrEnum):
    WOHNUNG = "Wohnung"
    GEWERBE = "Gewerbe"
    STELLPLATZ = "Stellplatz"
    GARAGE = "Garage"
    LAGER = "Lager"
    SONSTIGES = "Sonstiges"


class Anrede(enum.StrEnum):
    HERR = "Herr"
    FRAU = "Frau"
    DIVERS = "Divers"
    FIRMA = "Firma"


class PersonRolle(enum.StrEnum):
    MIETER = "mieter"
    EIGENTUEMER = "eigentuemer"


class VertragsArt(enum.StrEnum):
    MIETVERTRAG = "mietvertrag"
    EIGENTUEMERVERTRAG = "eigentuemervertrag"


@dataclass(frozen=True, slots=True)
class Mandant:
    mandant_nr: str
    name: str

    @property
    def key(self) -> NaturalKey:
        return ("mandant", self.mandant_nr)


@dataclass(frozen=True, slots=True)
class Wirtschaftseinheit:
    mandant_nr: str
    we_nr: str
    bezeichnung: str
    strasse: str | None = None
    hausnummer: str | None = None
    plz: str | None = None
    ort: str | None = None

    @property
    def key(self) -> NaturalKey:
        return ("we", self.mandant_nr, self.we_nr)


@dataclass(frozen=True, slots=True)
class Gebaeude:
    mandant_nr: str
    we_nr: str
    gebaeude_nr: str
    strasse: str
    hausnummer: str
    plz: str
    ort: str
    bezeichnung: str | None = None
    baujahr: int | None = None

    @property
    def key(self) -> NaturalKey:
        return ("gebaeude", self.mandant_nr, self.we_nr, self.gebaeude_nr)


@dataclass(frozen=True, slots=True)
class Einheit:
    mandant_nr: str
    we_nr: str
    gebaeude_nr: str
    einheit_nr: str
    nutzungsart: Nutzungsart
    bezeichnung: str | None = None
    lage: str | None = None  # free-text floor and position, e.g. "3. OG links"
    wohnflaeche: Decimal | None = None  # m²
    zimmer: Decimal | None = None

    @property
    def key(self) -> NaturalKey:
        return ("einheit", self.mandant_nr, self.we_nr, self.gebaeude_nr, self.einheit_nr)


@dataclass(frozen=True, slots=True)
class Person:
    """A Mieter or an Eigentümer. A person who is both appears twice, once per role."""

    mandant_nr: str
    person_nr: str
    rolle: PersonRolle
    anrede: Anrede | None = None
    titel: str | None = None
    vorname: str | None = None
    nachname: str | None = None
    firma: str | None = None
    email: str | None = None  # as the ERP has it: may be missing or malformed
    telefon: str | None = None
    mobil: str | None = None
    strasse: str | None = None
    hausnummer: str | None = None
    plz: str | None = None
    ort: str | None = None

    @property
    def key(self) -> NaturalKey:
        """The person's key; the same for both roles, so tenant-and-owner is one party."""
        return ("person", self.mandant_nr, self.person_nr)


@dataclass(frozen=True, slots=True)
class Vertrag:
    """A Mietvertrag or an Eigentümervertrag on one unit, with one or more persons."""

    mandant_nr: str
    vertrag_nr: str
    art: VertragsArt
    we_nr: str
    gebaeude_nr: str
    einheit_nr: str
    person_nrs: tuple[str, ...]
    beginn: date
    ende: date | None = None  # None: open-ended

    @property
    def key(self) -> NaturalKey:
        return ("vertrag", self.mandant_nr, self.art.value, self.vertrag_nr)

    @property
    def einheit_key(self) -> NaturalKey:
        return ("einheit", self.mandant_nr, self.we_nr, self.gebaeude_nr, self.einheit_nr)


@dataclass(frozen=True, slots=True)
class Ordner:
    mandant_nr: str
    ordner_id: str
    name: str
    parent_id: str | None = None  # None: top level

    @property
    def key(self) -> NaturalKey:
        return ("ordner", self.mandant_nr, self.ordner_id)


@dataclass(frozen=True, slots=True)
class Dokument:
    """Document metadata plus a way to open its bytes as a stream (never read eagerly)."""

    mandant_nr: str
    dokument_id: str
    ordner_id: str
    titel: str
    datei: str  # path inside the export, "/" as separator
    dateiname: str
    size: int  # bytes, known without reading the content
    opener: Callable[[], BinaryIO] = field(compare=False, repr=False, hash=False)
    mime_type: str | None = None
    datum: date | None = None
    archiv: str | None = None
    bemerkung: str | None = None
    freigegeben: bool = True
    we_nr: str | None = None
    gebaeude_nr: str | None = None
    einheit_nr: str | None = None
    vertrag_nr: str | None = None
    person_nr: str | None = None

    @property
    def key(self) -> NaturalKey:
        return ("dokument", self.mandant_nr, self.dokument_id)

    def open(self) -> BinaryIO:
        """Open the document's bytes as a binary stream; the caller closes it."""
        return self.opener()


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """A record the ERP read could not turn into a canonical record (e.g. a broken reference).

    It travels inside the record stream, at the place of the record, so the sync can log it as
    skipped with its reason and go on.
    """

    entity: str  # "gebaeude", "einheit", "vertrag", "person", "ordner", "dokument", ...
    key: NaturalKey
    reason: str  # a reason code, e.g. "missing_reference"
    message: str  # German, for a person
    source: str | None = None  # e.g. "einheiten.csv:17"


Record = Mandant | Wirtschaftseinheit | Gebaeude | Einheit | Person | Vertrag | Ordner | Dokument
StreamItem = Record | RecordProblem
