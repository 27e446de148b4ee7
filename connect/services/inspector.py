"""The record inspector ("Datensatz erklären"): one record, explained end to end.

Stammdaten records (properties, entrances, units, parties, unit contracts) and Dokumente
records (document groups, and documents with their files; see ``drift.documents``).
For one record (facilioo entity and ERP key) it gathers:

- the ERP fields as read from the customer's current export, with the export's name and time;
- each facilioo field with its mapping rule (the rule texts of the field-mapping page) and the
  value the mapping makes of the ERP record today;
- what the last run sent (hash, time, body) and the facilioo id;
- facilioo's current state, fetched live with the customer's credentials and a short timeout
  (a clear message instead when facilioo is unreachable), field by field next to what was sent;
- the record's history across runs;
- for a skipped record, the rule that skips it and what in the ERP would make it sync.

It reads facilioo only; nothing is written anywhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connect.models import SyncRunItem
from integrations import registry
from integrations.drift import documents
from integrations.drift.facilioo_names import (
    BODY_FIELD_OF_ROW,
    DELETED,
    as_sent,
    canonical_name,
    compared,
    live_value,
    same_value,
)
from integrations.erp.records import (
    Einheit,
    Gebaeude,
    NaturalKey,
    Person,
    PersonRolle,
    RecordProblem,
    Vertrag,
    VertragsArt,
    Wirtschaftseinheit,
)
from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooError, FaciliooNotFound
from integrations.facilioo.parties import PartyWriter
from integrations.models import ExternalLink, FieldHold
from integrations.reasons import REASONS
from integrations.sync import stammdaten_bodies as maps
from integrations.sync.engine import KEY_SEPARATOR, Lookups, Pipeline
from integrations.sync.links import links_rewrite_next_run
from integrations.sync.mapping_table import MappingRow, mapping_for
from integrations.sync.streams.dokumente import DOKUMENTE
from integrations.sync.streams.dokumente import ENTITY_OF_KIND as DOKUMENTE_KINDS
from integrations.sync.streams.stammdaten import STAMMDATEN, PartyStream
from integrations.sync.types import (
    DokumenteSettings,
    MapContext,
    Skip,
    StammdatenSettings,
    TargetPayload,
)
from integrations.usecases import UseCase

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from connect.models import Customer, SyncRunItem
    from integrations.erp.base import ErpConnector

# The use cases whose records the inspector explains, and the entities they write.
PIPELINES: tuple[Pipeline, ...] = (STAMMDATEN, DOKUMENTE)
# facilioo entity -> first part of the natural key, as the pipelines' streams declare them.
KIND_OF_ENTITY = {
    stream.entity: stream.kind for pipeline in PIPELINES for stream in pipeline.streams
}
LIVE_TIMEOUT_S = 5.0
HISTORY_LIMIT = 50

# What in the ERP (or in the settings) would make a skipped record sync, per reason code.
REMEDIES: dict[str, StrPromise] = {
    "no_email": gettext_lazy("E-Mail-Adresse im ERP hinterlegen."),
    "invalid_email": gettext_lazy("Eine gültige E-Mail-Adresse im ERP hinterlegen."),
    "mandant_filtered": gettext_lazy(
        "Den Mandanten in den Stammdaten-Einstellungen zur Synchronisation auswählen."
    ),
    "no_facilioo_tenant": gettext_lazy(
        "Der Wirtschaftseinheit in den Stammdaten-Einstellungen ein facilioo-Projekt zuordnen "
        "oder ein Standard-Projekt wählen."
    ),
    "ambiguous_key": gettext_lazy(
        "Die ERP-Nummer ohne das Trennzeichen vergeben oder ein anderes Trennzeichen wählen."
    ),
    "missing_reference": gettext_lazy(
        "Den Datensatz, auf den verwiesen wird, im ERP anlegen (und synchronisieren)."
    ),
    "ended_contract": gettext_lazy(
        "Das Vertragsende im ERP prüfen, oder den Zeitraum „beendete Verträge der letzten N "
        "Monate übertragen“ in den Stammdaten-Einstellungen verlängern."
    ),
    "facilioo_rejected": gettext_lazy(
        "Die Meldung von facilioo im Verlauf lesen und den Wert im ERP korrigieren."
    ),
}


class UnknownRecord(Exception):
    """The entity or the ERP key does not name a Stammdaten record."""


@dataclass
class FieldRow:
    name: str  # facilioo field of the request body
    erp_fields: str
    rule: str
    value: Any  # what the mapping makes of today's ERP record
    sent: Any  # last sent, None if unknown
    live: Any  # facilioo now, None if not fetched
    has_sent: bool
    has_live: bool
    differs: bool  # facilioo now differs from what was sent
    held: bool  # "facilioo behält"


@dataclass
class Explanation:
    entity: str
    natural_key: NaturalKey
    erp_key: str  # as the run log writes it: "einheit 1000/0001/01/003"
    source_name: str
    source_time: datetime | None
    erp_fields: list[tuple[str, Any]] | None  # None: not in the current export
    external_id: str
    skip: Skip | None  # the rule that skips the record today
    remedy: str
    fields: list[FieldRow]
    link: ExternalLink | None
    live: dict[str, Any] | None
    live_error: str
    history: list[SyncRunItem] = field(default_factory=list)
    # A document's file: its fields (rule, today, sent, facilioo now) and its link.
    file_fields: list[FieldRow] = field(default_factory=list)
    file_link: ExternalLink | None = None

    @property
    def facilioo_id(self) -> int | None:
        return self.link.facilioo_id if self.link else None

    @property
    def differences(self) -> int:
        return sum(1 for row in [*self.fields, *self.file_fields] if row.differs)


def pipeline_of(entity: str) -> Pipeline:
    """The pipeline that writes ``entity`` (Stammdaten for an entity none writes)."""
    return next((p for p in PIPELINES if p.stream(entity) is not None), STAMMDATEN)


def parse_key(entity: str, erp_key: str) -> NaturalKey:
    """``("units", "1000/0001/01/003")`` -> ``("einheit", "1000", "0001", "01", "003")``."""
    key = pipeline_of(entity).parse_key(entity, erp_key)
    if key is None:
        raise UnknownRecord(erp_key)
    return key


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return value


def _fields_of(record: Any) -> list[tuple[str, Any]]:
    return [
        (f.name, _plain(getattr(record, f.name)))
        for f in dataclasses.fields(record)
        if f.name != "opener"  # a document's way to read its bytes, not an ERP field
    ]


@dataclass
class _Found:
    target: Any = None
    problem: RecordProblem | None = None
    we: Wirtschaftseinheit | None = None
    mieter: dict[str, Person] = field(default_factory=dict)
    owners: dict[str, Person] = field(default_factory=dict)


def _erp_key_of(key: NaturalKey) -> NaturalKey:
    """The ERP record behind a facilioo record's key."""
    if key[0] == "eingang":
        return ("gebaeude", *key[1:])
    if key[0] == "unit_contract":
        return ("vertrag", *key[1:4])
    return key


