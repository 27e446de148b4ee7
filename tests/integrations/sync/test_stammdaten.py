from datetime import date
from decimal import Decimal

import pytest

from integrations.erp.records import Anrede, Nutzungsart, VertragsArt
from integrations.facilioo import dialect
from integrations.sync.differ import payload_hash
from integrations.sync.ids import SEPARATORS
from integrations.sync.stammdaten_bodies import (
    contract_person_status,
    creation_skip,
    map_contracts,
    map_entrance,
    map_party,
    map_property,
    map_unit,
    person_party,
    suggest_tenant,
)
from integrations.sync.types import Skip, StammdatenSettings, TargetPayload
from tests.integrations.sync import samples


def always_ok(_person_nr):
    return True


# --- docs/use-cases.md, section 'Stammdaten', row by row: sample records -> expected bodies ----


def test_gebaeude_becomes_a_property_under_the_we_tenant():
    # when
    payload = map_property(samples.gebaeude(), samples.we(), samples.ctx("-"))

    # then
    assert payload == TargetPayload(
        entity="properties",
        key=("gebaeude", "1000", "0001", "01"),
        external_id="1000-0001-01",
        body={
            "tenantId": samples.TENANT_ID,
            "name": "Haus A",
            "number": "1000-0001-01",
            "externalId": "1000-0001-01",
            "street": "Lindenstraße",
            "houseNumber": "12a",
            "zipCode": "04109",
            "city": "Leipzig",
        },
    )


def test_gebaeude_without_bezeichnung_is_named_by_its_address():
    payload = map_property(samples.gebaeude(bezeichnung=None), samples.we(), samples.ctx())

    assert payload.body["name"] == "Lindenstraße 12a"


def test_gebaeude_becomes_the_entrance_facilioo_created_with_the_property():
    # when
    payload = map_entrance(samples.gebaeude(bezeichnung="  "), samples.ctx("|"))

    # then
    assert payload == TargetPayload(
        entity="entrances",
        key=("eingang", "1000", "0001", "01"),
        external_id="1000|0001|01",
        body={
            "name": "Lindenstraße 12a",
            "street": "Lindenstraße",
            "houseNumber": "12a",
            "zipCode": "04109",
            "city": "Leipzig",
        },
        same_id_as=("gebaeude", "1000", "0001", "01"),
    )


def test_einheit_becomes_a_unit_on_the_entrance():
    # when
    payload = map_unit(samples.einheit(), samples.ctx("/"))

    # then
    assert payload == TargetPayload(
        entity="units",
        key=("einheit", "1000", "0001", "01", "003"),
        external_id="1000/0001/01/003",
        body={
            "name": "Wohnung 3",
            "number": "003",
            "externalId": "1000/0001/01/003",
            "floor": 1,
            "typeId": 11,
            "livingArea": 74.5,
        },
        refs={"entranceId": ("gebaeude", "1000", "0001", "01")},
    )


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        (
            {"bezeichnung": None, "nutzungsart": Nutzungsart.STELLPLATZ, "einheit_nr": "900"},
            "name",
            "Stellplatz 900",
        ),
        ({"lage": None}, "floor", None),
        ({"lage": "Erdgeschoss links"}, "floor", 0),
        ({"lage": "Dachgeschoss, mitte"}, "floor", None),
        ({"wohnflaeche": None}, "livingArea", None),
        ({"wohnflaeche": Decimal("61.5")}, "livingArea", 61.5),
        ({"nutzungsart": Nutzungsart.GEWERBE}, "typeId", 12),
        ({"nutzungsart": Nutzungsart.GARAGE}, "typeId", 19),  # not in facilioo: "Sonstiges"
    ],
)
def test_unit_fields(changes, field, value):
    assert map_unit(samples.einheit(**changes), samples.ctx()).body[field] == value


def test_unit_type_is_empty_when_facilioo_has_no_types():
    payload = map_unit(samples.einheit(), samples.ctx(unit_type_ids={}))

    assert payload.body["typeId"] is None


def test_mieter_with_email_becomes_a_party_of_type_user():
    # when
    payload = map_party(samples.mieter(), samples.ctx("_"))

    # then
    assert payload == TargetPayload(
        entity="parties",
        key=("person", "1000", "40001"),
        external_id="1000_40001",
        body={
            "kind": "user",
            "firstNames": "Anna",
            "lastName": "Schmidt",
            "email": "anna.schmidt@example.de",
            "phone": "0341 123456",
            "contactByEmail": True,
            "contactByPush": False,
            "contactByMail": False,
        },
    )
    # and facilioo gets the documented party body: type 7, PrimaryName, SecondaryName
    assert dialect.render_party(payload.body) == {
        "type": 7,
        "primaryName": "Anna",
        "secondaryName": "Schmidt",
        "contactByEmail": True,
        "contactByPush": False,
        "contactByMail": False,
    }


