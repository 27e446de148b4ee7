"""The two hand-written showcase WEs: every special case of the demo exists at least once.

WE 0001 of Mandant 1000 (a housing company) and WE 0001 of Mandant 3000 (a WEG
administration). Their buildings, units, persons and contracts do not depend on the seed; the
keys are listed in ``integrations.erp.demo.special_cases``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integrations.erp.demo.portfolio import (
    SHOWCASE_SIZES,
    People,
    Structure,
    WePlan,
    _PeopleBuilder,
)
from integrations.erp.records import (
    Anrede,
    Einheit,
    Gebaeude,
    Nutzungsart,
    VertragsArt,
    Wirtschaftseinheit,
)

W, G, L, S, GA = (
    Nutzungsart.WOHNUNG,
    Nutzungsart.GEWERBE,
    Nutzungsart.LAGER,
    Nutzungsart.STELLPLATZ,
    Nutzungsart.GARAGE,
)

# gebaeude_nr, einheit_nr, nutzungsart, bezeichnung, lage, wohnflaeche, zimmer
_RENTAL_UNITS = (
    ("01", "001", W, "Wohnung 1", "Erdgeschoss links", "61.50", "2"),
    ("01", "002", W, "Wohnung 2", "EG rechts", "48.20", "1.5"),
    ("01", "003", W, "Wohnung 3", "2. Etage, rechts", "74.00", "3"),
    ("01", "004", W, "Wohnung 4", "3", "55.75", "2"),
    ("01", "005", W, "Wohnung 5", "3. OG links", "82.10", "3.5"),
    ("01", "006", W, "Wohnung 6", "Dachgeschoss, mitte", "39.90", "1"),
    ("01", "007", W, "Wohnung 7", "Souterrain", "44.00", "2"),
    ("01", "701", G, "Ladenlokal", "Erdgeschoss", "120.00", None),
    ("01", "801", L, "Kellerraum 1", "Keller", "8.50", None),
    ("01", "802", L, "Kellerraum 2", "KG", "7.25", None),
    ("01", "803", L, "Kellerraum 3", "1. UG", "10.00", None),
    ("01", "901", S, "Stellplatz 1", None, None, None),
    ("01", "951", GA, "Garage 1", None, "18.00", None),
    ("02", "001", W, "Wohnung 1", "1. OG rechts", "67.30", "2.5"),
)
_WEG_UNITS = (
    ("01", "001", W, "Wohnung 1", "EG links", "78.40", "3"),
    ("01", "002", W, "Wohnung 2", "EG rechts", "64.00", "2"),
    ("01", "003", W, "Wohnung 3", "1. OG links", "78.40", "3"),
    ("01", "004", W, "Wohnung 4", "1. OG rechts", "64.00", "2"),
    ("01", "005", W, "Wohnung 5", "Dachgeschoss", "96.20", "4"),
    ("01", "901", S, "Stellplatz 1", None, None, None),
    ("01", "902", S, "Stellplatz 2", None, None, None),
)
assert len(_RENTAL_UNITS) == SHOWCASE_SIZES["1000"]  # noqa: S101 - checked at import
assert len(_WEG_UNITS) == SHOWCASE_SIZES["3000"]  # noqa: S101 - checked at import


def _units(
    plan: WePlan,
    rows: tuple[tuple[str, str, Nutzungsart, str, str | None, str | None, str | None], ...],
) -> list[Einheit]:
    return [
        Einheit(
            plan.mandant_nr,
            plan.we_nr,
            gebaeude_nr,
            einheit_nr,
            art,
            bezeichnung=bezeichnung,
            lage=lage,
            wohnflaeche=Decimal(area) if area else None,
            zimmer=Decimal(rooms) if rooms else None,
        )
        for gebaeude_nr, einheit_nr, art, bezeichnung, lage, area, rooms in rows
    ]


def showcase_structure(plan: WePlan) -> Structure:
    m, w = plan.mandant_nr, plan.we_nr
    if m == "1000":
        return Structure(
            Wirtschaftseinheit(
                m, w, "Wohnanlage Lindenstraße 12/12a", "Lindenstraße", "12", "50667", "Köln"
            ),
            [
                Gebaeude(m, w, "01", "Lindenstraße", "12", "50667", "Köln", "Haus 12", 1962),
                # A building name with a semicolon: the export has to quote it.
                Gebaeude(
                    m, w, "02", "Lindenstraße", "12a", "50667", "Köln", "Haus 12a; Hinterhaus", 1994
                ),
            ],
            _units(plan, _RENTAL_UNITS),
        )
    return Structure(
        Wirtschaftseinheit(
            m, w, "WEG Am Sonnenhang 7", "Am Sonnenhang", "7", "79100", "Freiburg im Breisgau"
        ),
        [Gebaeude(m, w, "01", "Am Sonnenhang", "7", "79100", "Freiburg im Breisgau", None, 2004)],
        _units(plan, _WEG_UNITS),
    )


def showcase_people(plan: WePlan, structure: Structure) -> People:
    builder = _PeopleBuilder(plan, structure, plan.rng("people"))
    units = {(unit.gebaeude_nr, unit.einheit_nr): unit for unit in structure.einheiten}
    if plan.mandant_nr == "1000":
        _rental_people(builder, units, structure)
    else:
        _weg_people(builder, units, structure)
    return builder.finish()


def _rental_people(
    b: _PeopleBuilder, units: dict[tuple[str, str], Einheit], structure: Structure
) -> None:
    mv = VertragsArt.MIETVERTRAG
    home = structure.address_of(units["01", "001"])
    back = structure.address_of(units["02", "001"])
    # A couple on one contract; the husband also rents a cellar room.
    p1 = b.add_person(
        address=home,
        anrede=Anrede.HERR,
        vorname="Peter",
        nachname="Müller",
        email="peter.mueller.140001@example.de",
        telefon="0221 4711001",
    )
    p2 = b.add_person(
        address=home,
        anrede=Anrede.FRAU,
        vorname="Anna",
        nachname="Müller",
        email="anna.mueller.140002@example.de",
        mobil="0171 2345678",
    )
    b.contract(mv, units["01", "001"], (p1, p2), date(2019, 4, 1))
    # A tenant without e-mail, who also rents the parking space.
    p3 = b.add_person(
        address=home,
        anrede=Anrede.FRAU,
        vorname="Ursula",
        nachname="Schneider",
        telefon="0221 4711003",
    )
    b.contract(mv, units["01", "002"], (p3,), date(2004, 8, 1))
    # Three malformed e-mail addresses, as they stand in ERPs.
    p4 = b.add_person(
        address=home, anrede=Anrede.HERR, vorname="Klaus", nachname="Müller", email="mueller@"
    )
    b.contract(mv, units["01", "003"], (p4,), date(2015, 10, 1))
    p5 = b.add_person(
        address=home,
        anrede=Anrede.FRAU,
        vorname="Andrea",
        nachname="Becker",
        email="a.b@@example.de",
    )
    b.contract(mv, units["01", "004"], (p5,), date(2021, 3, 1))
    p6 = b.add_person(
        address=home,
        anrede=Anrede.HERR,
        vorname="Mehmet",
        nachname="Yılmaz",  # noqa: RUF001 - Turkish dotless i
        email="name at example.de",
    )
    b.contract(mv, units["01", "005"], (p6,), date(2012, 6, 1))
    # A flat that is vacant: its last contract ended before the reference date.
    p7 = b.add_person(
        address=None,
        anrede=Anrede.HERR,
        vorname="Günter",
        nachname="Schäfer",
        email="guenter.schaefer.140007@example.de",
    )
    b.contract(mv, units["01", "006"], (p7,), date(1998, 2, 1), date(2026, 6, 30))
    # Notice given: the contract ends after the reference date, the successors move in later.
    p8 = b.add_person(
        address=home,
        anrede=Anrede.FRAU,
        titel="Dr.",
        vorname="Katharina",
        nachname="Weiß",
        email="katharina.weiss.140008@example.de",
    )
    b.contract(mv, units["01", "007"], (p8,), date(2017, 9, 1), date(2027, 1, 31))
    p9 = b.add_person(
        address=None,
        anrede=Anrede.HERR,
        vorname="Jonas",
        nachname="Krüger",
        email="jonas.krueger.140009@example.de",
    )
    p10 = b.add_person(address=None, anrede=Anrede.FRAU, vorname="Lea", nachname="Krüger")
    b.contract(mv, units["01", "007"], (p9, p10), date(2027, 2, 1))
    # A firm rents the shop.
    p11 = b.add_person(
        address=home,
        anrede=Anrede.FIRMA,
        firma="Bäckerei Schmitz GmbH",
        email="info.baeckerei.140011@example.com",
        telefon="0221 4711011",
    )
    b.contract(mv, units["01", "701"], (p11,), date(2009, 1, 1))
    b.contract(mv, units["01", "801"], (p1,), date(2020, 1, 1))
    b.contract(mv, units["01", "803"], (p5,), date(2022, 5, 1))
    b.contract(mv, units["01", "901"], (p3,), date(2010, 5, 1))
    # A contract number that contains "/": ambiguous with the separator "/".
    p12 = b.add_person(
        address=back,
        anrede=Anrede.DIVERS,
        vorname="Kim",
        nachname="Richter",
        email="kim.richter.140012@example.de",
    )
    b.contract(mv, units["02", "001"], (p12,), date(2019, 7, 1), vertrag_nr="MV/2019/17")


def _weg_people(
    b: _PeopleBuilder, units: dict[tuple[str, str], Einheit], structure: Structure
) -> None:
    ev, mv = VertragsArt.EIGENTUEMERVERTRAG, VertragsArt.MIETVERTRAG
    home = structure.address_of(units["01", "001"])
    elsewhere = ("Leopoldstraße", "118", "80802", "München")
    # An owner who lives in the flat and also rents a parking space: one person, both roles.
    o1 = b.add_person(
        address=home,
        anrede=Anrede.HERR,
        vorname="Jonas",
        nachname="Weber",
        email="jonas.weber.340001@example.de",
    )
    b.contract(ev, units["01", "001"], (o1,), date(2011, 3, 1))
    # Owners as a couple, who let their flat.
    o2 = b.add_person(
        address=("Wiesenweg", "3", "79102", "Freiburg im Breisgau"),
        anrede=Anrede.HERR,
        vorname="Stefan",
        nachname="Hoffmann",
        email="stefan.hoffmann.340002@example.de",
    )
    o3 = b.add_person(
        address=("Wiesenweg", "3", "79102", "Freiburg im Breisgau"),
        anrede=Anrede.FRAU,
        vorname="Sabine",
        nachname="Hoffmann",
    )
    b.contract(ev, units["01", "002"], (o2, o3), date(2006, 5, 1))
    t1 = b.add_person(
        address=home,
        anrede=Anrede.FRAU,
        vorname="Laura",
        nachname="Fischer",
        email="laura.fischer.340004@example.de",
    )
    b.contract(mv, units["01", "002"], (t1,), date(2020, 9, 1))
    # An investor who owns two flats and a parking space.
    o4 = b.add_person(
        address=elsewhere,
        anrede=Anrede.FRAU,
        titel="Prof. Dr.",
        vorname="Christiane",
        nachname="Braun",
        email="christiane.braun.340005@example.de",
        telefon="089 3304455",
    )
    b.contract(ev, units["01", "003"], (o4,), date(2004, 12, 1))
    t2 = b.add_person(address=None, anrede=Anrede.HERR, vorname="Lukas", nachname="Zimmermann")
    b.contract(mv, units["01", "003"], (t2,), date(2016, 2, 1), date(2026, 8, 31))
    t3 = b.add_person(
        address=home,
        anrede=Anrede.FRAU,
        vorname="Hannah",
        nachname="Wolf",
        email="hannah.wolf.340007@example.de",
    )
    b.contract(mv, units["01", "003"], (t3,), date(2026, 9, 1))
    # The flat was sold: the heirs' contract ended, the investor's began.
    o5 = b.add_person(
        address=("Schwarzwaldstraße", "40", "79117", "Freiburg im Breisgau"),
        firma="Erbengemeinschaft Schulz",
    )
    b.contract(ev, units["01", "004"], (o5,), date(2004, 12, 1), date(2018, 3, 31))
    b.contract(ev, units["01", "004"], (o4,), date(2018, 4, 1))
    o6 = b.add_person(
        address=home,
        anrede=Anrede.HERR,
        vorname="Horst",
        nachname="Lange",
        email="horst.lange.340009@example.de",
    )
    o7 = b.add_person(
        address=home,
        anrede=Anrede.FRAU,
        vorname="Renate",
        nachname="Lange",
        email="renate.lange.340010@example.de",
    )
    b.contract(ev, units["01", "005"], (o6, o7), date(2004, 12, 1))
    b.contract(ev, units["01", "901"], (o4,), date(2004, 12, 1))
    b.contract(mv, units["01", "901"], (o1,), date(2015, 1, 1))
    b.contract(ev, units["01", "902"], (o6, o7), date(2004, 12, 1))
