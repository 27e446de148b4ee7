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

from django.utils.translation import gettext_lazy

from connect.phrases import Phrase
from integrations.erp.records import NaturalKey
from integrations.sync.ids import check_separator

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # SPEC 2.2: documents above 50 MB are not synced
DEFAULT_SAFETY_BRAKE_PERCENT = 20  # SPEC 2.7
DEFAULT_FORMER_CONTRACT_MONTHS = 24
MAX_FORMER_CONTRACT_MONTHS = 120

DeletionPolicy = Literal["terminate", "delete"]
DELETION_POLICIES: tuple[DeletionPolicy, ...] = ("terminate", "delete")


# ---------------------------------------------------------------------------------------------
# Reason codes: the one table of every reason a record is skipped or fails, with its German
# message. The portal shows it (translated), the run log stores code and message.
# ---------------------------------------------------------------------------------------------

REASONS: dict[str, StrPromise] = {
    # SPEC §3
    "no_email": gettext_lazy("Mieter hat keine E-Mail-Adresse."),
    "invalid_email": gettext_lazy("Die E-Mail-Adresse des Mieters ist ungültig."),
    "mandant_filtered": gettext_lazy("Der Mandant ist nicht zur Synchronisation ausgewählt."),
    "no_facilioo_tenant": gettext_lazy(
        "Der Wirtschaftseinheit ist kein facilioo-Mandant (Projekt) zugeordnet."
    ),
    "ambiguous_key": gettext_lazy(
        "Eine ERP-Nummer enthält das Trennzeichen oder ist leer; die zusammengesetzte ID wäre "
        "nicht eindeutig."
    ),
    "missing_reference": gettext_lazy(
        "Der Datensatz verweist auf einen Datensatz, der im ERP oder in facilioo fehlt."
    ),
    "too_large": gettext_lazy("Das Dokument ist größer als die eingestellte Höchstgröße."),
    "filtered_archive": gettext_lazy("Das Archiv des Dokuments ist nicht ausgewählt."),
    "facilioo_rejected": gettext_lazy("facilioo hat den Datensatz abgelehnt."),
    # Dokumente filters and targets
    "not_released": gettext_lazy("Das Dokument ist im ERP nicht freigegeben."),
    "filtered_keyword": gettext_lazy(
        "Die Bemerkung des Dokuments enthält keines der ausgewählten Stichwörter."
    ),
    "filtered_date": gettext_lazy(
        "Das Dokument ist älter als das eingestellte Datum oder hat kein Datum."
    ),
    "we_only": gettext_lazy(
        "Dokument ist nur einer Wirtschaftseinheit zugeordnet; facilioo hat dafür kein Ziel."
    ),
    # Stammdaten
    "missing_in_erp": gettext_lazy("Fehlt im ERP; in facilioo nicht gelöscht."),
    "ended_contract": gettext_lazy(
        "Der Vertrag ist bereits beendet und wird in facilioo nicht neu angelegt."
    ),
    "missing_name": gettext_lazy(
        "Die Person hat weder Vor- noch Nachnamen noch Firma; facilioo verlangt einen Namen."
    ),
    # facilioo side (SPEC 4.2)
    "foreign_match": gettext_lazy(
        "In facilioo trägt ein Datensatz außerhalb Ihrer Mandanten (Projekte) diese externe "
        "ID; er wurde nicht übernommen und nicht verändert."
    ),
    # a record already in facilioo whose externalId is rewritten in place (an update)
    "contract_kind_added": gettext_lazy(
        "Die externe ID des Vertrags enthält jetzt die Vertragsart (MV = Mietvertrag, EV = "
        "Eigentümervertrag). Der Vertrag in facilioo wurde umbenannt, nicht neu angelegt."
    ),
    "external_id_changed": gettext_lazy(
        "Die externe ID hat sich geändert (zum Beispiel durch ein anderes Trennzeichen). Der "
        "Datensatz in facilioo wurde umbenannt, nicht neu angelegt."
    ),
    "deleted_in_facilioo": gettext_lazy("In facilioo gelöscht; mit allen Feldern wieder angelegt."),
    "number_taken": gettext_lazy(
        "facilioo hat das Anlegen abgelehnt, weil die Nummer in diesem Mandanten bereits "
        "vergeben ist. Der Datensatz wird nicht erneut angelegt; bitte prüfen Sie den "
        "bestehenden Datensatz in facilioo."
    ),
}


# Skips that mean facilioo cannot hold what the ERP says until someone acts: our id on a
# record outside the customer's reach, or a record whose parent is missing. A run with any of
# them ends as a warning with an alert, never "succeeded".
ATTENTION_REASONS: frozenset[str] = frozenset({"foreign_match", "missing_reference"})


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
    - ``body``: the request body per SPEC §4, WITHOUT the ids of parent facilioo records.
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
