"""The facilioo connection of a customer: set (encrypted), test, rotate keys."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from connect import crypto
from connect.exceptions import ApplicationError
from connect.models import Customer, FaciliooConnection, UseCaseActivation, User
from connect.models.credentials import ConnectionState, FaciliooEnvironment
from connect.selectors.activations import mandanten_scope
from connect.selectors.credentials import facilioo_client_for
from connect.services.audit import audit_record, changes_between
from integrations.facilioo.errors import FaciliooError
from integrations.facilioo.probe import run_probe
from integrations.phrases import Phrase, phrase, to_data

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str
    tenants: list[dict[str, Any]]


@transaction.atomic
def facilioo_connection_set(
    *,
    customer: Customer,
    actor: User | None,
    username: str,
    environment: str,
    password: str | None = None,
    actor_fallback: str = "system",
    shared_reason: str = "",
) -> FaciliooConnection:
    """Store username and environment; the password only when one is given (write-only).

    A facilioo account (username and environment) belongs to one customer (docs/identity.md): two
    customers on one account see the same tenants and would take over each other's records.
    Saving it for a second customer is refused; support may override with a reason (audited).
    """
    if environment not in FaciliooEnvironment.values:
        raise ApplicationError(_("Unbekannte Umgebung: %(env)s") % {"env": environment})
    others = list(
        FaciliooConnection.objects.filter(
            username__iexact=username.strip(), environment=environment
        )
        .exclude(customer=customer)
        .select_related("customer")
    )
    shared_reason = shared_reason.strip()
    # Operators (in the portal, or on the command line) may share an account, with a reason.
    may_share = actor is None or actor.sees_all_customers
    if others and not (shared_reason and may_share):
        message = _(
            "Das facilioo-Konto „%(username)s“ ist in dieser Umgebung bereits mit einem anderen "
            "Kunden verbunden. Ein facilioo-Konto gehört zu genau einem Kunden, sonst würden "
            "zwei Kunden gegenseitig ihre Datensätze übernehmen. Bitte verwenden Sie ein "
            "eigenes Konto."
        ) % {"username": username.strip()}
        if may_share:
            message += " " + _(
                "Als Betreiber können Sie mit einer Begründung eine Ausnahme zulassen, wenn "
                "sich die Mandanten der Kunden nicht überschneiden."
            )
        raise ApplicationError(message)
    if others:
        overlaps = mandanten_overlaps(
            customer=customer,
            scope=mandanten_scope(customer=customer),
            others=[o.customer for o in others],
        )
        if overlaps:
            raise ApplicationError(
                _(
                    "Das facilioo-Konto „%(username)s“ kann nicht geteilt werden, weil sich die "
                    "Mandanten der Kunden überschneiden."
                )
                % {"username": username.strip()}
                + " "
                + " ".join(overlaps)
                + " "
                + str(SHARED_ACCOUNT_WHY)
            )
    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if connection is None and not password:
        raise ApplicationError(_("Bitte geben Sie das Passwort des facilioo-Kontos an."))
    before: dict[str, Any] = (
        {"username": connection.username, "environment": connection.environment}
        if connection
        else {}
    )
    if connection is None:
        connection = FaciliooConnection(customer=customer)
    after: dict[str, Any] = {"username": username.strip(), "environment": environment}
    connection.username = after["username"]
    connection.environment = environment
    if password:
        connection.password_encrypted = crypto.encrypt(password)
        connection.password_set_at = timezone.now()
        before.setdefault("password", "old")
        after["password"] = "new"  # noqa: S105 (a marker that it changed, not a password)
    # Any change of what we log in with makes the last test result meaningless.
    changes = changes_between(before, after)
    if changes:
        connection.state = ConnectionState.UNTESTED
        connection.state_message = ""
        connection.state_data = None
    connection.save()
    if changes:
        audit_record(
            customer=customer,
            actor=actor,
            action="facilioo_connection.set",
            obj=connection,
            changes=changes,
            actor_fallback=actor_fallback,
        )
    if others:
        audit_record(
            customer=customer,
            actor=actor,
            action="facilioo_connection.shared",
            obj=connection,
            changes={
                "shared_with": [None, ", ".join(sorted(o.customer.slug for o in others))],
            },
            reason=shared_reason,
            actor_fallback=actor_fallback,
        )
    return connection


SHARED_ACCOUNT_WHY = gettext_lazy(
    "Zusammengesetzte IDs beginnen mit der Mandantennummer: Zwei Kunden mit demselben Mandanten "
    "bilden auf einem Konto dieselben IDs und würden gegenseitig ihre Datensätze übernehmen. "
    "Ein Konto kann nur zwischen Kunden geteilt werden, deren Mandanten sich nicht überschneiden."
)


def mandanten_overlaps(
    *, customer: Customer, scope: frozenset[str] | None, others: list[Customer]
) -> list[str]:
    """Why ``customer`` (writing the Mandanten ``scope``, None: all) may not share a facilioo
    account with ``others``: one German sentence per conflict, none if all are disjoint.

    Composite ids start with the Mandant number, so customers on one account must not write
    the same Mandant. A customer without a choice of Mandanten counts as all of them.
    """

    if scope is None:
        return [
            _(
                "Für den Kunden „%(customer)s“ sind keine Mandanten festgelegt (weder in den "
                "Einstellungen noch in einem gültigen ERP-Export); das gilt als alle Mandanten."
            )
            % {"customer": customer.name}
        ]
    found: list[str] = []
    for other in others:
        theirs = mandanten_scope(customer=other)
        if theirs is None:
            found.append(
                _(
                    "Für den Kunden „%(customer)s“, der das Konto bereits nutzt, sind keine "
                    "Mandanten festgelegt (weder in den Einstellungen noch in einem gültigen "
                    "ERP-Export); das gilt als alle Mandanten."
                )
                % {"customer": other.name}
            )
        elif common := scope & theirs:
            found.append(
                _("Gemeinsame Mandanten mit dem Kunden „%(customer)s“: %(mandanten)s.")
                % {"customer": other.name, "mandanten": ", ".join(sorted(common))}
            )
    return found


def facilioo_connection_test(*, customer: Customer, actor: User | None) -> ConnectionTestResult:
    """Log in to facilioo and list the tenants the account can see ("Verbindung testen")."""

    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if connection is None:
        return ConnectionTestResult(
            False, _("Es ist noch keine facilioo-Verbindung eingerichtet."), []
        )
    # Stored as codes, so the connection page reads it in its reader's language.
    said: str | Phrase
    try:
        with facilioo_client_for(connection=connection, max_retries=1) as client:
            tenants = client.test_connection()
    except crypto.SecretUnreadable:
        said = phrase(
            gettext_noop(
                "Das gespeicherte Passwort kann nicht entschlüsselt werden. "
                "Bitte geben Sie es neu ein."
            )
        )
        tenants, ok = [], False
    except FaciliooError as exc:
        said, tenants, ok = exc.sentence, [], False
    else:
        said = phrase(
            gettext_noop("Verbindung erfolgreich: %(n)d facilioo-Projekte sichtbar."),
            n=len(tenants),
        )
        ok = True
    result = ConnectionTestResult(ok, str(said), tenants)
    connection.state = ConnectionState.OK if result.ok else ConnectionState.FAILED
    with translation.override(settings.LANGUAGE_CODE):
        connection.state_message = str(said)[:500]
    connection.state_data = to_data(said)
    connection.last_tested_at = timezone.now()
    connection.save(
        update_fields=["state", "state_message", "state_data", "last_tested_at", "updated_at"]
    )
    logger.info(
        "facilioo connection tested",
        extra={"customer": customer.slug, "ok": result.ok, "environment": connection.environment},
    )
    return result


def credential_keys_rotate() -> tuple[int, int]:
    """Re-encrypt every stored password under the newest key. Returns (rotated, unreadable)."""
    rotated = unreadable = 0
    for connection in FaciliooConnection.objects.select_for_update().iterator():
        try:
            connection.password_encrypted = crypto.rotate(connection.password_encrypted)
        except crypto.SecretUnreadable:
            unreadable += 1
            continue
        connection.save(update_fields=["password_encrypted"])
        rotated += 1
    return rotated, unreadable


def facilioo_probe_run(
    *, customer: Customer, actor: User | None, tenant_id: int | None = None
) -> dict[str, Any]:
    """The conformance probe with the customer's credentials; the result is stored and returned.

    Without ``tenant_id`` the probe writes into the Stammdaten default tenant. Production needs
    an explicit test tenant: the probe creates (and removes) records there.
    """

    connection = FaciliooConnection.objects.filter(customer=customer).first()
    if connection is None:
        raise ApplicationError(_("Es ist noch keine facilioo-Verbindung eingerichtet."))
    if tenant_id is None:
        if connection.environment == FaciliooEnvironment.PRODUCTION:
            raise ApplicationError(
                _(
                    "In der Produktionsumgebung braucht die Prüfung ein ausdrücklich gewähltes "
                    "Test-Projekt: Sie legt dort Prüfdatensätze an und entfernt sie wieder."
                )
            )
        tenant_id = _default_tenant(customer)
        if tenant_id is None:
            raise ApplicationError(
                _(
                    "Bitte wählen Sie das facilioo-Projekt, in dem geprüft werden soll "
                    "(oder legen Sie in den Stammdaten ein Standard-Projekt fest)."
                )
            )
    try:
        with facilioo_client_for(connection=connection, max_retries=2) as client:
            result = run_probe(client, tenant_id).as_dict()
    except crypto.SecretUnreadable:
        raise ApplicationError(
            _(
                "Das gespeicherte Passwort kann nicht entschlüsselt werden. "
                "Bitte geben Sie es neu ein."
            )
        ) from None
    except FaciliooError as exc:
        result = {"ok": False, "tenant_id": tenant_id, "error": str(exc.message), "checks": []}
    connection.probe_result = result
    connection.probe_at = timezone.now()
    connection.save(update_fields=["probe_result", "probe_at", "updated_at"])
    audit_record(
        customer=customer,
        actor=actor,
        action="facilioo_connection.probe",
        obj=connection,
        changes={"ok": [None, result["ok"]], "tenant_id": [None, tenant_id]},
        actor_fallback="cli" if actor is None else "system",
    )
    return result


def _default_tenant(customer: Customer) -> int | None:

    activation = UseCaseActivation.objects.filter(customer=customer, use_case="stammdaten").first()
    if activation is None:
        return None
    value = (activation.settings or {}).get("default_tenant_id")
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
