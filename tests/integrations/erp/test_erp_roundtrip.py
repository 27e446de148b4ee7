"""Demo portfolio -> ERP export v1 -> file connector: the same records come back."""

from __future__ import annotations

import csv

import pytest

from integrations.erp.demo import DemoConnector
from integrations.erp.file.reader import FileConnector
from integrations.erp.file.validator import validate_export
from integrations.erp.file.writer import document_path, write_export, write_export_zip
from integrations.erp.records import Dokument
from integrations.usecases import UseCase


@pytest.fixture(scope="module")
def demo():
    return DemoConnector(units=150, seed=7)


@pytest.fixture(scope="module")
def export(demo, tmp_path_factory):
    directory = tmp_path_factory.mktemp("roundtrip") / "export"
    write_export(demo, directory)
    return directory


def mandanten_of(connector):
    return [mandant.mandant_nr for mandant in connector.list_mandanten()]


@pytest.mark.parametrize("use_case", list(UseCase))
def test_the_file_connector_yields_the_demo_records_record_by_record(demo, export, use_case):
    # given
    numbers = mandanten_of(demo)

    # when
    with FileConnector(export) as connector:
        assert connector.list_mandanten() == demo.list_mandanten()
        read_back = list(connector.read(use_case, mandanten=numbers))
    original = list(demo.read(use_case, mandanten=numbers))

    # then: same records in the same order
    assert len(read_back) == len(original) > 0
    for expected, actual in zip(original, read_back, strict=True):
        assert actual == expected


def test_document_bytes_survive_the_round_trip(demo, export):
    numbers = mandanten_of(demo)
    with FileConnector(export) as connector:
        read_back = [
            item
            for item in connector.read(UseCase.DOKUMENTE, mandanten=numbers)
            if isinstance(item, Dokument)
        ]
        originals = [
            item
            for item in demo.read(UseCase.DOKUMENTE, mandanten=numbers)
            if isinstance(item, Dokument)
        ]
        for expected, actual in zip(originals, read_back, strict=True):
            with expected.open() as left, actual.open() as right:
                content = right.read()
                assert content == left.read()
                assert len(content) == actual.size == expected.size
                assert content.startswith(b"%PDF-")


def test_the_export_is_valid_and_written_as_the_format_says(export):
    report = validate_export(export)

    assert report.valid, report.render_de()
    assert report.findings == []
    assert (export / "dokumente").is_dir()
    with (export / "einheiten.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle, delimiter=";"))
    assert header == [
        "mandant_nr",
        "we_nr",
        "gebaeude_nr",
        "einheit_nr",
        "bezeichnung",
        "nutzungsart",
        "lage",
        "wohnflaeche",
        "zimmer",
    ]
    text = (export / "gebaeude.csv").read_text(encoding="utf-8")
    assert '"Haus 12a; Hinterhaus"' in text  # a semicolon is quoted


def test_a_zipped_export_reads_the_same(demo, tmp_path):
    archive = tmp_path / "export.zip"
    write_export_zip(demo, archive)
    numbers = mandanten_of(demo)

    with FileConnector(archive) as connector:
        for use_case in UseCase:
            assert list(connector.read(use_case, mandanten=numbers)) == list(
                demo.read(use_case, mandanten=numbers)
            )


@pytest.mark.parametrize(
    ("datei", "written"),
    [
        ("dokumente/1000/0001/00001001.pdf", "dokumente/1000/0001/00001001.pdf"),
        ("scans/2024/mv.pdf", "dokumente/scans/2024/mv.pdf"),
        ("..\\..\\etc\\mv.pdf", "dokumente/etc/mv.pdf"),
        ("/abs/mv.pdf", "dokumente/abs/mv.pdf"),
    ],
)
def test_documents_are_written_under_dokumente(datei, written):
    assert document_path(datei) == written
