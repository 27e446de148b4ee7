"""An ERP connector that applies an edit to every record of another one.

Benchmarks and tests use it to play a customer's ERP changing between two runs: a new e-mail
address, a contract gone, bigger documents.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

from integrations.erp.base import ErpConnector, ErpRead
from integrations.erp.records import Mandant, StreamItem
from integrations.usecases import UseCase

Edit = Callable[[StreamItem], StreamItem | None]


class _EditedRead:
    def __init__(self, read: ErpRead, edit: Edit) -> None:
        self._read, self._edit = read, edit
        self.complete = False

    def __iter__(self) -> Iterator[StreamItem]:
        for item in self._read:
            edited = self._edit(item)
            if edited is not None:
                yield edited
        # Complete only when the read underneath is: removals depend on it.
        self.complete = self._read.complete


class EditedConnector:
    """``base`` with ``edit(record)`` applied to each record; an edit returning None drops it."""

    def __init__(self, base: ErpConnector, edit: Edit) -> None:
        self.base, self.edit = base, edit

    def list_mandanten(self) -> list[Mandant]:
        return self.base.list_mandanten()

    def close(self) -> None:
        self.base.close()

    def read(self, use_case: UseCase, *, mandanten: Collection[str]) -> ErpRead:
        return _EditedRead(self.base.read(use_case, mandanten=mandanten), self.edit)