def test_eigentuemer_without_email_becomes_a_party_contacted_by_mail():
    # when
    payload = map_party(samples.eigentuemer(), samples.ctx("."))

    # then
    assert payload == TargetPayload(
        entity="parties",
        key=("person", "1000", "50001"),
        external_id="1000.50001",
        body={
            "kind": "user",
            "firstNames": "Klaus",
            "lastName": "Dr. Weber",  # the Titel goes in front of the last name
            "email": None,
            "phone": "0171 7654321",  # no Telefon: the Mobilnummer
            "contactByEmail": False,
            "contactByPush": False,
            "contactByMail": True,
        },
    )


def test_a_company_has_its_full_name_as_secondary_name_and_no_primary_name():
    person = samples.eigentuemer(
        anrede=Anrede.FIRMA, titel=None, vorname="Egal", nachname=None, firma="Wohnbau Nord GmbH"
    )

    body = dialect.render_party(map_party(person, samples.ctx()).body)

    assert body["secondaryName"] == "Wohnbau Nord GmbH"
    assert body["primaryName"] is None


@pytest.mark.parametrize("anrede", [Anrede.HERR, Anrede.FRAU, Anrede.DIVERS, Anrede.FIRMA, None])
def test_no_salutation_is_sent_while_the_dialect_knows_no_values(anrede):
    body = dialect.render_party(map_party(samples.mieter(anrede=anrede), samples.ctx()).body)

    assert not set(body) - {
        "type",
        "primaryName",
        "secondaryName",
        "contactByEmail",
        "contactByPush",
        "contactByMail",
    }


def test_a_person_without_any_name_is_skipped_with_a_reason():
    person = samples.eigentuemer(titel=None, vorname=None, nachname=None, firma=None)

    result = map_party(person, samples.ctx())

    assert result.reason == "missing_name"
    assert "weder Vor- noch Nachnamen" in str(result.message)


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        (None, "no_email"),
        ("", "no_email"),
        ("anna@", "invalid_email"),
        ("a b@c.de", "invalid_email"),
    ],
)
def test_mieter_without_valid_email_is_skipped(email, reason):
    # when
    result = map_party(samples.mieter(email=email), samples.ctx())

    # then
    assert isinstance(result, Skip)
    assert result.reason == reason
    assert result.key == ("person", "1000", "40001")


def test_no_email_message_says_so():
    result = map_party(samples.mieter(email=None), samples.ctx())

    assert "keine E-Mail-Adresse" in str(result.message)


@pytest.mark.parametrize("email", [None, "klaus.weber@", "klaus.weber@example.de"])
def test_eigentuemer_is_synced_with_or_without_email(email):
    payload = map_party(samples.eigentuemer(email=email), samples.ctx())

    assert isinstance(payload, TargetPayload)
    has_email = email == "klaus.weber@example.de"
    assert payload.body["email"] == (email if has_email else None)
    assert payload.body["contactByEmail"] is has_email
    assert payload.body["contactByMail"] is not has_email
    # never push-only
    assert payload.body["contactByEmail"] or payload.body["contactByMail"]


def test_mietvertrag_becomes_a_tenant_contract():
    # when
    results = map_contracts(samples.mietvertrag(), samples.ctx("_"), person_ok=always_ok)

    # then
    assert results == [
        TargetPayload(
            entity="unit-contracts",
            key=("unit_contract", "1000", "mietvertrag", "MV-0001", "40001"),
            external_id="1000_0001_01_003_MV-0001_40001_MV",
            body={
                "typeId": 4,
                "number": "MV-0001",
                "effectiveFrom": "2019-04-01",
                "terminationAt": None,
                "externalId": "1000_0001_01_003_MV-0001_40001_MV",
            },
            refs={
                "unitId": ("einheit", "1000", "0001", "01", "003"),
                "partyId": ("person", "1000", "40001"),
            },
            aliases=(("vertrag_nr", "1000", "MV-0001"),),
        )
    ]


