"""Every rule of ERP export v1, with a failing example and the exact German text a person reads."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from integrations.erp.file.reader import FileConnector
from integrations.erp.file.report import InvalidExport, ValidationReport
from integrations.erp.file.validator import validate_export
from integrations.erp.records import (
    Anrede,
    Dokument,
    Einheit,
    Mandant,
    Nutzungsart,
    Ordner,
    Person,
    PersonRolle,
    RecordProblem,
    Vertrag,
    VertragsArt,
)
from integrations.usecases import UseCase
from tests.integrations.erp.exports import PDF, VALID, make_export, rows, zip_directory

EINHEITEN, MIETER, MV = VALID["einheiten.csv"], VALID["mieter.csv"], VALID["mietvertraege.csv"]
assert isinstance(EINHEITEN, str)
assert isinstance(MIETER, str)
assert isinstance(MV, str)


def rendered(report: ValidationReport) -> list[str]:
    return [finding.render_de() for finding in report.findings]


def read_all(path, use_case=UseCase.STAMMDATEN, mandanten=("1000",)):
    with FileConnector(path) as connector:
        return list(connector.read(use_case, mandanten=mandanten))


def of_type(items, kind):
    return [item for item in items if isinstance(item, kind)]


# --- a valid export -----------------------------------------------------------------------


def test_valid_export_has_no_findings_and_reads_every_record(tmp_path):
    # given
    export = make_export(tmp_path / "export")

    # when
    report = validate_export(export)
    stammdaten = read_all(export)
    dokumente = read_all(export, UseCase.DOKUMENTE)

    # then
    assert report.valid
    assert report.findings == []
    assert report.use_cases == ["stammdaten", "dokumente"]
    assert {name: summary.rows for name, summary in report.files.items()} == {
        "mandanten.csv": 1,
        "wirtschaftseinheiten.csv": 1,
        "gebaeude.csv": 2,
        "einheiten.csv": 3,
        "mieter.csv": 2,
        "eigentuemer.csv": 1,
        "mietvertraege.csv": 1,
        "eigentuemervertraege.csv": 1,
        "ordner.csv": 2,
        "dokumente.csv": 1,
    }
    assert [type(item).__name__ for item in stammdaten] == [
        "Wirtschaftseinheit",
        "Gebaeude",
        "Gebaeude",
        "Einheit",
        "Einheit",
        "Einheit",
        "Person",
        "Person",
        "Person",
        "Vertrag",
        "Vertrag",
    ]
    assert of_type(stammdaten, Vertrag)[0] == Vertrag(
        "1000",
        "MV-0001",
        VertragsArt.MIETVERTRAG,
        "0001",
        "01",
        "001",
        ("40001", "40002"),
        date(2019, 4, 1),
        None,
    )
    owner = of_type(stammdaten, Person)[-1]
    assert owner.rolle is PersonRolle.EIGENTUEMER
    assert owner.anrede is Anrede.FIRMA
    assert owner.firma == "Rheinblick Immobilien eG"
    assert owner.nachname is None
    assert dokumente[:2] == [
        Ordner("1000", "1", "Objekte"),
        Ordner("1000", "2", "Mietverträge", "1"),
    ]
    document = dokumente[2]
    assert isinstance(document, Dokument)
    assert document.dateiname == "mv-0001.pdf"  # default: the name in datei
    assert document.size == len(PDF)
    assert document.freigegeben is True
    with document.open() as stream:
        assert stream.read() == PDF


def test_list_mandanten_comes_from_mandanten_csv(tmp_path):
    export = make_export(
        tmp_path / "export",
        mandanten_csv=(
            "mandant_nr;name\n1000;Musterstadt Wohnen GmbH\n2000;Rheinblick Immobilien eG\n"
        ),
    )

    with FileConnector(export) as connector:
        assert connector.list_mandanten() == [
            Mandant("1000", "Musterstadt Wohnen GmbH"),
            Mandant("2000", "Rheinblick Immobilien eG"),
        ]


def test_read_yields_only_the_chosen_mandanten(tmp_path):
    export = make_export(
        tmp_path / "export",
        mandanten_csv="mandant_nr;name\n1000;A\n2000;B\n",
        wirtschaftseinheiten_csv="mandant_nr;we_nr;bezeichnung\n1000;0001;A-Haus\n2000;0001;B-Haus\n",
    )

    items = read_all(export, mandanten=("2000",))

    assert [item.key for item in items] == [("we", "2000", "0001")]


# --- UTF-8 and the byte-order mark ----------------------------------------------------------


def test_byte_order_mark_is_allowed(tmp_path):
    export = make_export(
        tmp_path / "export",
        mandanten_csv="\ufeff" + str(VALID["mandanten.csv"]),
        einheiten_csv="\ufeff" + EINHEITEN,
    )

    assert validate_export(export).valid
    assert len(of_type(read_all(export), Einheit)) == 3


def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    # given: the third line saved as Windows-1252 ("Müller" with a single byte ü)
    text = rows(
        MIETER, "1000;40001;Herr;;Peter;Meier;;;;;;;;", "1000;40002;Frau;;Anna;Müller;;;;;;;;"
    )
    export = make_export(tmp_path / "export", mieter_csv=text.encode("cp1252"))

    # when
    report = validate_export(export)

    # then
    assert not report.valid
    assert rendered(report) == [
        "mieter.csv, Zeile 3: Die Zeile ist nicht in UTF-8 kodiert; bitte die Datei als UTF-8 "
        "speichern (z. B. nicht als Windows-1252/ANSI)."
    ]


# --- quoting --------------------------------------------------------------------------------


def test_quoted_fields_keep_semicolons_quotes_and_line_breaks(tmp_path):
    # given: a quoted name over two lines, with a semicolon and quotes
    text = rows(
        EINHEITEN,
        '1000;0001;01;001;"Wohnung 1; ""Hinterhaus""\nmit Garten";Wohnung;EG;61,5;2',
        "1000;0001;01;002;Wohnung 2;Wohnung;1. OG;74;3",
    )
    export = make_export(tmp_path / "export", einheiten_csv=text)

    # when
    units = of_type(read_all(export), Einheit)

    # then
    assert validate_export(export).valid
    assert units[0].bezeichnung == 'Wohnung 1; "Hinterhaus"\nmit Garten'
    assert units[1].einheit_nr == "002"


def test_findings_name_the_physical_line_where_a_record_starts(tmp_path):
    # given: line 2 and 3 hold one record; the bad record starts on line 4
    text = rows(
        EINHEITEN,
        '1000;0001;01;001;"Wohnung 1\nmit Garten";Wohnung;EG;61,5;2',
        "1000;0001;01;002;Wohnung 2;Wohnung;1. OG;abc;3",
    )
    export = make_export(tmp_path / "export", einheiten_csv=text)

    report = validate_export(export)

    assert rendered(report) == ["einheiten.csv, Zeile 4, Spalte wohnflaeche: „abc“ ist keine Zahl."]


def test_an_unclosed_quote_is_refused(tmp_path):
    text = rows(
        EINHEITEN,
        "1000;0001;01;001;Wohnung 1;Wohnung;EG;61,5;2",
        '1000;0001;01;002;"Wohnung 2;Wohnung;1. OG;74;3',
    )
    export = make_export(tmp_path / "export", einheiten_csv=text)

    report = validate_export(export)

    assert rendered(report) == [
        "einheiten.csv, Zeile 3: Ab dieser Zeile ist die Datei kein gültiges CSV: ein "
        "Anführungszeichen ist nicht geschlossen oder ein Feld geht nach dem schließenden "
        "Anführungszeichen weiter."
    ]


# --- numbers, spaces, empty fields ---------------------------------------------------------


def test_numbers_are_strings_that_keep_leading_zeros(tmp_path):
    export = make_export(tmp_path / "export")

    unit = of_type(read_all(export), Einheit)[0]

    assert (unit.we_nr, unit.gebaeude_nr, unit.einheit_nr) == ("0001", "01", "001")


def test_a_number_without_its_leading_zeros_is_another_number(tmp_path):
    # given: the building names WE "1", the WE is "0001"
    export = make_export(
        tmp_path / "export",
        gebaeude_csv=(
            "mandant_nr;we_nr;gebaeude_nr;strasse;hausnummer;plz;ort\n"
            "1000;0001;01;Lindenstraße;12;50667;Köln\n"
            "1000;0001;02;Lindenstraße;12a;50667;Köln\n"
            "1000;1;03;Lindenstraße;14;50667;Köln\n"
        ),
    )

    report = validate_export(export)

    assert report.valid
    assert rendered(report) == [
        "gebaeude.csv, Zeile 4, Spalte we_nr: Die Wirtschaftseinheit 1000/1 gibt es nicht in "
        "wirtschaftseinheiten.csv."
    ]


def test_surrounding_spaces_are_trimmed_and_empty_fields_have_no_value(tmp_path):
    text = rows(EINHEITEN, " 1000 ; 0001 ;01; 001 ;  ;Wohnung ;   ;61,5; ")
    export = make_export(tmp_path / "export", einheiten_csv=text)

    unit = of_type(read_all(export), Einheit)[0]

    assert unit == Einheit(
        "1000", "0001", "01", "001", Nutzungsart.WOHNUNG, None, None, Decimal("61.5"), None
    )


def test_decimal_comma_and_decimal_point_are_both_numbers(tmp_path):
    export = make_export(tmp_path / "export")

    units = of_type(read_all(export), Einheit)

    assert [unit.wohnflaeche for unit in units] == [Decimal("61.5"), Decimal("74.0"), None]
    assert [unit.zimmer for unit in units] == [Decimal(2), Decimal(3), None]


@pytest.mark.parametrize("value", ["abc", "1.234,5", "61,5 m²", "1e3"])
def test_a_decimal_that_is_no_number_is_refused(tmp_path, value):
    text = rows(EINHEITEN, f"1000;0001;01;001;Wohnung 1;Wohnung;EG;{value};2")
    export = make_export(tmp_path / "export", einheiten_csv=text)

    report = validate_export(export)

    assert not report.valid
    assert rendered(report) == [
        f"einheiten.csv, Zeile 2, Spalte wohnflaeche: „{value}“ ist keine Zahl."
    ]


def test_a_building_year_that_is_no_year_is_refused(tmp_path):
    export = make_export(
        tmp_path / "export",
        gebaeude_csv=(
            "mandant_nr;we_nr;gebaeude_nr;strasse;hausnummer;plz;ort;baujahr\n"
            "1000;0001;01;Lindenstraße;12;50667;Köln;19x5\n"
        ),
    )

    assert rendered(validate_export(export)) == [
        "gebaeude.csv, Zeile 2, Spalte baujahr: „19x5“ ist keine Jahreszahl."
    ]


# --- header ---------------------------------------------------------------------------------


def test_a_missing_required_column_makes_the_file_invalid(tmp_path):
    # given: einheiten.csv without nutzungsart
    export = make_export(
        tmp_path / "export",
        einheiten_csv="mandant_nr;we_nr;gebaeude_nr;einheit_nr;lage\n1000;0001;01;001;EG\n",
    )

    # when
    report = validate_export(export)

    # then
    assert not report.valid
    assert rendered(report) == ["einheiten.csv, Zeile 1: Die Pflichtspalte „nutzungsart“ fehlt."]
    with pytest.raises(InvalidExport) as refused:
        read_all(export)
    assert refused.value.report.to_dict() == report.to_dict()


def test_unknown_columns_are_ignored_and_column_order_is_free(tmp_path):
    export = make_export(
        tmp_path / "export",
        einheiten_csv=(
            "kostenstelle;nutzungsart;einheit_nr;gebaeude_nr;we_nr;mandant_nr;Bemerkung intern\n"
            "K-17;Wohnung;001;01;0001;1000;bitte ignorieren\n"
        ),
    )

    report = validate_export(export)

    assert report.valid
    assert of_type(read_all(export), Einheit) == [
        Einheit("1000", "0001", "01", "001", Nutzungsart.WOHNUNG)
    ]


def test_a_column_twice_in_the_header_is_refused(tmp_path):
    export = make_export(
        tmp_path / "export",
        mandanten_csv="mandant_nr;name;name\n1000;A;B\n",
    )

    assert rendered(validate_export(export)) == [
        "mandanten.csv, Zeile 1: Die Spalte „name“ steht mehrmals in der Kopfzeile."
    ]


def test_an_empty_file_is_refused(tmp_path):
    export = make_export(tmp_path / "export", mieter_csv="")

    assert rendered(validate_export(export)) == [
        "mieter.csv, Zeile 1: Die Datei ist leer; es fehlt die Kopfzeile."
    ]


def test_a_row_with_other_field_count_than_the_header_is_refused(tmp_path):
    text = rows(EINHEITEN, "1000;0001;01;001;Wohnung 1;Wohnung;EG")
    export = make_export(tmp_path / "export", einheiten_csv=text)

    assert rendered(validate_export(export)) == [
        "einheiten.csv, Zeile 2: Die Zeile hat 7 Felder, die Kopfzeile 9."
    ]


# --- required values and rules of a row ----------------------------------------------------


def test_an_empty_required_field_is_refused(tmp_path):
    text = rows(EINHEITEN, "1000;0001;01;;Wohnung 1;Wohnung;EG;61,5;2")
    export = make_export(tmp_path / "export", einheiten_csv=text)

    assert rendered(validate_export(export)) == [
        "einheiten.csv, Zeile 2, Spalte einheit_nr: Das Pflichtfeld ist leer."
    ]


def test_a_person_needs_a_last_name_or_a_firm(tmp_path):
    text = rows(MIETER, "1000;40001;Herr;;Peter;Müller;;;;;;;;", "1000;40002;Frau;;Anna;;;;;;;;;")
    export = make_export(tmp_path / "export", mieter_csv=text)

    report = validate_export(export)

    assert not report.valid
    assert "mieter.csv, Zeile 3, Spalte nachname: Nachname oder Firma muss gesetzt sein." in (
        rendered(report)
    )


# --- dates and enumerations ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["01.04.2019", "2019-4-1", "2019-02-30", "20190401"])
def test_a_date_not_in_iso_form_is_refused(tmp_path, value):
    text = rows(MV, f"1000;MV-0001;0001;01;001;40001;{value};")
    export = make_export(tmp_path / "export", mietvertraege_csv=text)

    report = validate_export(export)

    assert not report.valid
    assert rendered(report) == [
        f"mietvertraege.csv, Zeile 2, Spalte beginn: „{value}“ ist kein Datum im Format JJJJ-MM-TT."
    ]


def test_an_unknown_nutzungsart_is_refused(tmp_path):
    text = rows(EINHEITEN, "1000;0001;01;001;Büro 1;Büro;EG;40;")
    export = make_export(tmp_path / "export", einheiten_csv=text)

    assert rendered(validate_export(export)) == [
        "einheiten.csv, Zeile 2, Spalte nutzungsart: „Büro“ ist keine erlaubte Nutzungsart; "
        "erlaubt sind Wohnung, Gewerbe, Stellplatz, Garage, Lager und Sonstiges."
    ]


def test_an_unknown_anrede_is_refused(tmp_path):
    text = rows(MIETER, "1000;40001;Hr.;;Peter;Müller;;;;;;;;", "1000;40002;;;Anna;Müller;;;;;;;;")
    export = make_export(tmp_path / "export", mieter_csv=text)

    assert rendered(validate_export(export)) == [
        "mieter.csv, Zeile 2, Spalte anrede: „Hr.“ ist keine erlaubte Anrede; erlaubt sind "
        "Herr, Frau, Divers, Firma oder ein leeres Feld."
    ]


def test_freigegeben_is_one_or_zero(tmp_path):
    documents = str(VALID["dokumente.csv"])
    export = make_export(
        tmp_path / "export",
        dokumente_csv=documents.replace("Mietverträge;;1;", "Mietverträge;;ja;"),
    )

    assert rendered(validate_export(export)) == [
        "dokumente.csv, Zeile 2, Spalte freigegeben: „ja“ ist kein erlaubter Wert; erlaubt "
        "sind 1 und 0."
    ]


def test_not_released_documents_are_read_as_not_released(tmp_path):
    documents = str(VALID["dokumente.csv"])
    export = make_export(
        tmp_path / "export",
        dokumente_csv=documents.replace("Mietverträge;;1;", "Mietverträge;;0;"),
    )

    document = of_type(read_all(export, UseCase.DOKUMENTE), Dokument)[0]

    assert document.freigegeben is False


def test_an_empty_person_number_in_the_list_is_refused(tmp_path):
    text = rows(MV, "1000;MV-0001;0001;01;001;40001,,40002;2019-04-01;")
    export = make_export(tmp_path / "export", mietvertraege_csv=text)

    assert rendered(validate_export(export)) == [
        "mietvertraege.csv, Zeile 2, Spalte person_nrs: „40001,,40002“ ist keine Liste von "
        "Personennummern; die Nummern werden durch Kommas getrennt, keine darf leer sein."
    ]


# --- keys -----------------------------------------------------------------------------------


def test_a_duplicate_key_names_both_lines(tmp_path):
    # given: MV-0001 on line 2 and on line 4
    text = rows(
        MV,
        "1000;MV-0001;0001;01;001;40001;2019-04-01;",
        "1000;MV-0002;0001;01;002;40002;2020-01-01;",
        "1000;MV-0001;0001;01;002;40002;2021-01-01;",
    )
    export = make_export(tmp_path / "export", mietvertraege_csv=text)

    # when
    report = validate_export(export)

    # then
    assert not report.valid
    assert rendered(report) == [
        "mietvertraege.csv, Zeilen 2 und 4: Der Schlüssel 1000/MV-0001 kommt doppelt vor."
    ]
    finding = report.findings[0]
    assert (finding.line, finding.other_line, finding.problem_code) == (4, 2, "duplicate_key")


def test_the_same_number_in_two_mandanten_is_no_duplicate(tmp_path):
    export = make_export(
        tmp_path / "export",
        mandanten_csv="mandant_nr;name\n1000;A\n2000;B\n",
        wirtschaftseinheiten_csv="mandant_nr;we_nr;bezeichnung\n1000;0001;A\n2000;0001;B\n",
    )

    assert validate_export(export).valid


# --- references -----------------------------------------------------------------------------


def test_a_broken_reference_skips_the_record_and_what_depends_on_it(tmp_path):
    # given: unit 003 lies in building 09, which does not exist; a contract is on that unit
    units = rows(
        EINHEITEN,
        "1000;0001;01;001;Wohnung 1;Wohnung;EG;61,5;2",
        "1000;0001;01;002;Wohnung 2;Wohnung;1. OG;74;3",
        "1000;0001;09;003;Wohnung 3;Wohnung;2. OG;80;3",
    )
    contracts = rows(
        MV,
        "1000;MV-0001;0001;01;001;40001,40002;2019-04-01;",
        "1000;MV-0003;0001;09;003;40001;2020-01-01;",
    )
    export = make_export(tmp_path / "export", einheiten_csv=units, mietvertraege_csv=contracts)

    # when
    report = validate_export(export)
    items = read_all(export)

    # then: the export is valid; both records are reported and skipped
    assert report.valid
    assert rendered(report) == [
        "einheiten.csv, Zeile 4, Spalte gebaeude_nr: Das Gebäude 1000/0001/09 gibt es nicht in "
        "gebaeude.csv.",
        "mietvertraege.csv, Zeile 3, Spalte einheit_nr: Die Einheit 1000/0001/09/003 wird "
        "selbst übersprungen (einheiten.csv, Zeile 4).",
    ]
    assert {finding.severity for finding in report.findings} == {"record"}
    assert report.files["einheiten.csv"].broken == 1
    problems = of_type(items, RecordProblem)
    assert problems == [
        RecordProblem(
            "einheit",
            ("einheit", "1000", "0001", "09", "003"),
            "missing_reference",
            "Das Gebäude 1000/0001/09 gibt es nicht in gebaeude.csv.",
            "einheiten.csv:4",
        ),
        RecordProblem(
            "vertrag",
            ("vertrag", "1000", "mietvertrag", "MV-0003"),
            "missing_reference",
            "Die Einheit 1000/0001/09/003 wird selbst übersprungen (einheiten.csv, Zeile 4).",
            "mietvertraege.csv:3",
        ),
    ]
    # in place of the record, in dependency order
    assert [type(item).__name__ for item in items[3:7]] == [
        "Einheit",
        "Einheit",
        "RecordProblem",
        "Person",
    ]


def test_contract_persons_must_exist_in_the_matching_person_file(tmp_path):
    # given: the owner contract names a Mieter, not an Eigentümer
    contracts = rows(
        str(VALID["eigentuemervertraege.csv"]),
        "1000;EV-0001;0001;01;001;50001;2001-01-01;",
        "1000;EV-0002;0001;01;002;40001;2001-01-01;",
    )
    export = make_export(tmp_path / "export", eigentuemervertraege_csv=contracts)

    report = validate_export(export)

    assert report.valid
    assert rendered(report) == [
        "eigentuemervertraege.csv, Zeile 3, Spalte person_nrs: Den Eigentümer 1000/40001 gibt "
        "es nicht in eigentuemer.csv."
    ]


def test_a_reference_to_an_unknown_mandant_is_broken(tmp_path):
    export = make_export(
        tmp_path / "export",
        wirtschaftseinheiten_csv="mandant_nr;we_nr;bezeichnung\n1000;0001;A\n1000;0002;B\n9000;0001;C\n",
    )

    assert rendered(validate_export(export)) == [
        "wirtschaftseinheiten.csv, Zeile 4, Spalte mandant_nr: Den Mandanten 9000 gibt es "
        "nicht in mandanten.csv."
    ]


def test_more_than_half_broken_makes_the_file_invalid(tmp_path):
    # given: two of three buildings lie in a WE that does not exist
    export = make_export(
        tmp_path / "export",
        gebaeude_csv=(
            "mandant_nr;we_nr;gebaeude_nr;strasse;hausnummer;plz;ort\n"
            "1000;0001;01;Lindenstraße;12;50667;Köln\n"
            "1000;0007;01;Lindenstraße;14;50667;Köln\n"
            "1000;0007;02;Lindenstraße;16;50667;Köln\n"
        ),
        einheiten_csv=rows(EINHEITEN, "1000;0001;01;001;Wohnung 1;Wohnung;EG;61,5;2"),
    )

    # when
    report = validate_export(export)

    # then
    assert not report.valid
    assert [finding.render_de() for finding in report.errors] == [
        "gebaeude.csv: 2 von 3 Zeilen verweisen auf etwas, das es nicht gibt; bei mehr als der "
        "Hälfte ist die Datei ungültig."
    ]
    assert len(report.record_findings) == 2
    with pytest.raises(InvalidExport):
        read_all(export)


def test_exactly_half_broken_is_still_valid(tmp_path):
    export = make_export(
        tmp_path / "export",
        gebaeude_csv=(
            "mandant_nr;we_nr;gebaeude_nr;strasse;hausnummer;plz;ort\n"
            "1000;0001;01;Lindenstraße;12;50667;Köln\n"
            "1000;0007;01;Lindenstraße;14;50667;Köln\n"
        ),
    )

    report = validate_export(export)

    assert report.valid
    assert len(report.record_findings) == 1


def test_a_document_whose_file_is_missing_is_a_broken_reference(tmp_path):
    documents = rows(
        str(VALID["dokumente.csv"]),
        "1000;D-1;2;Mietvertrag;dokumente/mv-0001.pdf;;;;;;1;0001;;;;",
        "1000;D-2;2;Übergabeprotokoll;dokumente/fehlt.pdf;;;;;;1;0001;;;;",
        "1000;D-3;2;Hausordnung;dokumente/mv-0001.pdf;;;;;;1;0001;;;;",
    )
    export = make_export(tmp_path / "export", dokumente_csv=documents)

    report = validate_export(export)
    items = read_all(export, UseCase.DOKUMENTE)

    assert report.valid
    assert rendered(report) == [
        "dokumente.csv, Zeile 3, Spalte datei: Die Datei dokumente/fehlt.pdf gibt es nicht im "
        "Export."
    ]
    assert [item.key for item in items if isinstance(item, RecordProblem)] == [
        ("dokument", "1000", "D-2")
    ]


def test_a_document_path_outside_the_export_is_refused(tmp_path):
    documents = rows(str(VALID["dokumente.csv"]), "1000;D-1;2;Geheim;../geheim.pdf;;;;;;1;0001;;;;")
    export = make_export(tmp_path / "export", dokumente_csv=documents)

    assert rendered(validate_export(export)) == [
        "dokumente.csv, Zeile 2, Spalte datei: „../geheim.pdf“ ist kein Pfad innerhalb des "
        "Exports; erlaubt sind relative Pfade mit „/“ als Trennzeichen."
    ]


def test_a_document_in_a_missing_folder_is_a_broken_reference(tmp_path):
    documents = rows(
        str(VALID["dokumente.csv"]),
        "1000;D-1;2;Mietvertrag;dokumente/mv-0001.pdf;;;;;;1;0001;;;;",
        "1000;D-2;77;Protokoll;dokumente/mv-0001.pdf;;;;;;1;0001;;;;",
    )
    export = make_export(tmp_path / "export", dokumente_csv=documents)

    assert rendered(validate_export(export)) == [
        "dokumente.csv, Zeile 3, Spalte ordner_id: Den Ordner 1000/77 gibt es nicht in ordner.csv."
    ]


def test_folders_with_a_missing_parent_or_in_a_cycle_are_broken(tmp_path):
    # given: 9's parent is missing, 5 and 6 are each other's parent, 7 lies under 6
    folders = (
        "mandant_nr;ordner_id;parent_id;name\n"
        "1000;1;;Objekte\n1000;2;1;Mietverträge\n1000;3;1;Protokolle\n1000;4;3;2024\n"
        "1000;9;99;Verwaist\n1000;5;6;A\n1000;6;5;B\n1000;7;6;C\n"
    )
    export = make_export(tmp_path / "export", ordner_csv=folders)

    report = validate_export(export)
    items = read_all(export, UseCase.DOKUMENTE)

    assert report.valid  # 4 of 8 rows: not more than half
    assert rendered(report) == [
        "ordner.csv, Zeile 6, Spalte parent_id: Den übergeordneten Ordner 1000/99 gibt es nicht "
        "in ordner.csv.",
        "ordner.csv, Zeile 7, Spalte parent_id: Der Ordner 1000/5 liegt über seine "
        "übergeordneten Ordner in sich selbst.",
        "ordner.csv, Zeile 8, Spalte parent_id: Der Ordner 1000/6 liegt über seine "
        "übergeordneten Ordner in sich selbst.",
        "ordner.csv, Zeile 9, Spalte parent_id: Der übergeordnete Ordner 1000/6 wird selbst "
        "übersprungen (ordner.csv, Zeile 8).",
    ]
    assert [item.key[2] for item in items if isinstance(item, RecordProblem)] == [
        "9",
        "5",
        "6",
        "7",
    ]


def test_folders_come_parents_first_whatever_the_file_order(tmp_path):
    # given: children before their parents
    folders = (
        "mandant_nr;ordner_id;parent_id;name\n"
        "1000;4;3;2024\n1000;2;1;Mietverträge\n1000;3;1;Protokolle\n1000;1;;Objekte\n"
    )
    export = make_export(tmp_path / "export", ordner_csv=folders)

    items = read_all(export, UseCase.DOKUMENTE)

    assert [item.ordner_id for item in of_type(items, Ordner)] == ["1", "2", "3", "4"]
    assert isinstance(items[-1], Dokument)


# --- files and containers -----------------------------------------------------------------


def test_a_missing_file_is_refused(tmp_path):
    export = make_export(tmp_path / "export", gebaeude_csv=None)

    report = validate_export(export)

    assert not report.valid
    assert rendered(report) == ["gebaeude.csv: Die Datei fehlt; sie wird für Stammdaten gebraucht."]
    assert report.files["gebaeude.csv"].present is False


def test_ordner_and_dokumente_are_only_needed_for_dokumente(tmp_path):
    # given: an export with master data only
    export = make_export(tmp_path / "export", ordner_csv=None, dokumente_csv=None)

    # when
    report = validate_export(export)

    # then: valid for Stammdaten, refused for Dokumente
    assert report.valid
    assert report.use_cases == ["stammdaten"]
    assert len(read_all(export)) == 11
    with pytest.raises(InvalidExport) as refused:
        read_all(export, UseCase.DOKUMENTE)
    assert [finding.render_de() for finding in refused.value.report.errors] == [
        "ordner.csv: Die Datei fehlt; sie wird für Dokumente gebraucht.",
        "dokumente.csv: Die Datei fehlt; sie wird für Dokumente gebraucht.",
    ]


def test_unknown_files_are_ignored(tmp_path):
    export = make_export(tmp_path / "export", extra={"liesmich.txt": "Export vom 1.11.2026"})

    assert validate_export(export).valid


def test_a_zip_and_a_directory_read_the_same(tmp_path):
    directory = make_export(tmp_path / "export")
    archive = zip_directory(directory, tmp_path / "export.zip")
    nested = zip_directory(directory, tmp_path / "nested.zip", folder="export/")

    for path in (archive, nested):
        assert validate_export(path).valid
        for use_case in UseCase:
            assert read_all(path, use_case) == read_all(directory, use_case)
    with FileConnector(archive) as connector:
        document = of_type(list(connector.read(UseCase.DOKUMENTE, mandanten=["1000"])), Dokument)[0]
        with document.open() as stream:
            assert stream.read() == PDF


def test_an_invalid_zip_reports_each_problem(tmp_path):
    directory = make_export(
        tmp_path / "export", einheiten_csv=rows(EINHEITEN, "1000;0001;01;001;;Büro;;;")
    )
    archive = zip_directory(directory, tmp_path / "export.zip")

    assert rendered(validate_export(archive)) == [
        "einheiten.csv, Zeile 2, Spalte nutzungsart: „Büro“ ist keine erlaubte Nutzungsart; "
        "erlaubt sind Wohnung, Gewerbe, Stellplatz, Garage, Lager und Sonstiges."
    ]


def test_a_path_that_is_neither_directory_nor_zip_is_refused(tmp_path):
    not_zip = tmp_path / "export.zip"
    not_zip.write_text("kein zip")

    assert rendered(validate_export(tmp_path / "fehlt")) == [
        f"fehlt: Den ERP-Export {tmp_path / 'fehlt'} gibt es nicht."
    ]
    assert rendered(validate_export(not_zip)) == [
        "export.zip: export.zip ist weder ein Verzeichnis noch ein ZIP-Archiv; ein ERP-Export "
        "ist eines von beiden."
    ]
    with pytest.raises(InvalidExport):
        FileConnector(not_zip).list_mandanten()


# --- refusing and the report ----------------------------------------------------------------


def test_an_invalid_export_is_refused_before_anything_is_read(tmp_path):
    # given: the error is in the last file; everything before it is fine
    text = rows(MV, "1000;MV-0001;0001;01;001;40001;01.04.2019;")
    export = make_export(tmp_path / "export", mietvertraege_csv=text)

    # when / then: read() itself refuses, no record is ever yielded
    with FileConnector(export) as connector, pytest.raises(InvalidExport) as refused:
        connector.read(UseCase.STAMMDATEN, mandanten=["1000"])
    assert "mietvertraege.csv, Zeile 2, Spalte beginn" in str(refused.value)


def test_a_read_is_complete_only_after_it_was_exhausted(tmp_path):
    export = make_export(tmp_path / "export")

    with FileConnector(export) as connector:
        read = connector.read(UseCase.STAMMDATEN, mandanten=["1000"])
        iterator = iter(read)
        next(iterator)
        assert read.complete is False
        list(iterator)
        assert read.complete is True


def test_the_report_renders_for_people_and_round_trips_through_json(tmp_path):
    text = rows(
        EINHEITEN,
        "1000;0001;01;001;Wohnung 1;Wohnung;EG;abc;2",
        "1000;0001;09;002;Wohnung 2;Wohnung;EG;50;2",
        "1000;0001;01;003;Wohnung 3;Wohnung;EG;50;2",
    )
    export = make_export(tmp_path / "export", einheiten_csv=text, ordner_csv=None)

    report = validate_export(export)
    restored = ValidationReport.from_json(report.to_json())

    assert restored == report
    assert json.loads(report.to_json())["valid"] is False
    assert report.render_de().splitlines()[:8] == [
        "Der ERP-Export ist ungültig (Stammdaten, Dokumente): 2 Fehler. Aus ihm wird nichts "
        "synchronisiert.",
        "",
        "Fehler:",
        "- einheiten.csv, Zeile 2, Spalte wohnflaeche: „abc“ ist keine Zahl.",
        "- ordner.csv: Die Datei fehlt; sie wird für Dokumente gebraucht.",
        "",
        "Datensätze mit fehlerhaften Verweisen (werden übersprungen):",
        "- einheiten.csv, Zeile 3, Spalte gebaeude_nr: Das Gebäude 1000/0001/09 gibt es nicht "
        "in gebaeude.csv.",
    ]
    assert "- einheiten.csv: 3 Zeilen, 1 Fehler, 1 mit fehlerhaften Verweisen" in (
        report.render_de()
    )


def test_many_findings_of_a_file_are_counted_not_all_listed(tmp_path):
    lines = [f"1000;0001;01;{n:03d};Wohnung;Wohnung;EG;abc;2" for n in range(1, 251)]
    export = make_export(tmp_path / "export", einheiten_csv=rows(EINHEITEN, *lines))

    report = validate_export(export)

    assert len(report.findings) == 200
    assert report.omitted == {"einheiten.csv": 50}
    assert report.files["einheiten.csv"].errors == 250
    assert "- einheiten.csv: 50 weitere Befunde, nicht einzeln aufgeführt." in report.render_de()
