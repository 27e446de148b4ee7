"""The use-case registry: one entry per use case, asked by everything that handles use cases.

The runner, the activation service, the portal, the API, the command line and the dashboard look
a use case up here (``entry(use_case)``, ``ENTRIES``) instead of naming it. An entry holds
objects, never dotted paths:

- ``schema``: the typed settings schema (``sync.schema.SettingsSchema``): each setting declared
  once with type, default, German label, help, constraints and messages. The validation, the
  typed settings, the defaults and, in ``connect``, the portal form, the API serializer and the
  command-line options are all derived from it;
- ``pipeline``: the use case on the sync engine (``sync.engine.Pipeline``: its mapper and its
  streams, one per facilioo entity, in write order); ``streams`` lists their entities and
  ``build_engine`` builds the engine of one run;
- ``default_schedule``: when a fresh activation runs;
- ``title`` and ``description``: its name and the dashboard text;
- ``reconcilable``: whether a reconciliation ("Abgleich") compares its records with facilioo;
- ``requires``: the use cases whose records this one links to (set up first);
- ``existing_data``: whether its page offers "Bestehende facilioo-Daten zuordnen".

A use case is declared in one module and registered with ``register(entry)``; the built-in ones
are registered below (see docs/use-cases.md, section "Adding a use case").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext_lazy

from integrations.sync.engine import Pipeline, SyncEngine
from integrations.sync.schema import SettingsSchema
from integrations.sync.settings import DOKUMENTE_SETTINGS, STAMMDATEN_SETTINGS
from integrations.sync.streams.dokumente import DOKUMENTE
from integrations.sync.streams.stammdaten import STAMMDATEN
from integrations.usecases import UseCase

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from integrations.erp.base import ErpConnector
    from integrations.facilioo.client import FaciliooClient
    from integrations.sync.links import RunLedger


class Engine(Protocol):
    """What the runner needs of an engine (``sync.engine.SyncEngine``)."""

    counts: Any
    had_failures: bool

    def execute(self) -> None: ...

    def needs_attention(self) -> bool: ...


@dataclass(frozen=True)
class UseCaseEntry:
    name: str
    title: StrPromise | str
    description: StrPromise | str
    schema: SettingsSchema
    pipeline: Pipeline
    default_schedule: Mapping[str, str]
    # A reconciliation ("Abgleich") can compare facilioo's records with what was sent.
    reconcilable: bool = False
    # Use cases whose records this one links to: activated and synced first.
    requires: tuple[str, ...] = ()
    # Its settings page offers "Bestehende facilioo-Daten zuordnen" and the probe.
    existing_data: bool = False

    def __post_init__(self) -> None:
        if self.pipeline.use_case != self.name:
            raise ValueError(f"the pipeline of {self.name!r} is {self.pipeline.use_case!r}")

    @property
    def use_case(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return str(self.title)

    @property
    def settings_type(self) -> type:
        return self.schema.settings_type

    def validate(
        self,
        raw: Mapping[str, Any],
        *,
        known_mandanten: Any,
        tenants: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Stored settings, or ``SettingsInvalid`` naming every problem in German."""
        return self.schema.validate(raw, known_mandanten=known_mandanten, tenants=tenants)

    def from_stored(self, stored: Mapping[str, Any]) -> Any:
        return self.schema.from_stored(stored)

    @property
    def default_settings(self) -> dict[str, Any]:
        return self.schema.defaults()

    @property
    def needs_tenants(self) -> bool:
        """The facilioo projects the account sees are needed to validate the settings."""
        return any(f.kind in {"tenant", "tenant_map"} for f in self.schema.fields)

    @property
    def streams(self) -> tuple[str, ...]:
        """The facilioo entities the use case writes, in order."""
        return self.pipeline.entities

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
            self.pipeline,
            ledger=ledger,
            client=client,
            connector=connector,
            settings=self.from_stored(stored),
            today=today,
        )


ENTRIES: dict[str, UseCaseEntry] = {}


class UnknownUseCase(LookupError):
    pass


def register(entry: UseCaseEntry) -> UseCaseEntry:
    """Add a use case; registering another entry under a taken name is an error."""
    known = ENTRIES.get(entry.name)
    if known is not None and known is not entry:
        raise ValueError(f"the use case {entry.name!r} is registered already")
    ENTRIES[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    ENTRIES.pop(name, None)


@contextlib.contextmanager
def registered(entry: UseCaseEntry) -> Iterator[UseCaseEntry]:
    """``entry`` registered for the duration of the block (a use case of a test)."""
    register(entry)
    try:
        yield entry
    finally:
        unregister(entry.name)


def entry(use_case: str) -> UseCaseEntry:
    """The registry entry of a use case; ``UnknownUseCase`` for one that is not registered."""
    try:
        return ENTRIES[str(use_case)]
    except KeyError:
        raise UnknownUseCase(use_case) from None


def label(use_case: str) -> str:
    """The name of a use case a person reads; an unknown one as it is written."""
    known = ENTRIES.get(str(use_case))
    return known.label if known is not None else str(use_case)


def reconcilable() -> list[str]:
    """The use cases a reconciliation ("Abgleich") can compare, in registry order."""
    return [name for name, e in ENTRIES.items() if e.reconcilable]


def holding(setting: str) -> list[UseCaseEntry]:
    """The entries whose settings declare ``setting`` (for pages that show one)."""
    return [e for e in ENTRIES.values() if setting in e.schema.names]


def names() -> list[str]:
    """The registered use cases, in registry order (command-line choices, API, dashboard)."""
    return list(ENTRIES)


def with_existing_data() -> UseCaseEntry | None:
    """The use case whose records "Bestehende facilioo-Daten zuordnen" matches, if any."""
    return next((e for e in ENTRIES.values() if e.existing_data), None)


register(
    UseCaseEntry(
        name=UseCase.STAMMDATEN.value,
        title=UseCase.STAMMDATEN.label,
        description=gettext_lazy(
            "Wirtschaftseinheiten, Gebäude, Einheiten, Mieter, Eigentümer und Verträge "
            "nach facilioo."
        ),
        schema=STAMMDATEN_SETTINGS,
        pipeline=STAMMDATEN,
        default_schedule={"minute": "0", "hour": "2", "day_of_week": "tue,thu,sun"},
        reconcilable=True,
        existing_data=True,
    )
)
register(
    UseCaseEntry(
        name=UseCase.DOKUMENTE.value,
        title=UseCase.DOKUMENTE.label,
        description=gettext_lazy("Ordner und Dokumente nach facilioo."),
        schema=DOKUMENTE_SETTINGS,
        pipeline=DOKUMENTE,
        default_schedule={"minute": "30", "hour": "3", "day_of_week": "*"},
        reconcilable=True,
        requires=(UseCase.STAMMDATEN.value,),
    )
)
