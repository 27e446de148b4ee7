from datetime import date

import pytest

from integrations.sync.filters import (
    document_skip_reason,
    document_target,
    email_problem,
    mandant_in_scope,
    valid_email,
)
from integrations.sync.types import DocumentTarget, DokumenteSettings, Skip
from tests.integrations.sync import samples

MB = 1024 * 1024


# --- e-mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        # missing
        (None, "no_email"),
        ("", "no_email"),
        ("   ", "no_email"),
        # malformed
        ("anna.schmidt", "invalid_email"),
        ("anna.schmidt@", "invalid_email"),
        ("@example.de", "invalid_email"),
        ("anna@@example.de", "invalid_email"),
        ("anna@schmidt@example.de", "invalid_email"),
        ("anna@localhost", "invalid_email"),  # no dot in the domain
        ("anna@example", "invalid_email"),
        ("anna@.de", "invalid_email"),
        ("anna schmidt@example.de", "invalid_email"),
        ("anna@exam ple.de", "invalid_email"),
        ("anna@example..de", "invalid_email"),
        ("anna@example.de; bernd@example.de", "invalid_email"),
        ("anna@example.de,", "invalid_email"),
        ("Anna <anna@example.de>", "invalid_email"),
        ("anna\t@example.de", "invalid_email"),
        # valid
        ("anna.schmidt@example.de", None),
        ("Anna.Schmidt@Example.DE", None),
        ("anna+mieter@mail.example.co.uk", None),
        ("o'neil@example.de", None),
        ("anna@xn--mnchen-3ya.de", None),
        ("  anna@example.de  ", None),  # surrounding spaces are ignored
    ],
)
def test_email_problem(email, problem):
    assert email_problem(email) == problem


def test_valid_email_is_stripped_or_none():
    assert valid_email("  anna@example.de ") == "anna@example.de"
    assert valid_email("anna@") is None
    assert valid_email(None) is None


# --- Mandanten ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mandanten", "in_scope"),
    [
        ({"1000"}, True),
        ({"1000", "2000"}, True),
        ({"2000"}, False),
        ({"01000"}, False),  # numbers are strings: leading zeros count
        (set(), False),
    ],
)
def test_mandant_in_scope(mandanten, in_scope):
    for record in (samples.gebaeude(), samples.mieter(), samples.dokument(), samples.ordner()):
        assert mandant_in_scope(record, mandanten) is in_scope


def test_mandant_in_scope_takes_a_frozenset():
    assert mandant_in_scope(samples.einheit(), frozenset({"1000"}))


# --- document filters ------------------------------------------------------------------------


def settings(**changes):
    return DokumenteSettings(separator="_", mandanten=frozenset({"1000"}), **changes)


@pytest.mark.parametrize(
    ("doc_changes", "settings_changes", "reason"),
    [
        # defaults: only released documents, everything else passes
        ({}, {}, None),
        ({"freigegeben": False}, {}, "not_released"),
        ({"freigegeben": False}, {"only_released": False}, None),
        # archives
        ({}, {"archives": frozenset({"Mieterakte"})}, None),
        ({}, {"archives": frozenset({"mieterakte "})}, None),  # case and spaces ignored
        ({}, {"archives": frozenset({"Eigentümerakte"})}, "filtered_archive"),
        ({"archiv": None}, {"archives": frozenset({"Mieterakte"})}, "filtered_archive"),
        ({"archiv": None}, {}, None),
        # keywords in the Bemerkung
        ({}, {"keywords": ("unterschrieben",)}, None),  # case-insensitive, substring
        ({}, {"keywords": ("Kündigung", "Vertrag")}, None),  # any of them
        ({}, {"keywords": ("Kündigung",)}, "filtered_keyword"),
        ({"bemerkung": None}, {"keywords": ("Vertrag",)}, "filtered_keyword"),
        ({"bemerkung": None}, {}, None),
        # dated from
        ({}, {"dated_from": date(2019, 3, 15)}, None),  # the day itself is included
        ({}, {"dated_from": date(2019, 3, 16)}, "filtered_date"),
        ({"datum": None}, {"dated_from": date(2019, 1, 1)}, "filtered_date"),
        ({"datum": None}, {}, None),
        # size limit, default 50 MB
        ({"size": 50 * MB - 1}, {}, None),
        ({"size": 50 * MB}, {}, None),  # larger than 50 MB is skipped, 50 MB is not
        ({"size": 50 * MB + 1}, {}, "too_large"),
        ({"size": 10 * MB}, {"max_bytes": 10 * MB}, None),
        ({"size": 10 * MB + 1}, {"max_bytes": 10 * MB}, "too_large"),
        ({"size": 0}, {}, None),
        # the first failing check names the reason
        ({"freigegeben": False, "size": 60 * MB}, {}, "not_released"),
        (
            {"archiv": "X", "bemerkung": None},
            {"archives": frozenset({"Y"}), "keywords": ("z",)},
            "filtered_archive",
        ),
    ],
)
def test_document_skip_reason(doc_changes, settings_changes, reason):
    assert document_skip_reason(samples.dokument(**doc_changes), settings(**settings_changes)) == (
        reason
    )


