"""The sandbox as a WSGI application: facilioo's API as far as we know it, plus test controls.

- ``/api/...``: the wire contract of docs/facilioo.md (auth, tenants, catalogues, the eight
  entities with list, get, create, patch, soft delete and search, the file upload URL);
- ``/_storage/<token>``: the pre-signed upload target (no bearer token, expires);
- ``/_control``: fault injection and lifetimes (GET, POST), ``/_control/counters`` (GET,
  DELETE), ``/_control/reset`` (POST), ``/_control/expire-tokens`` (POST: every access token
  issued so far counts as expired, without waiting), ``/_control/state/<entity>`` (GET, for
  tests), ``/_control/plant-parties`` (POST: parties another company owns ids on) and
  ``/_control/merge-parties`` (POST: facilioo's deduplication of parties);
- ``/``: a read-only German HTML page of what arrived.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import random
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from werkzeug.wrappers import Request, Response

from tooling.sandbox.html import render_overview
from tooling.sandbox.store import (
    CURRENT_SCOPE,
    ENTITIES,
    JSON,
    SPECS,
    Problem,
    Scope,
    Store,
    not_found,
)

ISSUER = "sandbox-api.facilioo.local"
AUDIENCE = "sandbox-app.facilioo.local"
API_VERSIONS = frozenset({"1", "1.0", "2", "2.0"})
WRITING_PARTY_TYPES = frozenset({1, 2})  # Admin, PropertyManagementCompany
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10

PM_EMAIL = "sandbox@facilioo.example"
USER_EMAIL = "nutzer@facilioo.example"

_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


class DropConnection(ConnectionAbortedError):
    """Raised by the app to make the server close the connection without an answer."""


@dataclass
class Account:
    id: int
    email: str
    password: str
    party_type: int
    company_id: int
    tenants: frozenset[int] = frozenset({1, 2})


def account_email(number: int) -> str:
    """The login of sandbox account ``number`` (1 is the seeded one)."""
    return PM_EMAIL if number == 1 else f"sandbox{number}@facilioo.example"


def _public(data: Any) -> Any:
    """An answer without the sandbox's internal fields (``_company``)."""
    if isinstance(data, dict):
        return {k: _public(v) for k, v in data.items() if not str(k).startswith("_")}
    if isinstance(data, list):
        return [_public(item) for item in data]
    return data


@dataclass
class SandboxConfig:
    """What ``/_control`` shows and changes. Rates are shares of eligible requests (0..1)."""

    error_rate: float = 0.0  # answer 500
    rate_limit_rate: float = 0.0  # answer 429 with Retry-After
    retry_after: int = 1  # seconds in Retry-After
    latency_ms: int = 0  # added to every eligible request
    drop_rate: float = 0.0  # close the connection without an answer
    drop_mode: str = "before"  # "before" the request is handled, or "after" (it took effect)
    token_lifetime: int = 3600  # access token, seconds
    refresh_token_lifetime: int = 7 * 24 * 3600
    upload_url_lifetime: int = 900
    seed: int | None = None  # seeds the fault dice; set it for deterministic tests
    fault_paths: list[str] = field(default_factory=lambda: ["/api/", "/_storage/"])
    fault_methods: list[str] | None = None  # None: every method
    fault_skip_auth: bool = False  # true: never fault /api/auth/* (login, refresh)
    # Drift: entity -> fields the server silently ignores (accepts, but neither stores nor
    # returns), as a facilioo that does not know them would. Empty: strict.
    ignore_fields: dict[str, list[str]] = field(default_factory=dict)

    def update(self, changes: JSON) -> None:
        known = {f.name: f for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"Unbekannte Einstellungen: {', '.join(unknown)}")
        candidate = dataclasses.replace(self, **changes)
        for name in ("error_rate", "rate_limit_rate", "drop_rate"):
            value = getattr(candidate, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} muss zwischen 0 und 1 liegen.")
        if candidate.error_rate + candidate.rate_limit_rate + candidate.drop_rate > 1:
            raise ValueError("Die Summe der Fehlerraten darf 1 nicht übersteigen.")
        for name in (
            "retry_after",
            "latency_ms",
            "token_lifetime",
            "refresh_token_lifetime",
            "upload_url_lifetime",
        ):
            value = getattr(candidate, name)
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} muss eine Zahl ≥ 0 sein.")
        if candidate.drop_mode not in {"before", "after"}:
            raise ValueError("drop_mode muss 'before' oder 'after' sein.")
        ignore = candidate.ignore_fields
        if not isinstance(ignore, dict) or not all(
            entity in SPECS
            and isinstance(names, list)
            and all(isinstance(name, str) and name in SPECS[entity].fields for name in names)
            for entity, names in ignore.items()
        ):
            raise ValueError(
                "ignore_fields erwartet {Entität: [Feld, …]} mit bekannten Entitäten und Feldern."
            )
        for name, value in dataclasses.asdict(candidate).items():
            setattr(self, name, value)


