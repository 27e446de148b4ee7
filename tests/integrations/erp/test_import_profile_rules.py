"""The rules an import profile expresses for the common layouts of German housing ERPs: a row
filter (one person list feeds tenants and owners), honest encodings, title rows above the
header, a split transform, a code table, and keys that keep their leading zeros."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from integrations.erp.file.reader import FileConnector
from integrations.erp.file.validator import validate_export
from integrations.erp.profiles import ImportProfile, ProfileError
from integrations.erp.profiles.profile import unique_headers
from integrations.erp.profiles.suggest import csv_headers
from integrations.erp.records import Anrede, Person
from integrations.usecases import UseCase
from tests.integrations.erp.exports import VALID, make_export

PERSON_COLUMNS = [
    *("mandant_nr", "person_nr", "anrede", "titel", "vorname", "nachname", "firma", "email"),
    *("telefon", "mobil", "strasse", "hausnummer", "plz", "ort"),
]
STAMMDATEN = (
    *("mandanten.csv", "wirtschaftseinheiten.csv", "gebaeude.csv", "einheiten.csv"),
    *("mieter.csv", "eigentuemer.csv", "mietvertraege.csv", "eigentuemervertraege.csv"),
)
CONTRACT_COLUMNS = [
    *("mandant_nr", "vertrag_nr", "we_nr", "gebaeude_nr", "einheit_nr", "person_nrs"),
    *("beginn", "ende"),
]


def v1_rows(name: str) -> list[list[str]]:
    text = VALID[name]
    assert isinstance(text, str)
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def same_columns(name: str, header: list[str]) -> dict[str, Any]:
    return {"source": name, "fields": {column: {"column": column} for column in header}}


def records(path: Path, profile: ImportProfile | None) -> list[object]:
    with FileConnector(path, profile=profile) as connector:
        return list(connector.read(UseCase.STAMMDATEN, mandanten=("1000",)))


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8") -> None:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def base_profile(directory: Path) -> dict[str, Any]:
    """A CSV profile reading the unchanged v1 files of ``directory`` for the objects."""
    entities: dict[str, Any] = {}
    for name in ("mandanten.csv", "wirtschaftseinheiten.csv", "gebaeude.csv", "einheiten.csv"):
        entities[name] = same_columns(name, v1_rows(name)[0])
    return {"name": "Regeln", "format": "csv", "delimiter": ";", "entities": entities}


# --- 1. a row filter: one person list, one contract list ------------------------------------


def role_layout(directory: Path) -> dict[str, Any]:
    """personen.csv with a column Rolle, vertraege.csv with a column Vertragsart."""
    make_export(directory)
    persons = [["Rolle", *PERSON_COLUMNS]]
    persons += [["Mieter", *row] for row in v1_rows("mieter.csv")[1:]]
    persons += [["Eigentümer", *row] for row in v1_rows("eigentuemer.csv")[1:]]
    write_csv(directory / "personen.csv", persons)
    contracts = [["Vertragsart", *CONTRACT_COLUMNS]]
    contracts += [["Mietvertrag", *row] for row in v1_rows("mietvertraege.csv")[1:]]
    contracts += [["Eigentum", *row] for row in v1_rows("eigentuemervertraege.csv")[1:]]
    write_csv(directory / "vertraege.csv", contracts)
    profile = base_profile(directory)
    for name, source, column, value in (
        ("mieter.csv", "personen.csv", "Rolle", "Mieter"),
        ("eigentuemer.csv", "personen.csv", "Rolle", "Eigentümer"),
        ("mietvertraege.csv", "vertraege.csv", "Vertragsart", "Mietvertrag"),
        ("eigentuemervertraege.csv", "vertraege.csv", "Vertragsart", "Eigentum"),
    ):
        columns = PERSON_COLUMNS if source == "personen.csv" else CONTRACT_COLUMNS
        profile["entities"][name] = {
            **same_columns(source, columns),
            "filter": [{"column": column, "equals": value}],
        }
    return profile


def test_a_person_list_and_a_contract_list_with_type_columns_give_exactly_export_v1(tmp_path):
    # given: the very data of a v1 export, with persons and contracts each in one list
    v1 = make_export(tmp_path / "v1")
    definition = role_layout(tmp_path / "eigen")
    profile = ImportProfile.from_dict(definition)
    # when: both are read
    through_profile = records(tmp_path / "eigen", profile)
    # then: the very same records (a tenant stays a tenant, a rental contract stays one)
    assert through_profile == records(v1, None)
    assert validate_export(tmp_path / "eigen", profile=profile).valid


def test_a_filter_can_combine_conditions_and_test_for_empty_cells(tmp_path):
    definition = role_layout(tmp_path / "eigen")
    persons = (tmp_path / "eigen" / "personen.csv").read_text(encoding="utf-8").splitlines()
    # a former tenant (with an end date of the role) is left out by a second condition
    persons[0] += ";Ausgezogen"
    persons[1:] = [line + ";" for line in persons[1:]]
    persons[1] = persons[1][:-1] + ";ja"
    (tmp_path / "eigen" / "personen.csv").write_text("\n".join(persons) + "\n", encoding="utf-8")
    definition["entities"]["mieter.csv"]["filter"] = [
        {"column": "Rolle", "one_of": ["Mieter", "Untermieter"]},
        {"column": "Ausgezogen", "empty": True},
    ]
    profile = ImportProfile.from_dict(definition)
    report = validate_export(tmp_path / "eigen", profile=profile)
    # the contract of 40001 now refers to a person the filter left out: a broken reference
    assert [(f.file, f.line, f.column) for f in report.record_findings] == [
        ("vertraege.csv", 2, "person_nrs")
    ]
    assert report.files["personen.csv (für mieter.csv)"].rows == 1


def test_one_source_feeding_tenants_and_owners_without_a_separating_filter_is_refused(tmp_path):
    definition = role_layout(tmp_path / "eigen")
    del definition["entities"]["eigentuemer.csv"]["filter"]
    with pytest.raises(ProfileError) as refused:
        ImportProfile.from_dict(definition)
    assert str(refused.value) == (
        "mieter.csv und eigentuemer.csv lesen dieselben Personen aus „personen.csv“: Ohne "
        "einen Zeilenfilter, der beide trennt (z. B. Spalte „Rolle“ = „Mieter“ bzw. "
        "„Eigentümer“), würde jede Zeile zu beidem. Bitte legen Sie für beide Dateien einen "
        "Zeilenfilter an."
    )
    # filters that overlap do not separate either
    definition["entities"]["eigentuemer.csv"]["filter"] = [{"column": "Rolle", "not_empty": True}]
    with pytest.raises(ProfileError, match=r"mieter\.csv und eigentuemer\.csv"):
        ImportProfile.from_dict(definition)
    # the same for contracts
    definition = role_layout(tmp_path / "eigen2")
    definition["entities"]["eigentuemervertraege.csv"]["filter"] = [
        {"column": "Vertragsart", "one_of": ["Eigentum", "Mietvertrag"]}
    ]
    with pytest.raises(ProfileError, match=r"dieselben Verträge aus „vertraege\.csv“"):
        ImportProfile.from_dict(definition)


# --- 2. encodings, decided on the whole file --------------------------------------------------


def tenants_profile(directory: Path, *, encoding: str = "auto") -> ImportProfile:
    definition = base_profile(directory)
    definition["encoding"] = encoding
    definition["entities"]["mieter.csv"] = same_columns("personen.csv", PERSON_COLUMNS)
    for name in ("eigentuemer.csv", "mietvertraege.csv", "eigentuemervertraege.csv"):
        definition["entities"][name] = {"empty": True}
    return ImportProfile.from_dict(definition)


def many_tenants(last_name: str, count: int = 2000) -> list[list[str]]:
    rows = [PERSON_COLUMNS]
    for number in range(count):
        rows.append(["1000", f"{40000 + number}", "Herr", "", "Max", "Mustermann"] + [""] * 8)
    rows.append(["1000", "49999", "Herr", "", "Jürgen", last_name] + [""] * 8)
    return rows


def test_a_windows_1252_file_whose_first_umlaut_is_after_64_kb_reads_right(tmp_path):
    directory = make_export(tmp_path / "eigen")
    write_csv(directory / "personen.csv", many_tenants("Weiß"), encoding="cp1252")
    assert (directory / "personen.csv").read_bytes().find("ß".encode("cp1252")) > 64 * 1024
    profile = tenants_profile(directory)
    report = validate_export(directory, profile=profile)
    assert report.valid, report.render_de()
    tenants = [r for r in records(directory, profile) if isinstance(r, Person)]
    assert len(tenants) == 2001
    assert (tenants[-1].vorname, tenants[-1].nachname) == ("Jürgen", "Weiß")


def tenants_at(offset: int, last_name: str, encoding: str) -> bytes:
    """A tenant list, plain ASCII up to byte ``offset``, where the last tenant's last name
    begins (its first name is padded to put it there)."""
    header = ";".join(PERSON_COLUMNS).encode("ascii") + b"\r\n"
    rows = [header]
    number = 40000
    while sum(map(len, rows)) < offset - 200:
        rows.append(f"1000;{number};Herr;;Max;Mustermann;;;;;;;;\r\n".encode("ascii"))
        number += 1
    start = f"1000;{number};Herr;;Anton".encode("ascii")
    padding = offset - sum(map(len, rows)) - len(start) - 1  # the ";" before the last name
    rows.append(start + b"o" * padding + b";")
    return b"".join(rows) + last_name.encode(encoding) + b";;;;;;;;\r\n"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
@pytest.mark.parametrize("shift", [-1, 0, 1])
def test_an_umlaut_at_the_edge_of_a_64_kb_chunk_reads_right(tmp_path, encoding, shift):
    # given: plain ASCII, then "Weiß" whose "ß" is the last byte of the first 64 KB, the first
    # of the next or just before (in UTF-8 its two bytes may straddle the edge)
    directory = make_export(tmp_path / "eigen")
    data = tenants_at(64 * 1024 - 3 + shift, "Weiß", encoding)
    assert data.find("ß".encode(encoding)) == 64 * 1024 + shift
    (directory / "personen.csv").write_bytes(data)
    profile = tenants_profile(directory)
    # then: valid, and the name reads as written
    report = validate_export(directory, profile=profile)
    assert report.valid, report.render_de()
    tenants = [r for r in records(directory, profile) if isinstance(r, Person)]
    assert tenants[-1].nachname == "Weiß"
    assert tenants[-1].vorname.startswith("Anton")


def test_a_byte_the_encoding_cannot_decode_is_reported_never_replaced(tmp_path):
    directory = make_export(tmp_path / "eigen")
    rows = many_tenants("Müller", count=3)
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(rows)
    # UTF-8 with umlauts first, then a line saved as Windows-1252
    data = text.getvalue().encode("utf-8") + "1000;50000;Frau;;Anna;Weiß".encode("cp1252")
    (directory / "personen.csv").write_bytes(data + b";;;;;;;;\r\n")
    report = validate_export(directory, profile=tenants_profile(directory))
    assert not report.valid
    assert [(f.file, f.line, f.problem_code) for f in report.errors] == [
        ("personen.csv", 6, "encoding")
    ]
    assert report.errors[0].message_de == (
        "Ab dieser Zeile ist die Datei nicht mehr UTF-8 (Byte 0xDF); davor steht UTF-8 mit "
        "Umlauten. Bitte speichern Sie die Datei in einer Zeichenkodierung."
    )
    # a chosen encoding is decoded strictly as well
    report = validate_export(directory, profile=tenants_profile(directory, encoding="utf-8"))
    assert [(f.line, f.problem_code) for f in report.errors] == [(6, "encoding")]
    assert "0xDF" in report.errors[0].message_de


# --- 3. title rows above the header -----------------------------------------------------------


def test_title_rows_above_the_header_are_skipped_found_or_by_number(tmp_path):
    v1 = make_export(tmp_path / "v1")
    directory = make_export(tmp_path / "eigen")
    rows = v1_rows("mieter.csv")
    titled = [["Musterstadt Wohnen GmbH"], ["Mieterliste vom 01.12.2026"], [], *rows]
    write_csv(directory / "personen.csv", titled)
    write_csv(v1 / "personen.csv", rows)
    expected = records(v1, tenants_profile(v1))
    profile = tenants_profile(directory)
    assert records(directory, profile) == expected
    # a finding names the customer's line (the header stands in line 4)
    broken = [*titled, ["1000", "40003", "Herr", "", "Ohne", ""] + [""] * 8]
    write_csv(directory / "personen.csv", broken)
    report = validate_export(directory, profile=profile)
    assert [(f.file, f.line) for f in report.errors] == [("personen.csv", 7)]
    # by number
    write_csv(directory / "personen.csv", titled)
    definition = profile.to_dict()
    definition["entities"]["mieter.csv"]["header_row"] = 4
    assert records(directory, ImportProfile.from_dict(definition)) == expected


# --- 4. split and code table ------------------------------------------------------------------


def flat_tenants(directory: Path, names: list[str], codes: list[str]) -> ImportProfile:
    make_export(directory)
    rows = [["Pers.-Nr.", "Mieter", "Anrede"]]
    rows += [
        [f"{40001 + n}", name, code]
        for n, (name, code) in enumerate(zip(names, codes, strict=True))
    ]
    write_csv(directory / "personen.csv", rows, encoding="cp1252")
    definition = base_profile(directory)
    definition["encoding"] = "cp1252"
    definition["entities"]["mieter.csv"] = {
        "source": "personen.csv",
        "fields": {
            "mandant_nr": {"constant": "1000"},
            "person_nr": {"column": "Pers.-Nr."},
            "nachname": {"column": "Mieter", "split": {"separator": ",", "part": 1}},
            "vorname": {"column": "Mieter", "split": {"separator": ",", "part": 2}},
            "anrede": {"column": "Anrede", "codes": {"1": "Herr", "2": "Frau", "Hr.": "Herr"}},
        },
    }
    for name in ("eigentuemer.csv", "mietvertraege.csv", "eigentuemervertraege.csv"):
        definition["entities"][name] = {"empty": True}
    return ImportProfile.from_dict(definition)


def test_a_name_as_nachname_comma_vorname_is_split_and_codes_are_translated(tmp_path):
    directory = tmp_path / "eigen"
    profile = flat_tenants(directory, ["Weiß, Jürgen", "Müller,Anna"], ["1", "2"])
    tenants = [r for r in records(directory, profile) if isinstance(r, Person)]
    shown = [(t.nachname, t.vorname, t.anrede) for t in tenants]
    assert shown == [("Weiß", "Jürgen", Anrede.HERR), ("Müller", "Anna", Anrede.FRAU)]


def test_a_value_that_does_not_split_and_an_unknown_code_are_findings(tmp_path):
    directory = tmp_path / "eigen"
    profile = flat_tenants(directory, ["Weiß, Jürgen", "Rheinblick eG"], ["Hr.", "Fa."])
    report = validate_export(directory, profile=profile)
    assert [f.render_de() for f in report.errors] == [
        "personen.csv, Zeile 3, Spalte Anrede: Der Code „Fa.“ steht nicht in der Codetabelle "
        "des Importprofils (bekannt: „1“, „2“, „Hr.“). (Importprofil „Regeln“, Feld anrede von "
        "mieter.csv)",
        "personen.csv, Zeile 3, Spalte Mieter (Teil 2): „Rheinblick eG“ lässt sich nicht am "
        "Trennzeichen „,“ in 2 Teile trennen. (Importprofil „Regeln“, Feld vorname von "
        "mieter.csv)",
        "personen.csv, Zeile 3, Spalte Mieter (Teil 1): „Rheinblick eG“ lässt sich nicht am "
        "Trennzeichen „,“ in 2 Teile trennen. (Importprofil „Regeln“, Feld nachname von "
        "mieter.csv)",
    ]
    # a company without a first name: the whole value is the name
    definition = profile.to_dict()
    fields = definition["entities"]["mieter.csv"]["fields"]
    fields["nachname"]["split"]["whole_in_first"] = True
    fields["vorname"]["split"]["whole_in_first"] = True
    fields["anrede"]["codes"]["Fa."] = "Firma"
    report = validate_export(directory, profile=ImportProfile.from_dict(definition))
    assert report.valid, report.render_de()


# --- 5. keys as the customer sees them --------------------------------------------------------


def padded_units_profile(
    tmp_path: Path, more_units: int = 0
) -> tuple[Path, dict[str, Any], list[str]]:
    """A workbook whose unit sheet holds the keys as number cells formatted with zeros (and
    ``more_units`` units 003, 004, …), and a profile reading it for the Mandant and the
    units."""
    from openpyxl import Workbook

    directory = make_export(tmp_path / "eigen")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Einheiten"
    header = v1_rows("einheiten.csv")[0]
    sheet.append(header)
    for row in v1_rows("einheiten.csv")[1:]:
        cells: list[object] = [int(value) if value.isdigit() else value for value in row]
        cells[7] = float(row[7].replace(",", ".")) if row[7] else None
        sheet.append(cells)
    for number in range(3, 3 + more_units):
        sheet.append([1000, 1, 1, number, f"Wohnung {number}", "Wohnung", "", None, None])
    for line in range(2, sheet.max_row + 1):
        sheet.cell(line, 2).number_format = "0000"  # we_nr 0001
        sheet.cell(line, 3).number_format = "00"  # gebaeude_nr 01
        sheet.cell(line, 4).number_format = "000"  # einheit_nr 001
    workbook.save(directory / "bestand.xlsx")
    definition = tenants_profile(directory).to_dict()
    definition["format"] = "xlsx"
    definition["workbook"] = "bestand.xlsx"
    definition["entities"] = {
        name: {"empty": True} for name in definition["entities"] if name != "mandanten.csv"
    }
    definition["entities"]["mandanten.csv"] = {
        "source": "Einheiten",
        "fields": {"mandant_nr": {"column": "mandant_nr"}, "name": {"constant": "Musterstadt"}},
        "distinct": True,
    }
    definition["entities"]["einheiten.csv"] = same_columns("Einheiten", header)
    return directory, definition, header


def test_number_cells_formatted_with_zeros_keep_them(tmp_path):
    directory, definition, _header = padded_units_profile(tmp_path)
    profile = ImportProfile.from_dict(definition)
    with FileConnector(directory, profile=profile) as connector:
        table = list(connector.container.open("einheiten.csv").read().decode().splitlines())
    assert [line.split(";")[:4] for line in table[1:]] == [
        row[:4] for row in v1_rows("einheiten.csv")[1:]
    ]
    assert table[1].startswith("1000;0001;01;001;")


def test_a_filter_on_a_number_cell_formatted_with_zeros_sees_the_zeros(tmp_path):
    # given: units whose numbers are number cells shown as 001, 002, 900, 003 … 042, filtered
    # by them (more rows than the search for the header reads)
    directory, definition, _header = padded_units_profile(tmp_path, more_units=40)
    definition["entities"]["einheiten.csv"]["filter"] = [
        {"column": "einheit_nr", "one_of": ["001", "900", "040"]}
    ]
    profile = ImportProfile.from_dict(definition)
    with FileConnector(directory, profile=profile) as connector:
        table = list(connector.container.open("einheiten.csv").read().decode().splitlines())
    # then: the filter compares the numbers as Excel shows them
    assert [line.split(";")[3] for line in table[1:]] == ["001", "900", "040"]


def test_padded_cells_are_found_whatever_the_order_of_their_attributes(tmp_path):
    import re
    import zipfile

    from openpyxl import Workbook as Writer

    from integrations.erp.profiles.workbook import Workbook

    # given: a workbook whose numbers show with four digits ("0000"), written by a program
    # that puts a cell's style before its reference (and styles a row, too)
    writer = Writer()
    sheet = writer.active
    sheet.title = "Einheiten"
    sheet.append(["einheit_nr", "anzahl"])
    sheet.append([1, 7])
    sheet.append([2, 8])
    for row in (2, 3):
        sheet.cell(row=row, column=1).number_format = "0000"
    written = tmp_path / "written.xlsx"
    writer.save(written)
    path = tmp_path / "reordered.xlsx"
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="([A-Z]+\d+)" s="(\d+)"', rb'<c s="\2" r="\1"', data)
                data = data.replace(b'<row r="3"', b'<row r="3" s="1" customFormat="1"')
                assert b'<c s="' in data
            target.writestr(item, data)

    # when
    with path.open("rb") as handle:
        workbook = Workbook(handle, "reordered.xlsx")
        rows = [texts for _, texts in workbook.rows("Einheiten")]
        workbook.close()

    # then
    assert rows == [["einheit_nr", "anzahl"], ["0001", "7"], ["0002", "8"]]


def test_a_text_cell_in_a_date_column_of_a_workbook_is_reported_as_such(tmp_path):
    from openpyxl import Workbook

    directory = make_export(tmp_path / "eigen")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Verträge"
    sheet.append(CONTRACT_COLUMNS)
    sheet.append(["1000", "MV-0001", "0001", "01", "001", "40001", "01.02.2020", None])
    workbook.save(directory / "bestand.xlsx")
    entities: dict[str, Any] = {name: {"empty": True} for name in STAMMDATEN}
    entities["mandanten.csv"] = {
        "source": "Verträge",
        "fields": {"mandant_nr": {"column": "mandant_nr"}, "name": {"constant": "Musterstadt"}},
        "distinct": True,
    }
    entities["mietvertraege.csv"] = same_columns("Verträge", CONTRACT_COLUMNS)
    profile = ImportProfile.from_dict(
        {"name": "Regeln", "format": "xlsx", "workbook": "bestand.xlsx", "entities": entities}
    )
    report = validate_export(directory, profile=profile)
    # (the contract's unit and tenant are not in this small workbook: a second finding)
    assert [f.render_de() for f in report.errors if f.problem_code == "invalid_date"] == [
        "bestand.xlsx > Verträge, Zeile 2, Spalte beginn: „01.02.2020“ ist kein Datum: Die Zelle "
        "enthält Text. Bitte formatieren Sie sie als Datum oder geben Sie im Importprofil das "
        "Datumsformat an (z. B. TT.MM.JJJJ)."
    ]


def test_a_finding_after_a_field_with_a_line_break_names_the_spreadsheet_row_too(tmp_path):
    directory = tmp_path / "eigen"
    names = ["Weiß, Jürgen\njun.", "Müller, Anna"]
    profile = flat_tenants(directory, names, ["1", "7"])
    report = validate_export(directory, profile=profile)
    # the second person starts in physical line 4; a spreadsheet shows it as row 3
    assert [f.render_de() for f in report.errors] == [
        "personen.csv, Zeile 4, Spalte Anrede: Der Code „7“ steht nicht in der Codetabelle des "
        "Importprofils (bekannt: „1“, „2“, „Hr.“). (Importprofil „Regeln“, Feld anrede von "
        "mieter.csv); in einer Tabellenkalkulation Zeile 3"
    ]


def test_a_key_that_lost_its_zeros_in_a_workbook_is_a_finding(tmp_path):
    from openpyxl import Workbook

    directory = make_export(tmp_path / "eigen")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Einheiten"
    header = v1_rows("einheiten.csv")[0]
    sheet.append(header)
    rows = v1_rows("einheiten.csv")[1:]
    for row in rows:
        sheet.append(row)
    sheet.cell(4, 4).value = 900  # a number as long as the other keys: nothing lost
    sheet.cell(3, 4).value = 2  # einheit_nr "002" typed as a number without a format
    workbook.save(directory / "bestand.xlsx")
    entities: dict[str, Any] = {name: {"empty": True} for name in STAMMDATEN}
    entities["mandanten.csv"] = {
        "source": "Einheiten",
        "fields": {"mandant_nr": {"column": "mandant_nr"}, "name": {"constant": "Musterstadt"}},
        "distinct": True,
    }
    entities["einheiten.csv"] = same_columns("Einheiten", header)
    profile = ImportProfile.from_dict(
        {"name": "Regeln", "format": "xlsx", "workbook": "bestand.xlsx", "entities": entities}
    )
    report = validate_export(directory, profile=profile)
    assert [f.render_de() for f in report.errors if f.problem_code == "lost_zeros"] == [
        "bestand.xlsx > Einheiten, Zeile 3, Spalte einheit_nr: Der Schlüssel „2“ hat vermutlich "
        "seine führenden Nullen verloren: andere Zeilen schreiben einheit_nr mit 3 Stellen (z. B. "
        "„002“). Bitte formatieren Sie die Spalte in Excel als Text oder mit dem Zahlenformat "
        "„000“ (Importprofil „Regeln“, einheiten.csv)."
    ]


def test_the_delimiter_is_detected_below_title_rows(tmp_path):
    v1 = make_export(tmp_path / "v1")
    write_csv(v1 / "personen.csv", v1_rows("mieter.csv"))
    directory = make_export(tmp_path / "eigen")
    out = io.StringIO()
    rows = [["Mieterliste"], [], *v1_rows("mieter.csv")]
    csv.writer(out, delimiter=",", lineterminator="\r\n").writerows(rows)
    (directory / "personen.csv").write_text(out.getvalue(), encoding="utf-8")
    definition = tenants_profile(directory).to_dict()
    definition["delimiter"] = None
    definition["entities"]["mieter.csv"] = same_columns("personen.csv", PERSON_COLUMNS)
    profile = ImportProfile.from_dict(definition)
    assert records(directory, profile) == records(v1, tenants_profile(v1))


# --- 6. a header that names a column twice ----------------------------------------------------


def test_a_header_naming_a_column_twice_reads_each_by_its_own_name(tmp_path):
    # given: a tenant list whose header says "strasse" twice: the tenant's own street, and at
    # the end the street of the building (as flat ERP reports do)
    v1 = make_export(tmp_path / "v1")
    write_csv(v1 / "personen.csv", v1_rows("mieter.csv"))
    directory = make_export(tmp_path / "eigen")
    rows = v1_rows("mieter.csv")
    doubled = [[*rows[0], "strasse"], *([*row, "Hausstraße"] for row in rows[1:])]
    write_csv(directory / "personen.csv", doubled)
    # then: the sample shows the second as "strasse (2)", and a profile reading "strasse" gets
    # the first, exactly as export v1 of the same data
    assert csv_headers((directory / "personen.csv").read_bytes())[-2:] == ["ort", "strasse (2)"]
    profile = tenants_profile(directory)
    assert records(directory, profile) == records(v1, tenants_profile(v1))
    # and: "strasse (2)" reads the second
    definition = profile.to_dict()
    definition["entities"]["mieter.csv"]["fields"]["strasse"] = {"column": "strasse (2)"}
    tenants = [
        r for r in records(directory, ImportProfile.from_dict(definition)) if isinstance(r, Person)
    ]
    assert {tenant.strasse for tenant in tenants} == {"Hausstraße"}


def test_a_repeated_name_is_numbered_without_taking_a_name_the_header_has():
    assert unique_headers([" Name ", "Name", "", "Name (2)", "", "Name"]) == [
        *("Name", "Name (3)", "", "Name (2)", "", "Name (4)"),
    ]


# --- 7. a formula's error in a cell -----------------------------------------------------------


def with_error_cells(path: Path, sheet_xml: str, cells: dict[str, str]) -> None:
    """Rewrite ``path`` so that each cell of ``cells`` holds a formula whose cached value is an
    Excel error ("#N/A" is what German Excel shows as "#NV"), as Excel stores it."""
    import re
    import zipfile

    original = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == sheet_xml:
                text = data.decode()
                for ref, error in cells.items():
                    text, count = re.subn(
                        rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)',
                        f'<c r="{ref}" t="e"><f>SVERWEIS(A1;X:Y;2;0)</f><v>{error}</v></c>',
                        text,
                    )
                    assert count == 1, ref
                data = text.encode()
            target.writestr(item, data)


def test_an_excel_error_in_a_mapped_cell_is_a_finding_never_an_empty_value(tmp_path):
    from openpyxl import Workbook

    # given: a tenant sheet whose e-mail comes from a lookup formula that found nothing (#NV)
    # in one row, and whose unmapped note column shows #DIV/0! in another
    directory = make_export(tmp_path / "eigen")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Mieter"
    rows = v1_rows("mieter.csv")
    sheet.append([*rows[0], "Notiz"])
    for row in rows[1:]:
        sheet.append([*row, "x"])
    for name in ("mandanten.csv", "wirtschaftseinheiten.csv", "gebaeude.csv", "einheiten.csv"):
        objects = workbook.create_sheet(name)  # the objects' sheets, as in export v1
        for row in v1_rows(name):
            objects.append(row)
    workbook.save(directory / "bestand.xlsx")
    email = chr(ord("A") + rows[0].index("email"))
    note = chr(ord("A") + len(rows[0]))
    with_error_cells(
        directory / "bestand.xlsx",
        "xl/worksheets/sheet1.xml",
        {f"{email}2": "#N/A", f"{note}3": "#DIV/0!"},
    )
    definition = tenants_profile(directory).to_dict()
    definition["format"] = "xlsx"
    definition["workbook"] = "bestand.xlsx"
    definition["entities"]["mieter.csv"] = same_columns("Mieter", rows[0])
    profile = ImportProfile.from_dict(definition)
    # then: the mapped cell is a finding that says what Excel shows; the unmapped one is not
    report = validate_export(directory, profile=profile)
    assert [f.render_de() for f in report.errors] == [
        "bestand.xlsx > Mieter, Zeile 2, Spalte email: Die Zelle zeigt den Excel-Fehler „#NV“ "
        "(#N/A) statt eines Werts. Bitte korrigieren Sie die Formel in der Arbeitsmappe oder "
        "leeren Sie die Zelle (Importprofil „Regeln“, mieter.csv)."
    ]


def test_an_excel_error_in_a_filters_column_is_named_for_both_files_it_could_feed(tmp_path):
    from openpyxl import Workbook

    # given: the person/contract layout as a workbook with 40 more owners, whose last
    # person's role is a formula that found nothing (#NV); the rows far below the header are
    # filtered as the workbook is read
    directory = tmp_path / "eigen"
    definition = role_layout(directory)
    persons = list(csv.reader(io.StringIO((directory / "personen.csv").read_text()), delimiter=";"))
    owner = persons[-1]
    persons += [["Eigentümer", "1000", f"9{n:04d}", *owner[3:]] for n in range(40)]
    persons.append(["Mieter", "1000", "99999", *owner[3:]])
    write_csv(directory / "personen.csv", persons)
    workbook = Workbook()
    workbook.remove(workbook.active)
    sources = sorted({entity["source"] for entity in definition["entities"].values()})
    for name in sources:
        sheet = workbook.create_sheet(name)
        with (directory / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter=";"):
                sheet.append(row)
    workbook.save(directory / "bestand.xlsx")
    sheet_xml = f"xl/worksheets/sheet{sources.index('personen.csv') + 1}.xml"
    with_error_cells(directory / "bestand.xlsx", sheet_xml, {f"A{len(persons)}": "#N/A"})
    definition |= {"format": "xlsx", "workbook": "bestand.xlsx"}
    report = validate_export(directory, profile=ImportProfile.from_dict(definition))
    # then: the row could be a tenant or an owner: both readings name the cell
    assert [f.render_de() for f in report.errors if f.problem_code == "excel_error"] == [
        f"bestand.xlsx > personen.csv, Zeile {len(persons)}, Spalte Rolle: Die Zelle zeigt den "
        f"Excel-Fehler "
        f"„#NV“ (#N/A) statt eines Werts. Bitte korrigieren Sie die Formel in der Arbeitsmappe "
        f"oder leeren Sie die Zelle (Importprofil „Regeln“, {name})."
        for name in ("mieter.csv", "eigentuemer.csv")
    ]


def test_an_excel_error_cell_cut_by_the_edge_of_a_read_piece_is_found(tmp_path):
    import zipfile

    from openpyxl import Workbook as NewWorkbook

    from integrations.erp.profiles.workbook import Workbook

    # given: a sheet of more than 4 MB of XML whose error cell straddles the 4 MB edge at
    # which the reader cuts its pieces
    path = tmp_path / "gross.xlsx"
    book = NewWorkbook()
    book.active.title = "Liste"
    book.save(path)
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
        '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    rows, size, number = [head], len(head), 0
    edge = 4 * 1024 * 1024
    while size < edge + 100_000:
        number += 1
        cell = f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>x{number}</t></is></c>'
        error = f'<c r="B{number}" t="e"><f>SVERWEIS(A1;X:Y;2;0)</f><v>#N/A</v></c></row>'
        if size + len(cell) < edge < size + len(cell) + len(error):
            errored = number
            row = cell + error
        else:
            row = cell + "</row>"
        rows.append(row)
        size += len(row)
    rows.append("</sheetData></worksheet>")
    original = path.read_bytes()
    with (
        zipfile.ZipFile(io.BytesIO(original)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = "".join(rows).encode()
            target.writestr(item, data)
    # then: the error cell is found, once, in its row and column
    with path.open("rb") as handle:
        book_read = Workbook(handle, path.name)
        try:
            assert book_read.error_cells("Liste") == {errored: {1: "#N/A"}}
        finally:
            book_read.close()