def test_eigentuemervertrag_becomes_an_owner_contract():
    # when
    (payload,) = map_contracts(samples.eigentuemervertrag(), samples.ctx("_"), person_ok=always_ok)

    # then
    assert payload.body["typeId"] == 3
    assert payload.key == ("unit_contract", "1000", "eigentuemervertrag", "EV-0001", "50001")
    assert payload.refs["partyId"] == ("person", "1000", "50001")


# --- each separator -----------------------------------------------------------------------------


@pytest.mark.parametrize("separator", SEPARATORS)
def test_every_mapper_uses_the_separator_and_keeps_its_key(separator):
    # given records whose numbers contain none of the separators
    vertrag = samples.mietvertrag(vertrag_nr="MV0001")
    ctx = samples.ctx(separator)

    # when
    payloads = [
        map_property(samples.gebaeude(), samples.we(), ctx),
        map_entrance(samples.gebaeude(), ctx),
        map_unit(samples.einheit(), ctx),
        map_party(samples.mieter(), ctx),
        *map_contracts(vertrag, ctx, person_ok=always_ok),
    ]

    # then
    expected = {
        "properties": ["1000", "0001", "01"],
        "entrances": ["1000", "0001", "01"],
        "units": ["1000", "0001", "01", "003"],
        "parties": ["1000", "40001"],
        "unit-contracts": ["1000", "0001", "01", "003", "MV0001", "40001", "MV"],
    }
    for payload in payloads:
        assert payload.external_id == separator.join(expected[payload.entity])
        assert payload.body.get("externalId", payload.external_id) == payload.external_id
    # the bookkeeping key does not depend on the separator
    assert [p.key for p in payloads] == [
        p.key
        for p in (
            map_property(samples.gebaeude(), samples.we(), samples.ctx("|")),
            map_entrance(samples.gebaeude(), samples.ctx("|")),
            map_unit(samples.einheit(), samples.ctx("|")),
            map_party(samples.mieter(), samples.ctx("|")),
            *map_contracts(vertrag, samples.ctx("|"), person_ok=always_ok),
        )
    ]


# --- ambiguous keys and missing tenants ---------------------------------------------------------


@pytest.mark.parametrize(
    ("mapper", "entity"),
    [
        (
            lambda ctx: map_property(samples.gebaeude(gebaeude_nr="01-A"), samples.we(), ctx),
            "properties",
        ),
        (lambda ctx: map_entrance(samples.gebaeude(gebaeude_nr="01-A"), ctx), "entrances"),
        (lambda ctx: map_unit(samples.einheit(einheit_nr="3-1"), ctx), "units"),
        (lambda ctx: map_party(samples.mieter(person_nr="40-001"), ctx), "parties"),
        (lambda ctx: map_party(samples.eigentuemer(mandant_nr="10-00"), ctx), "parties"),
        (
            lambda ctx: map_contracts(samples.mietvertrag(), ctx, person_ok=always_ok)[0],
            "unit-contracts",
        ),
    ],
)
def test_a_number_containing_the_separator_is_skipped_as_ambiguous(mapper, entity):
    # when
    result = mapper(samples.ctx("-"))

    # then
    assert isinstance(result, Skip)
    assert result.reason == "ambiguous_key"
    assert result.entity == entity
    assert "„-“" in str(result.message)  # names the separator

    # and with another separator the same record maps
    assert isinstance(mapper(samples.ctx("_")), TargetPayload)


def test_gebaeude_of_a_we_without_tenant_is_skipped():
    # given no default tenant and no override
    ctx = samples.ctx(tenant_for_we=lambda _key: None)

    # when
    result = map_property(samples.gebaeude(), samples.we(), ctx)

    # then
    assert isinstance(result, Skip)
    assert result.reason == "no_facilioo_tenant"
    assert "0001" in str(result.message)


def test_tenant_assignment_override_before_default():
    # given
    settings = StammdatenSettings(
        separator="-",
        mandanten=frozenset({"1000"}),
        default_tenant_id=7,
        tenant_overrides={("1000", "0002"): 9},
    )
    ctx = samples.ctx(tenant_for_we=settings.tenant_for_we)

    # when
    first = map_property(samples.gebaeude(), samples.we(), ctx)
    second = map_property(samples.gebaeude(we_nr="0002"), samples.we(we_nr="0002"), ctx)

    # then
    assert first.body["tenantId"] == 7
    assert second.body["tenantId"] == 9


def test_map_property_refuses_a_we_of_another_building():
    with pytest.raises(ValueError):
        map_property(samples.gebaeude(), samples.we(we_nr="0002"), samples.ctx())