def route_of(path: str) -> str:
    if path.startswith("/_storage/"):
        return "/_storage/{token}"
    return _ID_SEGMENT.sub("/{id}", path)


def problem_response(problem: Problem) -> Response:
    body: JSON = {
        "type": f"https://httpstatuses.io/{problem.status}",
        "title": problem.title,
        "status": problem.status,
        "traceId": f"00-{uuid.uuid4().hex}-{secrets.token_hex(8)}-00",
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors:
        body["errors"] = problem.errors
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=problem.status,
        content_type="application/problem+json",
    )


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(_public(data), ensure_ascii=False),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def _s3_error(code: str, message: str, status: int = 403) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status=status, content_type="application/xml")


class SandboxApp:
    """The WSGI application. Thread-safe: the store has its lock, the rest has ``_lock``."""

    def __init__(
        self,
        *,
        password: str,
        store: Store | None = None,
        config: SandboxConfig | None = None,
        accounts: int = 1,
        control_password: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store or Store()
        self._sleep = sleep  # waits out the configured latency
        self._clock = clock  # seconds since the epoch: when tokens are issued and expire
        self.config = config or SandboxConfig()
        self._apply_drift()
        # /_control and the HTML page need these credentials (HTTP Basic, user "sandbox") when
        # set: the server sets them whenever it listens beyond the loopback interface.
        self.control_password = control_password
        self.accounts = {
            PM_EMAIL: Account(id=1, email=PM_EMAIL, password=password, party_type=2, company_id=1),
            USER_EMAIL: Account(
                id=2, email=USER_EMAIL, password=password, party_type=7, company_id=1
            ),
        }
        # Further accounts: each a property-management company with two tenants of its own.
        for number in range(2, max(1, accounts) + 1):
            tenants: list[JSON] = [
                {
                    "id": 10 * number + 1,
                    "name": f"Hausverwaltung {number} Nord",
                    "externalId": None,
                },
                {"id": 10 * number + 2, "name": f"Hausverwaltung {number} Süd", "externalId": None},
            ]
            if not all(t["id"] in self.store.tables["tenants"] for t in tenants):
                self.store.add_tenants(tenants)
            email = account_email(number)
            self.accounts[email] = Account(
                id=number + 1,
                email=email,
                password=password,
                party_type=2,
                company_id=number,
                tenants=frozenset(int(t["id"]) for t in tenants),
            )
        self._accounts_by_id = {account.id: account for account in self.accounts.values()}
        self._key = secrets.token_bytes(32)  # per process: a restarted sandbox wants a new login
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)  # noqa: S311 (fault dice, not cryptography)
        self._by_method: Counter[str] = Counter()
        self._by_route: Counter[str] = Counter()
        self._refresh_ids: dict[str, int] = {}  # live refresh token id -> account id
        # Access tokens of an older generation count as expired (``/_control/expire-tokens``).
        self._token_generation = 0
        self._uploads: dict[str, tuple[int, float]] = {}  # token -> (file id, expiry)

    # -- WSGI ---------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def logins(self) -> list[JSON]:
        """The writing accounts with their tenants (for the start banner and --logins-file)."""
        return [
            {
                "email": account.email,
                "password": account.password,
                "tenants": sorted(account.tenants),
            }
            for account in self.accounts.values()
            if account.party_type in WRITING_PARTY_TYPES
        ]

    def _control_allowed(self, request: Request) -> bool:
        if self.control_password is None:
            return True
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return False
        return hmac.compare_digest(
            str(auth.username or "").encode(), b"sandbox"
        ) & hmac.compare_digest(str(auth.password or "").encode(), self.control_password.encode())

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/_health":
            return Response(status=204)
        guarded = path in {"/", "/index.html"} or path == "/_control"
        if (guarded or path.startswith("/_control/")) and not self._control_allowed(request):
            response = problem_response(
                Problem(401, "Nicht autorisiert", detail="Anmeldung für die Sandbox nötig.")
            )
            response.headers["WWW-Authenticate"] = 'Basic realm="facilioo-Sandbox"'
            return response
        if path == "/_control" or path.startswith("/_control/"):
            return self._control(request)
        if path in {"/", "/index.html"}:
            return Response(render_overview(self), content_type="text/html; charset=utf-8")
        if path == "/favicon.ico":
            return Response(status=204)
        method = request.method
        with self._lock:
            self._by_method[method] += 1
            self._by_route[f"{method} {route_of(path)}"] += 1
        fault = self._draw_fault(method, path)
        if self.config.latency_ms and self._eligible(method, path):
            self._sleep(self.config.latency_ms / 1000)
        if fault == "drop" and self.config.drop_mode == "before":
            raise DropConnection
        if fault == "error":
            return problem_response(Problem(500, "Interner Serverfehler (simuliert)"))
        if fault == "rate_limit":
            response = problem_response(Problem(429, "Zu viele Anfragen (simuliert)"))
            response.headers["Retry-After"] = str(int(self.config.retry_after))
            return response
        scope_token = CURRENT_SCOPE.set(None)
        try:
            response = self._dispatch(request)
        except Problem as problem:
            response = problem_response(problem)
        finally:
            CURRENT_SCOPE.reset(scope_token)
        if fault == "drop":
            raise DropConnection
        return response

    # -- faults and counters ------------------------------------------------------------------

    def _eligible(self, method: str, path: str) -> bool:
        config = self.config
        if config.fault_skip_auth and path.startswith("/api/auth/"):
            return False
        if config.fault_methods is not None and method not in {
            m.upper() for m in config.fault_methods
        }:
            return False
        return any(path.startswith(prefix) for prefix in config.fault_paths)

    def _draw_fault(self, method: str, path: str) -> str | None:
        config = self.config
        if not (config.drop_rate or config.error_rate or config.rate_limit_rate):
            return None
        if not self._eligible(method, path):
            return None
        with self._lock:
            dice = self._rng.random()
        if dice < config.drop_rate:
            return "drop"
        if dice < config.drop_rate + config.error_rate:
            return "error"
        if dice < config.drop_rate + config.error_rate + config.rate_limit_rate:
            return "rate_limit"
        return None

    def counters(self) -> JSON:
        with self._lock:
            return {
                "total": sum(self._by_method.values()),
                "by_method": dict(self._by_method),
                "by_route": dict(self._by_route),
            }

    def reset_counters(self) -> None:
        with self._lock:
            self._by_method.clear()
            self._by_route.clear()

    def control(self, changes: JSON) -> JSON:
        with self._lock:
            self.config.update(changes)
            if "seed" in changes:
                self._rng.seed(self.config.seed)
            self._apply_drift()
            return dataclasses.asdict(self.config)

    def _apply_drift(self) -> None:
        with self.store.lock:
            self.store.ignored = {
                entity: frozenset(names) for entity, names in self.config.ignore_fields.items()
            }

    def _control(self, request: Request) -> Response:
        path, method = request.path.rstrip("/"), request.method
        try:
            if path == "/_control" and method == "GET":
                return json_response(dataclasses.asdict(self.config))
            if path == "/_control" and method == "POST":
                changes = json.loads(request.get_data() or b"{}")
                if not isinstance(changes, dict):
                    return problem_response(
                        Problem(400, "Ungültige Steuerung", detail="Erwartet wird ein JSON-Objekt.")
                    )
                return json_response(self.control(changes))
            if path == "/_control/counters" and method == "GET":
                return json_response(self.counters())
            if path == "/_control/counters" and method == "DELETE":
                self.reset_counters()
                return Response(status=204)
            if path == "/_control/expire-tokens" and method == "POST":
                with self._lock:
                    self._token_generation += 1
                return Response(status=204)
            if path == "/_control/reset" and method == "POST":
                self.store.reset()
                with self._lock:
                    self._uploads.clear()
                return Response(status=204)
            if path == "/_control/plant-parties" and method == "POST":
                return json_response(self._plant(json.loads(request.get_data() or b"{}")))
            if path == "/_control/merge-parties" and method == "POST":
                order = json.loads(request.get_data() or b"{}")
                self.store.merge_parties(int(order["into"]), [int(i) for i in order["merged"]])
                return Response(status=204)
            if path.startswith("/_control/state/") and method == "GET":
                table = path.removeprefix("/_control/state/")
                if table not in self.store.tables:
                    return problem_response(Problem(404, "Unbekannte Tabelle"))
                return json_response(self.store.records(table))
            if path.startswith("/_control/content/") and method == "GET":
                file_id = int(path.removeprefix("/_control/content/"))
                content = self.store.file_content(file_id)
                if content is None:
                    return problem_response(not_found("files", file_id))
                return Response(content, content_type="application/octet-stream")
        except (ValueError, KeyError, TypeError) as exc:
            return problem_response(Problem(400, "Ungültige Steuerung", detail=str(exc)))
        except Problem as problem:
            return problem_response(problem)
        return problem_response(Problem(404, "Unbekannter Steuerungspfad"))

    def _plant(self, order: Any) -> list[JSON]:
        """Parties another company holds, with the id strings it owns on them.

        ``{"owner": 99, "parties": [{"externalIds": ["1000-40001"], "primaryName": …}]}``:
        the owner need not be an account of this sandbox.
        """
        if not isinstance(order, dict) or not isinstance(order.get("parties"), list):
            raise TypeError("Erwartet wird {owner, parties: [{externalIds, …}]}.")
        owner = int(order.get("owner", 99))
        planted = []
        for party in order["parties"]:
            body = {k: v for k, v in party.items() if k != "externalIds"}
            body = {
                "type": 7,
                "secondaryName": "Fremd",
                "contactByEmail": False,
                "contactByPush": False,
                "contactByMail": True,
                **body,
            }
            planted.append(self.store.plant_party(owner, body, list(party["externalIds"])))
        return planted

    # -- API routing ----------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Response:
        segments = request.path.strip("/").split("/")
        method = request.method
        if segments[0] == "_storage" and len(segments) == 2:
            if method != "PUT":
                raise Problem(405, "Methode nicht erlaubt")
            return self._storage_put(request, segments[1])
        if segments[0] != "api" or len(segments) < 2:
            raise Problem(404, "Nicht gefunden", detail=f"Unbekannter Pfad {request.path}")
        version = request.headers.get("api-version")
        if version is not None and version.strip() not in API_VERSIONS:
            raise Problem(400, "Nicht unterstützte API-Version", detail=f"api-version {version!r}")
        rest = segments[1:]
        if rest == ["auth", "login"]:
            self._require(method, "POST")
            return self._login(request)
        if rest == ["auth", "refresh"]:
            self._require(method, "POST")
            return self._refresh(request)
        account = self._authenticate(request)
        CURRENT_SCOPE.set(Scope(account.company_id, account.tenants))
        resource = rest[0]
        if resource in {"tenants", "unit-types", "file-types", "contact-types"}:
            self._require(method, "GET")
            if resource == "tenants" and account.party_type not in WRITING_PARTY_TYPES:
                # Tenants are not visible to end users (facilioo docs, tenant page).
                if len(rest) == 1:
                    return self._page(request, lambda n, s: ([], 0))
                raise Problem(404, "Nicht gefunden")
            if len(rest) == 1:
                return self._page(request, lambda n, s: self.store.page(resource, n, s))
            if len(rest) == 2 and rest[1].isdigit():
                return json_response(self.store.get(resource, int(rest[1])))
        if rest == ["accounts", "myself"]:
            self._require(method, "GET")
            return json_response(
                {"id": account.id, "email": account.email, "partyType": account.party_type}
            )
        if resource not in ENTITIES:
            raise Problem(404, "Nicht gefunden", detail=f"Unbekannter Pfad {request.path}")
        if len(rest) == 1:
            if method == "GET":
                return self._page(request, lambda n, s: self.store.page(resource, n, s))
            self._require(method, "POST")
            self._require_writer(account)
            return json_response(self.store.create(resource, self._body(request)), status=201)
        if resource == "parties" and rest[1:] == ["external-ids", "search"]:
            # The batch lookup (facilioo docs, "Search External Ids"): the caller's own ids.
            self._require(method, "POST")
            query = self._body(request, allow_empty=True)
            found = self.store.lookup_external_ids(query.get("partyIds"), query.get("externalIds"))
            return self._page(request, lambda n, s: (found[(n - 1) * s : n * s], len(found)))
        if rest[1:] == ["search"]:
            self._require(method, "POST")
            query = self._body(request, allow_empty=True)
            matches = self.store.search(resource, query)
            return self._page(request, lambda n, s: (matches[(n - 1) * s : n * s], len(matches)))
        if not rest[1].isdigit():
            raise Problem(404, "Nicht gefunden", detail=f"Unbekannter Pfad {request.path}")
        record_id = int(rest[1])
        if len(rest) == 3 and resource == "parties" and rest[2] == "external-ids":
            if method == "GET":
                ids = self.store.external_ids(resource, record_id)
                return self._page(request, lambda n, s: (ids[(n - 1) * s : n * s], len(ids)))
            self._require(method, "PUT")
            self._require_writer(account)
            self.store.put_external_ids(resource, record_id, self._json(request))
            return Response(status=204)
        if len(rest) == 3 and resource == "files" and rest[2] == "upload":
            self._require(method, "PUT")
            self._require_writer(account)
            return self._upload_url(request, record_id)
        if len(rest) != 2:
            raise Problem(404, "Nicht gefunden", detail=f"Unbekannter Pfad {request.path}")
        if method == "GET":
            return json_response(self.store.get(resource, record_id))
        if method == "PATCH":
            self._require_writer(account)
            return json_response(self.store.patch(resource, record_id, self._body(request)))
        if method == "DELETE":
            self._require_writer(account)
            self.store.delete(resource, record_id)
            return Response(status=204)
        raise Problem(405, "Methode nicht erlaubt")

    @staticmethod
    def _require(method: str, expected: str) -> None:
        if method != expected:
            raise Problem(405, "Methode nicht erlaubt")

    @staticmethod
    def _require_writer(account: Account) -> None:
        if account.party_type not in WRITING_PARTY_TYPES:
            raise Problem(
                403,
                "Verboten",
                detail="Nur Konten einer Hausverwaltung (Typ 2) oder Admins dürfen Daten ändern.",
            )

    @staticmethod
    def _json(request: Request) -> Any:
        try:
            return json.loads(request.get_data())
        except ValueError:
            raise Problem(
                400, "Ungültiger Inhalt", detail="Der Inhalt ist kein gültiges JSON."
            ) from None

    @classmethod
    def _body(cls, request: Request, *, allow_empty: bool = False) -> JSON:
        if not request.get_data() and allow_empty:
            return {}
        body = cls._json(request)
        if not isinstance(body, dict):
            raise Problem(400, "Ungültiger Inhalt", detail="Erwartet wird ein JSON-Objekt.")
        return body

    @staticmethod
    def _page(request: Request, fetch: Callable[[int, int], tuple[list[Any], int]]) -> Response:
        args = {key.lower(): value for key, value in request.args.items()}
        errors: dict[str, list[str]] = {}
        try:
            number = int(args.get("pagenumber", "1"))
        except ValueError:
            number = 0
        try:
            size = int(args.get("pagesize", str(DEFAULT_PAGE_SIZE)))
        except ValueError:
            size = 0
        if number < 1:
            errors["PageNumber"] = ["PageNumber muss mindestens 1 sein."]
        if size < 1:
            errors["PageSize"] = ["PageSize muss mindestens 1 sein."]
        if errors:
            raise Problem(
                400, "Ein oder mehrere Validierungsfehler sind aufgetreten.", errors=errors
            )
        size = min(size, MAX_PAGE_SIZE)
        items, total = fetch(number, size)
        pages = math.ceil(total / size) if total else 0
        first = (number - 1) * size
        body = {
            "items": items,
            "pageNumber": number,
            "pageSize": size,
            "totalPages": pages,
            "totalCount": total,
            "hasPreviousPage": number > 1,
            "hasNextPage": number < pages,
        }
        headers = {"Content-Range": f"{first + 1}-{first + len(items)}/{total}"} if items else None
        return json_response(body, headers=headers)

    # -- auth ---------------------------------------------------------------------------------

    def _issue(self, account: Account) -> JSON:
        now = int(self._clock())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "nbf": now,
            "iat": now,
            "sub": {"accountId": account.id, "companyId": account.company_id},
            "partyType": account.party_type,
        }
        refresh_id = uuid.uuid4().hex
        access = jwt.encode(
            {
                **claims,
                "exp": now + int(self.config.token_lifetime),
                "typ": "access",
                "gen": self._token_generation,
                "jti": uuid.uuid4().hex,
            },
            self._key,
            algorithm="HS256",
        )
        refresh = jwt.encode(
            {
                **claims,
                "exp": now + int(self.config.refresh_token_lifetime),
                "typ": "refresh",
                "jti": refresh_id,
            },
            self._key,
            algorithm="HS256",
        )
        with self._lock:
            self._refresh_ids[refresh_id] = account.id
        return {"accessToken": access, "refreshToken": refresh, "account": {"id": account.id}}

    def _claims(self, request: Request, expected_type: str) -> JSON:
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self._unauthorized("Kein Bearer-Token übermittelt.")
        try:
            claims: JSON = jwt.decode(
                token.strip(),
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                # the times (exp, nbf, iat) are checked below against the sandbox's own clock
                options={
                    "verify_sub": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["exp", "nbf", "sub"],
                },
            )
        except jwt.PyJWTError:
            raise self._unauthorized("Das Token ist ungültig.") from None
        now = self._clock()
        if not isinstance(claims["exp"], int | float) or not isinstance(claims["nbf"], int | float):
            raise self._unauthorized("Das Token ist ungültig.")
        if now < claims["nbf"]:
            raise self._unauthorized("Das Token ist ungültig.")
        if now >= claims["exp"]:
            raise self._unauthorized("Das Token ist abgelaufen.")
        if claims.get("typ") != expected_type:
            raise self._unauthorized("Falscher Token-Typ.")
        if expected_type == "access" and claims.get("gen") != self._token_generation:
            raise self._unauthorized("Das Token ist abgelaufen.")
        return claims

    @staticmethod
    def _unauthorized(detail: str) -> Problem:
        return Problem(401, "Nicht autorisiert", detail=detail)

    def _authenticate(self, request: Request) -> Account:
        claims = self._claims(request, "access")
        subject = claims.get("sub")
        account_id = subject.get("accountId") if isinstance(subject, dict) else None
        account = self._accounts_by_id.get(account_id) if isinstance(account_id, int) else None
        if account is None:
            raise self._unauthorized("Unbekanntes Konto.")
        return account

    def _login(self, request: Request) -> Response:
        body = self._body(request)
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            raise Problem(
                400,
                "Ein oder mehrere Validierungsfehler sind aufgetreten.",
                errors={"email": ["E-Mail und Passwort sind erforderlich."]},
            )
        account = self.accounts.get(email.strip().lower())
        if account is None or not hmac.compare_digest(account.password.encode(), password.encode()):
            raise self._unauthorized("E-Mail oder Passwort ist falsch.")
        return json_response(self._issue(account))

    def _refresh(self, request: Request) -> Response:
        claims = self._claims(request, "refresh")
        with self._lock:
            # Rotation: a refresh token works once; the answer carries its successor.
            account_id = self._refresh_ids.pop(str(claims.get("jti")), None)
        account = self._accounts_by_id.get(account_id) if account_id is not None else None
        if account is None:
            raise self._unauthorized(
                "Das Refresh-Token wurde bereits verwendet oder ist unbekannt."
            )
        return json_response(self._issue(account))

    # -- files ----------------------------------------------------------------------------------

    def _upload_url(self, request: Request, file_id: int) -> Response:
        record = self.store.get("files", file_id)
        if record["deleted"]:
            raise not_found("files", file_id)
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            if len(self._uploads) > 10_000:
                self._uploads = {k: v for k, v in self._uploads.items() if v[1] > now}
            self._uploads[token] = (file_id, now + float(self.config.upload_url_lifetime))
        return json_response({"url": f"{request.host_url.rstrip('/')}/_storage/{token}"})

    def _storage_put(self, request: Request, token: str) -> Response:
        with self._lock:
            entry = self._uploads.get(token)
        if entry is None:
            return _s3_error("AccessDenied", "Invalid or unknown signature")
        file_id, expires = entry
        if time.monotonic() > expires:
            return _s3_error("AccessDenied", "Request has expired")
        if "Authorization" in request.headers:
            # Like S3: a pre-signed URL plus an Authorization header is two auth mechanisms.
            return _s3_error("InvalidArgument", "Only one auth mechanism allowed", status=400)
        digest, md5 = hashlib.sha256(), hashlib.md5()  # noqa: S324 (S3's ETag, not security)
        size = 0
        keep = self.store.store_content
        parts: list[bytes] = []
        stream = request.stream
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
            md5.update(chunk)
            size += len(chunk)
            if keep:
                parts.append(chunk)
        self.store.store_upload(
            file_id, size=size, sha256=digest.hexdigest(), content=b"".join(parts) if keep else None
        )
        return Response(status=200, headers={"ETag": f'"{md5.hexdigest()}"'})


__all__ = ["SPECS", "Account", "DropConnection", "SandboxApp", "SandboxConfig"]