def _find(connector: ErpConnector, key: NaturalKey) -> _Found:
    """One pass over the export's Stammdaten of the key's Mandant, keeping what mapping needs."""
    wanted = _erp_key_of(key)
    found = _Found()
    for item in connector.read(UseCase.STAMMDATEN, mandanten={key[1]}):
        if isinstance(item, RecordProblem):
            if tuple(item.key) == wanted:
                found.problem = item
            continue
        if isinstance(item, Wirtschaftseinheit) and wanted[0] == "gebaeude":
            if item.key == ("we", wanted[1], wanted[2]):
                found.we = item
        elif isinstance(item, Person) and wanted[0] in {"person", "vertrag"}:
            book = found.mieter if item.rolle is PersonRolle.MIETER else found.owners
            book[item.person_nr] = item
        if getattr(item, "key", None) == wanted and not isinstance(item, Person):
            found.target = item
    if wanted[0] == "person":
        person_nr = wanted[2]
        if person_nr in found.mieter or person_nr in found.owners:
            found.target = found.mieter.get(person_nr) or found.owners.get(person_nr)
    return found


def _map(
    key: NaturalKey, found: _Found, ctx: MapContext, today: date, former_months: int
) -> TargetPayload | Skip | None:
    record = found.target
    if isinstance(record, Gebaeude):
        if found.we is None:
            return Skip("missing_reference", str(REASONS["missing_reference"]))
        if key[0] == "eingang":
            return maps.map_entrance(record, ctx)
        return maps.map_property(record, found.we, ctx)
    if isinstance(record, Einheit):
        return maps.map_unit(record, ctx)
    if isinstance(record, Person):
        # Both roles of the person, in the order the sync meets them.
        return maps.person_party(
            found.mieter.get(record.person_nr), found.owners.get(record.person_nr), ctx
        )
    if isinstance(record, Vertrag):

        def person_ok(person_nr: str) -> bool | str:
            if record.art is VertragsArt.MIETVERTRAG:
                return maps.contract_person_status(
                    found.mieter.get(person_nr), VertragsArt.MIETVERTRAG
                )
            return True if person_nr in found.owners else "missing_reference"

        for result in maps.map_contracts(record, ctx, person_ok=person_ok):
            result_key = result.key
            if result_key == key:
                if isinstance(result, TargetPayload):
                    why = maps.creation_skip(result, today, former_months)
                    return why or result
                return result
    return None


