"""Import profiles: a customer's own CSV or XLSX export, read as ERP export v1.

Each example profile's sample export gives exactly the records that export v1 gives for the
same data; broken exports are reported in the customer's own files, lines and columns."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from integrations.erp.demo import DemoConnector
from integrations.erp.file.reader import FileConnector
from integrations.erp.file.report import InvalidExport
from integrations.erp.file.validator import validate_export
from integrations.erp.file.writer import write_export
from integrations.erp.profiles import ImportProfile, ProfileError
from integrations.erp.profiles.examples import (
    CSV_MANDANT,
    EXAMPLE_SEED,
    EXAMPLE_UNITS,
    example_profile,
    example_sample,
)
from integrations.usecases import UseCase

ALL_MANDANTEN = ("1000", "2000", "3000")


@pytest.fixture(scope="module")
def v1_export(tmp_path_factory) -> Path:
    """Export v1 of the very portfolio the samples were made from."""
    directory = tmp_path_factory.mktemp("v1") / "export"
    write_export(DemoConnector(units=EXAMPLE_UNITS, seed=EXAMPLE_SEED), directory)
    return directory


def records(connector: FileConnector, mandanten: tuple[str, ...]) -> list[object]:
    with connector:
        return list(connector.read(UseCase.STAMMDATEN, mandanten=mandanten))


@pytest.mark.parametrize(
    ("name", "mandanten"),
    [
        ("csv-je-datei", (CSV_MANDANT,)),
        ("xlsx-blaetter", ALL_MANDANTEN),
        # title rows, one person list with a role, one contract list with a type, keys as
        # numbers formatted with their zeros, abbreviated headers
        ("personen-vertraege", ALL_MANDANTEN),
    ],
)
def test_each_example_sample_gives_exactly_the_records_of_export_v1(v1_export, name, mandanten):
    # given: the example's sample export and profile, and export v1 of the same data
    profile = example_profile(name)
    sample = example_sample(name)
    # when: both are read
    through_profile = records(FileConnector(sample, profile=profile), mandanten)
    from_v1 = records(FileConnector(v1_export), mandanten)
    # then: the very same records, in the same order
    assert len(from_v1) > 20
    assert through_profile == from_v1
    report = validate_export(sample, profile=profile)
    assert report.valid, report.render_de()


def test_the_mandanten_of_a_profile_export(v1_export):
    profile = example_profile("csv-je-datei")
    with FileConnector(example_sample("csv-je-datei"), profile=profile) as connector:
        mandanten = connector.list_mandanten()
    assert [(m.mandant_nr, m.name) for m in mandanten] == [("1000", "Musterstadt Wohnen GmbH")]


# --- broken exports, reported in the customer's terms ----------------------------------------

Edit = Callable[[str], str]


def edited_csv_sample(tmp_path: Path, member: str, edit: Edit) -> Path:
    source = example_sample("csv-je-datei")
    target = tmp_path / "kaputt.zip"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == member:
                data = edit(data.decode("cp1252")).encode("cp1252")
            copy.writestr(info.filename, data)
    return target


def drop_column(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(line.replace(",001,", ",", 1).replace(",Einheit,", ",", 1) for line in lines)


def bad_date(text: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].replace("01.09.1994", "31.13.1994")
    return "".join(lines)


def duplicate_row(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join([*lines, lines[1]])


@pytest.mark.parametrize(
    ("member", "edit", "expected"),
    [
        (
            "einheiten.csv",
            drop_column,
            (
                "einheiten.csv",
                1,
                "Einheit",
                "Die Spalte „Einheit“ fehlt (Importprofil „csv-je-datei“, Feld einheit_nr).",
            ),
        ),
        (
            "mietvertraege.csv",
            bad_date,
            (
                "mietvertraege.csv",
                3,
                "Vertragsbeginn",
                "„31.13.1994“ ist kein Datum im Format TT.MM.JJJJ.",
            ),
        ),
    ],
    ids=["missing_required_column", "bad_date"],
)
def test_a_broken_csv_export_is_refused_with_file_line_and_column(tmp_path, member, edit, expected):
    profile = example_profile("csv-je-datei")
    report = validate_export(edited_csv_sample(tmp_path, member, edit), profile=profile)
    assert not report.valid
    first = report.errors[0]
    assert (first.file, first.line, first.column, first.message_de) == expected
    # and: a run refuses it as a whole
    broken = edited_csv_sample(tmp_path, member, edit)
    with pytest.raises(InvalidExport):
        records(FileConnector(broken, profile=profile), ("1000",))


def test_a_duplicate_key_names_both_lines_of_the_customers_file(tmp_path):
    profile = example_profile("csv-je-datei")
    sample = edited_csv_sample(tmp_path, "einheiten.csv", duplicate_row)
    report = validate_export(sample, profile=profile)
    [finding] = report.errors
    text = zipfile.ZipFile(sample).read("einheiten.csv").decode("cp1252")
    lines = len(text.splitlines())
    assert (finding.file, finding.other_line, finding.line) == ("einheiten.csv", 2, lines)
    assert finding.render_de() == (
        f"einheiten.csv, Zeilen 2 und {lines}: Der Schlüssel 1000/0001/01/001 kommt doppelt vor."
    )


def test_a_duplicate_key_in_a_sheet_names_workbook_sheet_and_rows(tmp_path):
    from openpyxl import load_workbook

    profile = example_profile("xlsx-blaetter")
    with zipfile.ZipFile(example_sample("xlsx-blaetter")) as archive:
        workbook = load_workbook(io.BytesIO(archive.read("bestand.xlsx")))
    sheet = workbook["Einheiten"]
    sheet.append([cell.value for cell in sheet[2]])
    last = sheet.max_row
    buffer = io.BytesIO()
    workbook.save(buffer)
    target = tmp_path / "kaputt.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("bestand.xlsx", buffer.getvalue())
    report = validate_export(target, profile=profile)
    [finding] = report.errors
    assert finding.render_de() == (
        f"bestand.xlsx > Einheiten, Zeilen 2 und {last}: "
        "Der Schlüssel 1000/0001/01/001 kommt doppelt vor."
    )


def test_a_profile_without_a_required_field_cannot_be_saved():
    data = example_profile("csv-je-datei").to_dict()
    del data["entities"]["einheiten.csv"]["fields"]["nutzungsart"]
    with pytest.raises(ProfileError) as refused:
        ImportProfile.from_dict(data)
    assert "einheiten.csv: Das Pflichtfeld „nutzungsart“ ist nicht zugeordnet." in str(
        refused.value
    )


# --- the flat example: one row per rental contract with tenant columns ------------------------

FLAT = "flach-mietvertraege"


def v1_of_what_a_contract_report_carries(v1: Path, target: Path) -> Path:
    """Export v1 of the same data, cut to what a report of rental contracts can carry: the
    contracts, and the units, buildings, WEs, Mandanten and tenants they name; no owners."""
    import csv

    def rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
        with (v1 / name).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=";")
            return list(reader.fieldnames or []), list(reader)

    def write(name: str, header: list[str], kept: list[dict[str, str]]) -> None:
        with (target / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, header, delimiter=";")
            writer.writeheader()
            writer.writerows(kept)

    target.mkdir()
    header, contracts = rows("mietvertraege.csv")
    write("mietvertraege.csv", header, contracts)
    named = {
        "mandanten.csv": {(c["mandant_nr"],) for c in contracts},
        "wirtschaftseinheiten.csv": {(c["mandant_nr"], c["we_nr"]) for c in contracts},
        "gebaeude.csv": {(c["mandant_nr"], c["we_nr"], c["gebaeude_nr"]) for c in contracts},
        "einheiten.csv": {
            (c["mandant_nr"], c["we_nr"], c["gebaeude_nr"], c["einheit_nr"]) for c in contracts
        },
        "mieter.csv": {
            (c["mandant_nr"], nr) for c in contracts for nr in c["person_nrs"].split(",")
        },
    }
    keys = {
        "mandanten.csv": ("mandant_nr",),
        "wirtschaftseinheiten.csv": ("mandant_nr", "we_nr"),
        "gebaeude.csv": ("mandant_nr", "we_nr", "gebaeude_nr"),
        "einheiten.csv": ("mandant_nr", "we_nr", "gebaeude_nr", "einheit_nr"),
        "mieter.csv": ("mandant_nr", "person_nr"),
    }
    for name, wanted in named.items():
        header, all_rows = rows(name)
        write(name, header, [r for r in all_rows if tuple(r[k] for k in keys[name]) in wanted])
    for name in ("eigentuemer.csv", "eigentuemervertraege.csv"):
        header, _rows = rows(name)
        write(name, header, [])
    return target


def test_the_flat_example_gives_exactly_the_records_of_export_v1(v1_export, tmp_path):
    # given: the flat report (one row per contract) and export v1 of the same contracts
    profile = example_profile(FLAT)
    expected_v1 = v1_of_what_a_contract_report_carries(v1_export, tmp_path / "v1")
    # when: both are read
    through_profile = records(FileConnector(example_sample(FLAT), profile=profile), ALL_MANDANTEN)
    from_v1 = records(FileConnector(expected_v1), ALL_MANDANTEN)
    # then: the very same records: each WE, building, unit and tenant once, though the report
    # repeats them on every contract row, and two tenants of one contract from two groups
    assert len(from_v1) > 40
    assert through_profile == from_v1
    assert validate_export(example_sample(FLAT), profile=profile).valid


def test_the_flat_contract_report_gives_exactly_the_records_of_export_v1(v1_export, tmp_path):
    # given: a flat report in Windows-1252 with a title line, tenants as "Nachname, Vorname",
    # salutations and usages as codes, addresses as street with number
    name = "flach-vertragsbericht"
    profile = example_profile(name)
    expected_v1 = v1_of_what_a_contract_report_carries(v1_export, tmp_path / "v1")
    # when: both are read
    through_profile = records(FileConnector(example_sample(name), profile=profile), ALL_MANDANTEN)
    from_v1 = records(FileConnector(expected_v1), ALL_MANDANTEN)
    # then: the very same records
    assert len(from_v1) > 40
    assert through_profile == from_v1
    assert validate_export(example_sample(name), profile=profile).valid


def flat_sample(tmp_path: Path, edit: Edit) -> Path:
    target = tmp_path / "flach.zip"
    with zipfile.ZipFile(example_sample(FLAT)) as original:
        text = original.read("mietvertraege_export.csv").decode("utf-8-sig")
    with zipfile.ZipFile(target, "w") as copy:
        copy.writestr("mietvertraege_export.csv", "\ufeff" + edit(text))
    return target


def drop_flat_column(name: str) -> Edit:
    def edit(text: str) -> str:
        lines = text.splitlines()
        position = lines[0].split(";").index(name)
        return "\r\n".join(
            ";".join(v for i, v in enumerate(line.split(";")) if i != position) for line in lines
        )

    return edit


def flat_bad_date(text: str) -> str:
    lines = text.splitlines()
    lines[2] = lines[2].replace(";01.09.1994;", ";31.02.1994;")
    return "\r\n".join(lines)


def test_flat_report_without_a_required_column_names_file_and_column(tmp_path):
    profile = example_profile(FLAT)
    report = validate_export(flat_sample(tmp_path, drop_flat_column("Einheit")), profile=profile)
    assert not report.valid
    # one finding, though units and contracts both read the column
    assert [f.render_de() for f in report.errors] == [
        "mietvertraege_export.csv, Zeile 1, Spalte Einheit: Die Spalte „Einheit“ fehlt "
        "(Importprofil „flach-mietvertraege“, Feld einheit_nr)."
    ]


def test_flat_report_with_a_bad_date_names_line_and_column(tmp_path):
    profile = example_profile(FLAT)
    sample = flat_sample(tmp_path, flat_bad_date)
    text = zipfile.ZipFile(sample).read("mietvertraege_export.csv").decode("utf-8-sig")
    assert "31.02.1994" in text.splitlines()[2]
    report = validate_export(sample, profile=profile)
    [finding] = report.errors
    assert (finding.file, finding.line, finding.column, finding.message_de) == (
        "mietvertraege_export.csv",
        3,
        "Vertragsbeginn",
        "„31.02.1994“ ist kein Datum im Format TT.MM.JJJJ.",
    )
    with pytest.raises(InvalidExport):
        records(FileConnector(sample, profile=profile), ALL_MANDANTEN)


def test_flat_report_with_a_contract_twice_names_both_lines(tmp_path):
    profile = example_profile(FLAT)
    sample = flat_sample(tmp_path, lambda text: text + text.splitlines()[1] + "\r\n")
    lines = len(zipfile.ZipFile(sample).read("mietvertraege_export.csv").splitlines())
    report = validate_export(sample, profile=profile)
    # the repeated unit, building and tenants are the same entities again: no finding;
    # the contract is a duplicate key
    [finding] = report.errors
    assert (finding.file, finding.other_line, finding.line, finding.column) == (
        "mietvertraege_export.csv",
        2,
        lines,
        None,
    )
    assert finding.render_de() == (
        f"mietvertraege_export.csv, Zeilen 2 und {lines}: "
        "Der Schlüssel 1000/00000101 kommt doppelt vor."
    )


def test_a_flat_entity_repeated_with_other_values_is_a_duplicate_key(tmp_path):
    # given: the second contract row gives unit 001 (of the first row) another floor area
    def edit(text: str) -> str:
        lines = text.splitlines()
        header = lines[0].split(";")
        second = lines[2].split(";")
        first = lines[1].split(";")
        for column in ("Einheit", "Einheit-Bezeichnung", "Lage", "Zimmer", "Nutzungsart"):
            second[header.index(column)] = first[header.index(column)]
        second[header.index("Wohnfläche m²")] = "12,00"
        lines[2] = ";".join(second)
        return "\r\n".join(lines)

    report = validate_export(flat_sample(tmp_path, edit), profile=example_profile(FLAT))
    assert [f.render_de() for f in report.errors] == [
        "mietvertraege_export.csv, Zeilen 2 und 3: "
        "Der Schlüssel 1000/0001/01/001 kommt doppelt vor."
    ]


def test_a_tenant_group_left_empty_gives_no_tenant_and_a_third_group_is_read(tmp_path):
    # given: the first contract's tenants moved to groups 1 and 3 (group 2 empty)
    def edit(text: str) -> str:
        lines = text.splitlines()
        header = lines[0].split(";")
        first = lines[1].split(";")
        start2, start3 = header.index("Mieter2_Nr"), header.index("Mieter3_Nr")
        width = start3 - start2
        first[start3 : start3 + width] = first[start2 : start2 + width]
        first[start2 : start2 + width] = [""] * width
        lines[1] = ";".join(first)
        return "\r\n".join(lines)

    profile = example_profile(FLAT)
    moved = records(FileConnector(flat_sample(tmp_path, edit), profile=profile), ALL_MANDANTEN)
    original = records(FileConnector(example_sample(FLAT), profile=profile), ALL_MANDANTEN)
    assert moved == original


def test_a_profile_declares_an_entity_empty():
    profile = example_profile(FLAT)
    assert profile.entities["eigentuemer.csv"].empty
    assert profile.to_dict()["entities"]["eigentuemer.csv"] == {"empty": True}
    data = profile.to_dict()
    data["entities"]["mieter.csv"]["groups"] = 0
    with pytest.raises(ProfileError) as refused:
        ImportProfile.from_dict(data)
    assert "mieter.csv: Spaltennamen mit {n} brauchen eine Zahl von Spaltengruppen." in str(
        refused.value
    )


def test_the_shipped_examples_are_what_their_generator_writes(tmp_path):
    # given: the examples written again from the demo portfolio they were made from
    from integrations.erp.profiles.examples import EXAMPLE_NAMES, write_examples

    write_examples(DemoConnector(units=EXAMPLE_UNITS, seed=EXAMPLE_SEED), tmp_path)
    for name in EXAMPLE_NAMES:
        # then: the same profile and, member for member, the same sample (zip times aside)
        shipped = example_sample(name).parent
        assert (tmp_path / name / "profile.json").read_text(encoding="utf-8") == (
            shipped / "profile.json"
        ).read_text(encoding="utf-8")
        with (
            zipfile.ZipFile(tmp_path / name / "sample.zip") as fresh,
            zipfile.ZipFile(shipped / "sample.zip") as kept,
        ):
            assert fresh.namelist() == kept.namelist()
            for member in fresh.namelist():
                if member.endswith(".xlsx"):
                    continue  # a workbook holds its creation time; its records are compared above
                assert fresh.read(member) == kept.read(member), (name, member)
