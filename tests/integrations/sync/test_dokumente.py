import pytest

from integrations.sync.dokumente_bodies import map_document, map_document_group, map_file
from integrations.sync.filters import document_target
from integrations.sync.ids import SEPARATORS
from integrations.sync.types import DocumentTarget, Skip, TargetPayload
from tests.integrations.sync import samples

PARTY = DocumentTarget("partyId", ("person", "1000", "40001"))


def test_top_level_ordner_becomes_a_root_document_group():
    # when
    payload = map_document_group(samples.ordner(), samples.ctx("_"))

    # then
    assert payload == TargetPayload(
        entity="document-groups",
        key=("ordner", "1000", "O-10"),
        external_id="1000_O-10",
        body={"name": "Mietverträge", "parentId": None, "externalId": "1000_O-10"},
    )


def test_nested_ordner_keeps_its_tree():
    payload = map_document_group(
        samples.ordner(ordner_id="O-11", name="2024", parent_id="O-10"), samples.ctx("_")
    )

    assert "parentId" not in payload.body  # the engine fills it in
    assert payload.refs == {"parentId": ("ordner", "1000", "O-10")}
    assert payload.resolved_body({("ordner", "1000", "O-10"): 88})["parentId"] == 88


def test_dokument_becomes_a_file_with_its_bytes():
    # given
    doc = samples.dokument()

    # when
    payload = map_file(doc, samples.ctx("_"))

    # then
    assert payload.entity == "files"
    assert payload.key == ("datei", "1000", "D-77")
    assert payload.external_id == "1000_D-77"
    assert payload.body == {
        "name": "Mietvertrag_Schmidt.pdf",
        "fileTypeId": 1,
        "externalId": "1000_D-77",
    }
    assert payload.refs == {}
    assert payload.upload is not None
    assert payload.upload.size == 120_000
    with payload.upload.open() as stream:
        assert stream.read() == b"%PDF-1.4 sample"
    assert payload.hash_extra == {"size": 120_000, "datei": "docs/mv-0001.pdf"}


@pytest.mark.parametrize(
    ("mime_type", "dateiname", "file_type_id"),
    [
        ("application/pdf", "a.pdf", 1),
        ("application/PDF; charset=binary", "a", 1),
        (None, "Scan.PDF", 1),
        ("image/jpeg", "foto.jpg", 2),  # by major type
        ("image/png", "foto.png", 3),  # exact MIME type first
        (None, "foto.jpeg", 2),  # by extension
        ("text/plain", "notiz.txt", 9),  # catch-all
    ],
)
def test_file_type_by_mime_type_then_extension(mime_type, dateiname, file_type_id):
    ctx = samples.ctx(
        file_type_ids={
            "application/pdf": 1,
            "pdf": 1,
            "image/*": 2,
            "jpeg": 2,
            "image/png": 3,
            "*": 9,
        }
    )

    payload = map_file(samples.dokument(mime_type=mime_type, dateiname=dateiname), ctx)

    assert payload.body["fileTypeId"] == file_type_id


def test_file_type_is_empty_when_unknown():
    payload = map_file(samples.dokument(mime_type="text/plain", dateiname="a.txt"), samples.ctx())

    assert payload.body["fileTypeId"] is None


def test_dokument_becomes_a_document_linking_file_folder_and_target():
    # given
    doc = samples.dokument()
    target = document_target(doc)

    # when
    payload = map_document(doc, target, samples.ctx("_"))

    # then
    assert payload == TargetPayload(
        entity="documents",
        key=("dokument", "1000", "D-77"),
        external_id="1000_D-77",
        body={
            "title": "Mietvertrag Schmidt",
            "description": "Unterschriebener Vertrag",
            "date": "2019-03-15",
            "externalId": "1000_D-77",
            "propertyId": None,
            "unitId": None,
            "partyId": None,
        },
        refs={
            "documentGroupId": ("ordner", "1000", "O-10"),
            "contractId": ("vertrag_nr", "1000", "MV-0001"),
            "fileId": ("datei", "1000", "D-77"),
        },
    )


@pytest.mark.parametrize(
    "target",
    [
        PARTY,
        DocumentTarget("contractId", ("vertrag_nr", "1000", "MV-0001")),
        DocumentTarget("unitId", ("einheit", "1000", "0001", "01", "003")),
        DocumentTarget("propertyId", ("gebaeude", "1000", "0001", "01")),
    ],
)
def test_document_has_exactly_one_target(target):
    # when
    payload = map_document(samples.dokument(), target, samples.ctx("_"))
    body = payload.resolved_body(
        {key: number for number, key in enumerate(payload.refs.values(), start=1)}
    )

    # then
    target_fields = {"propertyId", "unitId", "contractId", "partyId"}
    assert {name for name in target_fields if body[name] is not None} == {target.id_field}
    assert payload.refs[target.id_field] == target.key


def test_document_without_title_remark_or_date():
    payload = map_document(
        samples.dokument(titel=" ", bemerkung="  ", datum=None), PARTY, samples.ctx("_")
    )

    assert payload.body["title"] == "Mietvertrag_Schmidt.pdf"
    assert payload.body["description"] is None
    assert payload.body["date"] is None


def test_long_titles_are_cut_to_255_characters():
    payload = map_document(samples.dokument(titel="x" * 300), PARTY, samples.ctx("_"))

    assert payload.body["title"] == "x" * 255


@pytest.mark.parametrize("separator", SEPARATORS)
def test_document_ids_follow_the_separator(separator):
    # given numbers without any separator
    doc = samples.dokument(dokument_id="D77", ordner_id="O10")
    ctx = samples.ctx(separator)

    # then document and file share their id
    assert map_file(doc, ctx).external_id == f"1000{separator}D77"
    assert map_document(doc, PARTY, ctx).external_id == f"1000{separator}D77"
    assert map_document_group(samples.ordner(ordner_id="O10"), ctx).external_id == (
        f"1000{separator}O10"
    )


@pytest.mark.parametrize(
    ("result", "entity"),
    [
        (map_document_group(samples.ordner(), samples.ctx("-")), "document-groups"),
        (map_file(samples.dokument(), samples.ctx("-")), "files"),
        (map_document(samples.dokument(), PARTY, samples.ctx("-")), "documents"),
    ],
)
def test_document_ids_with_the_separator_are_ambiguous(result, entity):
    assert isinstance(result, Skip)
    assert result.reason == "ambiguous_key"
    assert result.entity == entity


def test_resolved_body_names_a_missing_parent():
    payload = map_document(samples.dokument(), PARTY, samples.ctx("_"))

    with pytest.raises(KeyError) as caught:
        payload.resolved_body({("ordner", "1000", "O-10"): 1})

    assert caught.value.args[0] in (PARTY.key, ("datei", "1000", "D-77"))