def _carries_our_id(client: FaciliooClient, link: Any) -> bool:
    """Whether facilioo's owner-scoped lookup finds the linked party by our external id (the
    party stream's rule)."""
    external_id = str(link.external_id)
    hits = PartyWriter(client).lookup([external_id])
    return PartyStream.carries_our_id(hits, link.facilioo_id, external_id)


def _not_ours_message(facilioo_id: Any) -> str:
    return _(
        "Die Person %(id)s in facilioo trägt unsere externe ID nicht mehr (zusammengeführt oder "
        "von Hand geändert); ihr aktueller Stand wird nicht gezeigt. Der nächste Lauf sucht die "
        "Person über unsere externe ID und legt sie neu an, wenn keine sie trägt."
    ) % {"id": facilioo_id}


def record_explain(
    *,
    customer: Customer,
    entity: str,
    erp_key: str,
    settings: StammdatenSettings | DokumenteSettings,
    connector: ErpConnector,
    source: tuple[str, datetime | None],
    client_factory: Callable[[], FaciliooClient] | None,
) -> Explanation:
    """Everything about one record; ``client_factory`` is None without a facilioo connection.

    ``settings`` are the Stammdaten settings for a Stammdaten record, the Dokumente settings
    for a document group or a document."""

    key = parse_key(entity, erp_key)
    label = f"{key[0]} {'/'.join(key[1:])}"
    link = _link(customer, entity, key)
    file_link = (
        _link(customer, Entity.FILES, documents.file_key_of(key))
        if entity == Entity.DOCUMENTS
        else None
    )
    history = list(
        SyncRunItem.objects.filter(customer=customer, entity=entity, erp_key=label)
        .select_related("run")
        .order_by("-id")[:HISTORY_LIMIT]
    )
    live: dict[str, Any] | None = None
    file_live: dict[str, Any] | None = None
    live_error = ""
    mapper = pipeline_of(entity).mapper(settings)
    lookups = Lookups()
    client = None
    if client_factory is None:
        live_error = _("Es ist keine facilioo-Verbindung eingerichtet.")
    else:
        try:
            client = client_factory()
        except FaciliooError as exc:
            live_error = str(exc.message)
    if client is not None:
        with client:
            try:
                lookups = mapper.lookups(client)
                if link is not None:
                    live = client.get(Entity(entity), link.facilioo_id)
                    if live.get(DELETED):  # soft-deleted: facilioo's read model keeps it
                        live, live_error = None, _deleted_message(link.facilioo_id)
                        _rewrite(customer, link)
                    elif entity == Entity.PARTIES and not _carries_our_id(client, link):
                        # Shared: what only another company's id reaches is never shown; the
                        # next run finds the person again by our id (or creates it).
                        live, live_error = None, _not_ours_message(link.facilioo_id)
                        _rewrite(customer, link)
                    elif entity == Entity.PARTIES:
                        live = {**live, **_contact_details_now(client, link.facilioo_id)}
                else:
                    live_error = _("Dieser Datensatz wurde noch nicht nach facilioo übertragen.")
                if file_link is not None:
                    with contextlib.suppress(FaciliooNotFound):  # the document is what counts
                        file_live = client.get(Entity.FILES, file_link.facilioo_id)
            except FaciliooNotFound:
                live = None
                live_error = _deleted_message(link.facilioo_id if link else "-")
                if link is not None:
                    _rewrite(customer, link)
            except FaciliooError as exc:
                live_error = _(
                    "facilioo ist gerade nicht erreichbar; der aktuelle Stand dort kann nicht "
                    "gezeigt werden. (%(detail)s)"
                ) % {"detail": exc.message}
    today = timezone.localdate()
    target: Any = None
    payload: TargetPayload | None = None
    skip: Skip | None = None
    file_payload: TargetPayload | None = None
    ctx = mapper.build_context(today, lookups)
    if isinstance(settings, DokumenteSettings):
        target, skip = documents.find(connector, key)
        if target is not None:
            side = documents.explain(target, settings, ctx, _resolver(customer))
            payload, skip, file_payload = side.payload, side.skip, side.file_payload
        remedies: dict[str, Any] = {**REMEDIES, **documents.DOKUMENTE_REMEDIES}
    else:
        found = _find(connector, key)
        target = found.target
        result: TargetPayload | Skip | None = None
        if found.problem is not None:
            result = Skip(found.problem.reason, found.problem.message)
        elif found.target is not None:
            if key[1] not in settings.mandanten:
                result = Skip("mandant_filtered", str(REASONS["mandant_filtered"]))
            else:
                result = _map(key, found, ctx, today, settings.former_contract_months)
        payload = result if isinstance(result, TargetPayload) else None
        skip = result if isinstance(result, Skip) else None
        remedies = dict(REMEDIES)
    held = set(
        FieldHold.objects.filter(
            customer=customer, entity=entity, natural_key=KEY_SEPARATOR.join(key)
        ).values_list("field", flat=True)
    )
    return _explanation(
        entity=entity,
        key=key,
        label=label,
        source=source,
        target=target,
        payload=payload,
        skip=skip,
        remedies=remedies,
        fields=_rows(entity, payload, link, live, held),
        link=link,
        live=live,
        live_error=live_error,
        history=history,
        file_fields=(
            _rows(Entity.FILES, file_payload, file_link, file_live, set())
            if entity == Entity.DOCUMENTS
            else []
        ),
        file_link=file_link,
    )


