"""Every reason code the sync can write into a run's log has a German message (and English).

The codes are found by reading the source (``reason_codes``), not by listing them here.
"""

from __future__ import annotations

from django.utils import translation

from integrations.reasons import REASONS
from tests.integrations.sync.reason_codes import reason_codes_in_source


def test_the_scan_finds_the_codes_of_every_kind_of_source():
    codes = reason_codes_in_source()
    # keyword arguments in both engines, skip() in the mappers, returns of the filters,
    # module constants of the ERP reader
    assert {"facilioo_rejected", "missing_in_erp"} <= set(codes)
    assert {"ended_contract", "ambiguous_key", "we_only"} <= set(codes)
    assert {"no_email", "invalid_email", "not_released", "too_large"} <= set(codes)
    # both branches of a conditional reason= keyword
    assert {"foreign_match", "number_taken"} <= set(codes)
    assert "erp/file/reader.py" in codes["missing_reference"]


def test_every_reason_code_has_a_german_message_and_an_english_translation():
    codes = reason_codes_in_source()
    without = sorted(code for code in codes if code not in REASONS)
    assert not without, f"reason codes without a message in REASONS: {without}"
    for code in sorted(codes):
        with translation.override("de"):
            german = str(REASONS[code])
        with translation.override("en"):
            english = str(REASONS[code])
        assert german.endswith("."), (code, german)
        assert " " in german, (code, german)
        assert english != german, f"{code}: no English translation"
