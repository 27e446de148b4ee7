"""The suggestion guesses like a person: for every shipped example, at least 90 % of the fields
are suggested right from the sample alone (the figures are printed in the README and in
docs/import-profiles.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from integrations.erp.profiles import FieldRule, ImportProfile
from integrations.erp.profiles.examples import EXAMPLE_NAMES, example_profile, example_sample
from integrations.erp.profiles.suggest import draft_profile, draft_with_confidence, suggest_scored
from integrations.phrases import stored_text


def _rule_right(suggested: dict[str, Any] | None, expected: dict[str, Any]) -> bool:
    """The same source columns and transforms; a code table right for every code the example
    uses (a suggestion may know more codes)."""
    if suggested is None:
        return False
    expected = FieldRule.from_dict(expected).to_dict()
    suggested = FieldRule.from_dict(suggested).to_dict()
    codes = expected.pop("codes", {})
    offered = suggested.pop("codes", {})
    return suggested == expected and all(offered.get(k) == v for k, v in codes.items())


def accuracy(
    name: str,
    *,
    columns_only: bool = False,
    known_mandanten: tuple[str, ...] = (),
    mandant_once: bool = False,
) -> tuple[int, int]:
    """(fields suggested right, fields) of a shipped example; ``columns_only``: only the fields
    the example fills from a column (a constant such as a Mandant number that no column of the
    export carries is a person's to type); ``known_mandanten``: the Mandant numbers the
    customer's settings name (the portal passes them; a bare sample has none);
    ``mandant_once``: a Mandant number that no column carries counts as one field, as the
    mapping screen and ``erp_profile draft --mandant`` ask for it once for every file."""
    expected = example_profile(name).to_dict()
    draft, _missing = draft_profile(example_sample(name), known_mandanten=known_mandanten)
    right = total = 0
    fixed_mandant: list[bool] = []
    for file_name, mapping in expected["entities"].items():
        offered = draft["entities"].get(file_name) or {}  # type: ignore[attr-defined]
        if mapping.get("empty"):
            total += 1
            right += bool(offered.get("empty"))
            continue
        same_source = offered.get("source") == mapping["source"]
        same_filter = offered.get("filter") == mapping.get("filter")
        for field_name, rule in mapping["fields"].items():
            if columns_only and "constant" in rule:
                continue
            hit = (
                same_source
                and same_filter
                and _rule_right(offered.get("fields", {}).get(field_name), rule)
            )
            if mandant_once and field_name == "mandant_nr" and "constant" in rule:
                fixed_mandant.append(hit)
                continue
            total += 1
            right += hit
    if fixed_mandant:
        total += 1
        right += all(fixed_mandant)
    return right, total


# The examples' data is the demo portfolio's Mandant 1000; a customer reading it has that
# number in its settings.
EXAMPLE_MANDANTEN = ("1000",)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_at_least_90_percent_of_each_examples_fields_are_suggested_right(name):
    right, total = accuracy(name, columns_only=True)
    alone, fields = accuracy(name)
    asked, decisions = accuracy(name, mandant_once=True)
    overall, _fields = accuracy(name, known_mandanten=EXAMPLE_MANDANTEN)
    print(
        f"{name}: {right} von {total} Feldern aus Spalten richtig "
        f"({100 * right / total:.0f} %); aus dem Beispiel allein {asked} von {decisions} "
        f"Angaben ({100 * asked / decisions:.0f} %; der Mandant einmal gezählt), {alone} von "
        f"{fields} Feldern ({100 * alone / fields:.0f} %); mit der Mandantennummer der "
        f"Einstellungen {overall} von {fields} ({100 * overall / fields:.0f} %)"
    )
    assert right / total >= 0.9, (name, right, total)
    assert asked / decisions >= 0.9, (name, asked, decisions)
    assert overall / fields >= 0.9, (name, overall, fields)
    if name != "csv-je-datei":  # its Mandant number is in no column: 8 constant fields
        assert alone / fields >= 0.9, (name, alone, fields)
        assert overall == alone  # a Mandant column wins over the settings
    else:  # the one number left to a person, asked once
        assert (asked, decisions) == (right, right + 1)


def test_without_a_mandant_column_the_one_number_of_the_settings_is_proposed():
    sample = example_sample("csv-je-datei")
    # given: the customer's settings name exactly one Mandant
    draft, missing, confidence = draft_with_confidence(sample, known_mandanten=["1000"])
    entities: dict[str, Any] = draft["entities"]  # type: ignore[assignment]
    # then: it is the fixed value of every file, marked as a suggestion to check
    assert {
        name: entity["fields"]["mandant_nr"]
        for name, entity in entities.items()
        if not entity.get("empty")
    } == {name: {"constant": "1000"} for name in entities if not entities[name].get("empty")}
    assert confidence["einheiten.csv"]["mandant_nr"] == 0.9
    assert [str(point) for point in missing] == [
        "Keine Spalte nennt den Mandanten: Vorgeschlagen ist Ihre Mandantennummer „1000“ aus "
        "den Einstellungen, als fester Wert in jeder Datei. Bitte prüfen Sie sie."
    ]
    # and: stored and read again in English, it is English
    with translation.override("en"):
        assert [stored_text(point.to_data()) for point in missing] == [
            "No column names the Mandant: suggested is your Mandant number “1000” from the "
            "settings, as a fixed value in every file. Please check it."
        ]
    ImportProfile.from_dict(draft)
    # given: two Mandanten in the settings: which one the export holds is a person's choice
    draft, missing = draft_profile(sample, known_mandanten=["1000", "2000"])
    entities = draft["entities"]  # type: ignore[assignment]
    assert all("mandant_nr" not in e.get("fields", {}) for e in entities.values())
    assert missing[0].startswith("Keine Spalte nennt den Mandanten: Bitte tragen Sie")


def test_the_draft_of_each_example_is_a_profile_that_can_be_saved():
    for name in EXAMPLE_NAMES:
        draft, missing = draft_profile(example_sample(name))
        if name == "csv-je-datei":
            assert missing == [
                "Keine Spalte nennt den Mandanten: Bitte tragen Sie die Mandantennummer einmal "
                "als festen Wert ein (sie gilt dann für jede Datei)."
            ]
            for entity in draft["entities"].values():  # type: ignore[attr-defined]
                entity["fields"]["mandant_nr"] = {"constant": "1000"}  # the person's one step
        else:
            assert missing == [], (name, missing)
        ImportProfile.from_dict(draft)


@pytest.mark.parametrize(
    ("target", "header", "field"),
    [
        ("wirtschaftseinheiten.csv", "Obj.-Nr.", "we_nr"),
        ("wirtschaftseinheiten.csv", "Objekt-Nr", "we_nr"),
        ("wirtschaftseinheiten.csv", "Objektbezeichnung", "bezeichnung"),
        ("gebaeude.csv", "Geb.-Nr.", "gebaeude_nr"),
        ("gebaeude.csv", "Hs.-Nr.", "hausnummer"),
        ("gebaeude.csv", "Bj.", "baujahr"),
        ("einheiten.csv", "ME-Nr.", "einheit_nr"),
        ("einheiten.csv", "Wfl. (m²)", "wohnflaeche"),
        ("einheiten.csv", "Zi.", "zimmer"),
        ("mieter.csv", "Pers.-Nr.", "person_nr"),
        ("mieter.csv", "E-Mail-Adresse", "email"),
        ("mieter.csv", "Tel. privat", "telefon"),
        ("mietvertraege.csv", "Vertr.-Nr.", "vertrag_nr"),
        ("mietvertraege.csv", "Contract No.", "vertrag_nr"),
        ("einheiten.csv", "Living area", "wohnflaeche"),
    ],
)
def test_abbreviations_punctuation_and_units_are_ignored(target, header, field):
    suggested = suggest_scored(target, ["Irgendwas", header])
    assert suggested[field][0] == header
    assert 0.5 < suggested[field][1] <= 1


def test_a_person_sheet_with_a_role_column_offers_the_filter():
    draft, _missing = draft_profile(example_sample("personen-vertraege"))
    entities: dict[str, Any] = draft["entities"]  # type: ignore[assignment]
    assert entities["mieter.csv"]["filter"] == [{"column": "Rolle", "equals": "Mieter"}]
    assert entities["eigentuemer.csv"]["filter"] == [{"column": "Rolle", "equals": "Eigentümer"}]
    assert entities["eigentuemervertraege.csv"]["filter"] == [
        {"column": "Vertragsart", "equals": "Eigentümervertrag"}
    ]
    _draft, _missing, confidence = draft_with_confidence(example_sample("personen-vertraege"))
    assert confidence["mieter.csv"]["email"] == 0.95  # "E-Mail-Adresse"
    assert confidence["mieter.csv"]["vorname"] == 1.0  # "Vorname"