def _rewrite(customer: Customer, link: ExternalLink) -> None:
    """Deleted in facilioo, or a party without our id: the next run writes it again (so the
    messages below are true)."""
    links_rewrite_next_run(customer_id=customer.pk, records=[(link.entity, link.natural_key)])


# The mapping rows of a party's contact details.
CONTACT_ROWS = frozenset(
    row for row, body in BODY_FIELD_OF_ROW[Entity.PARTIES].items() if body in dialect.CONTACT_TYPES
)


def _contact_details_now(client: FaciliooClient, party_id: int) -> dict[str, Any]:
    """A party's e-mail and phone as facilioo holds them now (they are not in the party's
    record but in its contact details), under their mapping rows' names."""
    now: dict[str, Any] = {}
    for row, body_field in BODY_FIELD_OF_ROW[Entity.PARTIES].items():
        if body_field not in dialect.CONTACT_TYPES:
            continue
        values = [
            value
            for detail in client.contact_details(party_id, body_field)
            if (value := dialect.contact_detail_value(detail))
        ]
        now[row] = ", ".join(values) if values else None
    return now


def _deleted_message(facilioo_id: int | str) -> str:
    return _(
        "facilioo kennt diesen Datensatz (ID %(id)s) nicht mehr: er wurde dort "
        "gelöscht. Der nächste Lauf legt ihn wieder an."
    ) % {"id": facilioo_id}


