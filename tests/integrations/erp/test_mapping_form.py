"""The mapping screen's model: one Mandant number for every file no column names it in."""

from __future__ import annotations

from typing import Any

from integrations.erp.profiles.mapping import (
    FormSettings,
    blocks_from_definition,
    profile_from_blocks,
    settings_from_definition,
    shared_mandant,
)

SOURCES = {"objekte.csv": ["Objekt", "Name", "Mandant"], "firma.csv": ["Firma"]}


def definition(we_mandant: dict[str, str], firm_mandant: dict[str, str]) -> dict[str, Any]:
    return {
        "name": "Test",
        "format": "csv",
        "entities": {
            "mandanten.csv": {
                "source": "firma.csv",
                "fields": {"mandant_nr": firm_mandant, "name": {"column": "Firma"}},
            },
            "wirtschaftseinheiten.csv": {
                "source": "objekte.csv",
                "fields": {
                    "mandant_nr": we_mandant,
                    "we_nr": {"column": "Objekt"},
                    "bezeichnung": {"column": "Name"},
                },
            },
            "gebaeude.csv": {"empty": True},
        },
    }


def mandant_row(blocks, file_name: str):
    block = next(b for b in blocks if b.file == file_name)
    return next(row for row in block.fields if row.name == "mandant_nr")


def test_the_same_fixed_number_in_every_file_is_shown_once():
    drafted = definition({"constant": "1000"}, {"constant": "1000"})
    assert shared_mandant(drafted) == "1000"
    assert settings_from_definition(drafted).mandant == "1000"
    blocks = blocks_from_definition(drafted, SOURCES)
    assert mandant_row(blocks, "wirtschaftseinheiten.csv").constant == ""
    assert mandant_row(blocks, "mandanten.csv").constant == ""
    # and: posted back with the one number, every file has it again
    rebuilt, complete = profile_from_blocks(
        blocks, name="Test", kind="csv", workbook=None, settings=FormSettings(mandant="1000")
    )
    assert complete
    assert rebuilt["entities"]["wirtschaftseinheiten.csv"]["fields"]["mandant_nr"] == {
        "constant": "1000"
    }
    assert rebuilt["entities"]["mandanten.csv"]["fields"]["mandant_nr"] == {"constant": "1000"}
    assert rebuilt["entities"]["gebaeude.csv"] == {"empty": True}


def test_different_numbers_or_a_column_stay_with_their_files():
    for drafted in (
        definition({"constant": "1000"}, {"constant": "2000"}),
        definition({"column": "Mandant"}, {"constant": "1000"}),
    ):
        assert shared_mandant(drafted) == ""
        blocks = blocks_from_definition(drafted, SOURCES)
        assert mandant_row(blocks, "mandanten.csv").constant in ("1000", "2000")
        rebuilt, complete = profile_from_blocks(
            blocks, name="Test", kind="csv", workbook=None, settings=FormSettings(mandant="9")
        )
        assert complete
        assert {name: rebuilt["entities"][name] for name in drafted["entities"]} == drafted[
            "entities"
        ]


def test_without_any_number_each_file_says_where_to_type_it():
    blocks = blocks_from_definition(definition({}, {}), SOURCES)
    _rebuilt, complete = profile_from_blocks(
        blocks, name="Test", kind="csv", workbook=None, settings=FormSettings()
    )
    assert not complete
    assert mandant_row(blocks, "wirtschaftseinheiten.csv").error == (
        "Pflichtfeld: Bitte wählen Sie eine Spalte oder einen festen Wert, oder tragen Sie oben "
        "die Mandantennummer für alle Dateien ein."
    )
