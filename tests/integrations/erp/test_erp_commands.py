"""The management commands of the ERP side and the choice of connector."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from connect.selectors.erp_sources import connector_for
from integrations.erp.demo import DemoConnector
from integrations.erp.file.reader import FileConnector
from tests.integrations.erp.exports import make_export


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_erp_demo_export_writes_a_valid_directory_and_zip(tmp_path):
    # when
    printed = run("erp_demo_export", "--units", "60", "--seed", "2", str(tmp_path / "demo"))
    zipped = run("erp_demo_export", "--units", "60", "--seed", "2", "--zip", str(tmp_path / "demo"))

    # then
    assert printed.strip() == str(tmp_path / "demo")
    assert zipped.strip() == str(tmp_path / "demo.zip")
    assert (tmp_path / "demo" / "mandanten.csv").is_file()
    assert "Der ERP-Export ist gültig (Stammdaten, Dokumente)." in run(
        "erp_validate", str(tmp_path / "demo.zip")
    )


def test_erp_validate_prints_the_report_and_fails_for_an_invalid_export(tmp_path):
    export = make_export(tmp_path / "export", gebaeude_csv=None)
    out = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("erp_validate", str(export), stdout=out)

    assert failed.value.returncode == 1
    assert "- gebaeude.csv: Die Datei fehlt; sie wird für Stammdaten gebraucht." in out.getvalue()


def test_erp_validate_json(tmp_path):
    export = make_export(tmp_path / "export")

    data = json.loads(run("erp_validate", "--json", str(export)))

    assert data["valid"] is True
    assert data["files"]["einheiten.csv"]["rows"] == 3


def test_bench_erp_read_prints_one_json_object(tmp_path):
    out = run("bench_erp_read", "--units", "80", "--keep", str(tmp_path / "bench"))

    data = json.loads(out)
    assert data["records"] == data["phases"]["read"]["records"] > 80
    assert data["phases"]["validate"]["valid"] is True
    assert set(data["phases"]) == {"export", "validate", "read"}
    assert data["peak_memory_mb"] > 0
    again = json.loads(run("bench_erp_read", "--units", "80", "--keep", str(tmp_path / "bench")))
    assert again["phases"]["export"]["reused"] is True


def test_connector_for_each_source(tmp_path):
    export = make_export(tmp_path / "export")

    demo = connector_for(source="demo", units=70, seed=4)
    file = connector_for(source="file", path=str(export))

    assert isinstance(demo, DemoConnector)
    assert (demo.units, demo.seed) == (70, 4)
    assert isinstance(file, FileConnector)
    assert [mandant.mandant_nr for mandant in file.list_mandanten()] == ["1000"]
    with pytest.raises(ValueError, match="path"):
        connector_for(source="file")
    with pytest.raises(ValueError, match="unknown"):
        connector_for(source="aareon")


@pytest.mark.parametrize("layout", ["csv-profile", "xlsx-profile", "persons-profile"])
def test_bench_erp_read_reads_a_profile_layout(tmp_path, layout):
    keep = str(tmp_path / "bench")
    v1 = json.loads(run("bench_erp_read", "--units", "40", "--keep", keep))
    data = json.loads(run("bench_erp_read", "--units", "40", "--keep", keep, "--layout", layout))
    assert data["layout"] == layout
    assert data["phases"]["validate"]["valid"] is True
    assert set(data["phases"]) == {"export", "convert", "validate", "read"}
    # Stammdaten only: the v1 read's records without folders and documents
    stammdaten = sum(
        n
        for kind, n in v1["phases"]["read"]["by_type"].items()
        if kind not in ("Ordner", "Dokument")
    )
    assert data["records"] == stammdaten
