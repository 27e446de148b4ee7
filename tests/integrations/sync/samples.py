"""Sample canonical ERP records for the sync's pure tests (Mandant 1000, WE 0001, Gebäude 01)."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from decimal import Decimal
from typing import Any

from integrations.erp.records import (
    Anrede,
    Dokument,
    Einheit,
    Gebaeude,
    Nutzungsart,
    Ordner,
    Person,
    PersonRolle,
    Vertrag,
    VertragsArt,
    Wirtschaftseinheit,
)
from integrations.sync.types import MapContext

TODAY = date(2025, 6, 1)
UNIT_TYPE_IDS = {"Wohnung": 11, "Gewerbe": 12, "Stellplatz": 13, "Sonstiges": 19}
TENANT_ID = 501


def ctx(separator: str = "_", **changes: Any) -> MapContext:
    values: dict[str, Any] = {
        "separator": separator,
        "today": TODAY,
        "unit_type_ids": UNIT_TYPE_IDS,
        "tenant_for_we": lambda _key: TENANT_ID,
    }
    values.update(changes)
    return MapContext(**values)


def we(**changes: Any) -> Wirtschaftseinheit:
    record = Wirtschaftseinheit(
        mandant_nr="1000",
        we_nr="0001",
        bezeichnung="Wohnanlage Lindenstraße",
        strasse="Lindenstraße",
        hausnummer="12",
        plz="04109",
        ort="Leipzig",
    )
    return dataclasses.replace(record, **changes)


def gebaeude(**changes: Any) -> Gebaeude:
    record = Gebaeude(
        mandant_nr="1000",
        we_nr="0001",
        gebaeude_nr="01",
        strasse="Lindenstraße",
        hausnummer="12a",
        plz="04109",
        ort="Leipzig",
        bezeichnung="Haus A",
        baujahr=1968,
    )
    return dataclasses.replace(record, **changes)


def einheit(**changes: Any) -> Einheit:
    record = Einheit(
        mandant_nr="1000",
        we_nr="0001",
        gebaeude_nr="01",
        einheit_nr="003",
        nutzungsart=Nutzungsart.WOHNUNG,
        bezeichnung="Wohnung 3",
        lage="1. OG rechts",
        wohnflaeche=Decimal("74.50"),
        zimmer=Decimal(3),
    )
    return dataclasses.replace(record, **changes)


def mieter(**changes: Any) -> Person:
    record = Person(
        mandant_nr="1000",
        person_nr="40001",
        rolle=PersonRolle.MIETER,
        anrede=Anrede.FRAU,
        titel=None,
        vorname="Anna",
        nachname="Schmidt",
        email="anna.schmidt@example.de",
        telefon="0341 123456",
        mobil="0170 1234567",
        strasse="Lindenstraße",
        hausnummer="12a",
        plz="04109",
        ort="Leipzig",
    )
    return dataclasses.replace(record, **changes)


def eigentuemer(**changes: Any) -> Person:
    record = Person(
        mandant_nr="1000",
        person_nr="50001",
        rolle=PersonRolle.EIGENTUEMER,
        anrede=Anrede.HERR,
        titel="Dr.",
        vorname="Klaus",
        nachname="Weber",
        email=None,
        telefon=None,
        mobil="0171 7654321",
        strasse="Gartenweg",
        hausnummer="3",
        plz="04229",
        ort="Leipzig",
    )
    return dataclasses.replace(record, **changes)


def mietvertrag(**changes: Any) -> Vertrag:
    record = Vertrag(
        mandant_nr="1000",
        vertrag_nr="MV-0001",
        art=VertragsArt.MIETVERTRAG,
        we_nr="0001",
        gebaeude_nr="01",
        einheit_nr="003",
        person_nrs=("40001",),
        beginn=date(2019, 4, 1),
        ende=None,
    )
    return dataclasses.replace(record, **changes)


def eigentuemervertrag(**changes: Any) -> Vertrag:
    record = Vertrag(
        mandant_nr="1000",
        vertrag_nr="EV-0001",
        art=VertragsArt.EIGENTUEMERVERTRAG,
        we_nr="0001",
        gebaeude_nr="01",
        einheit_nr="003",
        person_nrs=("50001",),
        beginn=date(2010, 1, 1),
        ende=None,
    )
    return dataclasses.replace(record, **changes)


def ordner(**changes: Any) -> Ordner:
    record = Ordner(mandant_nr="1000", ordner_id="O-10", name="Mietverträge", parent_id=None)
    return dataclasses.replace(record, **changes)


def _bytes() -> io.BytesIO:
    return io.BytesIO(b"%PDF-1.4 sample")


def dokument(**changes: Any) -> Dokument:
    record = Dokument(
        mandant_nr="1000",
        dokument_id="D-77",
        ordner_id="O-10",
        titel="Mietvertrag Schmidt",
        datei="docs/mv-0001.pdf",
        dateiname="Mietvertrag_Schmidt.pdf",
        size=120_000,
        opener=_bytes,
        mime_type="application/pdf",
        datum=date(2019, 3, 15),
        archiv="Mieterakte",
        bemerkung="Unterschriebener Vertrag",
        freigegeben=True,
        we_nr="0001",
        gebaeude_nr="01",
        einheit_nr="003",
        vertrag_nr="MV-0001",
        person_nr=None,
    )
    return dataclasses.replace(record, **changes)
