import pytest

from integrations.erp.records import Mandant, RecordProblem
from integrations.sync.ids import (
    SEPARATORS,
    AmbiguityCount,
    AmbiguousKey,
    compose,
    contract_document_key,
    entrance_key,
    external_id_change_reason,
    external_id_for,
    file_key,
    unit_contract_key,
)
from tests.integrations.sync import samples


def test_separators_are_the_five_of_the_settings():
    assert SEPARATORS == ("-", "_", ".", "/", "|")


@pytest.mark.parametrize("separator", SEPARATORS)
def test_compose_joins_without_spaces(separator):
    # when
    composed = compose(separator, "1000", "0001", "01", "003")

    # then
    assert composed == separator.join(["1000", "0001", "01", "003"])
    assert " " not in composed


def test_compose_keeps_leading_zeros():
    assert compose("-", "1000", "0001", "01", "003") == "1000-0001-01-003"


@pytest.mark.parametrize("separator", SEPARATORS)
def test_a_number_containing_the_separator_is_ambiguous(separator):
    with pytest.raises(AmbiguousKey) as caught:
        compose(separator, "1000", f"00{separator}01")

    assert caught.value.part == f"00{separator}01"
    assert caught.value.separator == separator
    assert separator in str(caught.value)


@pytest.mark.parametrize("separator", SEPARATORS)
def test_other_separators_inside_a_number_are_fine(separator):
    others = "".join(s for s in SEPARATORS if s != separator)

    assert compose(separator, "1000", f"A{others}B") == f"1000{separator}A{others}B"


def test_an_empty_number_is_ambiguous():
    with pytest.raises(AmbiguousKey):
        compose("-", "1000", "", "01")


def test_an_unknown_separator_is_refused():
    with pytest.raises(ValueError, match="Trennzeichen"):
        compose("+", "1000", "0001")


@pytest.mark.parametrize(
    ("record_or_key", "expected"),
    [
        (samples.we(), "1000S0001"),
        (samples.gebaeude(), "1000S0001S01"),
        (entrance_key(samples.gebaeude()), "1000S0001S01"),
        (samples.einheit(), "1000S0001S01S003"),
        (samples.mieter(), "1000S40001"),
        (samples.eigentuemer(), "1000S50001"),
        (samples.ordner(), "1000SO-10"),
        (samples.dokument(), "1000SD-77"),
        (file_key(samples.dokument()), "1000SD-77"),
        (("gebaeude", "1000", "0001", "01"), "1000S0001S01"),
    ],
)
@pytest.mark.parametrize("separator", ["_", ".", "/", "|"])
def test_external_id_for_each_record_kind(record_or_key, expected, separator):
    assert external_id_for(record_or_key, separator) == expected.replace("S", separator)


def test_external_id_of_a_unit_contract_names_unit_contract_and_person():
    # given a couple on one contract
    vertrag = samples.mietvertrag(person_nrs=("40001", "40002"))

    # then each person's contract has its own id, ending with the contract kind
    assert external_id_for(vertrag, "_", person_nr="40001") == "1000_0001_01_003_MV-0001_40001_MV"
    assert external_id_for(vertrag, "/", person_nr="40002") == ("1000/0001/01/003/MV-0001/40002/MV")


def test_a_rental_and_an_owner_contract_with_the_same_numbers_have_two_ids():
    rental = samples.mietvertrag(vertrag_nr="V1")
    owner = samples.eigentuemervertrag(vertrag_nr="V1", person_nrs=("40001",))
    ids = {external_id_for(v, "-", person_nr="40001") for v in (rental, owner)}
    assert ids == {"1000-0001-01-003-V1-40001-MV", "1000-0001-01-003-V1-40001-EV"}


def test_an_id_that_moves_in_place_names_its_reason():
    old = "1000-0001-01-003-V1-40001"
    assert external_id_change_reason(old, f"{old}-MV") == "contract_kind_added"
    assert external_id_change_reason(old, "1000_0001_01_003_V1_40001") == "external_id_changed"
    assert external_id_change_reason("1000-40001", "1000_40001") == "external_id_changed"
    assert external_id_change_reason(f"{old}-MV", f"{old}-MV") is None
    assert external_id_change_reason("", f"{old}-MV") is None


def test_a_unit_contract_id_needs_the_person():
    with pytest.raises(TypeError):
        external_id_for(samples.mietvertrag(), "-")


def test_a_contract_number_containing_the_separator_is_ambiguous():
    # "MV-0001" contains "-": ambiguous with "-", fine with any other separator
    vertrag = samples.mietvertrag()

    with pytest.raises(AmbiguousKey):
        external_id_for(vertrag, "-", person_nr="40001")
    assert external_id_for(vertrag, "_", person_nr="40001") == "1000_0001_01_003_MV-0001_40001_MV"


def test_kinds_without_an_external_id_are_refused():
    with pytest.raises(ValueError):
        external_id_for(Mandant("1000", "Wohnbau GmbH"), "-")


def test_keys_of_facilioo_only_records_hold_only_erp_numbers():
    vertrag = samples.mietvertrag()

    assert entrance_key(samples.gebaeude()) == ("eingang", "1000", "0001", "01")
    assert file_key(samples.dokument()) == ("datei", "1000", "D-77")
    assert unit_contract_key(vertrag, "40001") == (
        "unit_contract",
        "1000",
        "mietvertrag",
        "MV-0001",
        "40001",
    )
    assert contract_document_key("1000", "MV-0001") == ("vertrag_nr", "1000", "MV-0001")


def ambiguity_records():
    return [
        Mandant("1000", "Wohnbau GmbH"),  # no id: never counted
        samples.we(we_nr="00-01"),  # a tenant suggestion only: never counted
        samples.gebaeude(),
        samples.gebaeude(gebaeude_nr="A/B"),
        samples.einheit(einheit_nr="1.5"),
        samples.mieter(),
        samples.mietvertrag(person_nrs=("40001", "40-02")),  # counts once
        samples.eigentuemervertrag(einheit_nr="1.5"),
        samples.ordner(),
        samples.dokument(),
        RecordProblem("einheit", ("einheit", "1000", "x-y"), "missing_reference", "fehlt"),
    ]


@pytest.mark.parametrize(
    ("separator", "expected"),
    [
        # the two contracts (MV-0001 also with person "40-02"), O-10 and D-77 contain "-"
        ("-", 4),
        # the Einheit "1.5" contains "."; so do the contracts on it
        (".", 2),
        ("_", 0),
        ("/", 1),  # Gebäude "A/B"
        ("|", 0),
    ],
)
def test_ambiguity_count_counts_records_that_would_fail(separator, expected):
    count = AmbiguityCount([separator])

    for record in ambiguity_records():
        count.add(record)

    assert count.counts == {separator: expected}


def test_the_settings_page_counts_every_separator_in_one_pass():
    # given: the counter the settings page feeds while it reads the ERP once
    count = AmbiguityCount(["-", ".", "_", "/", "|"])
    # when
    for record in ambiguity_records():
        count.add(record)
    # then: the same numbers as one count per separator
    assert count.counts == {"-": 4, ".": 2, "_": 0, "/": 1, "|": 0}
