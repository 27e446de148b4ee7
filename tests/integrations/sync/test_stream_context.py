"""The stream interface: streams declare, the engine coordinates, the read side asks."""

from __future__ import annotations

import inspect

import pytest

from integrations.facilioo.entity import Entity
from integrations.sync.stream import StreamBase
from integrations.sync.streams.dokumente import DOKUMENTE, DocumentStream
from integrations.sync.streams.stammdaten import STAMMDATEN
from integrations.sync.types import StammdatenSettings

STREAMS = [stream for pipeline in (STAMMDATEN, DOKUMENTE) for stream in pipeline.streams]


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: str(s.entity))
def test_a_stream_sees_only_its_context(stream: type[StreamBase[object, object]]) -> None:
    """No stream method takes the engine or reaches into another stream."""
    for name, method in inspect.getmembers(stream, inspect.isfunction):
        source = inspect.getsource(method)
        assert "SyncEngine" not in source, name
        assert "engine." not in source, name
        assert ".streams[" not in source, name


def test_the_document_stream_leaves_prepare_to_the_engine() -> None:
    assert "prepare" not in vars(DocumentStream)
    assert "is_created" not in vars(DocumentStream)


def test_every_written_entity_is_the_enum_with_its_natural_key() -> None:
    for stream in STREAMS:
        assert isinstance(stream.entity, Entity)
        assert stream.kind
        assert stream.key_parts > 0


@pytest.mark.parametrize(
    ("pipeline", "entity", "erp_key", "expected"),
    [
        (STAMMDATEN, "units", "1000/0001/01/003", ("einheit", "1000", "0001", "01", "003")),
        (STAMMDATEN, "units", "/1000/0001/01/003/", ("einheit", "1000", "0001", "01", "003")),
        (STAMMDATEN, "units", "1000/0001/01", None),
        (STAMMDATEN, "parties", "1000/P1", ("person", "1000", "P1")),
        (STAMMDATEN, "parties", "1000/P1/x", None),
        (STAMMDATEN, "entrances", "1000/0001/01", ("eingang", "1000", "0001", "01")),
        (STAMMDATEN, "documents", "1000/D1", None),
        (DOKUMENTE, "documents", "1000/Akte/2024/1", ("dokument", "1000", "Akte/2024/1")),
        (DOKUMENTE, "document-groups", "1000/O1", ("ordner", "1000", "O1")),
        (DOKUMENTE, "files", "1000/D1", None),
        (DOKUMENTE, "documents", "1000/", None),
    ],
)
def test_natural_keys_come_from_the_streams(pipeline, entity, erp_key, expected) -> None:
    assert pipeline.parse_key(entity, erp_key) == expected


def test_the_customers_tenants_are_every_assigned_one_and_the_default() -> None:
    settings = StammdatenSettings(
        separator="-",
        mandanten=frozenset({"1000"}),
        default_tenant_id=7,
        tenant_overrides={("1000", "0001"): 3, ("1000", "0002"): 3, ("1000", "0003"): 9},
    )
    assert settings.tenants() == {3, 7, 9}
    without_default = StammdatenSettings(
        separator="-", mandanten=frozenset(), tenant_overrides={("1000", "0001"): 3}
    )
    assert without_default.tenants() == {3}
    assert StammdatenSettings(separator="-", mandanten=frozenset()).tenants() == frozenset()


def test_the_reconciliation_reads_what_the_pipelines_declare() -> None:
    from integrations.drift import reconcile

    assert reconcile.ENTITIES == (
        Entity.PROPERTIES,
        Entity.UNITS,
        Entity.UNIT_CONTRACTS,
        Entity.PARTIES,
    )
    assert reconcile.DOKUMENTE_ENTITIES == (Entity.DOCUMENT_GROUPS, Entity.DOCUMENTS)
