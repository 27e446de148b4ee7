"""Typed errors of the facilioo client, each with a German message a customer can act on."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from django.utils.translation import gettext_noop

from integrations.http.errors import ApiError
from integrations.phrases import Phrase, phrase

_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_MAX_DETAIL = 500


class FaciliooError(ApiError):
    """Base of every error the facilioo client raises; fatal for the run unless a flag says else."""


class FaciliooCredentialsError(FaciliooError):
    """facilioo refused the login (or a fresh login's token): the stored credentials are wrong."""

    config_error = True

    def __init__(self, message: str | Phrase | None = None, *, status: int | None = None) -> None:
        super().__init__(
            message
            or phrase(
                gettext_noop(
                    "Die facilioo-Zugangsdaten wurden abgelehnt. "
                    "Bitte prüfen Sie Benutzername und Passwort."
                )
            ),
            status=status,
        )


class FaciliooConfigurationError(FaciliooError):
    """The account may not do this (403), or the address is not a facilioo API (404)."""

    config_error = True


class FaciliooTransientError(FaciliooError):
    """facilioo failed or could not be reached, also after the retries; try the run again later."""

    retriable = True


class FaciliooRateLimited(FaciliooTransientError):
    """facilioo kept answering 429 Too Many Requests."""

    def __init__(self, message: str | Phrase, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class FaciliooUploadUrlExpired(FaciliooError):
    """The pre-signed upload URL is no longer valid: ask facilioo for a new one and upload again."""

    retriable = True

    def __init__(self) -> None:
        super().__init__(
            phrase(
                gettext_noop(
                    "Die Upload-Adresse von facilioo ist abgelaufen; eine neue wird angefordert."
                )
            ),
            status=403,
        )


class FaciliooRecordRejected(FaciliooError):
    """facilioo refused one record (400/404/409/422 to a write or to an id): skip it, go on.

    ``title``, ``detail`` and ``errors`` come from the problem+json body when there is one;
    ``message`` flattens them into one readable German sentence.
    """

    skippable = True

    def __init__(
        self,
        *,
        status: int,
        title: str = "",
        detail: str = "",
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.title = title
        self.detail = detail
        self.errors = errors or {}
        super().__init__(self._compose(status), status=status)

    def _compose(self, status: int) -> Phrase:
        """A translated sentence; facilioo's own words follow it quoted, as they came."""
        parts = [
            f"{field}: {message}" for field, messages in self.errors.items() for message in messages
        ]
        if not parts:
            parts = [text for text in (self.detail, self.title) if text][:1]
        said = "; ".join(parts)
        if status == 404:
            if not said:
                return phrase(
                    gettext_noop("Der Datensatz ist in facilioo nicht (mehr) vorhanden (HTTP 404).")
                )
            return phrase(
                gettext_noop(
                    "Der Datensatz ist in facilioo nicht (mehr) vorhanden (HTTP 404): „%(said)s“"
                ),
                said=said,
            )
        if not said:
            return phrase(
                gettext_noop("facilioo hat den Datensatz abgelehnt (HTTP %(status)s)."),
                status=status,
            )
        return phrase(
            gettext_noop("facilioo hat den Datensatz abgelehnt (HTTP %(status)s): „%(said)s“"),
            status=status,
            said=said,
        )

    @classmethod
    def from_body(cls, status: int, body: bytes, content_type: str) -> FaciliooRecordRejected:
        """Read a problem+json body (or anything else: HTML is stripped to text)."""
        problem = _json_object(body) if "json" in content_type.lower() else None
        if problem is None:
            return cls(status=status, detail=readable_text(body))
        errors: dict[str, list[str]] = {}
        raw_errors = problem.get("errors")
        if isinstance(raw_errors, dict):
            for field, messages in raw_errors.items():
                if isinstance(messages, list):
                    errors[str(field)] = [_clip(str(m)) for m in messages]
                else:
                    errors[str(field)] = [_clip(str(messages))]
        return cls(
            status=status,
            title=_clip(str(problem.get("title") or "")),
            detail=_clip(str(problem.get("detail") or "")),
            errors=errors,
        )


class FaciliooNotFound(FaciliooRecordRejected):
    """The record addressed by id does not exist in facilioo (404)."""


def readable_text(body: bytes) -> str:
    """An error body as one short line of text (HTML tags stripped, whitespace collapsed)."""
    text = body.decode("utf-8", errors="replace")
    text = html.unescape(_TAGS.sub(" ", text))
    return _clip(_SPACES.sub(" ", text).strip())


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body or b"null")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
