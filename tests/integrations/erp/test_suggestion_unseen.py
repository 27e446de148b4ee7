"""The suggestion against layouts the shipped examples do not show: exports shaped like those of
German, Austrian and Swiss housing ERPs (and English ones), whose columns a competent person
mapped by hand.

Every column of a layout is classed once: the column a person picks for a v1 field (the truth),
a column a person would never map (a bank account, a balance, a note: suggesting it is a wrong
guess, worse than none), or a column a person could read either way (judged neither way). At
least 90 % of the truth must be suggested, and no column a person would not map may be."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from integrations.erp.file import format as fmt
from integrations.erp.profiles.suggest import draft_profile, suggest_scored


@dataclass(frozen=True)
class UnseenFile:
    target: str  # the v1 file this source feeds
    header: str  # the header line as the export writes it
    truth: dict[str, str]  # v1 field -> the column a person picks
    never: tuple[str, ...] = ()  # columns a person maps to no field
    either: tuple[str, ...] = ()  # columns a person could read either way: not judged

    @property
    def headers(self) -> list[str]:
        return self.header.split(";")


LAYOUTS: dict[str, tuple[UnseenFile, ...]] = {
    # One CSV per entity, long German names, "Mieteinheit" for the unit.
    "wodis-artig": (
        UnseenFile(
            "mandanten.csv",
            "Mandant;Firmenbezeichnung;Steuernummer;USt-IdNr.",
            {"mandant_nr": "Mandant", "name": "Firmenbezeichnung"},
            never=("Steuernummer", "USt-IdNr."),
        ),
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Mandant;Wirtschaftseinheit;Bezeichnung;Straße;PLZ;Ort;Bestandsart;Bilanzkreis;Saldo",
            {
                "mandant_nr": "Mandant",
                "we_nr": "Wirtschaftseinheit",
                "bezeichnung": "Bezeichnung",
                "strasse": "Straße",
                "plz": "PLZ",
                "ort": "Ort",
            },
            never=("Bilanzkreis", "Saldo"),
            either=("Bestandsart",),
        ),
        UnseenFile(
            "gebaeude.csv",
            (
                "Mandant;Wirtschaftseinheit;Gebäude;Gebäudebezeichnung;Straße;Hausnummer;PLZ;Ort;"
                "Baujahr;Heizungsart;Anzahl ME"
            ),
            {
                "mandant_nr": "Mandant",
                "we_nr": "Wirtschaftseinheit",
                "gebaeude_nr": "Gebäude",
                "bezeichnung": "Gebäudebezeichnung",
                "strasse": "Straße",
                "hausnummer": "Hausnummer",
                "plz": "PLZ",
                "ort": "Ort",
                "baujahr": "Baujahr",
            },
            never=("Heizungsart", "Anzahl ME"),
        ),
        UnseenFile(
            "einheiten.csv",
            (
                "Mandant;Wirtschaftseinheit;Gebäude;Mieteinheit;ME-Bezeichnung;ME-Typ;Geschoss;"
                "Wohnfläche;Nutzfläche;Anzahl Zimmer;Sollmiete;Leerstand seit"
            ),
            {
                "mandant_nr": "Mandant",
                "we_nr": "Wirtschaftseinheit",
                "gebaeude_nr": "Gebäude",
                "einheit_nr": "Mieteinheit",
                "bezeichnung": "ME-Bezeichnung",
                "nutzungsart": "ME-Typ",
                "lage": "Geschoss",
                "wohnflaeche": "Wohnfläche",
                "zimmer": "Anzahl Zimmer",
            },
            never=("Nutzfläche", "Sollmiete", "Leerstand seit"),
        ),
        UnseenFile(
            "mieter.csv",
            (
                "Mandant;Personennummer;Anrede;Titel;Vorname;Nachname;Namenszusatz;Firma;Straße;"
                "Hausnummer;PLZ;Ort;Telefon privat;Telefon dienstlich;Mobiltelefon;Telefax;E-Mail;"
                "Postfach;PLZ Postfach;Geburtsdatum;IBAN;Bemerkung"
            ),
            {
                "mandant_nr": "Mandant",
                "person_nr": "Personennummer",
                "anrede": "Anrede",
                "titel": "Titel",
                "vorname": "Vorname",
                "nachname": "Nachname",
                "firma": "Firma",
                "strasse": "Straße",
                "hausnummer": "Hausnummer",
                "plz": "PLZ",
                "ort": "Ort",
                "telefon": "Telefon privat",
                "mobil": "Mobiltelefon",
                "email": "E-Mail",
            },
            never=(
                "Namenszusatz",
                "Telefax",
                "Postfach",
                "PLZ Postfach",
                "Geburtsdatum",
                "IBAN",
                "Bemerkung",
            ),
            either=("Telefon dienstlich",),
        ),
        UnseenFile(
            "mietvertraege.csv",
            (
                "Mandant;Vertragsnummer;Wirtschaftseinheit;Gebäude;Mieteinheit;Personennummer;"
                "Vertragsbeginn;Vertragsende;Vertragsart;Grundmiete;Kaution;Saldo"
            ),
            {
                "mandant_nr": "Mandant",
                "vertrag_nr": "Vertragsnummer",
                "we_nr": "Wirtschaftseinheit",
                "gebaeude_nr": "Gebäude",
                "einheit_nr": "Mieteinheit",
                "person_nrs": "Personennummer",
                "beginn": "Vertragsbeginn",
                "ende": "Vertragsende",
            },
            never=("Vertragsart", "Grundmiete", "Kaution", "Saldo"),
        ),
    ),
    # Objects, contacts and rental contracts; the entity's word in front of most columns.
    "ges-haufe-artig": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            (
                "Mandanten-Nr.;Objekt-Nr.;Objektname;Objektart;Objektstraße;Objekt-PLZ;Objektort;"
                "Verwaltungsbeginn;Kontonummer"
            ),
            {
                "mandant_nr": "Mandanten-Nr.",
                "we_nr": "Objekt-Nr.",
                "bezeichnung": "Objektname",
                "strasse": "Objektstraße",
                "plz": "Objekt-PLZ",
                "ort": "Objektort",
            },
            never=("Objektart", "Verwaltungsbeginn", "Kontonummer"),
        ),
        UnseenFile(
            "gebaeude.csv",
            (
                "Mandanten-Nr.;Objekt-Nr.;Gebäude-Nr.;Gebäudename;Straße;Haus-Nr.;PLZ;Ort;Baujahr;"
                "Anzahl Einheiten"
            ),
            {
                "mandant_nr": "Mandanten-Nr.",
                "we_nr": "Objekt-Nr.",
                "gebaeude_nr": "Gebäude-Nr.",
                "bezeichnung": "Gebäudename",
                "strasse": "Straße",
                # next to "Gebäude-Nr." and "Straße", "Haus-Nr." is the house number
                "hausnummer": "Haus-Nr.",
                "plz": "PLZ",
                "ort": "Ort",
                "baujahr": "Baujahr",
            },
            never=("Anzahl Einheiten",),
        ),
        UnseenFile(
            "einheiten.csv",
            (
                "Mandanten-Nr.;Objekt-Nr.;Gebäude-Nr.;Einheiten-Nr.;Einheitenbezeichnung;"
                "Einheitentyp;Stockwerk;Fläche (m²);Anzahl Räume;Miteigentumsanteil;Leerstand"
            ),
            {
                "mandant_nr": "Mandanten-Nr.",
                "we_nr": "Objekt-Nr.",
                "gebaeude_nr": "Gebäude-Nr.",
                "einheit_nr": "Einheiten-Nr.",
                "bezeichnung": "Einheitenbezeichnung",
                "nutzungsart": "Einheitentyp",
                "lage": "Stockwerk",
                "wohnflaeche": "Fläche (m²)",
                "zimmer": "Anzahl Räume",
            },
            never=("Miteigentumsanteil", "Leerstand"),
        ),
        UnseenFile(
            "mieter.csv",
            (
                "Mandanten-Nr.;Kontakt-Nr.;Anrede;Akad. Titel;Vorname;Name;Firma;Straße;PLZ;Ort;"
                "Telefon;Telefon mobil;E-Mail;Geburtstag;Bankverbindung;Notiz"
            ),
            {
                "mandant_nr": "Mandanten-Nr.",
                "person_nr": "Kontakt-Nr.",
                "anrede": "Anrede",
                "titel": "Akad. Titel",
                "vorname": "Vorname",
                "nachname": "Name",
                "firma": "Firma",
                "strasse": "Straße",
                "plz": "PLZ",
                "ort": "Ort",
                "telefon": "Telefon",
                "mobil": "Telefon mobil",
                "email": "E-Mail",
            },
            never=("Geburtstag", "Bankverbindung", "Notiz"),
        ),
        UnseenFile(
            "mietvertraege.csv",
            (
                "Mandanten-Nr.;Mietvertrags-Nr.;Objekt-Nr.;Gebäude-Nr.;Einheiten-Nr.;Kontakt-Nr.;"
                "Mietbeginn;Mietende;Kündigungsdatum;Miete netto;Kaution"
            ),
            {
                "mandant_nr": "Mandanten-Nr.",
                "vertrag_nr": "Mietvertrags-Nr.",
                "we_nr": "Objekt-Nr.",
                "gebaeude_nr": "Gebäude-Nr.",
                "einheit_nr": "Einheiten-Nr.",
                "person_nrs": "Kontakt-Nr.",
                "beginn": "Mietbeginn",
                "ende": "Mietende",
            },
            never=("Kündigungsdatum", "Miete netto", "Kaution"),
        ),
    ),
    # An international property system's export in English.
    "englisch": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Client;Property ID;Property Name;Street;Zip Code;City;Portfolio;Manager",
            {
                "mandant_nr": "Client",
                "we_nr": "Property ID",
                "bezeichnung": "Property Name",
                "strasse": "Street",
                "plz": "Zip Code",
                "ort": "City",
            },
            never=("Portfolio", "Manager"),
        ),
        UnseenFile(
            "gebaeude.csv",
            (
                "Client;Property ID;Building ID;Building Name;Street;House Number;Postal Code;"
                "City;Year Built;Heating"
            ),
            {
                "mandant_nr": "Client",
                "we_nr": "Property ID",
                "gebaeude_nr": "Building ID",
                "bezeichnung": "Building Name",
                "strasse": "Street",
                "hausnummer": "House Number",
                "plz": "Postal Code",
                "ort": "City",
                "baujahr": "Year Built",
            },
            never=("Heating",),
        ),
        UnseenFile(
            "einheiten.csv",
            (
                "Client;Property ID;Building ID;Unit ID;Unit Name;Unit Type;Floor;"
                "Living Area (sqm);Balcony Area (sqm);Rooms;Market Rent;Vacant Since"
            ),
            {
                "mandant_nr": "Client",
                "we_nr": "Property ID",
                "gebaeude_nr": "Building ID",
                "einheit_nr": "Unit ID",
                "bezeichnung": "Unit Name",
                "nutzungsart": "Unit Type",
                "lage": "Floor",
                "wohnflaeche": "Living Area (sqm)",
                "zimmer": "Rooms",
            },
            never=("Balcony Area (sqm)", "Market Rent", "Vacant Since"),
        ),
        UnseenFile(
            "mieter.csv",
            (
                "Client;Tenant ID;Salutation;Title;First Name;Last Name;Company;Street;Zip Code;"
                "City;Phone;Mobile;Fax;Email Address;Emergency Contact;Date of Birth;IBAN;Notes"
            ),
            {
                "mandant_nr": "Client",
                "person_nr": "Tenant ID",
                "anrede": "Salutation",
                "titel": "Title",
                "vorname": "First Name",
                "nachname": "Last Name",
                "firma": "Company",
                "strasse": "Street",
                "plz": "Zip Code",
                "ort": "City",
                "telefon": "Phone",
                "mobil": "Mobile",
                "email": "Email Address",
            },
            never=("Fax", "Emergency Contact", "Date of Birth", "IBAN", "Notes"),
        ),
        UnseenFile(
            "mietvertraege.csv",
            (
                "Client;Lease ID;Property ID;Building ID;Unit ID;Tenant ID;Lease Start;Lease End;"
                "Monthly Rent;Deposit;Balance"
            ),
            {
                "mandant_nr": "Client",
                "vertrag_nr": "Lease ID",
                "we_nr": "Property ID",
                "gebaeude_nr": "Building ID",
                "einheit_nr": "Unit ID",
                "person_nrs": "Tenant ID",
                "beginn": "Lease Start",
                "ende": "Lease End",
            },
            never=("Monthly Rent", "Deposit", "Balance"),
        ),
    ),
    # A report generator's short names, as printed lists abbreviate them.
    "berichtskuerzel": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Mand.-Nr.;WE;WE-Bez.;Strasse/Hausnr.;PLZ/Ort;Verw.;Bemerkung",
            {
                "mandant_nr": "Mand.-Nr.",
                "we_nr": "WE",
                "bezeichnung": "WE-Bez.",
                "strasse": "Strasse/Hausnr.",
            },
            never=("Bemerkung",),
            # "PLZ/Ort" holds two fields; "Verw." (the manager) is not spelled out
            either=("PLZ/Ort", "Verw."),
        ),
        UnseenFile(
            "gebaeude.csv",
            "Mand.-Nr.;WE;Geb.;Str.;Hs.-Nr.;PLZ;Ort;Bj.;Anz. Whg.;Bemerkung",
            {
                "mandant_nr": "Mand.-Nr.",
                "we_nr": "WE",
                "gebaeude_nr": "Geb.",
                "strasse": "Str.",
                "hausnummer": "Hs.-Nr.",
                "plz": "PLZ",
                "ort": "Ort",
                "baujahr": "Bj.",
            },
            never=("Anz. Whg.", "Bemerkung"),
        ),
        UnseenFile(
            "einheiten.csv",
            (
                "Mand.-Nr.;WE;Geb.;Whg.-Nr.;Whg.-Bez.;Art;Geschoss;Wfl. qm;Nutzfl. qm;Zi.;"
                "Sollmiete;Leerstand"
            ),
            {
                "mandant_nr": "Mand.-Nr.",
                "we_nr": "WE",
                "gebaeude_nr": "Geb.",
                "einheit_nr": "Whg.-Nr.",
                "bezeichnung": "Whg.-Bez.",
                "nutzungsart": "Art",
                "lage": "Geschoss",
                "wohnflaeche": "Wfl. qm",
                "zimmer": "Zi.",
            },
            never=("Nutzfl. qm", "Sollmiete", "Leerstand"),
        ),
        UnseenFile(
            "mieter.csv",
            (
                "Mand.-Nr.;Pers.-Nr.;Anrede;Titel;Vorname;Name;Firma;Strasse/Hausnr.;PLZ;Ort;Tel.;"
                "Mobil;E-Mail;Geb.-Datum;IBAN;BIC;Saldo"
            ),
            {
                "mandant_nr": "Mand.-Nr.",
                "person_nr": "Pers.-Nr.",
                "anrede": "Anrede",
                "titel": "Titel",
                "vorname": "Vorname",
                "nachname": "Name",
                "firma": "Firma",
                "strasse": "Strasse/Hausnr.",
                "plz": "PLZ",
                "ort": "Ort",
                "telefon": "Tel.",
                "mobil": "Mobil",
                "email": "E-Mail",
            },
            never=("Geb.-Datum", "IBAN", "BIC", "Saldo"),
        ),
        UnseenFile(
            "mietvertraege.csv",
            (
                "Mand.-Nr.;Vertr.-Nr.;WE;Geb.;Whg.-Nr.;Mieter-Nr.;Mietbeginn;Vertragsende;Kaution;"
                "Saldo;Bemerkung"
            ),
            {
                "mandant_nr": "Mand.-Nr.",
                "vertrag_nr": "Vertr.-Nr.",
                "we_nr": "WE",
                "gebaeude_nr": "Geb.",
                "einheit_nr": "Whg.-Nr.",
                "person_nrs": "Mieter-Nr.",
                "beginn": "Mietbeginn",
                "ende": "Vertragsende",
            },
            never=("Kaution", "Saldo", "Bemerkung"),
        ),
    ),
    # A WEG administration's owners: "WEG" is the WE, "SE-Nr." the Sondereigentum (the unit).
    "weg-verwaltung": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Mandant-Nr;WEG-Nr.;WEG-Bezeichnung;Anschrift;PLZ;Ort;Verwalterbeginn;Rücklage",
            {
                "mandant_nr": "Mandant-Nr",
                "we_nr": "WEG-Nr.",
                "bezeichnung": "WEG-Bezeichnung",
                "strasse": "Anschrift",
                "plz": "PLZ",
                "ort": "Ort",
            },
            never=("Verwalterbeginn", "Rücklage"),
        ),
        UnseenFile(
            "gebaeude.csv",
            "Mandant-Nr;WEG-Nr.;Haus;Straße;Hausnr.;PLZ;Ort;Baujahr;Etagen",
            {
                "mandant_nr": "Mandant-Nr",
                "we_nr": "WEG-Nr.",
                "gebaeude_nr": "Haus",
                "strasse": "Straße",
                "hausnummer": "Hausnr.",
                "plz": "PLZ",
                "ort": "Ort",
                "baujahr": "Baujahr",
            },
            never=("Etagen",),
        ),
        UnseenFile(
            "einheiten.csv",
            (
                "Mandant-Nr;WEG-Nr.;Haus;SE-Nr.;Einheitsart;Etage;Wohnfläche qm;Zimmeranzahl;MEA;"
                "Hausgeld"
            ),
            {
                "mandant_nr": "Mandant-Nr",
                "we_nr": "WEG-Nr.",
                "gebaeude_nr": "Haus",
                "einheit_nr": "SE-Nr.",
                "nutzungsart": "Einheitsart",
                "lage": "Etage",
                "wohnflaeche": "Wohnfläche qm",
                "zimmer": "Zimmeranzahl",
            },
            never=("MEA", "Hausgeld"),
        ),
        UnseenFile(
            "eigentuemer.csv",
            (
                "Mandant-Nr;Eigentümer-Nr.;Anrede;Titel;Vorname;Nachname;Firma/Zusatz;Straße;PLZ;"
                "Ort;Telefon;Handy;E-Mail;Telefax;Bankverbindung IBAN;Lastschrift"
            ),
            {
                "mandant_nr": "Mandant-Nr",
                "person_nr": "Eigentümer-Nr.",
                "anrede": "Anrede",
                "titel": "Titel",
                "vorname": "Vorname",
                "nachname": "Nachname",
                "strasse": "Straße",
                "plz": "PLZ",
                "ort": "Ort",
                "telefon": "Telefon",
                "mobil": "Handy",
                "email": "E-Mail",
            },
            never=("Telefax", "Bankverbindung IBAN", "Lastschrift"),
            either=("Firma/Zusatz",),
        ),
        UnseenFile(
            "eigentuemervertraege.csv",
            (
                "Mandant-Nr;Vertrags-Nr.;WEG-Nr.;Haus;SE-Nr.;Eigentümer-Nr.;Eigentum seit;"
                "Eigentum bis;Hausgeld;Stimmrecht"
            ),
            {
                "mandant_nr": "Mandant-Nr",
                "vertrag_nr": "Vertrags-Nr.",
                "we_nr": "WEG-Nr.",
                "gebaeude_nr": "Haus",
                "einheit_nr": "SE-Nr.",
                "person_nrs": "Eigentümer-Nr.",
                "beginn": "Eigentum seit",
                "ende": "Eigentum bis",
            },
            never=("Hausgeld", "Stimmrecht"),
        ),
    ),
    # SAP RE-FX's names: the Buchungskreis is the Mandant, the Mietobjekt the unit, the
    # Geschäftspartner the person.
    "sap-re-artig": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            (
                "Buchungskreis;Wirtschaftseinheit;Bezeichnung WE;Straße;Postleitzahl;Ort;"
                "Profitcenter;Kostenstelle"
            ),
            {
                "mandant_nr": "Buchungskreis",
                "we_nr": "Wirtschaftseinheit",
                "bezeichnung": "Bezeichnung WE",
                "strasse": "Straße",
                "plz": "Postleitzahl",
                "ort": "Ort",
            },
            never=("Profitcenter", "Kostenstelle"),
        ),
        UnseenFile(
            "gebaeude.csv",
            (
                "Buchungskreis;Wirtschaftseinheit;Gebäude;Bezeichnung Gebäude;Straße;Hausnummer;"
                "Postleitzahl;Ort;Baujahr;Kostenstelle"
            ),
            {
                "mandant_nr": "Buchungskreis",
                "we_nr": "Wirtschaftseinheit",
                "gebaeude_nr": "Gebäude",
                "bezeichnung": "Bezeichnung Gebäude",
                "strasse": "Straße",
                "hausnummer": "Hausnummer",
                "plz": "Postleitzahl",
                "ort": "Ort",
                "baujahr": "Baujahr",
            },
            never=("Kostenstelle",),
        ),
        UnseenFile(
            "einheiten.csv",
            (
                "Buchungskreis;Wirtschaftseinheit;Gebäude;Mietobjekt;Bezeichnung Mietobjekt;"
                "Mietobjektart;Geschoss;Wohnfläche;Anzahl Zimmer;Kostenstelle;Gültig ab"
            ),
            {
                "mandant_nr": "Buchungskreis",
                "we_nr": "Wirtschaftseinheit",
                "gebaeude_nr": "Gebäude",
                "einheit_nr": "Mietobjekt",
                "bezeichnung": "Bezeichnung Mietobjekt",
                "nutzungsart": "Mietobjektart",
                "lage": "Geschoss",
                "wohnflaeche": "Wohnfläche",
                "zimmer": "Anzahl Zimmer",
            },
            never=("Kostenstelle", "Gültig ab"),
        ),
        UnseenFile(
            "mieter.csv",
            (
                "Buchungskreis;Geschäftspartner;Anrede;Titel;Vorname;Nachname;Straße;Hausnummer;"
                "Postleitzahl;Ort;Telefon;Mobiltelefon;E-Mail-Adresse;Geburtsdatum;Steuernummer"
            ),
            {
                "mandant_nr": "Buchungskreis",
                "person_nr": "Geschäftspartner",
                "anrede": "Anrede",
                "titel": "Titel",
                "vorname": "Vorname",
                "nachname": "Nachname",
                "strasse": "Straße",
                "hausnummer": "Hausnummer",
                "plz": "Postleitzahl",
                "ort": "Ort",
                "telefon": "Telefon",
                "mobil": "Mobiltelefon",
                "email": "E-Mail-Adresse",
            },
            never=("Geburtsdatum", "Steuernummer"),
        ),
        UnseenFile(
            "mietvertraege.csv",
            (
                "Buchungskreis;Vertrag;Wirtschaftseinheit;Gebäude;Mietobjekt;Geschäftspartner;"
                "Vertragsbeginn;Vertragsende;Vertragsart;Kündigungsfrist;Nettomiete"
            ),
            {
                "mandant_nr": "Buchungskreis",
                "vertrag_nr": "Vertrag",
                "we_nr": "Wirtschaftseinheit",
                "gebaeude_nr": "Gebäude",
                "einheit_nr": "Mietobjekt",
                "person_nrs": "Geschäftspartner",
                "beginn": "Vertragsbeginn",
                "ende": "Vertragsende",
            },
            never=("Vertragsart", "Kündigungsfrist", "Nettomiete"),
        ),
    ),
    # A property manager's software: Liegenschaften, Nutzeinheiten ("NE-Nr"), Mietverhältnisse.
    "hausverwaltung": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Mandantennr;Liegenschaftsnr;Liegenschaftsbezeichnung;Straße Hausnr;PLZ;Ort;"
            "Verwaltungsart;Objektbetreuer",
            {
                "mandant_nr": "Mandantennr",
                "we_nr": "Liegenschaftsnr",
                "bezeichnung": "Liegenschaftsbezeichnung",
                "strasse": "Straße Hausnr",
                "plz": "PLZ",
                "ort": "Ort",
            },
            never=("Objektbetreuer",),
            either=("Verwaltungsart",),
        ),
        UnseenFile(
            "gebaeude.csv",
            "Mandantennr;Liegenschaftsnr;Gebäudenr;Gebäudebezeichnung;Straße;Hausnr;PLZ;Ort;"
            "Baujahr;Modernisierungsjahr;Energieausweis gültig bis",
            {
                "mandant_nr": "Mandantennr",
                "we_nr": "Liegenschaftsnr",
                "gebaeude_nr": "Gebäudenr",
                "bezeichnung": "Gebäudebezeichnung",
                "strasse": "Straße",
                "hausnummer": "Hausnr",
                "plz": "PLZ",
                "ort": "Ort",
                "baujahr": "Baujahr",
            },
            never=("Modernisierungsjahr", "Energieausweis gültig bis"),
        ),
        UnseenFile(
            "einheiten.csv",
            "Mandantennr;Liegenschaftsnr;Gebäudenr;NE-Nr;NE-Bezeichnung;Nutzungsart;Lage;"
            "Wohnfläche m²;Zimmer;Heizfläche m²;Kaltmiete",
            {
                "mandant_nr": "Mandantennr",
                "we_nr": "Liegenschaftsnr",
                "gebaeude_nr": "Gebäudenr",
                "einheit_nr": "NE-Nr",
                "bezeichnung": "NE-Bezeichnung",
                "nutzungsart": "Nutzungsart",
                "lage": "Lage",
                "wohnflaeche": "Wohnfläche m²",
                "zimmer": "Zimmer",
            },
            never=("Heizfläche m²", "Kaltmiete"),
        ),
        UnseenFile(
            "mieter.csv",
            "Mandantennr;Mieternr;Anrede;Titel;Vorname;Name;Firma;Straße;Hausnr;PLZ;Ort;Telefon;"
            "Telefon 2;Mobil;E-Mail;Ansprechpartner;Geburtsdatum;Kontoinhaber;IBAN",
            {
                "mandant_nr": "Mandantennr",
                "person_nr": "Mieternr",
                "anrede": "Anrede",
                "titel": "Titel",
                "vorname": "Vorname",
                "nachname": "Name",
                "firma": "Firma",
                "strasse": "Straße",
                "hausnummer": "Hausnr",
                "plz": "PLZ",
                "ort": "Ort",
                "telefon": "Telefon",
                "mobil": "Mobil",
                "email": "E-Mail",
            },
            never=("Ansprechpartner", "Geburtsdatum", "Kontoinhaber", "IBAN"),
            either=("Telefon 2",),
        ),
        UnseenFile(
            "mietvertraege.csv",
            "Mandantennr;Mietvertragsnr;Liegenschaftsnr;Gebäudenr;NE-Nr;Mieternr;Mietbeginn;"
            "Mietende;Kündigung zum;Nettokaltmiete;Vorauszahlung BK",
            {
                "mandant_nr": "Mandantennr",
                "vertrag_nr": "Mietvertragsnr",
                "we_nr": "Liegenschaftsnr",
                "gebaeude_nr": "Gebäudenr",
                "einheit_nr": "NE-Nr",
                "person_nrs": "Mieternr",
                "beginn": "Mietbeginn",
                "ende": "Mietende",
            },
            never=("Nettokaltmiete", "Vorauszahlung BK"),
            either=("Kündigung zum",),
        ),
    ),
    # English abbreviations as British and American property reports print them.
    "englisch-kuerzel": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Entity;Prop No.;Prop. Name;Addr. Line 1;Post Code;Town;Region;Acq. Date",
            {
                "we_nr": "Prop No.",
                "bezeichnung": "Prop. Name",
                "strasse": "Addr. Line 1",
                "plz": "Post Code",
                "ort": "Town",
            },
            never=("Region", "Acq. Date"),
            either=("Entity",),  # the legal entity: the Mandant to some, the owner to others
        ),
        UnseenFile(
            "einheiten.csv",
            "Prop No.;Bldg No.;Unit No.;Unit Desc.;Use Type;Floor;Sq Ft;Beds;Market Rent",
            {
                "we_nr": "Prop No.",
                "gebaeude_nr": "Bldg No.",
                "einheit_nr": "Unit No.",
                "bezeichnung": "Unit Desc.",
                "nutzungsart": "Use Type",
                "lage": "Floor",
            },
            never=("Market Rent",),
            either=("Sq Ft", "Beds"),  # square feet are no m², bedrooms not all rooms
        ),
        UnseenFile(
            "mieter.csv",
            "Tenant Code;Salutation;First Name;Surname;Company Name;Tel. No.;Mobile No.;E-mail;"
            "Date of Birth;Bank Sort Code",
            {
                "person_nr": "Tenant Code",
                "anrede": "Salutation",
                "vorname": "First Name",
                "nachname": "Surname",
                "firma": "Company Name",
                "telefon": "Tel. No.",
                "mobil": "Mobile No.",
                "email": "E-mail",
            },
            never=("Date of Birth", "Bank Sort Code"),
        ),
        UnseenFile(
            "mietvertraege.csv",
            "Lease Ref;Prop No.;Bldg No.;Unit No.;Tenant Code;Start Date;End Date;Term (months);"
            "Rent p.a.;Deposit",
            {
                "vertrag_nr": "Lease Ref",
                "we_nr": "Prop No.",
                "gebaeude_nr": "Bldg No.",
                "einheit_nr": "Unit No.",
                "person_nrs": "Tenant Code",
                "beginn": "Start Date",
                "ende": "End Date",
            },
            never=("Term (months)", "Rent p.a.", "Deposit"),
        ),
    ),
    # A housing cooperative: members instead of tenants, "Nutzungsverträge" for leases.
    "genossenschaft": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Mandant;WE-Nummer;WE-Name;Straße;PLZ;Ort;Baujahr;Anzahl Wohnungen",
            {
                "mandant_nr": "Mandant",
                "we_nr": "WE-Nummer",
                "bezeichnung": "WE-Name",
                "strasse": "Straße",
                "plz": "PLZ",
                "ort": "Ort",
            },
            never=("Baujahr", "Anzahl Wohnungen"),  # a WE has no year of its own in v1
        ),
        UnseenFile(
            "gebaeude.csv",
            "Mandant;WE-Nummer;Gebäude-Nummer;Straße;Hausnummer;PLZ;Ort;Bj;Aufzug vorhanden",
            {
                "mandant_nr": "Mandant",
                "we_nr": "WE-Nummer",
                "gebaeude_nr": "Gebäude-Nummer",
                "strasse": "Straße",
                "hausnummer": "Hausnummer",
                "plz": "PLZ",
                "ort": "Ort",
                "baujahr": "Bj",
            },
            never=("Aufzug vorhanden",),
        ),
        UnseenFile(
            "einheiten.csv",
            "Mandant;WE-Nummer;Gebäude-Nummer;Wohnungs-Nr.;Wohnungstyp;Geschoß;Wohnfl.;"
            "Zimmerzahl;Balkon;Genossenschaftsanteile",
            {
                "mandant_nr": "Mandant",
                "we_nr": "WE-Nummer",
                "gebaeude_nr": "Gebäude-Nummer",
                "einheit_nr": "Wohnungs-Nr.",
                "nutzungsart": "Wohnungstyp",
                "lage": "Geschoß",
                "wohnflaeche": "Wohnfl.",
                "zimmer": "Zimmerzahl",
            },
            never=("Balkon", "Genossenschaftsanteile"),
        ),
        UnseenFile(
            "mieter.csv",
            "Mandant;Mitgliedsnummer;Anrede;Akad. Grad;Vorname;Familienname;Straße;Hausnummer;"
            "PLZ;Wohnort;Tel. priv.;Tel. mobil;E-Mail-Adr.;Eintrittsdatum;Geschäftsanteile",
            {
                "mandant_nr": "Mandant",
                "person_nr": "Mitgliedsnummer",
                "anrede": "Anrede",
                "titel": "Akad. Grad",
                "vorname": "Vorname",
                "nachname": "Familienname",
                "strasse": "Straße",
                "hausnummer": "Hausnummer",
                "plz": "PLZ",
                "ort": "Wohnort",
                "telefon": "Tel. priv.",
                "mobil": "Tel. mobil",
                "email": "E-Mail-Adr.",
            },
            never=("Eintrittsdatum", "Geschäftsanteile"),
        ),
        UnseenFile(
            "mietvertraege.csv",
            "Mandant;Nutzungsvertrag;WE-Nummer;Gebäude-Nummer;Wohnungs-Nr.;Mitgliedsnummer;"
            "Beginn Nutzung;Ende Nutzung;Nutzungsgebühr",
            {
                "mandant_nr": "Mandant",
                "vertrag_nr": "Nutzungsvertrag",
                "we_nr": "WE-Nummer",
                "gebaeude_nr": "Gebäude-Nummer",
                "einheit_nr": "Wohnungs-Nr.",
                "person_nrs": "Mitgliedsnummer",
                "beginn": "Beginn Nutzung",
                "ende": "Ende Nutzung",
            },
            never=("Nutzungsgebühr",),
        ),
    ),
    # Austrian names: "Top-Nr." is the flat, "Zuname" the surname, "Stiege" a staircase.
    "oesterreich": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Mandant;Liegenschaft;Bezeichnung;Adresse;PLZ;Ort;EZ;KG",
            {
                "mandant_nr": "Mandant",
                "we_nr": "Liegenschaft",
                "bezeichnung": "Bezeichnung",
                "strasse": "Adresse",
                "plz": "PLZ",
                "ort": "Ort",
            },
            never=("EZ", "KG"),
        ),
        UnseenFile(
            "einheiten.csv",
            "Mandant;Liegenschaft;Stiege;Top-Nr.;Nutzungsart;Stockwerk;Nutzfläche;Zimmer;"
            "Kategorie;Richtwert",
            {
                "mandant_nr": "Mandant",
                "we_nr": "Liegenschaft",
                "einheit_nr": "Top-Nr.",
                "nutzungsart": "Nutzungsart",
                "lage": "Stockwerk",
                "wohnflaeche": "Nutzfläche",  # the flat's area in Austria
                "zimmer": "Zimmer",
            },
            never=("Kategorie", "Richtwert"),
            either=("Stiege",),
        ),
        UnseenFile(
            "mieter.csv",
            "Mandant;Mieter-Nr.;Anrede;Titel;Vorname;Zuname;Straße;PLZ;Ort;Telefon;"
            "Mobiltelefon;E-Mail;SV-Nummer",
            {
                "mandant_nr": "Mandant",
                "person_nr": "Mieter-Nr.",
                "anrede": "Anrede",
                "titel": "Titel",
                "vorname": "Vorname",
                "nachname": "Zuname",
                "strasse": "Straße",
                "plz": "PLZ",
                "ort": "Ort",
                "telefon": "Telefon",
                "mobil": "Mobiltelefon",
                "email": "E-Mail",
            },
            never=("SV-Nummer",),
        ),
        UnseenFile(
            "mietvertraege.csv",
            "Mandant;Vertrag;Liegenschaft;Stiege;Top-Nr.;Mieter-Nr.;Vertragsbeginn;"
            "befristet bis;Befristung;Hauptmietzins",
            {
                "mandant_nr": "Mandant",
                "vertrag_nr": "Vertrag",
                "we_nr": "Liegenschaft",
                "einheit_nr": "Top-Nr.",
                "person_nrs": "Mieter-Nr.",
                "beginn": "Vertragsbeginn",
                "ende": "befristet bis",
            },
            never=("Befristung", "Hauptmietzins"),
            either=("Stiege",),
        ),
    ),
    # Short report names: "Obj", "Whg-Nr", "Anz. Zi.", units in brackets, "Name, Vorname".
    "kurzformen": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Obj;Objektbezeichnung;Anschrift;PLZ;Ort;Verwalter;Objektart;Einheiten gesamt",
            {
                "we_nr": "Obj",
                "bezeichnung": "Objektbezeichnung",
                "strasse": "Anschrift",
                "plz": "PLZ",
                "ort": "Ort",
            },
            never=("Verwalter", "Objektart", "Einheiten gesamt"),
        ),
        UnseenFile(
            "gebaeude.csv",
            "Obj;Eingang;Straße;Hs-Nr;PLZ;Ort;Baujahr;Etagen",
            {
                "we_nr": "Obj",
                "strasse": "Straße",
                "hausnummer": "Hs-Nr",
                "plz": "PLZ",
                "ort": "Ort",
                "baujahr": "Baujahr",
            },
            never=("Etagen",),
            either=("Eingang",),  # an entrance: the building to some, a part of it to others
        ),
        UnseenFile(
            "einheiten.csv",
            "Obj;Eingang;Whg-Nr;Whg.Bez.;Nutzungsart (Code);Etage/Lage;Wfl;Anz. Zi.;Kaltmiete",
            {
                "we_nr": "Obj",
                "einheit_nr": "Whg-Nr",
                "bezeichnung": "Whg.Bez.",
                "nutzungsart": "Nutzungsart (Code)",
                "lage": "Etage/Lage",
                "wohnflaeche": "Wfl",
                "zimmer": "Anz. Zi.",
            },
            never=("Kaltmiete",),
            either=("Eingang",),
        ),
        UnseenFile(
            "mieter.csv",
            "Pers-Nr;Briefanrede;Anrede (Code);Name, Vorname;Firma;Anschrift;PLZ;Ort;"
            "Tel. geschäftl.;Handy-Nr.;eMail;Geb.Dat.;Bankverbindung",
            {
                "person_nr": "Pers-Nr",
                "anrede": "Anrede (Code)",
                "nachname": "Name, Vorname",
                "firma": "Firma",
                "strasse": "Anschrift",
                "plz": "PLZ",
                "ort": "Ort",
                "telefon": "Tel. geschäftl.",
                "mobil": "Handy-Nr.",
                "email": "eMail",
            },
            never=("Geb.Dat.", "Bankverbindung"),
            either=("Briefanrede",),  # "Sehr geehrter Herr ...": a letter's line, no salutation
        ),
        UnseenFile(
            "mietvertraege.csv",
            "Mietvertragsnummer;Obj;Eingang;Whg-Nr;Mieter-Nummer(n);"
            "Vertragsbeginn (TT.MM.JJJJ);Vertragsende (leer = unbefristet);Miete gesamt",
            {
                "vertrag_nr": "Mietvertragsnummer",
                "we_nr": "Obj",
                "einheit_nr": "Whg-Nr",
                "person_nrs": "Mieter-Nummer(n)",
                "beginn": "Vertragsbeginn (TT.MM.JJJJ)",
                "ende": "Vertragsende (leer = unbefristet)",
            },
            never=("Miete gesamt",),
            either=("Eingang",),
        ),
    ),
    # Swiss names: the "Objekt" is the rented unit, the "Liegenschaft" the WE, "Natel" the mobile.
    "schweiz": (
        UnseenFile(
            "wirtschaftseinheiten.csv",
            "Mandant;Liegenschaft-Nr.;Liegenschaftsname;Strasse;PLZ;Ort;Kanton",
            {
                "mandant_nr": "Mandant",
                "we_nr": "Liegenschaft-Nr.",
                "bezeichnung": "Liegenschaftsname",
                "strasse": "Strasse",
                "plz": "PLZ",
                "ort": "Ort",
            },
            never=("Kanton",),
        ),
        UnseenFile(
            "einheiten.csv",
            "Mandant;Liegenschaft-Nr.;Haus-Nr.;Objekt-Nr.;Objektart;Stockwerk;Fläche m2;Zimmer;"
            "Nettomiete",
            {
                "mandant_nr": "Mandant",
                "we_nr": "Liegenschaft-Nr.",
                "gebaeude_nr": "Haus-Nr.",
                "einheit_nr": "Objekt-Nr.",
                "nutzungsart": "Objektart",
                "lage": "Stockwerk",
                "wohnflaeche": "Fläche m2",
                "zimmer": "Zimmer",
            },
            never=("Nettomiete",),
        ),
        UnseenFile(
            "mieter.csv",
            "Mandant;Mieter-Nr.;Anrede;Vorname;Name;Strasse;PLZ;Ort;Telefon;Natel;E-Mail;"
            "Kautionskonto",
            {
                "mandant_nr": "Mandant",
                "person_nr": "Mieter-Nr.",
                "anrede": "Anrede",
                "vorname": "Vorname",
                "nachname": "Name",
                "strasse": "Strasse",
                "plz": "PLZ",
                "ort": "Ort",
                "telefon": "Telefon",
                "mobil": "Natel",
                "email": "E-Mail",
            },
            never=("Kautionskonto",),
        ),
        UnseenFile(
            "mietvertraege.csv",
            "Mandant;Vertrags-Nr.;Liegenschaft-Nr.;Haus-Nr.;Objekt-Nr.;Mieter-Nr.;Mietbeginn;"
            "Mietende;Kündigungstermin;Nettomiete",
            {
                "mandant_nr": "Mandant",
                "vertrag_nr": "Vertrags-Nr.",
                "we_nr": "Liegenschaft-Nr.",
                "gebaeude_nr": "Haus-Nr.",
                "einheit_nr": "Objekt-Nr.",
                "person_nrs": "Mieter-Nr.",
                "beginn": "Mietbeginn",
                "ende": "Mietende",
            },
            never=("Nettomiete",),
            either=("Kündigungstermin",),
        ),
    ),
}


# The names the ERP gives its files: some a v1 file's usual name, some only a report's.
SOURCES: dict[str, dict[str, str]] = {
    "wodis-artig": {
        "mandanten.csv": "Mandanten.csv",
        "wirtschaftseinheiten.csv": "Wirtschaftseinheiten.csv",
        "gebaeude.csv": "Gebaeude.csv",
        "einheiten.csv": "Mieteinheiten.csv",
        "mieter.csv": "Personen.csv",
        "mietvertraege.csv": "Mietvertraege.csv",
    },
    "ges-haufe-artig": {
        "wirtschaftseinheiten.csv": "Objekte.csv",
        "gebaeude.csv": "Gebaeude.csv",
        "einheiten.csv": "Einheiten.csv",
        "mieter.csv": "Kontakte.csv",
        "mietvertraege.csv": "Mietvertraege.csv",
    },
    "englisch": {
        "wirtschaftseinheiten.csv": "Properties.csv",
        "gebaeude.csv": "Buildings.csv",
        "einheiten.csv": "Units.csv",
        "mieter.csv": "Tenants.csv",
        "mietvertraege.csv": "Leases.csv",
    },
    "berichtskuerzel": {
        "wirtschaftseinheiten.csv": "WE-Liste.csv",
        "gebaeude.csv": "Gebaeudeliste.csv",
        "einheiten.csv": "Wohnungsliste.csv",
        "mieter.csv": "Mieterliste.csv",
        "mietvertraege.csv": "Vertragsliste.csv",
    },
    "weg-verwaltung": {
        "wirtschaftseinheiten.csv": "WEG.csv",
        "gebaeude.csv": "Haeuser.csv",
        "einheiten.csv": "Sondereigentum.csv",
        "eigentuemer.csv": "Eigentuemer.csv",
        "eigentuemervertraege.csv": "Eigentumsverhaeltnisse.csv",
    },
    "sap-re-artig": {
        "wirtschaftseinheiten.csv": "Wirtschaftseinheiten.csv",
        "gebaeude.csv": "Gebaeude.csv",
        "einheiten.csv": "Mietobjekte.csv",
        "mieter.csv": "Geschaeftspartner.csv",
        "mietvertraege.csv": "Mietvertraege.csv",
    },
    "hausverwaltung": {
        "wirtschaftseinheiten.csv": "Liegenschaften.csv",
        "gebaeude.csv": "Gebaeude.csv",
        "einheiten.csv": "Nutzeinheiten.csv",
        "mieter.csv": "Mieter.csv",
        "mietvertraege.csv": "Mietverhaeltnisse.csv",
    },
    "englisch-kuerzel": {
        "wirtschaftseinheiten.csv": "properties.csv",
        "einheiten.csv": "units.csv",
        "mieter.csv": "tenants.csv",
        "mietvertraege.csv": "leases.csv",
    },
    "genossenschaft": {
        "wirtschaftseinheiten.csv": "Bestand_WE.csv",
        "gebaeude.csv": "Bestand_Haus.csv",
        "einheiten.csv": "Bestand_Whg.csv",
        "mieter.csv": "Mitglieder.csv",
        "mietvertraege.csv": "Nutzungsvertraege.csv",
    },
    "oesterreich": {
        "wirtschaftseinheiten.csv": "Liegenschaften.csv",
        "einheiten.csv": "Tops.csv",
        "mieter.csv": "Mieter.csv",
        "mietvertraege.csv": "Mietvertraege.csv",
    },
    "kurzformen": {
        "wirtschaftseinheiten.csv": "Objekte.csv",
        "gebaeude.csv": "Haeuser.csv",
        "einheiten.csv": "Einheiten.csv",
        "mieter.csv": "Mieter.csv",
        "mietvertraege.csv": "Mietvertraege.csv",
    },
    "schweiz": {
        "wirtschaftseinheiten.csv": "Liegenschaften.csv",
        "einheiten.csv": "Mietobjekte.csv",
        "mieter.csv": "Mieter.csv",
        "mietvertraege.csv": "Mietvertraege.csv",
    },
}


def judged(files: tuple[UnseenFile, ...]) -> tuple[int, int, list[str], list[str]]:
    """(fields suggested as the person picked them, fields the person mapped, the misses, the
    wrong guesses: a column a person maps to nothing, or another column than the person's)."""
    right = total = 0
    misses: list[str] = []
    wrong: list[str] = []
    for file in files:
        suggested = suggest_scored(file.target, file.headers)
        for field_name, column in file.truth.items():
            total += 1
            offered = suggested.get(field_name, ("", 0.0))[0]
            if offered == column:
                right += 1
            else:
                misses.append(f"{file.target} {field_name}: {offered or '-'} statt {column}")
        wrong += [
            f"{file.target} {field_name} <- {column}"
            for field_name, (column, _confidence) in suggested.items()
            if column in file.never or file.truth.get(field_name, column) != column
        ]
    return right, total, misses, wrong


def _columns(rule: dict[str, Any]) -> list[str]:
    """The source columns a drafted rule reads."""
    if "join" in rule:
        return [str(column) for column in rule["join"]]
    return [str(rule["column"])] if "column" in rule else []


def judged_draft(name: str, directory: Path) -> tuple[int, int, list[str], list[str]]:
    """As ``judged``, for the whole draft of an export of the layout's files (header rows only):
    a field counts when its file's source and its column are the person's; a file fed from
    another source than the person's, or from a source of another entity, is a wrong guess."""
    files = LAYOUTS[name]
    sample = directory / f"{name}.zip"
    with zipfile.ZipFile(sample, "w") as archive:
        for file in files:
            archive.writestr(SOURCES[name][file.target], ";".join(file.headers) + "\r\n")
    draft, _missing = draft_profile(sample)
    entities: dict[str, Any] = draft["entities"]  # type: ignore[assignment]
    never = {column for file in files for column in file.never}
    right = total = 0
    misses: list[str] = []
    wrong: list[str] = []
    for file in files:
        entity = entities.get(file.target) or {}
        same_source = entity.get("source") == SOURCES[name][file.target]
        if not same_source:
            misses.append(f"{file.target}: Quelle {entity.get('source', '-')}")
        drafted = entity.get("fields", {})
        for field_name, column in file.truth.items():
            total += 1
            offered = _columns(drafted.get(field_name, {}))
            if same_source and offered[:1] == [column]:
                right += 1
            elif same_source:
                misses.append(f"{file.target} {field_name}: {offered or '-'} statt {column}")
            if same_source and offered and offered[0] != column:
                wrong.append(f"{file.target} {field_name} <- {offered[0]}")
    wrong += [
        f"{target} {field_name} <- {column}"
        for target, entity in entities.items()
        for field_name, rule in entity.get("fields", {}).items()
        for column in _columns(rule)
        if column in never
    ]
    wrong += [  # the layout's files are all a person feeds
        f"{target} <- {entity['source']}"
        for target, entity in entities.items()
        if "source" in entity and entity["source"] != SOURCES[name].get(target)
    ]
    return right, total, misses, wrong


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_column_of_an_unseen_layout_is_classed_once(name):
    for file in LAYOUTS[name]:
        fields = set(fmt.FILES_BY_NAME[file.target].column_names)
        assert set(file.truth) <= fields, (file.target, set(file.truth) - fields)
        picked = list(file.truth.values())
        assert len(picked) == len(set(picked)), file.target  # a column feeds one field here
        classed = [*picked, *file.never, *file.either]
        assert sorted(classed) == sorted(file.headers), file.target


@pytest.mark.parametrize("name", LAYOUTS)
def test_an_unseen_layout_is_guessed_like_a_person_would(name):
    right, total, misses, wrong = judged(LAYOUTS[name])
    print(
        f"{name}: {right} von {total} Feldern richtig ({100 * right / total:.0f} %), "
        f"{len(wrong)} falsche Vorschläge; verfehlt: {misses or 'keine'}; "
        f"falsch: {wrong or 'keine'}"
    )
    assert wrong == []  # a wrong guess is worse than none
    assert right / total >= 0.9, (name, right, total, misses)


@pytest.mark.parametrize("name", LAYOUTS)
def test_the_draft_of_an_unseen_export_takes_its_files_and_columns_like_a_person(name, tmp_path):
    right, total, misses, wrong = judged_draft(name, tmp_path)
    print(
        f"{name} (ganzer Entwurf): {right} von {total} Feldern richtig "
        f"({100 * right / total:.0f} %), {len(wrong)} falsche Vorschläge; "
        f"verfehlt: {misses or 'keine'}; falsch: {wrong or 'keine'}"
    )
    assert wrong == []
    assert right / total >= 0.9, (name, right, total, misses)
