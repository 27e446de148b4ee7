from datetime import date

import pytest

from integrations.reasons import REASONS
from integrations.sync.types import DokumenteSettings, MapContext, StammdatenSettings, skip
from tests.integrations.sync.reason_codes import reason_codes_in_source

SPEC_REASONS = {
    "no_email",
    "invalid_email",
    "mandant_filtered",
    "no_facilioo_tenant",
    "ambiguous_key",
    "missing_reference",
    "too_large",
    "filtered_archive",
    "facilioo_rejected",
}


def test_every_reason_code_has_a_german_message():
    codes = SPEC_REASONS | set(reason_codes_in_source())

    assert codes <= set(REASONS)
    assert {"not_released", "filtered_keyword", "filtered_date", "we_only", "ended_contract"} <= (
        codes
    )
    for code in REASONS:
        assert str(REASONS[code]).strip()


def test_no_email_message():
    assert "keine E-Mail-Adresse" in str(REASONS["no_email"])


def test_skip_carries_code_message_and_detail():
    result = skip("too_large", detail="60 MB", entity="files", key=("datei", "1000", "D-1"))

    assert result.reason == "too_large"
    assert (
        str(result.message) == "Das Dokument ist größer als die eingestellte Höchstgröße. (60 MB)"
    )
    assert result.entity == "files"
    assert result.key == ("datei", "1000", "D-1")


def test_an_unknown_reason_is_a_programming_error():
    with pytest.raises(KeyError):
        skip("no_such_reason")


def test_dokumente_settings_defaults():
    settings = DokumenteSettings(separator="-", mandanten=frozenset({"1000"}))

    assert settings.only_released is True
    assert settings.archives == frozenset()
    assert settings.keywords == ()
    assert settings.dated_from is None
    assert settings.max_bytes == 50 * 1024 * 1024


def test_stammdaten_settings_defaults_and_tenant_lookup():
    settings = StammdatenSettings(separator="-", mandanten=frozenset({"1000"}))

    assert settings.deletion_policy == "terminate"
    assert settings.safety_brake_percent == 20
    assert settings.tenant_for_we(("we", "1000", "0001")) is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: StammdatenSettings(separator="+", mandanten=frozenset()),
        lambda: StammdatenSettings(separator="-", mandanten=frozenset(), deletion_policy="purge"),
        lambda: StammdatenSettings(separator="-", mandanten=frozenset(), safety_brake_percent=101),
        lambda: DokumenteSettings(separator=" ", mandanten=frozenset()),
        lambda: DokumenteSettings(separator="-", mandanten=frozenset(), max_bytes=0),
        lambda: MapContext(separator=",", today=date(2025, 1, 1)),
    ],
)
def test_invalid_settings_are_refused(make):
    with pytest.raises(ValueError):
        make()