def _link(customer: Customer, entity: str, key: NaturalKey) -> ExternalLink | None:
    return ExternalLink.objects.filter(
        customer=customer, entity=entity, natural_key=KEY_SEPARATOR.join(key)
    ).first()


def _resolver(customer: Customer) -> Callable[[NaturalKey], int | None]:
    """facilioo id of the record behind a natural key a folder or document refers to."""

    def resolve(key: NaturalKey) -> int | None:
        found = (
            ExternalLink.objects.filter(
                customer=customer,
                entity=DOKUMENTE_KINDS.get(key[0], ""),
                natural_key=KEY_SEPARATOR.join(key),
                deleted=False,
            )
            .values_list("facilioo_id", flat=True)
            .first()
        )
        return int(found) if found is not None else None

    return resolve


def _rows(
    entity: str,
    payload: TargetPayload | None,
    link: ExternalLink | None,
    live: dict[str, Any] | None,
    held: set[str],
    declared: tuple[MappingRow, ...] | None = None,
) -> list[FieldRow]:
    """The rows of one record; ``declared``: the mapping rows (default: the product's table)."""
    rows_of = (
        mapping_for(entity)
        if declared is None
        else [r for r in declared if r.facilioo_entity == entity]
    )
    rules = {canonical_name(entity, row.facilioo_field): row for row in rows_of}
    sent: dict[str, Any] = dict(link.sent_body or {}) if link is not None else {}
    today: dict[str, Any] = dict(payload.body) if payload else {}
    # A body field shown in its mapping row (the party's e-mail under "contactDetails: E-Mail").
    for row_name, body_name in BODY_FIELD_OF_ROW.get(entity, {}).items():
        for values in (sent, today):
            if body_name in values:
                values[row_name] = as_sent(entity, row_name, values.pop(body_name))
    if "externalIds" in rules:  # a party's external id goes into its list of external ids
        if link is not None:
            sent["externalIds"] = link.external_id
        if payload:
            today["externalIds"] = payload.external_id
    names = list(rules)
    for extra in [*today, *sent]:
        if extra not in names:
            names.append(extra)
    rows = []
    for name in names:
        rule = rules.get(name)
        has_sent = name in sent
        # A contact detail is read apart from its record (``_contact_details_now``).
        has_live = live is not None and (compared(entity, name) or name in CONTACT_ROWS)
        live_now = live_value(entity, live, name) if live is not None else None
        rows.append(
            FieldRow(
                name=name,
                erp_fields=rule.erp_field if rule else "",
                rule=str(rule.rule) if rule else "",
                value=today.get(name) if payload else None,
                sent=sent.get(name),
                live=live_now,
                has_sent=has_sent,
                has_live=has_live,
                differs=has_sent and has_live and not same_value(sent.get(name), live_now),
                held=name in held,
            )
        )
    return rows


# The use cases explained above with their own ERP readers; a use case declared elsewhere is
# explained through its pipeline (``record_owner``, ``record_explain_declared``).
EXPLAINED = frozenset({UseCase.STAMMDATEN.value, UseCase.DOKUMENTE.value})


def record_owner(*, customer: Customer, entity: str, erp_key: str) -> tuple[str, NaturalKey] | None:
    """The declared use case whose record this is (linked or logged), and its natural key."""

    parts = tuple(erp_key.strip("/").split("/"))
    if not all(parts):
        return None
    for entry in registry.ENTRIES.values():
        if entry.name in EXPLAINED or entity not in entry.streams:
            continue
        kinds: dict[str, str] = dict(getattr(entry.pipeline.mapper, "entity_of_kind", {}))
        for kind in (k for k, e in kinds.items() if e == entity):
            key = (kind, *parts)
            label = f"{kind} {'/'.join(parts)}"
            if (
                _link(customer, entity, key) is not None
                or SyncRunItem.objects.filter(
                    customer=customer, entity=entity, erp_key=label, run__use_case=entry.name
                ).exists()
            ):
                return entry.name, key
    return None


