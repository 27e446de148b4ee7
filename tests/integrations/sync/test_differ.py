from datetime import date
from decimal import Decimal

import pytest

from integrations.sync.differ import ChangeKind, diff, payload_hash, target_hash
from integrations.sync.dokumente_bodies import map_file
from integrations.sync.stammdaten_bodies import map_unit
from tests.integrations.sync import samples

BODY = {"name": "Wohnung 3", "number": "003", "floor": 1, "livingArea": 74.5, "entranceId": 12}


def test_same_body_in_another_key_order_has_the_same_hash():
    reordered = dict(reversed(list(BODY.items())))

    assert list(reordered) != list(BODY)
    assert payload_hash("units", reordered) == payload_hash("units", BODY)


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Wohnung 4"},
        {"floor": 2},
        {"floor": None},
        {"livingArea": 74.6},
        {"entranceId": 13},  # the parent was re-created under a new id
        {"externalId": "1000_0001_01_003"},  # a new field, e.g. after a separator change
    ],
)
def test_a_changed_field_changes_the_hash(changes):
    assert payload_hash("units", {**BODY, **changes}) != payload_hash("units", BODY)


def test_the_entity_is_part_of_the_hash():
    assert payload_hash("units", BODY) != payload_hash("properties", BODY)


def test_volatile_fields_do_not_count():
    read_model = {**BODY, "id": 5, "created": "2025-01-01T00:00:00Z", "lastModified": "x"}

    assert payload_hash("units", read_model) == payload_hash("units", BODY)


def test_hash_is_a_stable_sha256_hex():
    digest = payload_hash("units", BODY)

    assert len(digest) == 64
    assert digest == payload_hash("units", dict(BODY))
    int(digest, 16)


def test_nested_values_dates_and_decimals_hash_canonically():
    first = {"a": {"y": 1, "x": [1, 2]}, "d": date(2025, 1, 2), "n": Decimal("1.50")}
    second = {"n": Decimal("1.50"), "d": date(2025, 1, 2), "a": {"x": [1, 2], "y": 1}}

    assert payload_hash("x", first) == payload_hash("x", second)


def test_extra_changes_the_hash_without_being_in_the_body():
    body = {"name": "a.pdf", "fileTypeId": 1, "externalId": "1000_D-77"}

    assert payload_hash("files", body, extra={"size": 1}) != payload_hash(
        "files", body, extra={"size": 2}
    )


def test_a_replaced_file_is_an_update():
    # given the ERP replaced the bytes of a document (its size changed)
    before = map_file(samples.dokument(), samples.ctx("_"))
    after = map_file(samples.dokument(size=130_000), samples.ctx("_"))

    # then
    assert before.body == after.body
    assert target_hash(before, before.body) != target_hash(after, after.body)


def test_target_hash_covers_the_resolved_parents():
    payload = map_unit(samples.einheit(), samples.ctx("_"))
    parent = ("gebaeude", "1000", "0001", "01")

    assert target_hash(payload, payload.resolved_body({parent: 1})) != target_hash(
        payload, payload.resolved_body({parent: 2})
    )


@pytest.mark.parametrize(
    ("link_hash", "link_exists", "kind"),
    [
        (None, False, ChangeKind.CREATE),
        ("abc", False, ChangeKind.CREATE),
        ("abc", True, ChangeKind.UNCHANGED),
        ("old", True, ChangeKind.UPDATE),
        (None, True, ChangeKind.UPDATE),  # found in facilioo by externalId, never hashed
    ],
)
def test_diff(link_hash, link_exists, kind):
    assert diff("abc", link_hash, link_exists) is kind
