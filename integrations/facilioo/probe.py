"""The conformance probe: does facilioo speak the dialect we think it does?

With a customer's credentials and in one chosen tenant, the probe creates one throw-away record
of each kind the product writes, reads each back, and compares every field it sent with what
came back: ``accepted`` (same value), ``ignored`` (missing or empty), ``changed`` (another value,
both shown) or ``refused`` (facilioo's status and message). Afterwards it removes or ends what it
created; a party only loses our external id (parties are shared, they are never deleted).

Every request goes through the client, every name through :mod:`integrations.facilioo.dialect`:
a mismatch names the dialect entry (entity and canonical field) to change.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any, Literal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from integrations.facilioo import dialect
from integrations.facilioo.client import Entity, FaciliooClient
from integrations.facilioo.errors import FaciliooError, FaciliooRecordRejected
from integrations.facilioo.parties import PartyWriter
from integrations.phrases import Phrase, stored_text, to_data

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
Outcome = Literal["accepted", "ignored", "changed", "refused"]
# A minimal valid PDF (one empty page), so a real storage accepts it as a PDF.
PROBE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class Check:
    entity: str
    field: str
    sent: Any
    got: Any
    outcome: Outcome
    message: str | Phrase = ""


@dataclass(frozen=True)
class Assumption:
    """A dialect entry facilioo's documentation does not settle (evidence I), and the checks of
    the probe that decide it: the go-live checklist."""

    key: str
    label: str  # German, for the probe page
    checks: tuple[tuple[str, str], ...]  # (entity, field) of the checks that prove it


# What is still inferred in the dialect, and which check of the probe confirms each.
ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "contact_detail_create",
        gettext_noop(
            "Kontaktdaten: Anlage über POST /api/contact-details mit partyId, contactTypeId, value"
        ),
        ((Entity.CONTACT_DETAILS, "partyId"), (Entity.CONTACT_DETAILS, "value")),
    ),
    Assumption(
        "contact_types",
        gettext_noop("Kontaktarten: E-Mail ist contactTypeId 1"),
        ((Entity.CONTACT_DETAILS, "contactTypeId"), (Entity.CONTACT_DETAILS, "search")),
    ),
    Assumption(
        "upload_answer",
        gettext_noop(
            "Datei-Upload: PUT /api/files/{id}/upload liefert die Upload-Adresse (Text oder url)"
        ),
        ((Entity.FILES, "upload"),),
    ),
    Assumption(
        "external_id_read",
        gettext_noop("Externe IDs: die Einträge der Sammelsuche heißen partyId und externalId"),
        ((Entity.PARTIES, "PartyExternalIdRead"),),
    ),
    Assumption(
        "lookup",
        gettext_noop(
            "Externe IDs: die Sammelsuche findet unsere ID ohne Rücksicht auf "
            "Groß-/Kleinschreibung und keine fremde"
        ),
        ((Entity.PARTIES, "lookup"), (Entity.PARTIES, "lookup (unbekannte ID)")),
    ),
    Assumption(
        "party_marker",
        gettext_noop(
            "Personen: die Anlage-Marke im vierten Namensfeld wird gespeichert und per searchTerm "
            "gefunden"
        ),
        ((Entity.PARTIES, "marker"), (Entity.PARTIES, "searchTerm")),
    ),
    Assumption(
        "refresh",
        gettext_noop("Anmeldung: POST /api/auth/refresh mit dem Refresh-Token erneuert die Tokens"),
        (("auth", "refresh"),),
    ),
)


@dataclass
class ProbeResult:
    tenant_id: int
    checks: list[Check] = field(default_factory=list)
    error: str | Phrase = ""  # the probe could not run to the end (login, network, …)

    @property
    def ok(self) -> bool:
        return not self.error and all(c.outcome == "accepted" for c in self.checks)

    def assumptions(self) -> list[JSON]:
        """The go-live checklist: each inferred assumption with the probe's verdict
        (``confirmed``, ``refuted`` or ``open`` when no check of it ran)."""
        result = []
        for assumption in ASSUMPTIONS:
            outcomes = [c.outcome for c in self.checks if (c.entity, c.field) in assumption.checks]
            verdict = (
                "open"
                if not outcomes
                else ("confirmed" if all(o == "accepted" for o in outcomes) else "refuted")
            )
            result.append({"key": assumption.key, "label": assumption.label, "verdict": verdict})
        return result

    def as_dict(self) -> JSON:
        return {
            "ok": self.ok,
            "tenant_id": self.tenant_id,
            **_stored("error", self.error),
            "checks": [
                {
                    "entity": c.entity,
                    "field": c.field,
                    "sent": c.sent,
                    "got": c.got,
                    "outcome": c.outcome,
                    **(_stored("message", c.message) if c.message else {}),
                }
                for c in self.checks
            ],
            "assumptions": self.assumptions(),
        }


def _stored(name: str, text: str | Phrase) -> JSON:
    """A sentence of the stored result: its German text and, for a phrase, its codes."""
    with translation.override(settings.LANGUAGE_CODE):
        return {name: str(text), f"{name}_data": to_data(text)}


def probe_result_readable(result: JSON) -> JSON:
    """A stored result with its sentences in the active language (facilioo's own words stay
    as they came, quoted)."""
    readable = dict(result)
    readable["error"] = stored_text(result.get("error_data"), str(result.get("error") or ""))
    readable["checks"] = [
        {
            **check,
            "message": stored_text(check.get("message_data"), str(check.get("message") or "")),
        }
        for check in result.get("checks") or []
    ]
    return readable


def _same(sent: Any, got: Any) -> bool:
    if isinstance(sent, bool) or isinstance(got, bool):
        return sent is got
    if isinstance(sent, int | float) and isinstance(got, int | float):
        return float(sent) == float(got)
    if isinstance(sent, str) and isinstance(got, str):
        # A date sent as YYYY-MM-DD may come back as a timestamp of that day.
        if len(sent) == 10 and got[:10] == sent and got[10:11] in {"", "T", " "}:
            return True
        return sent.strip() == got.strip()
    return bool(sent == got)


class Probe:
    """One probe run against one tenant. ``marker`` makes its records recognisable."""

    def __init__(
        self, client: FaciliooClient, tenant_id: int, *, today: date | None = None
    ) -> None:
        self.client = client
        self.tenant_id = tenant_id
        self.today = today or timezone.localdate()
        self.marker = secrets.token_hex(4)
        self.result = ProbeResult(tenant_id=tenant_id)
        self._cleanup: list[Callable[[], object]] = []

    # -- helpers -------------------------------------------------------------------------------

    def _compare(self, entity: str, sent: JSON, record: JSON, *, label: str | None = None) -> None:
        got = dialect.read_back(entity, record)
        for name, value in sent.items():
            back = got.get(name)
            if value is None:
                continue  # nothing to prove
            if name not in got or back is None or back == "":
                outcome: Outcome = "ignored"
            elif _same(value, back):
                outcome = "accepted"
            else:
                outcome = "changed"
            self.result.checks.append(Check(label or entity, name, value, back, outcome))

    def _refused(self, entity: str, sent: JSON | None, exc: FaciliooError) -> None:
        fields = list(getattr(exc, "errors", {}) or {}) or ["*"]
        for name in fields:
            self.result.checks.append(
                Check(
                    entity,
                    name,
                    (sent or {}).get(name),
                    None,
                    "refused",
                    exc.sentence,
                )
            )

    def _create(self, entity: Entity, body: JSON, *, label: str | None = None) -> JSON | None:
        try:
            created = self.client.create(entity, body)
            record = self.client.get(entity, int(created[dialect.ID]))
        except FaciliooRecordRejected as exc:
            self._refused(label or entity, body, exc)
            return None
        self._compare(entity, body, record, label=label)
        return record

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> ProbeResult:
        try:
            self._run()
        except FaciliooError as exc:
            self.result.error = exc.sentence
        finally:
            for undo in reversed(self._cleanup):
                try:
                    undo()
                except FaciliooError as exc:
                    logger.warning("facilioo probe cleanup failed: %s", exc.message)
        return self.result

    def _run(self) -> None:
        m = self.marker
        address = {"street": "Prüfweg", "houseNumber": "1a", "zipCode": "04109", "city": "Leipzig"}
        prop = self._create(
            Entity.PROPERTIES,
            {
                "tenantId": self.tenant_id,
                "name": f"Schnittstellentest {m}",
                "number": f"PROBE-{m}",
                "externalId": f"probe-{m}",
                **address,
            },
        )
        if prop is None:
            return
        property_id = int(prop[dialect.ID])
        self._cleanup.append(lambda: self.client.delete(Entity.PROPERTIES, property_id))
        entrance = {"name": f"Eingang {m}", **address, "houseNumber": "1b"}
        try:
            self.client.patch(Entity.ENTRANCES, property_id, entrance)
            self._compare(
                Entity.ENTRANCES, entrance, self.client.get(Entity.ENTRANCES, property_id)
            )
        except FaciliooRecordRejected as exc:
            self._refused(Entity.ENTRANCES, entrance, exc)
        unit_types = self.client.list_unit_types()
        unit = self._create(
            Entity.UNITS,
            {
                "entranceId": property_id,
                "name": f"Wohnung {m}",
                "number": "001",
                "externalId": f"probe-{m}-001",
                "floor": 2,
                "typeId": int(unit_types[0][dialect.ID]) if unit_types else None,
                "livingArea": 61.5,
            },
        )
        if unit is not None:
            unit_id = int(unit[dialect.ID])
            self._cleanup.append(lambda: self.client.delete(Entity.UNITS, unit_id))
        party_id = self._probe_party()
        if unit is not None and party_id is not None:
            contract = self._create(
                Entity.UNIT_CONTRACTS,
                {
                    "unitId": int(unit[dialect.ID]),
                    "partyId": party_id,
                    "typeId": dialect.CONTRACT_TYPES["tenant"],
                    "number": f"PROBE-{m}",
                    "effectiveFrom": "2020-01-01",
                    "externalId": f"probe-{m}-contract",
                },
            )
            if contract is not None:
                contract_id = int(contract[dialect.ID])
                self._cleanup.append(
                    lambda: self.client.patch(
                        Entity.UNIT_CONTRACTS,
                        contract_id,
                        {"terminationAt": self.today.isoformat()},
                    )
                )
        self._probe_documents(property_id)
        self._probe_refresh()

    def _probe_party(self) -> int | None:
        m = self.marker
        canonical = {
            "kind": "user",
            "firstNames": "Erika",
            "lastName": f"Prüfung {m}",
            "contactByEmail": True,
            "contactByPush": False,
            "contactByMail": False,
        }
        try:
            created = self.client.create(Entity.PARTIES, canonical)
            party_id = int(created[dialect.ID])
            record = self.client.get(Entity.PARTIES, party_id)
        except FaciliooRecordRejected as exc:
            self._refused(Entity.PARTIES, canonical, exc)
            return None
        self._compare(
            Entity.PARTIES,
            {**{k: v for k, v in canonical.items() if k != "kind"}, "type": 7},
            record,
        )
        writer = PartyWriter(self.client)
        external_id = f"probe-{m}-Party"
        try:
            writer.add_external_id(party_id, external_id)
            ids = self.client.party_external_ids(party_id)
            outcome: Outcome = "accepted" if external_id in ids else "ignored"
            self.result.checks.append(
                Check(Entity.PARTIES, "externalIds", [external_id], ids, outcome)
            )
            self._cleanup.append(lambda: writer.remove_external_id(party_id, external_id))
        except FaciliooRecordRejected as exc:
            self._refused(Entity.PARTIES, {"externalIds": [external_id]}, exc)
        else:
            self._probe_lookup(party_id, external_id)
        self._probe_marker(canonical)
        email = f"probe-{m}@example.org"
        body = {
            "partyId": party_id,
            "contactTypeId": dialect.CONTACT_TYPES["email"],
            "value": email,
        }
        detail = self._create(Entity.CONTACT_DETAILS, body)
        if detail is not None:
            detail_id = int(detail[dialect.ID])
            self._cleanup.append(lambda: self.client.delete(Entity.CONTACT_DETAILS, detail_id))
            found = [
                dialect.contact_detail_value(item)
                for item in self.client.contact_details(party_id, "email")
            ]
            self.result.checks.append(
                Check(
                    Entity.CONTACT_DETAILS,
                    "search",
                    email,
                    found,
                    "accepted" if email in found else "ignored",
                )
            )
        return party_id

    def _probe_lookup(self, party_id: int, external_id: str) -> None:
        """The batch lookup: its answer's names, our id found in other letter case, and an id
        nobody owns finds nothing (a lookup that ignored its filter would find everything)."""
        body = {dialect.LOOKUP_PARTY_IDS: [party_id], dialect.LOOKUP_EXTERNAL_IDS: None}
        try:
            items = list(
                self.client.iter_pages(
                    dialect.PARTY_EXTERNAL_IDS_SEARCH_PATH, method="POST", json=body
                )
            )
            names = sorted({k for item in items if isinstance(item, dict) for k in item})
            expected = [dialect.LOOKUP_READ_PARTY, dialect.LOOKUP_READ_VALUE]
            self.result.checks.append(
                Check(
                    Entity.PARTIES,
                    "PartyExternalIdRead",
                    expected,
                    names,
                    "accepted" if set(expected) <= set(names) else "changed",
                )
            )
            other_case = external_id.swapcase()
            found = self.client.lookup_parties([other_case]).get(other_case.casefold(), [])
            self.result.checks.append(
                Check(
                    Entity.PARTIES,
                    "lookup",
                    other_case,
                    found,
                    "accepted" if found == [party_id] else "ignored",
                )
            )
            # Read raw: the client drops answers it did not ask for, which would hide a lookup
            # that ignores its filter (and pages through every id on each call).
            unknown = f"probe-{self.marker}-niemand"
            stray = list(
                self.client.iter_pages(
                    dialect.PARTY_EXTERNAL_IDS_SEARCH_PATH,
                    method="POST",
                    json={dialect.LOOKUP_PARTY_IDS: None, dialect.LOOKUP_EXTERNAL_IDS: [unknown]},
                )
            )
            self.result.checks.append(
                Check(
                    Entity.PARTIES,
                    "lookup (unbekannte ID)",
                    unknown,
                    len(stray),
                    "accepted" if not stray else "changed",
                )
            )
        except FaciliooRecordRejected as exc:
            self._refused(Entity.PARTIES, {"lookup": external_id}, exc)

    def _probe_marker(self, canonical: JSON) -> None:
        """A second throw-away party with a create marker: stored, and found by ``searchTerm``
        (how a lost create is found again)."""
        marker = dialect.PARTY_MARKER_PREFIX + secrets.token_hex(8)
        try:
            created = self.client.create(Entity.PARTIES, {**canonical, "marker": marker})
        except FaciliooRecordRejected as exc:
            self._refused(Entity.PARTIES, {"marker": marker}, exc)
            return
        party_id = int(created[dialect.ID])
        self._cleanup.append(lambda: self.client.patch(Entity.PARTIES, party_id, {"marker": None}))
        self._compare(Entity.PARTIES, {"marker": marker}, self.client.get(Entity.PARTIES, party_id))
        hits = [
            int(item[dialect.ID])
            for item in self.client.search(Entity.PARTIES, {dialect.SEARCH_TEXT: marker})
        ]
        self.result.checks.append(
            Check(
                Entity.PARTIES,
                "searchTerm",
                marker,
                hits,
                "accepted" if hits == [party_id] else ("ignored" if not hits else "changed"),
            )
        )

    def _probe_refresh(self) -> None:
        try:
            renewed = self.client.refresh_works()
        except FaciliooError as exc:
            self._refused("auth", {"refresh": True}, exc)
            return
        self.result.checks.append(
            Check("auth", "refresh", True, renewed, "accepted" if renewed else "refused")
        )

    def _probe_documents(self, property_id: int) -> None:
        m = self.marker
        group = self._create(
            Entity.DOCUMENT_GROUPS,
            {"name": f"Schnittstellentest {m}", "parentId": None, "externalId": f"probe-{m}-o"},
        )
        if group is not None:
            group_id = int(group[dialect.ID])
            self._cleanup.append(lambda: self.client.delete(Entity.DOCUMENT_GROUPS, group_id))
        file = self._create(
            Entity.FILES,
            {"name": f"probe-{m}.pdf", "fileTypeId": dialect.FILE_TYPE_PDF, "externalId": m},
        )
        if file is None:
            return
        file_id = int(file[dialect.ID])
        self._cleanup.append(lambda: self.client.delete(Entity.FILES, file_id))
        try:
            url = self.client.request_upload_url(file_id)
            self.client.upload(url, BytesIO(PROBE_PDF), len(PROBE_PDF))
            self.result.checks.append(
                Check(Entity.FILES, "upload", len(PROBE_PDF), len(PROBE_PDF), "accepted")
            )
        except FaciliooError as exc:
            self._refused(Entity.FILES, {"upload": len(PROBE_PDF)}, exc)
        document = self._create(
            Entity.DOCUMENTS,
            {
                "title": f"Schnittstellentest {m}",
                "description": "Prüfdokument, wird gleich wieder entfernt.",
                "documentGroupId": int(group[dialect.ID]) if group else None,
                "date": self.today.isoformat(),
                "propertyId": property_id,
                "fileId": file_id,
                "externalId": f"probe-{m}-d",
            },
        )
        if document is not None:
            document_id = int(document[dialect.ID])
            self._cleanup.append(lambda: self.client.delete(Entity.DOCUMENTS, document_id))


def run_probe(client: FaciliooClient, tenant_id: int, *, today: date | None = None) -> ProbeResult:
    return Probe(client, tenant_id, today=today).run()
