"""The plain types of the sync's pure heart: settings, map context, mapper output, skips.

The engine fills the settings from the use-case activation and builds a ``MapContext`` per run;
the mappers turn canonical ERP records into ``TargetPayload`` (a facilioo request body) or
``Skip`` (a reason code with a German message).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from integrations.erp.records import NaturalKey
from integrations.phrases import Phrase
from integrations.reasons import REASONS
from integrations.sync.ids import check_separator

if TYPE_CHECKING:
    pass

DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # documents above 50 MB are not synced
DEFAULT_SAFETY_BRAKE_PERCENT = 20  # docs/use-cases.md, section 'Records that leave the ERP'
DEFAULT_FORMER_CONTRACT_MONTHS = 24
MAX_FORMER_CONTRACT_MONTHS = 120

DeletionPolicy = Literal["terminate", "delete"]
DELETION_POLICIES: tuple[DeletionPolicy, ...] = ("terminate", "delete")


@dataclass(frozen=True, slots=True)
class Skip:
    """A record (or one facilioo record of it) that is not synced, and why.

    ``entity`` and ``key`` name the facilioo record concerned when a mapper makes several
    from one ERP record (one unit contract per person); otherwise the engine logs the ERP record.
    """

    reason: str
    message: str | Phrase
    entity: str | None = None
    key: NaturalKey | None = None
    # False: a filter took the record out of the sync's scope (too large): it is not marked as
    # read, so a record the sync wrote earlier leaves facilioo.
    in_scope: bool = True


def skip(
    reason: str,
    *,
    detail: str | Phrase | None = None,
    entity: str | None = None,
    key: NaturalKey | None = None,
) -> Skip:
    """A ``Skip`` with the message of ``reason`` from ``REASONS``, plus an optional detail."""
    if reason not in REASONS:
        raise KeyError(reason)  # an unknown reason is a programming error
    return Skip(reason=reason, message=Phrase.reason_with(reason, detail), entity=entity, key=key)


# ---------------------------------------------------------------------------------------------
# Settings the engine fills from the activation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StammdatenSettings:
    separator: str
    mandanten: frozenset[str]
    default_tenant_id: int | None = None
    # (mandant_nr, we_nr) -> facilioo tenant id. Keyed by the ERP numbers rather than the
    # composed id, so the assignment survives a change of separator.
    tenant_overrides: Mapping[tuple[str, str], int] = field(default_factory=dict)
    deletion_policy: DeletionPolicy = "terminate"
    safety_brake_percent: int = DEFAULT_SAFETY_BRAKE_PERCENT
    # "beendete Verträge der letzten N Monate übertragen": contracts that ended within this
    # many months before a run are still created (former tenants' documents need them).
    former_contract_months: int = DEFAULT_FORMER_CONTRACT_MONTHS

    def __post_init__(self) -> None:
        check_separator(self.separator)
        if not 0 <= self.former_contract_months <= MAX_FORMER_CONTRACT_MONTHS:
            raise ValueError("former_contract_months must be between 0 and 120")
        if self.deletion_policy not in DELETION_POLICIES:
            raise ValueError(f"unknown deletion policy {self.deletion_policy!r}")
        if not 0 <= self.safety_brake_percent <= 100:
            raise ValueError("safety_brake_percent must be between 0 and 100")

    def tenant_for_we(self, we_key: NaturalKey) -> int | None:
        """The facilioo tenant of a Wirtschaftseinheit ``("we", M, W)``: override, else default."""
        _, mandant_nr, we_nr = we_key
        return self.tenant_overrides.get((mandant_nr, we_nr), self.default_tenant_id)

    def tenants(self) -> frozenset[int]:
        """The customer's facilioo tenants (projects): every assigned one and the default.

        The one rule for "in the customer's tenants": what a found property must be in to be
        ours (adoption), what existing data is suggested from, what the reconciliation reads."""
        tenants = set(self.tenant_overrides.values())
        if self.default_tenant_id is not None:
            tenants.add(self.default_tenant_id)
        return frozenset(tenants)


@dataclass(frozen=True, slots=True)
class DokumenteSettings:
    separator: str
    mandanten: frozenset[str]
    only_released: bool = True
    archives: frozenset[str] = frozenset()  # empty: every archive
    keywords: tuple[str, ...] = ()  # empty: no keyword filter; else one must be in Bemerkung
    dated_from: date | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    safety_brake_percent: int = DEFAULT_SAFETY_BRAKE_PERCENT

    def __post_init__(self) -> None:
        check_separator(self.separator)
        if self.max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if not 0 <= self.safety_brake_percent <= 100:
            raise ValueError("safety_brake_percent must be between 0 and 100")


# ---------------------------------------------------------------------------------------------
# Map context and mapper output
# ---------------------------------------------------------------------------------------------

# facilioo's file types: only PDF = 1 is documented. Keys are lower-case MIME types, file
# extensions without the dot, MIME major types as "image/*", and "*" as a catch-all.
DEFAULT_FILE_TYPE_IDS: Mapping[str, int] = {"application/pdf": 1, "pdf": 1}


def _no_tenant(_we_key: NaturalKey) -> int | None:
    return None


@dataclass(frozen=True, slots=True)
class MapContext:
    """What the mappers need besides the record; built once per run by the engine."""

    separator: str
    today: date
    # Nutzungsart value ("Wohnung", ...) -> facilioo unit type id; "Sonstiges" is the fallback.
    unit_type_ids: Mapping[str, int] = field(default_factory=dict)
    file_type_ids: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_FILE_TYPE_IDS))
    # WE key ("we", M, W) -> facilioo tenant id; pass ``StammdatenSettings.tenant_for_we``.
    tenant_for_we: Callable[[NaturalKey], int | None] = _no_tenant

    def __post_init__(self) -> None:
        check_separator(self.separator)


@dataclass(frozen=True, slots=True)
class Upload:
    """The bytes a file payload carries: opened as a stream only when uploaded."""

    open: Callable[[], BinaryIO]
    size: int
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class TargetPayload:
    """One facilioo record as the sync wants it to be.

    - ``entity``: facilioo path name ("properties", "entrances", "units", "parties",
      "unit-contracts", "document-groups", "files", "documents").
    - ``key``: the ERP natural key of the record (stable under separator changes); the
      bookkeeping (ExternalLink) is keyed by it.
    - ``body``: the canonical request body, WITHOUT the ids of parent facilioo records.
    - ``refs``: body field -> natural key of the parent whose facilioo id the engine fills in
      (``resolved_body``), e.g. ``{"entranceId": ("gebaeude", M, W, G)}``.
    - ``same_id_as``: the record has no facilioo id of its own but lives under the id of that
      record (the entrance facilioo creates with each property): PATCH it, never POST it.
    - ``aliases``: further natural keys under which the engine records this record's facilioo
      id (the contract a document on an ERP contract is linked to).
    - ``upload``: for files, the bytes to upload through the pre-signed URL.
    - ``hash_extra``: what changes the record without showing in the body (a file's size and
      path); goes into the payload hash only.
    - ``parts``: records written with this one by its stream's write steps (a document's file).
    """

    entity: str
    key: NaturalKey
    external_id: str
    body: dict[str, Any]
    refs: dict[str, NaturalKey] = field(default_factory=dict)
    same_id_as: NaturalKey | None = None
    aliases: tuple[NaturalKey, ...] = ()
    upload: Upload | None = None
    hash_extra: dict[str, Any] = field(default_factory=dict)
    parts: tuple[TargetPayload, ...] = ()

    def resolved_body(self, parent_ids: Mapping[NaturalKey, int]) -> dict[str, Any]:
        """The body with every ref filled in from ``parent_ids`` (natural key -> facilioo id).

        Raises ``KeyError`` naming the missing parent: the engine logs ``missing_reference``.
        """
        body = dict(self.body)
        for name, parent_key in self.refs.items():
            body[name] = parent_ids[parent_key]
        return body


@dataclass(frozen=True, slots=True)
class DocumentTarget:
    """The facilioo record a document is linked to: exactly one of the four id fields."""

    id_field: Literal["partyId", "contractId", "unitId", "propertyId"]
    key: NaturalKey
