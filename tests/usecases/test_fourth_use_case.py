"""A use case declared in this one module gets everything a use case has, from the product.

"WE-Ordner": one facilioo document folder per Wirtschaftseinheit of the ERP export v1 (the
Wirtschaftseinheiten of the Stammdaten part), named "<Präfix> <WE-Nr> <Bezeichnung>". Declared
here once: its typed settings and their schema, its mapper, its one stream, its field mapping
and its registry entry. Nothing else of the product knows it; the tests reach it from outside:
the portal's settings page, the API (settings read and saved, run started), the command line
(``usecase enable``), a run through the real runner against the facilioo sandbox with its log,
the record inspector and the field-mapping page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from connect.models import RunStatus, UseCaseActivation
from connect.services.runner import sync_run_execute
from integrations import registry
from integrations.erp.records import Wirtschaftseinheit
from integrations.sync.engine import Lookups, Mapped, Mapper, Pipeline
from integrations.sync.mapping_table import MappingRow
from integrations.sync.schema import SettingsSchema, Text
from integrations.sync.settings import MANDANTEN, SAFETY_BRAKE, SEPARATOR
from integrations.sync.stream import Stream
from integrations.sync.types import MapContext, TargetPayload
from integrations.usecases import UseCase
from tests.factories import connect_to_sandbox, sandbox_for

NAME = "we_ordner"
KIND = "we_ordner"
ENTITY = "document-groups"


@dataclass(frozen=True, slots=True)
class WeOrdnerSettings:
    separator: str
    mandanten: frozenset[str]
    prefix: str = "WE"
    safety_brake_percent: int = 20


SETTINGS = SettingsSchema(
    settings_type=WeOrdnerSettings,
    fields=(
        SEPARATOR,
        MANDANTEN,
        Text(
            name="prefix",
            label="Präfix des Ordnernamens",
            help="Steht vor der WE-Nummer, z. B. „WE“.",
            default="WE",
            max_length=10,
            message="Das Präfix darf höchstens %(max)s Zeichen lang sein.",
        ),
        SAFETY_BRAKE,
    ),
)


class WeOrdnerMapper(Mapper):
    use_case = NAME
    entity_of_kind = {KIND: ENTITY}

    def __init__(self, settings: WeOrdnerSettings) -> None:
        self.settings = settings

    def build_context(self, today: date, lookups: Lookups) -> MapContext:
        return MapContext(separator=self.settings.separator, today=today)

    def map(self, item: Any, ctx: MapContext) -> list[Mapped]:
        if not isinstance(item, Wirtschaftseinheit):
            return []
        external_id = ctx.separator.join(("ordner", item.mandant_nr, item.we_nr))
        name = f"{self.settings.prefix} {item.we_nr} {item.bezeichnung}"
        return [
            TargetPayload(
                entity=ENTITY,
                key=(KIND, item.mandant_nr, item.we_nr),
                external_id=external_id,
                body={"name": name, "externalId": external_id},
            )
        ]


class WeOrdnerStream(Stream):
    entity = ENTITY


ENTRY = registry.UseCaseEntry(
    name=NAME,
    title="WE-Ordner",
    description="Ein Dokumentenordner je Wirtschaftseinheit.",
    schema=SETTINGS,
    pipeline=Pipeline(
        use_case=NAME,
        mapper=WeOrdnerMapper,
        streams=(WeOrdnerStream,),
        reads=UseCase.STAMMDATEN,
        mapping=(
            MappingRow(
                "Wirtschaftseinheit → WE-Ordner",
                ENTITY,
                "we_nr, bezeichnung",
                "name",
                "Präfix, WE-Nummer und Bezeichnung der Wirtschaftseinheit.",
            ),
            MappingRow(
                "Wirtschaftseinheit → WE-Ordner",
                ENTITY,
                "mandant_nr, we_nr",
                "externalId",
                "„ordner“, Mandant und WE mit dem Trennzeichen verbunden.",
            ),
        ),
    ),
    default_schedule={"minute": "15", "hour": "4", "day_of_week": "mon"},
)

MANDANT = "1000"


@pytest.fixture
def declared() -> Iterator[registry.UseCaseEntry]:
    with registry.registered(ENTRY) as entry:
        yield entry


@pytest.fixture
def connected(db, settings, declared, tenancy):
    """Customer "alpha" (demo ERP) connected to the facilioo sandbox."""
    with sandbox_for(settings) as sandbox:
        connect_to_sandbox(tenancy.a, sandbox)
        yield tenancy, sandbox


def test_the_portal_offers_its_settings_page_derived_from_the_schema(client, declared, tenancy):
    client.force_login(tenancy.admin_a)
    url = reverse("portal:usecase", args=["alpha", NAME])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    # the fields of the schema with their labels, help and defaults; the menu lists it
    assert 'name="separator"' in text
    assert 'name="prefix" id="id_prefix" size="60" value="WE"' in text
    assert "Präfix des Ordnernamens" in text
    assert "Steht vor der WE-Nummer" in text
    assert f'<a href="{url}">WE-Ordner</a>' in text
    # the dashboard has its card, with its name, description and a link to the page
    dashboard = client.get(reverse("portal:dashboard", args=["alpha"])).content.decode()
    assert f'<section class="card" id="card-{NAME}">\n    <h2>WE-Ordner</h2>' in dashboard
    assert "Ein Dokumentenordner je Wirtschaftseinheit." in dashboard
    # a viewer sees it too; another customer's page stays hidden
    client.force_login(tenancy.viewer_a)
    assert client.get(url).status_code == 200
    assert client.get(reverse("portal:usecase", args=["beta", NAME])).status_code == 404


def test_bad_settings_on_the_page_are_named_in_german_and_nothing_is_lost(client, connected):
    tenancy, _sandbox = connected
    client.force_login(tenancy.admin_a)
    url = reverse("portal:usecase", args=["alpha", NAME])
    response = client.post(url, {"separator": "#", "mandanten": [MANDANT], "prefix": "X" * 11})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Das Trennzeichen muss eines von - _ . / | sein." in text
    assert "Das Präfix darf höchstens 10 Zeichen lang sein." in text
    assert f'value="{"X" * 11}"' in text  # what was entered stays
    assert not UseCaseActivation.objects.filter(use_case=NAME).exists()
    # when: good values, then saved and active
    saved = client.post(url, {"separator": "-", "mandanten": [MANDANT], "prefix": "Akte"})
    assert saved.status_code == 302
    activation = UseCaseActivation.objects.get(customer=tenancy.a, use_case=NAME)
    assert activation.settings == {
        "separator": "-",
        "mandanten": [MANDANT],
        "prefix": "Akte",
        "safety_brake_percent": 20,
    }
    assert (activation.schedule_minute, activation.schedule_hour) == ("15", "4")


def test_the_api_reads_validates_and_saves_its_settings(connected):
    tenancy, _sandbox = connected
    api = APIClient()
    api.force_authenticate(tenancy.admin_a)
    url = f"/api/customers/alpha/usecases/{NAME}/"
    listed = [u["use_case"] for u in api.get("/api/customers/alpha/usecases/").json()]
    assert NAME in listed
    assert api.get(url).json()["label"] == "WE-Ordner"
    refused = api.put(url, {"settings": {"mandanten": [MANDANT], "prefix": "Y" * 12}}, "json")
    assert refused.status_code == 400
    assert [e["detail"] for e in refused.json()["errors"]] == [
        "Das Präfix darf höchstens 10 Zeichen lang sein."
    ]
    wrong_type = api.put(url, {"settings": {"mandanten": "1000"}}, "json")
    assert wrong_type.status_code == 400
    assert "Liste" in wrong_type.json()["errors"][0]["detail"]
    saved = api.put(url, {"settings": {"separator": "_", "mandanten": [MANDANT]}}, "json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["settings"] == {
        "separator": "_",
        "mandanten": [MANDANT],
        "prefix": "WE",
        "safety_brake_percent": 20,
    }


def test_the_command_line_enables_it_with_options_from_the_schema(connected):
    tenancy, _sandbox = connected
    with pytest.raises(CommandError, match=r"Das Präfix darf höchstens 10 Zeichen lang sein\."):
        call_command(
            "usecase", "enable", "alpha", NAME, "--separator", "-", "--mandanten", MANDANT,
            "--prefix", "Z" * 11,
        )  # fmt: skip
    assert not UseCaseActivation.objects.filter(use_case=NAME).exists()
    call_command(
        "usecase", "enable", "alpha", NAME, "--separator", ".", "--mandanten", MANDANT,
        "--prefix", "Ordner", "--safety-brake", "30",
    )  # fmt: skip
    activation = UseCaseActivation.objects.get(customer=tenancy.a, use_case=NAME)
    assert activation.settings == {
        "separator": ".",
        "mandanten": [MANDANT],
        "prefix": "Ordner",
        "safety_brake_percent": 30,
    }


def test_a_run_through_the_runner_writes_its_folders_logs_them_and_explains_them(connected, client):
    tenancy, sandbox = connected
    call_command(
        "usecase", "enable", "alpha", NAME, "--separator", "-", "--mandanten", MANDANT,
    )  # fmt: skip
    api = APIClient()
    api.force_authenticate(tenancy.admin_a)
    # when: a run is started through the API and executed by the runner
    started = api.post("/api/customers/alpha/runs/", {"use_case": NAME}, format="json")
    assert started.status_code == 201, started.content
    run = sync_run_execute(run_id=started.json()["id"], client_options={"workers": 1})
    # then: one folder per Wirtschaftseinheit of the Mandant, in facilioo and in the log
    assert run.status == RunStatus.SUCCEEDED, run.error_message
    folders = [
        g
        for g in sandbox.state.records(ENTITY)
        if str(g.get("externalId", "")).startswith(f"ordner-{MANDANT}-")
    ]
    created = run.counts[ENTITY]["created"]
    assert created == len(folders) > 0
    assert all(g["name"].startswith("WE ") for g in folders)
    items = run.items.filter(entity=ENTITY, action="created")
    assert items.count() == created
    log = client
    log.force_login(tenancy.admin_a)
    detail = log.get(reverse("portal:run", args=["alpha", run.pk])).content.decode()
    item = items.order_by("id").first()
    record_url = reverse("portal:record", args=["alpha", ENTITY, item.erp_key.partition(" ")[2]])
    assert record_url in detail  # the log links the record to the inspector
    # the next run changes nothing
    again = api.post("/api/customers/alpha/runs/", {"use_case": NAME}, format="json")
    rerun = sync_run_execute(run_id=again.json()["id"], client_options={"workers": 1})
    assert rerun.counts[ENTITY].get("unchanged") == created
    assert rerun.counts[ENTITY].get("created", 0) == 0
    # the record inspector explains one folder: ERP record, mapping, sent and facilioo now
    page = log.get(record_url)
    assert page.status_code == 200
    text = page.content.decode()
    folder = next(g for g in folders if g["externalId"] == item.external_id)
    assert folder["name"] in text
    assert "Präfix, WE-Nummer und Bezeichnung der Wirtschaftseinheit." in text
    body = api.get(f"/api/customers/alpha/records/{ENTITY}/{item.erp_key.partition(' ')[2]}/")
    assert body.status_code == 200, body.content
    explained = body.json()
    assert explained["facilioo_id"] == folder["id"]
    assert explained["history"][0]["action"] == "created"
    assert dict(explained["erp_fields"])["we_nr"] == item.erp_key.split("/")[-1]
    # and the field-mapping page lists its mapping
    mapping = log.get(reverse("portal:mapping", args=["alpha"])).content.decode()
    assert "Wirtschaftseinheit → WE-Ordner" in mapping
