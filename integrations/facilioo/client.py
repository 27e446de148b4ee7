"""The facilioo client: login and token refresh, retries, paging, typed writes, file uploads.

One client serves one sync run. It holds one pooled HTTP session that its worker threads share
(``map_parallel``), keeps the token pair thread-safe, and turns every answer into data or into
one of the errors of :mod:`integrations.facilioo.errors`.

Paths, JSON names and enum values come from :mod:`integrations.facilioo.dialect`:
this module speaks HTTP, the dialect speaks facilioo.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urlsplit

import jwt
import requests
from django.conf import settings
from django.utils.translation import gettext_noop

from integrations.facilioo import dialect
from integrations.facilioo.entity import Entity as Entity  # re-exported
from integrations.facilioo.errors import (
    FaciliooConfigurationError,
    FaciliooCredentialsError,
    FaciliooError,
    FaciliooNotFound,
    FaciliooRateLimited,
    FaciliooRecordRejected,
    FaciliooTransientError,
    FaciliooUploadUrlExpired,
    readable_text,
)
from integrations.facilioo.ratelimit import RateLimiter, rate_limiter_for
from integrations.http.errors import ResponseAction, classify
from integrations.http.session import build_session
from integrations.phrases import Phrase, phrase

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")

API_VERSION = dialect.API_VERSION
PAGE_SIZE = dialect.MAX_PAGE_SIZE
REFRESH_MARGIN_S = 60.0  # refresh this long before the access token expires
RETRY_AFTER_CAP_S = 120.0  # never wait longer than this for one 429
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
UPLOAD_ROUTE = "<upload-url>"  # pre-signed URLs are capabilities: never logged, never counted raw

_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


def path_template(path: str) -> str:
    """``/api/units/17`` → ``/api/units/{id}``: the route under which a request is counted."""
    return _ID_SEGMENT.sub("/{id}", path)


@dataclass(frozen=True)
class RequestStats:
    """A snapshot of the requests a client sent (every attempt counts, retries included)."""

    by_method: Counter[str] = field(default_factory=Counter)
    by_route: Counter[str] = field(default_factory=Counter)  # "GET /api/units/{id}"

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_method": dict(self.by_method),
            "by_route": dict(self.by_route),
        }


class _StatsCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_method: Counter[str] = Counter()
        self._by_route: Counter[str] = Counter()

    def add(self, method: str, route: str) -> None:
        with self._lock:
            self._by_method[method] += 1
            self._by_route[f"{method} {route}"] += 1

    def snapshot(self) -> RequestStats:
        with self._lock:
            return RequestStats(Counter(self._by_method), Counter(self._by_route))


@dataclass(frozen=True)
class _Tokens:
    access: str
    refresh: str | None
    expires_at: float | None  # Unix seconds from the JWT's exp; None: unknown, rely on 401
    lifetime: float | None

    @classmethod
    def from_answer(cls, answer: Any) -> _Tokens | None:
        if not isinstance(answer, dict):
            return None
        access = answer.get(dialect.ACCESS_TOKEN)
        if not isinstance(access, str) or not access:
            return None
        refresh = answer.get(dialect.REFRESH_TOKEN)
        expires_at, lifetime = _jwt_expiry(access)
        return cls(
            access, refresh if isinstance(refresh, str) and refresh else None, expires_at, lifetime
        )

    def due(self, now: float) -> bool:
        if self.expires_at is None:
            return False
        margin = REFRESH_MARGIN_S
        if self.lifetime:
            # Short-lived tokens (the sandbox can issue 2-second ones) get a proportional margin.
            margin = min(margin, self.lifetime / 5)
        return now >= self.expires_at - margin


def _jwt_expiry(token: str) -> tuple[float | None, float | None]:
    # The signature is facilioo's business; we only read when the token runs out.
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None, None
    exp = claims.get("exp")
    start = claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, int | float):
        return None, None
    lifetime = float(exp - start) if isinstance(start, int | float) and exp > start else None
    return float(exp), lifetime


@dataclass(frozen=True)
class _Adopted:
    """A create whose first attempt may have gone through: the record found by externalId."""

    record: JSON


class _SizedStream:
    """A file object cut to ``size`` bytes with a length, so requests streams it as is."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._size = size
        self._left = size

    def __len__(self) -> int:
        return self._size

    def read(self, amount: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        amount = self._left if amount is None or amount < 0 else min(amount, self._left)
        chunk = self._stream.read(amount)
        self._left -= len(chunk)
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(1024 * 1024):
            yield chunk


class FaciliooClient:
    """A facilioo API client for one account and one run. Thread-safe; close it when done.

    ``sleep`` is used for backoff and Retry-After waits (tests pass a recorder);
    ``rate_limiter.acquire()`` is called before every request, retries included.
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        workers: int = 8,
        rate_limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_cap: int = 10_000,
        max_rate_limit_waits: int = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.timeout = timeout
        self.max_retries = max_retries
        self.workers = max(1, workers)
        self.page_cap = page_cap
        self.max_rate_limit_waits = max_rate_limit_waits
        self._rate_limiter = rate_limiter
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()  # noqa: S311 (jitter, not cryptography)
        # The pool holds the worker threads plus the caller's thread and one spare.
        self._session = build_session(
            timeout=timeout,
            pool_size=self.workers + 2,
            headers={dialect.API_VERSION_HEADER: API_VERSION, "Accept": "application/json"},
        )
        self._token_lock = threading.Lock()
        self._tokens: _Tokens | None = None
        self._stats = _StatsCounter()

    def __repr__(self) -> str:
        return f"FaciliooClient(base_url={self.base_url!r}, username={self.username!r})"

    def __enter__(self) -> FaciliooClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    # -- construction from settings ---------------------------------------------------------

    @staticmethod
    def base_url_for(environment: str) -> str:
        """The API address of a facilioo environment (production, staging, sandbox)."""

        urls = {
            "production": settings.FACILIOO_PRODUCTION_URL,
            "staging": settings.FACILIOO_STAGING_URL,
            "sandbox": settings.FACILIOO_SANDBOX_URL,
        }
        if environment not in urls:
            raise FaciliooConfigurationError(
                phrase(
                    gettext_noop("Unbekannte facilioo-Umgebung „%(environment)s“."),
                    environment=environment,
                )
            )
        url = str(urls[environment] or "").strip()
        if not url:
            raise FaciliooConfigurationError(
                phrase(
                    gettext_noop(
                        "Für die facilioo-Umgebung „%(environment)s“ ist keine Adresse "
                        "eingerichtet. "
                        "Bitte wenden Sie sich an den Support."
                    ),
                    environment=environment,
                )
            )
        return url.rstrip("/")

    @classmethod
    def for_environment(
        cls, environment: str, username: str, password: str, **options: Any
    ) -> FaciliooClient:
        """A client with the project's settings: timeout, retries, workers and the shared limit."""

        base_url = cls.base_url_for(environment)
        options.setdefault("timeout", settings.FACILIOO_HTTP_TIMEOUT)
        options.setdefault("max_retries", settings.FACILIOO_MAX_RETRIES)
        options.setdefault("workers", settings.FACILIOO_WRITE_WORKERS)
        options.setdefault("rate_limiter", rate_limiter_for(base_url, username))
        return cls(base_url, username, password, **options)

    # -- statistics -------------------------------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        """Requests sent so far, by method and by ``"METHOD /route/{id}"``."""
        return self._stats.snapshot()

    # -- reads ------------------------------------------------------------------------------

    def test_connection(self) -> list[JSON]:
        """ "Verbindung testen": log in afresh and list the tenants the account can see."""
        with self._token_lock:
            self._login_locked()
        return self.list_tenants()

    def iter_pages(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        method: str = "GET",
        json: JSON | None = None,
    ) -> Iterator[JSON]:
        """Yield the items of a paged list or search, one page (of 100) fetched at a time."""
        for page_number in range(1, self.page_cap + 1):
            query = {
                **(params or {}),
                dialect.PAGE_NUMBER: page_number,
                dialect.PAGE_SIZE_PARAM: PAGE_SIZE,
            }
            page = self._call(method, path, params=query, json=json)
            items = page.get(dialect.PAGE_ITEMS) if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise FaciliooError(
                    phrase(
                        gettext_noop("facilioo lieferte für %(path)s keine Seite mit Einträgen."),
                        path=path,
                    )
                )
            yield from items
            if not page.get(dialect.PAGE_HAS_NEXT):
                return
        raise FaciliooError(
            phrase(
                gettext_noop(
                    "facilioo lieferte für %(path)s mehr als %(pages)s Seiten; "
                    "die Abfrage wurde abgebrochen."
                ),
                path=path,
                pages=self.page_cap,
            )
        )

    def list_tenants(self) -> list[JSON]:
        """The tenants the account sees, in canonical names (id, name, externalId)."""
        return [dialect.read_back("tenants", t) for t in self.iter_pages(dialect.TENANTS_PATH)]

    def list_unit_types(self) -> list[JSON]:
        return list(self.iter_pages(dialect.UNIT_TYPES_PATH))

    def list_file_types(self) -> list[JSON]:
        return list(self.iter_pages(dialect.FILE_TYPES_PATH))

    def iter_collection(self, entity: Entity) -> Iterator[JSON]:
        """Every record of ``entity`` the account can see (deleted ones included), paged."""
        return self.iter_pages(dialect.collection_path(Entity(entity)))

    def search(self, entity: Entity, query: JSON) -> Iterator[JSON]:
        """``POST /api/<entity>/search`` with a body already in facilioo's names."""
        return self.iter_pages(dialect.search_path(Entity(entity)), method="POST", json=query)

    def find_by_text(self, entity: Entity, text: str, external_id: str) -> list[JSON]:
        """Live records of ``entity`` found by the free text ``text`` that carry
        ``external_id`` (case ignored): a record created moments ago, found again by what it
        was created with. Bounded by the namesakes of ``text``, never a whole listing."""
        entity = Entity(entity)
        wanted = external_id.casefold()
        return [
            item
            for item in self.search(entity, {dialect.SEARCH_TEXT: text})
            if not item.get(dialect.DELETED)
            and str(item.get(dialect.EXTERNAL_ID) or "").casefold() == wanted
        ]

    def lookup_parties(self, external_ids: list[str]) -> dict[str, list[int]]:
        """The parties that carry each of our external ids (case ignored), as facilioo's batch
        lookup finds them: only ids the account's company owns, 100 values a request, paged.

        Returns lower-cased external id → party ids (ascending; a value can match one party
        per party type). Ids without a party are absent.
        """
        found: dict[str, list[int]] = {}
        values = list(dict.fromkeys(v for v in external_ids if v))
        for start in range(0, len(values), dialect.LOOKUP_BATCH):
            chunk = values[start : start + dialect.LOOKUP_BATCH]
            body = {dialect.LOOKUP_PARTY_IDS: None, dialect.LOOKUP_EXTERNAL_IDS: chunk}
            wanted = {v.casefold() for v in chunk}
            for item in self.iter_pages(
                dialect.PARTY_EXTERNAL_IDS_SEARCH_PATH, method="POST", json=body
            ):
                party, value = _lookup_item(item)
                if party is None or value is None or value.casefold() not in wanted:
                    continue
                ids = found.setdefault(value.casefold(), [])
                if party not in ids:
                    ids.append(party)
        return {value: sorted(ids) for value, ids in found.items()}

    def owned_party_ids(self) -> dict[str, list[int]]:
        """Every external id the account's company owns (lower case → party ids), from one
        paged listing of the batch lookup without filters: ``ceil(owned / 100)`` requests,
        whatever other companies hold."""
        found: dict[str, list[int]] = {}
        body = {dialect.LOOKUP_PARTY_IDS: None, dialect.LOOKUP_EXTERNAL_IDS: None}
        for item in self.iter_pages(
            dialect.PARTY_EXTERNAL_IDS_SEARCH_PATH, method="POST", json=body
        ):
            party, value = _lookup_item(item)
            if party is not None and value is not None:
                ids = found.setdefault(value.casefold(), [])
                if party not in ids:
                    ids.append(party)
        return {value: sorted(ids) for value, ids in found.items()}

    def party_types(self, party_ids: list[int]) -> dict[int, int | None]:
        """The type of each live party of ``party_ids`` (search by ``ids``, 100 a request)."""
        types: dict[int, int | None] = {}
        for start in range(0, len(party_ids), dialect.LOOKUP_BATCH):
            chunk = party_ids[start : start + dialect.LOOKUP_BATCH]
            for item in self.search(Entity.PARTIES, {dialect.SEARCH_IDS: chunk}):
                if item.get(dialect.DELETED) or item.get(dialect.ID) not in chunk:
                    continue
                kind = item.get(dialect.PARTY_TYPE_FIELD)
                types[int(item[dialect.ID])] = kind if isinstance(kind, int) else None
        return types

    def get(self, entity: Entity, record_id: int) -> JSON:
        return self._record(
            self._call("GET", dialect.record_path(Entity(entity), record_id), record=True)
        )

    # -- writes -----------------------------------------------------------------------------

    def create(
        self,
        entity: Entity,
        body: JSON,
        *,
        find_again: Callable[[], JSON | None] | None = None,
    ) -> JSON:
        """POST a new record (``body`` in canonical names); return facilioo's read model of it.

        Retrying a POST whose answer was lost (dropped connection, timeout, 5xx) could create
        the record twice. So before every repeat of a create that carries an externalId, the
        client looks for the record by the free text it was created with (its number, name or
        title, ``dialect.TEXT_SEARCHED``) and takes the namesake that carries our externalId as
        the result instead of posting again (search-before-retry). Records without a single
        external id (parties, contact details) pass their own ``find_again``.
        """
        entity = Entity(entity)
        external_id = body.get("externalId")
        text_field = dialect.TEXT_SEARCHED.get(entity.value, ("", "I"))[0]
        text = body.get(text_field) if text_field else None
        adopt = find_again
        if (
            adopt is None
            and isinstance(external_id, str)
            and external_id
            and isinstance(text, str)
            and text
        ):

            def adopt() -> JSON | None:
                matches = self.find_by_text(entity, text, external_id)
                return max(matches, key=lambda item: item.get(dialect.ID) or 0) if matches else None

        return self._record(
            self._call(
                "POST",
                dialect.collection_path(entity),
                json=self._render(entity, body),
                record=True,
                before_retry=adopt,
            )
        )

    def patch(self, entity: Entity, record_id: int, body: JSON) -> JSON:
        """Partial update (PATCH is idempotent: repeating it is safe); ``body`` canonical."""
        entity = Entity(entity)
        path = dialect.record_path(entity, record_id)
        return self._record(self._call("PATCH", path, json=self._render(entity, body), record=True))

    def delete(self, entity: Entity, record_id: int) -> None:
        self._call("DELETE", dialect.record_path(Entity(entity), record_id), record=True)

    @staticmethod
    def _render(entity: Entity, body: JSON) -> JSON:
        if entity is Entity.PARTIES:
            return dialect.render_party(body)
        return dialect.render(entity, body)

    # -- parties: external ids and contact details (dialect: parties, contact details) ------

    def party_external_ids(self, party_id: int) -> list[str]:
        """The party's external ids as the account sees them (a paged list of strings). Whether
        facilioo shows other owners' ids here is not documented: callers merge, never drop."""
        return dialect.external_ids_from_page(
            list(self.iter_pages(dialect.party_external_ids_path(party_id)))
        )

    def put_party_external_ids(self, party_id: int, ids: list[str]) -> None:
        """Replace the party's external id list (callers merge: others' ids stay)."""
        self._call(
            "PUT",
            dialect.party_external_ids_path(party_id),
            json=dialect.external_ids_body(ids),
            record=True,
        )

    def contact_details(self, party_id: int, contact_type: str) -> list[JSON]:
        """The party's live contact details of one type ("email", "phone")."""
        return [
            item
            for item in self.search(
                Entity.CONTACT_DETAILS, dialect.contact_detail_search(party_id, contact_type)
            )
            if not item.get(dialect.DELETED)
        ]

    # -- documents ----------------------------------------------------------------------------

    def request_upload_url(self, file_id: int) -> str:
        """A pre-signed URL to PUT the file's bytes to (``{url}`` or a plain JSON string)."""
        answer = self._call("PUT", dialect.upload_path(file_id), record=True)
        url = answer
        if isinstance(answer, dict):
            url = next((answer[k] for k in dialect.UPLOAD_URL_KEYS if answer.get(k)), None)
        if not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"}:
            raise FaciliooError(
                phrase(gettext_noop("facilioo lieferte keine gültige Upload-Adresse."))
            )
        return url

    def upload(self, url: str, stream: BinaryIO, size: int) -> None:
        """PUT ``size`` bytes of ``stream`` to a pre-signed URL, streamed, without our token.

        A seekable stream is rewound and sent again after a transient failure; an expired URL
        raises :class:`FaciliooUploadUrlExpired` (ask for a new URL, then call again).
        """
        start = stream.tell() if stream.seekable() else None

        def rewind() -> None:
            if start is not None:
                stream.seek(start)

        response = self._exchange(
            "PUT",
            url,
            route=UPLOAD_ROUTE,
            # None removes the session's API headers: storage is not the facilioo API.
            headers={
                "Content-Type": "application/octet-stream",
                "Accept": None,  # type: ignore[dict-item]
                "api-version": None,  # type: ignore[dict-item]
            },
            body=lambda: _SizedStream(stream, size),
            before_retry=None,
            rewind=rewind,
            # A stream that cannot be rewound can be sent only once.
            retries=self.max_retries if start is not None else 0,
            rate_limit_waits=self.max_rate_limit_waits if start is not None else 0,
            secret_url=True,
        )
        assert isinstance(response, requests.Response)  # noqa: S101 (no adoption for uploads)
        if response.status_code == 403:
            raise FaciliooUploadUrlExpired()
        if response.status_code >= 300:
            raise FaciliooError(
                phrase(
                    gettext_noop(
                        "Das Hochladen der Datei zu facilioo ist fehlgeschlagen (HTTP %(status)s)."
                    ),
                    status=response.status_code,
                ),
                status=response.status_code,
            )

    # -- parallel writes ----------------------------------------------------------------------

    def map_parallel(
        self, fn: Callable[[T], R], items: Iterable[T], *, ordered: bool = False
    ) -> Iterator[tuple[T, R | Exception]]:
        """Run ``fn(item)`` on ``workers`` threads; yield ``(item, result or exception)``.

        At most ``2 * workers`` items are in flight, so memory stays bounded however long
        ``items`` is (it is consumed lazily). Results come as they finish, or in input order
        with ``ordered=True``. Closing the generator early cancels what has not started.
        """
        limit = self.workers * 2
        pending: deque[tuple[Future[tuple[bool, Any]], T]] = deque()
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="facilioo")

        def settle(future: Future[tuple[bool, Any]], item: T) -> tuple[T, R | Exception]:
            _ok, value = future.result()
            return item, value

        def drain_some() -> Iterator[tuple[T, R | Exception]]:
            if ordered:
                future, item = pending.popleft()
                yield settle(future, item)
                return
            done, _not_done = wait([f for f, _item in pending], return_when=FIRST_COMPLETED)
            for entry in [e for e in pending if e[0] in done]:
                pending.remove(entry)
                yield settle(*entry)

        try:
            for item in items:
                pending.append((pool.submit(_capture, fn, item), item))
                while len(pending) >= limit:
                    yield from drain_some()
            while pending:
                yield from drain_some()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # -- the request machinery ----------------------------------------------------------------

    def _record(self, answer: Any) -> JSON:
        if not isinstance(answer, dict):
            raise FaciliooError(phrase(gettext_noop("facilioo lieferte keinen Datensatz zurück.")))
        return answer

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: JSON | list[Any] | None = None,
        record: bool = False,
        before_retry: Callable[[], JSON | None] | None = None,
    ) -> Any:
        """An authenticated API call; returns the decoded JSON answer (None for 204)."""
        route = path_template(path)
        renewals = 0
        while True:
            token = self._access_token()
            result = self._exchange(
                method,
                self.base_url + path,
                route=route,
                headers={"Authorization": f"Bearer {token}"},
                params=params,
                json=json,
                before_retry=before_retry,
            )
            if isinstance(result, _Adopted):
                return result.record
            if result.status_code != 401:
                return self._interpret(method, route, result, record=record)
            # 401: refresh once (or log in if that fails), then a fresh login; a 401 that
            # survives a fresh login means the account itself is refused.
            renewals += 1
            if renewals > 2:
                raise FaciliooCredentialsError(status=401)
            logger.info(
                "facilioo answered 401, renewing the token",
                extra={"method": method, "path": route, "status": 401},
            )
            self._renew(token, login=renewals == 2)

    def _interpret(
        self, method: str, route: str, response: requests.Response, *, record: bool
    ) -> Any:
        status = response.status_code
        action = classify(status, record=record)
        if action is ResponseAction.SUCCESS:
            if status == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise FaciliooError(
                    phrase(
                        gettext_noop("facilioo lieferte eine unlesbare Antwort (%(route)s)."),
                        route=route,
                    ),
                    status=status,
                ) from None
        content_type = response.headers.get("Content-Type", "")
        if action is ResponseAction.REJECT_RECORD:
            error_type = FaciliooNotFound if status == 404 else FaciliooRecordRejected
            raise error_type.from_body(status, response.content, content_type)
        if action is ResponseAction.CONFIG and status == 403:
            if method == "GET":
                message = phrase(
                    gettext_noop(
                        "Das facilioo-Konto darf diese Daten nicht lesen (HTTP 403). Bitte "
                        "prüfen Sie "
                        "die Berechtigungen des Kontos in facilioo."
                    )
                )
            else:
                message = phrase(
                    gettext_noop(
                        "Das facilioo-Konto darf keine Daten ändern (HTTP 403). Für die "
                        "Synchronisation wird ein Konto einer Hausverwaltung benötigt."
                    )
                )
            raise FaciliooConfigurationError(message, status=status)
        if action is ResponseAction.CONFIG:
            raise FaciliooConfigurationError(self._address_message(status), status=status)
        raise FaciliooError(
            phrase(
                gettext_noop(
                    "facilioo lehnte die Anfrage %(method)s %(route)s ab (HTTP %(status)s): "
                    "„%(detail)s“"
                ),
                method=method,
                route=route,
                status=status,
                detail=readable_text(response.content) or "-",
            ),
            status=status,
        )

    def _address_message(self, status: int) -> Phrase:
        return phrase(
            gettext_noop(
                "Unter %(url)s antwortet keine facilioo-Schnittstelle wie erwartet (HTTP "
                "%(status)s). "
                "Bitte prüfen Sie die gewählte Umgebung."
            ),
            url=self.base_url,
            status=status,
        )

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        route: str,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: JSON | list[Any] | None = None,
        body: Callable[[], Any] | None = None,
        before_retry: Callable[[], JSON | None] | None = None,
        rewind: Callable[[], None] | None = None,
        retries: int | None = None,
        rate_limit_waits: int | None = None,
        secret_url: bool = False,
    ) -> requests.Response | _Adopted:
        """Send one request, repeating it on transient failures and 429; return the answer.

        Transient failures (connection errors, timeouts, 5xx, 408) are repeated with
        exponential backoff and full jitter, at most ``retries`` times; 429 waits for
        Retry-After (capped) at most ``max_rate_limit_waits`` times. Anything else is
        returned for the caller to interpret.
        """
        max_failures = self.max_retries if retries is None else retries
        max_waits = self.max_rate_limit_waits if rate_limit_waits is None else rate_limit_waits
        failures = 0
        rate_waits = 0
        while True:
            if self._rate_limiter is not None:
                self._rate_limiter.acquire()
            self._stats.add(method, route)
            started = time.monotonic()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=body() if body is not None else None,
                    headers=headers,
                )
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                failures += 1
                reason = (
                    phrase(gettext_noop("Zeitüberschreitung"))
                    if isinstance(exc, requests.Timeout)
                    else phrase(gettext_noop("Verbindung abgebrochen"))
                )
                logger.warning(
                    "facilioo request failed",
                    extra={
                        "method": method,
                        "path": route,
                        "error": type(exc).__name__,
                        "attempt": failures,
                    },
                )
                if failures > max_failures:
                    error = FaciliooTransientError(self._transient_message(reason, max_failures))
                    if secret_url:
                        raise error from None
                    raise error from exc
            except requests.RequestException as exc:
                # Invalid URL, unsupported scheme and the like: the address is wrong.
                raise FaciliooConfigurationError(self._address_message(0), status=None) from (
                    None if secret_url else exc
                )
            else:
                status = response.status_code
                elapsed_ms = round((time.monotonic() - started) * 1000)
                logger.debug(
                    "facilioo %s %s -> %s",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "path": route,
                        "status": status,
                        "elapsed_ms": elapsed_ms,
                    },
                )
                action = classify(status, record=False)
                if action is ResponseAction.RATE_LIMITED:
                    rate_waits += 1
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                    logger.info(
                        "facilioo rate limit",
                        extra={
                            "method": method,
                            "path": route,
                            "status": status,
                            "retry_after": retry_after,
                        },
                    )
                    if rate_waits > max_waits:
                        raise FaciliooRateLimited(
                            phrase(
                                gettext_noop(
                                    "facilioo meldet zu viele Anfragen (HTTP 429), auch nach "
                                    "%(waits)s "
                                    "Wartezeiten. Bitte versuchen Sie es später erneut."
                                ),
                                waits=max_waits,
                            ),
                            retry_after=retry_after,
                        )
                    delay = retry_after if retry_after is not None else self._backoff(rate_waits)
                    self._sleep(min(delay, RETRY_AFTER_CAP_S))
                    if rewind is not None:
                        rewind()
                    continue
                if action is not ResponseAction.RETRY:
                    return response
                failures += 1
                logger.warning(
                    "facilioo answered with a transient error",
                    extra={"method": method, "path": route, "status": status, "attempt": failures},
                )
                if failures > max_failures:
                    raise FaciliooTransientError(
                        self._transient_message(f"HTTP {status}", max_failures), status=status
                    )
            # A transient failure that will be repeated.
            self._sleep(self._backoff(failures))
            if rewind is not None:
                rewind()
            if before_retry is not None:
                adopted = before_retry()
                if adopted is not None:
                    logger.info(
                        "facilioo create went through before the failure; adopting the record",
                        extra={"method": method, "path": route},
                    )
                    return _Adopted(adopted)

    def _transient_message(self, reason: str | Phrase, retries: int) -> Phrase:
        return phrase(
            gettext_noop(
                "facilioo ist vorübergehend nicht erreichbar (%(reason)s), auch nach %(retries)s "
                "Wiederholungen. Bitte versuchen Sie es später erneut."
            ),
            reason=reason,
            retries=retries,
        )

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with full jitter (AWS architecture blog): spreads the workers out.
        ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
        return self._random.uniform(0, ceiling)

    # -- tokens -------------------------------------------------------------------------------

    def _access_token(self) -> str:
        with self._token_lock:
            if self._tokens is None:
                self._login_locked()
            elif self._tokens.due(self._clock()):
                self._refresh_locked()
            assert self._tokens is not None  # noqa: S101 (set by login or refresh)
            return self._tokens.access

    def _renew(self, rejected_token: str, *, login: bool) -> None:
        with self._token_lock:
            if self._tokens is not None and self._tokens.access != rejected_token:
                return  # another thread renewed it meanwhile
            if login:
                self._login_locked()
            else:
                self._refresh_locked()

    def _login_locked(self) -> None:
        response = self._exchange(
            "POST",
            f"{self.base_url}{dialect.LOGIN_PATH}",
            route=dialect.LOGIN_PATH,
            json={
                dialect.LOGIN_EMAIL: self.username,
                dialect.LOGIN_PASSWORD: self._password,
                dialect.LOGIN_SKIP_MFA: True,
            },
        )
        assert isinstance(response, requests.Response)  # noqa: S101 (no adoption for login)
        status = response.status_code
        logger.info("facilioo login", extra={"path": dialect.LOGIN_PATH, "status": status})
        if status in (401, 403):
            raise FaciliooCredentialsError(status=status)
        if status == 404:
            raise FaciliooConfigurationError(self._address_message(status), status=status)
        answer: Any = None
        if status < 300:
            try:
                answer = response.json()
            except ValueError:
                answer = None
        tokens = _Tokens.from_answer(answer)
        if tokens is None:
            if isinstance(answer, dict) and answer.get(dialect.TWO_FACTOR_REQUIRED):
                message = phrase(
                    gettext_noop(
                        "Das facilioo-Konto verlangt eine Zwei-Faktor-Anmeldung. Bitte verwenden "
                        "Sie "
                        "ein Konto ohne Zwei-Faktor-Anmeldung für die Schnittstelle."
                    )
                )
            else:
                message = phrase(
                    gettext_noop(
                        "Die Anmeldung bei facilioo ist fehlgeschlagen (HTTP %(status)s)."
                    ),
                    status=status,
                )
            raise FaciliooConfigurationError(message, status=status)
        self._tokens = tokens

    def _refresh_locked(self) -> None:
        if not self._refresh_only_locked():
            # No refresh token, or facilioo refused it: log in again.
            self._login_locked()

    def _refresh_only_locked(self) -> bool:
        """The refresh call (dialect: REFRESH_PATH, refresh token as bearer); True if it gave
        new tokens."""
        refresh = self._tokens.refresh if self._tokens is not None else None
        if not refresh:
            return False
        response = self._exchange(
            "POST",
            f"{self.base_url}{dialect.REFRESH_PATH}",
            route=dialect.REFRESH_PATH,
            headers={"Authorization": f"Bearer {refresh}"},
        )
        assert isinstance(response, requests.Response)  # noqa: S101 (no adoption here)
        status = response.status_code
        logger.info(
            "facilioo token refresh", extra={"path": dialect.REFRESH_PATH, "status": status}
        )
        tokens: _Tokens | None = None
        if status < 300:
            try:
                tokens = _Tokens.from_answer(response.json())
            except ValueError:
                tokens = None
        if tokens is None:
            return False
        self._tokens = tokens
        return True

    def refresh_works(self) -> bool:
        """For the probe: log in, then renew the tokens by the refresh call alone."""
        with self._token_lock:
            if self._tokens is None:
                self._login_locked()
            return self._refresh_only_locked()


def _capture(fn: Callable[[T], R], item: T) -> tuple[bool, R | Exception]:
    try:
        return True, fn(item)
    except Exception as exc:
        return False, exc


def _lookup_item(item: Any) -> tuple[int | None, str | None]:
    """(party id, external id) of one ``PartyExternalIdRead`` (names I, see the dialect)."""
    if not isinstance(item, dict):
        return None, None
    party = item.get(dialect.LOOKUP_READ_PARTY)
    value = item.get(dialect.LOOKUP_READ_VALUE)
    return (
        party if isinstance(party, int) and not isinstance(party, bool) else None,
        value if isinstance(value, str) and value else None,
    )


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: an integer, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
