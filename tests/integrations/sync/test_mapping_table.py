"""The field-mapping table describes exactly what the mappers send, so it cannot drift."""

from collections import defaultdict

from integrations.erp.records import Anrede
from integrations.facilioo import dialect
from integrations.sync.dokumente_bodies import map_document, map_document_group, map_file
from integrations.sync.filters import document_target
from integrations.sync.mapping_table import MAPPING, mapping_for
from integrations.sync.stammdaten_bodies import (
    map_contracts,
    map_entrance,
    map_party,
    map_property,
    map_unit,
)
from integrations.sync.types import TargetPayload
from tests.integrations.sync import samples

NO_REFERENCE = {"gebaeude_nr": None, "einheit_nr": None, "vertrag_nr": None, "person_nr": None}


def sample_payloads():
    """Every mapper on sample records, through every branch that shapes the body."""
    ctx = samples.ctx("_")
    docs = [
        samples.dokument(person_nr="40001"),
        samples.dokument(),
        samples.dokument(vertrag_nr=None),
        samples.dokument(**{**NO_REFERENCE, "gebaeude_nr": "01"}),
    ]
    results = [
        map_property(samples.gebaeude(), samples.we(), ctx),
        map_entrance(samples.gebaeude(), ctx),
        map_unit(samples.einheit(), ctx),
        map_party(samples.mieter(), ctx),
        map_party(samples.eigentuemer(anrede=Anrede.FIRMA, nachname=None, firma="X GmbH"), ctx),
        *map_contracts(samples.mietvertrag(), ctx, person_ok=lambda _: True),
        *map_contracts(samples.eigentuemervertrag(), ctx, person_ok=lambda _: True),
        map_document_group(samples.ordner(), ctx),
        map_document_group(samples.ordner(ordner_id="O-11", parent_id="O-10"), ctx),
        *(map_file(doc, ctx) for doc in docs),
        *(map_document(doc, document_target(doc), ctx) for doc in docs),
    ]
    assert all(isinstance(result, TargetPayload) for result in results)
    return results


CONTACT_ROWS = {"email": "contactDetails: E-Mail", "phone": "contactDetails: Telefon"}


def produced_fields():
    """What reaches facilioo, in facilioo's names (the dialect renders the canonical bodies)."""
    fields = defaultdict(set)
    for payload in sample_payloads():
        canonical = {**payload.body, **dict.fromkeys(payload.refs, 1)}
        if payload.entity == "parties":
            fields["parties"] |= set(dialect.render_party(canonical)) | {"externalIds"}
            fields["parties"] |= {CONTACT_ROWS[k] for k in CONTACT_ROWS if canonical.get(k)}
        else:
            fields[payload.entity] |= set(dialect.render(payload.entity, canonical))
    return fields


def test_every_field_the_mappers_send_is_in_the_table():
    table = {(row.facilioo_entity, row.facilioo_field) for row in MAPPING}

    produced = {(entity, name) for entity, names in produced_fields().items() for name in names}

    assert produced - table == set(), "fields sent but missing in the mapping table"
    assert table - produced == set(), "rows in the mapping table that no mapper sends"


def test_each_field_is_listed_once_per_entity():
    rows = [(row.facilioo_entity, row.facilioo_field) for row in MAPPING]

    assert len(rows) == len(set(rows))


def test_rows_are_complete_and_german():
    for row in MAPPING:
        assert str(row.entity).strip()
        assert str(row.rule).strip()
        assert row.facilioo_field


def test_the_table_covers_every_facilioo_entity_in_sync_order():
    entities = list(dict.fromkeys(row.facilioo_entity for row in MAPPING))

    assert entities == [
        "properties",
        "entrances",
        "units",
        "parties",
        "unit-contracts",
        "document-groups",
        "files",
        "documents",
    ]
    assert [row.facilioo_field for row in mapping_for("files")] == [
        "name",
        "fileTypeId",
        "externalId",
    ]