def test_the_size_check_never_opens_the_file():
    # given a document whose bytes cannot be read
    def unreadable():
        raise AssertionError("the filter must not read the file")

    doc = samples.dokument(size=51 * MB, opener=unreadable)

    # then
    assert document_skip_reason(doc, settings()) == "too_large"


# --- document targets --------------------------------------------------------------------------

NO_REFERENCE = {
    "we_nr": None,
    "gebaeude_nr": None,
    "einheit_nr": None,
    "vertrag_nr": None,
    "person_nr": None,
}


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (
            {
                "we_nr": "0001",
                "gebaeude_nr": "01",
                "einheit_nr": "003",
                "vertrag_nr": "MV-0001",
                "person_nr": "40001",
            },
            DocumentTarget("partyId", ("person", "1000", "40001")),
        ),
        ({"person_nr": "40001"}, DocumentTarget("partyId", ("person", "1000", "40001"))),
        (
            {"we_nr": "0001", "gebaeude_nr": "01", "einheit_nr": "003", "vertrag_nr": "MV-0001"},
            DocumentTarget("contractId", ("vertrag_nr", "1000", "MV-0001")),
        ),
        (
            {"vertrag_nr": "MV-0001"},
            DocumentTarget("contractId", ("vertrag_nr", "1000", "MV-0001")),
        ),
        (
            {"we_nr": "0001", "gebaeude_nr": "01", "einheit_nr": "003"},
            DocumentTarget("unitId", ("einheit", "1000", "0001", "01", "003")),
        ),
        (
            {"we_nr": "0001", "gebaeude_nr": "01"},
            DocumentTarget("propertyId", ("gebaeude", "1000", "0001", "01")),
        ),
    ],
)
def test_document_target_most_specific_reference_wins(reference, expected):
    doc = samples.dokument(**{**NO_REFERENCE, **reference})

    assert document_target(doc) == expected


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ({"we_nr": "0001"}, "we_only"),
        ({}, "missing_reference"),
        ({"einheit_nr": "003"}, "missing_reference"),  # incomplete: no WE and Gebäude
        ({"we_nr": "0001", "einheit_nr": "003"}, "missing_reference"),
        ({"gebaeude_nr": "01"}, "missing_reference"),
        ({"we_nr": "", "gebaeude_nr": "", "person_nr": ""}, "missing_reference"),
    ],
)
def test_document_without_a_facilioo_target_is_skipped(reference, reason):
    result = document_target(samples.dokument(**{**NO_REFERENCE, **reference}))

    assert isinstance(result, Skip)
    assert result.reason == reason


def test_we_only_document_says_why():
    result = document_target(samples.dokument(**{**NO_REFERENCE, "we_nr": "0001"}))

    assert str(result.message) == (
        "Dokument ist nur einer Wirtschaftseinheit zugeordnet; facilioo hat dafür kein Ziel."
    )
