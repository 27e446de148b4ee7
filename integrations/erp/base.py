"""The ERP connector interface: what every ERP source offers the sync."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Protocol

from integrations.erp.records import Mandant, StreamItem
from integrations.usecases import UseCase


class ErpRead(Protocol):
    """One lazy read of one use case.

    Iterating yields the records (and per-record problems) in dependency order:
    Stammdaten: Wirtschaftseinheit, Gebaeude, Einheit, Person (Mieter, then Eigentümer),
    Vertrag (Mietverträge, then Eigentümerverträge).
    Dokumente: Ordner (a parent before its children), then Dokument.
    ``complete`` is True only after the iterator was exhausted without an error: removals in
    facilioo are only ever derived from a complete read.
    """

    complete: bool

    def __iter__(self) -> Iterator[StreamItem]: ...


class ErpConnector(Protocol):
    """An ERP source. Whoever builds one closes it (``contextlib.closing``) when done."""

    def list_mandanten(self) -> list[Mandant]: ...

    def read(self, use_case: UseCase, *, mandanten: Collection[str]) -> ErpRead: ...

    def close(self) -> None:
        """Release what the connector holds open (files, archives, connections)."""


class GeneratorRead:
    """An ``ErpRead`` over a generator function: lazy, and ``complete`` once it is exhausted.

    Each iteration calls ``produce`` afresh, so a read can be iterated again from the start.
    """

    def __init__(self, produce: Callable[[], Iterator[StreamItem]]) -> None:
        self._produce = produce
        self.complete = False

    def __iter__(self) -> Iterator[StreamItem]:
        self.complete = False
        yield from self._produce()
        self.complete = True
