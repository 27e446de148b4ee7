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
from integrations.erp.file import FileConnector, InvalidExport, validate_export, write_export
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
    [("csv-je-datei", (CSV_MANDANT,)), ("xlsx-blaetter", ALL_MANDANTEN)],
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
