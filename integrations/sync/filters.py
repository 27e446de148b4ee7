"""Pure filters: which ERP records are synced, and where a document goes in facilioo."""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_noop

from integrations.erp.records import Dokument
from integrations.phrases import phrase
from integrations.sync.ids import contract_document_key
from integrations.sync.types import DocumentTarget, DokumenteSettings, Skip, skip


class _HasMandant(Protocol):
    @property
    def mandant_nr(self) -> str: ...


def mandant_in_scope(record: _HasMandant, mandanten: set[str] | frozenset[str]) -> bool:
    """Only data of the chosen Mandanten is synced (others count as ``mandant_filtered``)."""
    return record.mandant_nr in mandanten


# ---------------------------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------------------------


def email_problem(email: str | None) -> str | None:
    """None if ``email`` is a usable address, else the reason code ``no_email``/``invalid_email``.

    Pragmatic, not full RFC 5322: exactly one "@", a non-empty local part, a domain with a dot,
    no whitespace, and Django's ``validate_email`` (which alone would accept "x@localhost").
    Surrounding spaces are ignored, as the ERP exports often carry them.
    """
    if email is None or not email.strip():
        return "no_email"
    address = email.strip()
    local, at, domain = address.partition("@")
    if (
        not at
        or "@" in domain
        or not local
        or "." not in domain.strip(".")
        or any(char.isspace() for char in address)
    ):
        return "invalid_email"
    try:
        validate_email(address)
    except ValidationError:
        return "invalid_email"
    return None


def valid_email(email: str | None) -> str | None:
    """The address to send to facilioo (stripped), or None when it is missing or invalid."""
    if email is None or email_problem(email) is not None:
        return None
    return email.strip()


# ---------------------------------------------------------------------------------------------
# Dokumente
# ---------------------------------------------------------------------------------------------


def document_skip_reason(doc: Dokument, settings: DokumenteSettings) -> str | None:
    """The reason code a document is filtered out for, or None if it is synced.

    Checked in this order: ``not_released``, ``filtered_archive``, ``filtered_keyword``,
    ``filtered_date``, ``too_large``. The size comes from ``doc.size``; the file is not read.
    A document without an archive, remark or date does not pass a filter set on that field.
    """
    if settings.only_released and not doc.freigegeben:
        return "not_released"
    if settings.archives:
        wanted = {archive.strip().casefold() for archive in settings.archives}
        if doc.archiv is None or doc.archiv.strip().casefold() not in wanted:
            return "filtered_archive"
    if settings.keywords:
        remark = (doc.bemerkung or "").casefold()
        if not any(keyword.strip().casefold() in remark for keyword in settings.keywords):
            return "filtered_keyword"
    if settings.dated_from is not None and (doc.datum is None or doc.datum < settings.dated_from):
        return "filtered_date"
    if doc.size > settings.max_bytes:
        return "too_large"
    return None


def document_target(doc: Dokument) -> DocumentTarget | Skip:
    """The facilioo record a document is linked to; the most specific ERP reference wins.

    person_nr -> party; vertrag_nr -> contract; einheit_nr -> unit; gebaeude_nr -> property;
    we_nr only -> skipped (``we_only``); nothing -> skipped (``missing_reference``).

    A contract reference points at the alias ``contract_document_key(M, V)``, which the
    Stammdaten sync records for the contract of the first synced person on the ERP contract
    (facilioo has one contract per person). A unit or building reference without the numbers
    above it is incomplete: ``missing_reference``.
    """
    mandant = doc.mandant_nr
    if doc.person_nr:
        return DocumentTarget("partyId", ("person", mandant, doc.person_nr))
    if doc.vertrag_nr:
        return DocumentTarget("contractId", contract_document_key(mandant, doc.vertrag_nr))
    if doc.einheit_nr:
        if not (doc.we_nr and doc.gebaeude_nr):
            return skip(
                "missing_reference",
                detail=phrase(gettext_noop("Einheit ohne WE- oder Gebäudenummer")),
            )
        return DocumentTarget(
            "unitId", ("einheit", mandant, doc.we_nr, doc.gebaeude_nr, doc.einheit_nr)
        )
    if doc.gebaeude_nr:
        if not doc.we_nr:
            return skip("missing_reference", detail=phrase(gettext_noop("Gebäude ohne WE-Nummer")))
        return DocumentTarget("propertyId", ("gebaeude", mandant, doc.we_nr, doc.gebaeude_nr))
    if doc.we_nr:
        return skip("we_only")
    return skip("missing_reference", detail=phrase(gettext_noop("Dokument ohne Zuordnung")))