def test_suggest_tenant_by_external_id_then_by_name():
    tenants = [
        {"id": 1, "name": "Wohnanlage Lindenstraße", "externalId": None},
        {"id": 2, "name": "Anderes Projekt", "externalId": "1000/0001"},
    ]

    assert suggest_tenant(samples.we(), tenants, "/") == 2
    assert suggest_tenant(samples.we(), tenants, "-") == 1
    assert suggest_tenant(samples.we(bezeichnung="Unbekannt"), tenants, "-") is None


# --- couples, tenant-and-owner, ended contracts --------------------------------------------------


def test_a_couple_on_one_contract_gets_two_facilioo_contracts():
    # given
    vertrag = samples.mietvertrag(person_nrs=("40001", "40002"))

    # when
    results = map_contracts(vertrag, samples.ctx("_"), person_ok=always_ok)

    # then
    assert [r.refs["partyId"] for r in results] == [
        ("person", "1000", "40001"),
        ("person", "1000", "40002"),
    ]
    assert [r.external_id for r in results] == [
        "1000_0001_01_003_MV-0001_40001_MV",
        "1000_0001_01_003_MV-0001_40002_MV",
    ]
    assert len({r.key for r in results}) == 2
    assert all(r.refs["unitId"] == vertrag.einheit_key for r in results)
    # documents on the contract go to the first person's contract
    assert results[0].aliases == (("vertrag_nr", "1000", "MV-0001"),)
    assert results[1].aliases == ()


def test_a_couple_where_one_tenant_has_no_email():
    # given the first person has no e-mail address
    vertrag = samples.mietvertrag(person_nrs=("40001", "40002"))
    persons = {
        "40001": samples.mieter(person_nr="40001", email=None),
        "40002": samples.mieter(person_nr="40002", email="bernd@example.de"),
    }

    # when
    first, second = map_contracts(
        vertrag,
        samples.ctx("_"),
        person_ok=lambda nr: contract_person_status(persons.get(nr), vertrag.art),
    )

    # then the first person's contract is skipped with the reason, the second is synced
    assert isinstance(first, Skip)
    assert first.reason == "no_email"
    assert first.key == ("unit_contract", "1000", "mietvertrag", "MV-0001", "40001")
    assert "40001" in str(first.message)
    assert isinstance(second, TargetPayload)
    # and documents go to the contract that exists
    assert second.aliases == (("vertrag_nr", "1000", "MV-0001"),)


def test_a_person_named_twice_on_a_contract_gets_one_contract():
    vertrag = samples.mietvertrag(person_nrs=("40001", "40001"))

    assert len(map_contracts(vertrag, samples.ctx("_"), person_ok=always_ok)) == 1


@pytest.mark.parametrize(
    ("status", "reason"), [(False, "missing_reference"), ("invalid_email", "invalid_email")]
)
def test_person_ok_reasons(status, reason):
    (result,) = map_contracts(samples.mietvertrag(), samples.ctx("_"), person_ok=lambda _: status)

    assert isinstance(result, Skip)
    assert result.reason == reason


@pytest.mark.parametrize(
    ("person", "art", "status"),
    [
        (samples.mieter(), "mietvertrag", True),
        (samples.mieter(email=None), "mietvertrag", "no_email"),
        (samples.mieter(email="x@"), "mietvertrag", "invalid_email"),
        (samples.eigentuemer(email=None), "eigentuemervertrag", True),
        (None, "mietvertrag", "missing_reference"),
        (None, "eigentuemervertrag", "missing_reference"),
    ],
)
def test_contract_person_status(person, art, status):
    assert contract_person_status(person, VertragsArt(art)) == status


def test_tenant_and_owner_is_one_party_from_the_mieter_record():
    # given the same person in mieter.csv and eigentuemer.csv
    as_mieter = samples.mieter(person_nr="60001")
    as_owner = samples.eigentuemer(
        person_nr="60001",
        anrede=Anrede.FRAU,
        titel=None,
        vorname="Anna",
        nachname="Schmidt",
        email=None,
        telefon="030 999",
    )

    # when
    payload = person_party(as_mieter, as_owner, samples.ctx())

    # then one party with one key, mapped from the Mieter record
    assert as_mieter.key == as_owner.key == payload.key == ("person", "1000", "60001")
    assert payload.body == map_party(as_mieter, samples.ctx()).body
    assert payload.body["email"] == "anna.schmidt@example.de"
    assert payload.body["phone"] == "0341 123456"


