"""The use-case registry: one entry per use case, asked by everything that handles use cases.

The runner, the activation service, the portal, the API, the command line and the dashboard look
a use case up here (``entry(use_case)``, ``ENTRIES``) instead of naming it. An entry declares:

- ``settings_type``, ``validate`` and ``from_stored``: the typed settings of the engine, the one
  validation of what a person entered (German messages), and how stored settings become typed;
- ``default_schedule`` and ``default_settings``: what a fresh activation starts with;
- ``pipeline``: the dotted path of the use case on the sync engine (``sync.engine.Pipeline``:
  its mapper and its streams, one per facilioo entity, in write order); ``streams`` lists
  their entities and ``build_engine`` builds the engine of one run;
- ``cli_settings``: the settings from the options of ``manage.py usecase enable``;
- ``portal_url``, ``portal_view``, ``description``: the portal's settings page (URL name, with
  the customer's slug and the use case), the dotted path of the view that serves it (the portal
  hands ``portal:usecase`` to it) and the dashboard text;
- ``api_serializer``: the dotted path of the API's settings serializer;
- ``reconcilable``: whether a reconciliation ("Abgleich") compares its records with facilioo;
- ``requires``: the use cases whose records this one links to (set up first);
- ``existing_data``: whether its page offers "Bestehende facilioo-Daten zuordnen".

Adding a use case means adding its value to ``UseCase`` and one entry here (see
docs/use-cases.md, section "Adding a use case").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

from integrations.sync.engine import SyncEngine
from integrations.sync.settings import (
    DEFAULT_MAX_MB,
    DEFAULT_SAFETY_BRAKE_PERCENT,
    DEFAULT_SEPARATOR,
    dokumente_from_stored,
    stammdaten_from_stored,
    validate_dokumente,
    validate_stammdaten,
)
from integrations.sync.types import (
    DEFAULT_FORMER_CONTRACT_MONTHS,
    DokumenteSettings,
    StammdatenSettings,
)
from integrations.usecases import UseCase

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from integrations.erp.base import ErpConnector
    from integrations.facilioo.client import FaciliooClient
    from integrations.sync.engine import Pipeline
    from integrations.sync.links import RunLedger


class Engine(Protocol):
    """What the runner needs of an engine (``sync.engine.SyncEngine``)."""

    counts: Any
    had_failures: bool

    def execute(self) -> None: ...

    def needs_attention(self) -> bool: ...


@dataclass(frozen=True)
class UseCaseEntry:
    use_case: UseCase
    description: StrPromise
    settings_type: type
    validate: Callable[..., dict[str, Any]]  # (raw, *, known_mandanten, tenants) -> stored
    from_stored: Callable[[Mapping[str, Any]], Any]
    default_schedule: Mapping[str, str]
    pipeline: str  # dotted path of its ``sync.engine.Pipeline``
    cli_settings: Callable[[Mapping[str, Any]], dict[str, Any]]
    portal_url: str
    portal_view: str  # dotted path of the portal's settings view (``connect.portal.<module>``)
    api_serializer: str
    default_settings: Mapping[str, Any] = field(default_factory=dict)
    # The facilioo projects the account sees are needed to validate the settings.
    needs_tenants: bool = False
    # A reconciliation ("Abgleich") can compare facilioo's records with what was sent.
    reconcilable: bool = False
    # Use cases whose records this one links to: activated and synced first.
    requires: tuple[str, ...] = ()
    # Its settings page offers "Bestehende facilioo-Daten zuordnen" and the probe.
    existing_data: bool = False

    @property
    def label(self) -> str:
        return str(self.use_case.label)

    def get_pipeline(self) -> Pipeline:

        pipeline: Pipeline = import_string(self.pipeline)
        return pipeline

    @property
    def streams(self) -> tuple[str, ...]:
        """The facilioo entities the use case writes, in order."""
        return self.get_pipeline().entities

    def build_engine(
        self,
        *,
        ledger: RunLedger,
        client: FaciliooClient,
        connector: ErpConnector,
        stored: Mapping[str, Any],
        today: date,
    ) -> Engine:

        return SyncEngine(
            self.get_pipeline(),
            ledger=ledger,
            client=client,
            connector=connector,
            settings=self.from_stored(stored),
            today=today,
        )


def _common_cli(options: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "separator": options["separator"],
        "mandanten": [m for m in str(options["mandanten"]).split(",") if m.strip()],
        "safety_brake_percent": options["safety_brake"],
    }


def _stammdaten_cli(options: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_common_cli(options),
        "default_tenant_id": options["default_tenant"],
        "deletion_policy": options["deletion_policy"],
    }


def _dokumente_cli(options: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_common_cli(options),
        "archives": options["archives"],
        "keywords": options["keywords"],
        "dated_from": options["dated_from"] or None,
        "max_mb": options["max_mb"],
        "only_released": not options["include_unreleased"],
    }


ENTRIES: dict[str, UseCaseEntry] = {
    entry.use_case.value: entry
    for entry in (
        UseCaseEntry(
            use_case=UseCase.STAMMDATEN,
            description=gettext_lazy(
                "Wirtschaftseinheiten, Gebäude, Einheiten, Mieter, Eigentümer und Verträge "
                "nach facilioo."
            ),
            settings_type=StammdatenSettings,
            validate=validate_stammdaten,
            from_stored=stammdaten_from_stored,
            default_schedule={"minute": "0", "hour": "2", "day_of_week": "tue,thu,sun"},
            default_settings={
                "separator": DEFAULT_SEPARATOR,
                "deletion_policy": "terminate",
                "safety_brake_percent": DEFAULT_SAFETY_BRAKE_PERCENT,
                "former_contract_months": DEFAULT_FORMER_CONTRACT_MONTHS,
            },
            pipeline="integrations.sync.streams.stammdaten.STAMMDATEN",
            cli_settings=_stammdaten_cli,
            portal_url="portal:usecase",
            portal_view="connect.portal.stammdaten.StammdatenSettingsView",
            api_serializer="connect.api.views.usecases.StammdatenSettingsSerializer",
            needs_tenants=True,
            reconcilable=True,
            existing_data=True,
        ),
        UseCaseEntry(
            use_case=UseCase.DOKUMENTE,
            description=gettext_lazy("Ordner und Dokumente nach facilioo."),
            settings_type=DokumenteSettings,
            validate=validate_dokumente,
            from_stored=dokumente_from_stored,
            default_schedule={"minute": "30", "hour": "3", "day_of_week": "*"},
            default_settings={
                "separator": DEFAULT_SEPARATOR,
                "only_released": True,
                "archives": [],
                "keywords": [],
                "dated_from": None,
                "max_mb": DEFAULT_MAX_MB,
                "safety_brake_percent": DEFAULT_SAFETY_BRAKE_PERCENT,
            },
            pipeline="integrations.sync.streams.dokumente.DOKUMENTE",
            cli_settings=_dokumente_cli,
            portal_url="portal:usecase",
            portal_view="connect.portal.dokumente.DokumenteUseCaseView",
            api_serializer="connect.api.views.usecases.DokumenteSettingsSerializer",
            reconcilable=True,
            requires=(UseCase.STAMMDATEN.value,),
        ),
    )
}


class UnknownUseCase(LookupError):
    pass


def entry(use_case: str) -> UseCaseEntry:
    """The registry entry of a use case; ``UnknownUseCase`` for one that is not registered."""
    try:
        return ENTRIES[str(use_case)]
    except KeyError:
        raise UnknownUseCase(use_case) from None


def reconcilable() -> list[str]:
    """The use cases a reconciliation ("Abgleich") can compare, in registry order."""
    return [name for name, e in ENTRIES.items() if e.reconcilable]


def holding(setting: str) -> list[UseCaseEntry]:
    """The entries whose typed settings declare ``setting`` (for pages that show one)."""
    return [e for e in ENTRIES.values() if setting in {f.name for f in fields(e.settings_type)}]


def names() -> list[str]:
    """The registered use cases, in registry order (command-line choices, API, dashboard)."""
    return list(ENTRIES)


def with_existing_data() -> UseCaseEntry | None:
    """The use case whose records "Bestehende facilioo-Daten zuordnen" matches, if any."""
    return next((e for e in ENTRIES.values() if e.existing_data), None)
