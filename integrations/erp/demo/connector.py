"""The demo ERP connector: the demo portfolio read like any ERP, lazily and WE by WE."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator

from integrations.erp.base import ErpRead, GeneratorRead
from integrations.erp.demo import portfolio, showcase
from integrations.erp.demo.portfolio import MandantProfile, People, Structure, WePlan
from integrations.erp.records import Dokument, Mandant, StreamItem
from integrations.usecases import UseCase


class WeBuild:
    """Everything of one WE, each part built on first use from the WE's own random streams."""

    def __init__(self, plan: WePlan) -> None:
        self.plan = plan
        self._structure: Structure | None = None
        self._people: People | None = None

    @property
    def structure(self) -> Structure:
        if self._structure is None:
            build = showcase.showcase_structure if self.plan.showcase else None
            self._structure = (build or portfolio.random_structure)(self.plan)
        return self._structure

    @property
    def people(self) -> People:
        if self._people is None:
            build = showcase.showcase_people if self.plan.showcase else None
            self._people = (build or portfolio.random_people)(self.plan, self.structure)
        return self._people

    def documents(self) -> list[Dokument]:
        return portfolio.build_documents(self.plan, self.structure, self.people)


class DemoConnector:
    """A deterministic, realistic German portfolio of ``units`` units.

    The same ``(units, seed)`` always gives the same records. Reads are lazy: records are made
    WE by WE while iterating, one pass per entity type, so memory does not grow with ``units``.
    """

    def __init__(self, units: int = 200, seed: int = 1) -> None:
        if units < 1:
            raise ValueError("units must be at least 1")
        self.units = units
        self.seed = seed
        self._budgets = portfolio.unit_budgets(units)

    def close(self) -> None:
        """Nothing is held open: the portfolio is generated in memory."""

    def list_mandanten(self) -> list[Mandant]:
        return portfolio.mandanten(self.units)

    def read(self, use_case: UseCase, *, mandanten: Collection[str]) -> ErpRead:
        wanted = set(mandanten)
        profiles = [p for p in portfolio.profiles_for(self.units) if p.mandant_nr in wanted]
        if use_case == UseCase.STAMMDATEN:
            return GeneratorRead(lambda: self._stammdaten(profiles))
        if use_case == UseCase.DOKUMENTE:
            return GeneratorRead(lambda: self._dokumente(profiles))
        raise ValueError(f"unknown use case {use_case!r}")

    def plans(self, profiles: Iterable[MandantProfile]) -> Iterator[WePlan]:
        for profile in profiles:
            yield from portfolio.we_plans(profile, self._budgets[profile.mandant_nr], self.seed)

    def _stammdaten(self, profiles: list[MandantProfile]) -> Iterator[StreamItem]:
        # One pass per entity type, in dependency order; each pass builds every WE again.
        passes: tuple[Callable[[WeBuild], Iterable[StreamItem]], ...] = (
            lambda we: (we.structure.we,),
            lambda we: we.structure.gebaeude,
            lambda we: we.structure.einheiten,
            lambda we: we.people.mieter,
            lambda we: we.people.eigentuemer,
            lambda we: we.people.mietvertraege,
            lambda we: we.people.eigentuemervertraege,
        )
        for records_of in passes:
            for plan in self.plans(profiles):
                yield from records_of(WeBuild(plan))

    def _dokumente(self, profiles: list[MandantProfile]) -> Iterator[StreamItem]:
        for profile in profiles:
            yield from portfolio.mandant_folders(profile.mandant_nr)
            for plan in self.plans((profile,)):
                yield from portfolio.we_folders(plan)
        for plan in self.plans(profiles):
            yield from WeBuild(plan).documents()