def test_tenant_and_owner_without_email_is_synced_as_owner_but_not_as_tenant():
    # given
    as_mieter = samples.mieter(person_nr="60001", email=None)
    as_owner = samples.eigentuemer(person_nr="60001", email="")

    # when
    party = person_party(as_mieter, as_owner, samples.ctx())
    rental = map_contracts(
        samples.mietvertrag(person_nrs=("60001",)),
        samples.ctx("_"),
        person_ok=lambda _: contract_person_status(as_mieter, samples.mietvertrag().art),
    )
    owned = map_contracts(
        samples.eigentuemervertrag(person_nrs=("60001",)),
        samples.ctx("_"),
        person_ok=lambda _: contract_person_status(as_owner, samples.eigentuemervertrag().art),
    )

    # then
    assert isinstance(party, TargetPayload)
    assert party.body["contactByMail"] is True
    assert party.body == map_party(as_owner, samples.ctx()).body
    assert [r.reason for r in rental] == ["no_email"]
    assert [type(r) for r in owned] == [TargetPayload]


def test_a_tenant_with_an_invalid_email_who_owns_gets_the_owners_email():
    party = person_party(
        samples.mieter(person_nr="40001", email="kaputt@"),
        samples.eigentuemer(person_nr="40001", email="anna@example.de"),
        samples.ctx(),
    )

    assert isinstance(party, TargetPayload)
    assert party.body["email"] == "anna@example.de"


def test_person_party_with_one_role_maps_it_and_needs_one():
    mieter = samples.mieter()

    assert person_party(mieter, None, samples.ctx()) == map_party(mieter, samples.ctx())
    assert person_party(None, mieter, samples.ctx()) == map_party(mieter, samples.ctx())
    with pytest.raises(ValueError):
        person_party(None, None, samples.ctx())


@pytest.mark.parametrize(
    ("mieter_email", "owner_email"),
    [("a@example.de", None), (None, "b@example.de"), ("kaputt@", None), (None, None)],
)
def test_the_engine_and_the_inspector_make_the_same_party(mieter_email, owner_email):
    """One rule: the engine's mapper, meeting both records in the read's order, and
    ``person_party`` (the record inspector) agree on what is written."""
    from integrations.sync.streams.stammdaten import StammdatenMapper
    from integrations.sync.types import StammdatenSettings

    mieter = samples.mieter(person_nr="60001", email=mieter_email)
    owner = samples.eigentuemer(person_nr="60001", email=owner_email, telefon="030 1")
    mapper = StammdatenMapper(
        StammdatenSettings(separator="-", mandanten=frozenset({mieter.mandant_nr}))
    )
    ctx = samples.ctx()
    written = [*mapper.map(mieter, ctx), *mapper.map(owner, ctx)]
    payloads = [r for r in written if isinstance(r, TargetPayload)]

    assert len(payloads) == 1
    assert payloads[0] == person_party(mieter, owner, ctx)


def test_ended_contract_keeps_its_termination_date():
    # given a contract that ended
    vertrag = samples.mietvertrag(ende=date(2024, 12, 31))

    # when
    (payload,) = map_contracts(vertrag, samples.ctx("_"), person_ok=always_ok)

    # then
    assert payload.body["terminationAt"] == "2024-12-31"
    assert payload.body["effectiveFrom"] == "2019-04-01"


def test_ended_contract_is_not_created_but_updated():
    # given
    ended, running, ends_today = (
        map_contracts(samples.mietvertrag(ende=ende), samples.ctx("_"), person_ok=always_ok)[0]
        for ende in (date(2025, 5, 31), date(2025, 12, 31), samples.TODAY)
    )

    # then: the engine asks creation_skip only before a CREATE
    skipped = creation_skip(ended, samples.TODAY)
    assert skipped is not None
    assert skipped.reason == "ended_contract"
    assert creation_skip(running, samples.TODAY) is None
    assert creation_skip(ends_today, samples.TODAY) is None
    # an update of an existing contract carries the termination date: its hash changes
    open_ended = map_contracts(samples.mietvertrag(), samples.ctx("_"), person_ok=always_ok)[0]
    assert payload_hash(ended.entity, ended.body) != payload_hash(
        open_ended.entity, open_ended.body
    )


def test_creation_skip_ignores_other_entities():
    assert creation_skip(map_unit(samples.einheit(), samples.ctx()), samples.TODAY) is None