def _explanation(
    *,
    entity: str,
    key: NaturalKey,
    label: str,
    source: tuple[str, datetime | None],
    target: Any,
    payload: TargetPayload | None,
    skip: Skip | None,
    remedies: Mapping[str, Any],
    history: list[SyncRunItem],
    link: ExternalLink | None,
    **rest: Any,
) -> Explanation:
    """The explanation of a record; without a rule today, a record the last run skipped shows
    that run's reason."""
    if skip is None and payload is None and history and history[0].action == "skipped":
        skip = Skip(history[0].reason, history[0].message_text)
    return Explanation(
        entity=entity,
        natural_key=key,
        erp_key=label,
        source_name=source[0],
        source_time=source[1],
        erp_fields=_fields_of(target) if target is not None else None,
        external_id=(payload.external_id if payload else (link.external_id if link else "")),
        skip=skip,
        remedy=str(remedies.get(skip.reason, "")) if skip else "",
        history=history,
        link=link,
        **rest,
    )


def record_explain_declared(
    *,
    customer: Customer,
    use_case: str,
    entity: str,
    key: NaturalKey,
    settings: Any,
    connector: ErpConnector,
    source: tuple[str, datetime | None],
    client_factory: Callable[[], FaciliooClient] | None,
) -> Explanation:
    """One record of a use case declared through its pipeline: its ERP record and what the
    pipeline's mapper makes of it today, what the last run sent, facilioo now, its history."""

    pipeline = registry.entry(use_case).pipeline
    label = f"{key[0]} {'/'.join(key[1:])}"
    link = _link(customer, entity, key)
    history = list(
        SyncRunItem.objects.filter(customer=customer, entity=entity, erp_key=label)
        .select_related("run")
        .order_by("-id")[:HISTORY_LIMIT]
    )
    live: dict[str, Any] | None = None
    live_error = ""
    client = None
    if client_factory is None:
        live_error = _("Es ist keine facilioo-Verbindung eingerichtet.")
    else:
        try:
            client = client_factory()
        except FaciliooError as exc:
            live_error = str(exc.message)
    mapper = pipeline.mapper(settings)
    today = timezone.localdate()
    target: Any = None
    payload: TargetPayload | None = None
    skip: Skip | None = None
    if client is not None:
        with client:
            try:
                if link is not None:
                    live = client.get(Entity(entity), link.facilioo_id)
                    if live.get(DELETED):
                        live, live_error = None, _deleted_message(link.facilioo_id)
                else:
                    live_error = _("Dieser Datensatz wurde noch nicht nach facilioo übertragen.")
            except FaciliooNotFound:
                live, live_error = None, _deleted_message(link.facilioo_id if link else "-")
            except FaciliooError as exc:
                live_error = _(
                    "facilioo ist gerade nicht erreichbar; der aktuelle Stand dort kann nicht "
                    "gezeigt werden. (%(detail)s)"
                ) % {"detail": exc.message}
            ctx = mapper.context(client, today)
    else:
        ctx = MapContext(separator=settings.separator, today=today)
    reads = pipeline.reads or UseCase(use_case)
    for item in connector.read(reads, mandanten=settings.mandanten):
        for mapped in mapper.map(item, ctx):
            if isinstance(mapped, TargetPayload | Skip) and mapped.key == key:
                target = item
                payload = mapped if isinstance(mapped, TargetPayload) else None
                skip = mapped if isinstance(mapped, Skip) else None
        if target is not None:
            break
    return _explanation(
        entity=entity,
        key=key,
        label=label,
        source=source,
        target=target,
        payload=payload,
        skip=skip,
        remedies=REMEDIES,
        fields=_rows(entity, payload, link, live, set(), declared=pipeline.mapping),
        link=link,
        live=live,
        live_error=live_error,
        history=history,
    )
