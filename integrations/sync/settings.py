"""The settings of each use case: validated in one place, stored as JSON, used typed.

``validate_*`` turn what a person entered (portal form, API body, command line) into the stored,
normalised form, or raise ``SettingsInvalid`` naming every problem in German. ``*_from_stored``
turn the stored form into the typed settings the engine reads (``types.StammdatenSettings``,
``types.DokumenteSettings``). The defaults are written here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from integrations.sync.ids import SEPARATORS
from integrations.sync.types import (
    DEFAULT_FORMER_CONTRACT_MONTHS,
    DEFAULT_MAX_BYTES,
    DEFAULT_SAFETY_BRAKE_PERCENT,
    DELETION_POLICIES,
    MAX_FORMER_CONTRACT_MONTHS,
    DokumenteSettings,
    StammdatenSettings,
)

DEFAULT_SEPARATOR = "-"
DEFAULT_MAX_MB = DEFAULT_MAX_BYTES // (1024 * 1024)
MAX_MB_LIMIT = 2048

__all__ = [
    "DEFAULT_MAX_MB",
    "DEFAULT_SAFETY_BRAKE_PERCENT",
    "DEFAULT_SEPARATOR",
    "MAX_MB_LIMIT",
    "SEPARATORS",
    "SettingsInvalid",
    "dokumente_from_stored",
    "stammdaten_from_stored",
    "validate_dokumente",
    "validate_stammdaten",
]


class SettingsInvalid(ValueError):
    """Settings a person entered were refused; ``errors`` holds one German message each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors
        self.message = " ".join(errors)


def text_list(value: Any) -> list[str]:
    """A list setting from a list or a comma-separated text: stripped, empties and repeats gone."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    seen: list[str] = []
    for item in (str(i).strip() for i in items):
        if item and item not in seen:
            seen.append(item)
    return seen


def _separator(raw: Mapping[str, Any], errors: list[str]) -> str:
    separator = str(raw.get("separator", ""))
    if separator not in SEPARATORS:
        errors.append(
            _("Das Trennzeichen muss eines von %(s)s sein.") % {"s": " ".join(SEPARATORS)}
        )
    return separator


def _mandanten(
    raw: Mapping[str, Any], known: Collection[str] | None, errors: list[str]
) -> list[str]:
    """The chosen Mandanten: at least one, each known to the customer's ERP."""
    mandanten = text_list(raw.get("mandanten"))
    if not mandanten:
        errors.append(_("Bitte wählen Sie mindestens einen Mandanten."))
        return mandanten
    unknown = [m for m in mandanten if known is not None and m not in known]
    if unknown:
        errors.append(_("Diese Mandanten kennt das ERP nicht: %(m)s.") % {"m": ", ".join(unknown)})
    return mandanten


def _safety_brake(raw: Mapping[str, Any], errors: list[str]) -> int:
    try:
        brake = int(raw.get("safety_brake_percent", DEFAULT_SAFETY_BRAKE_PERCENT))
    except (TypeError, ValueError):
        brake = -1
    if not 0 < brake <= 100:
        errors.append(_("Die Sicherheitsbremse muss zwischen 1 und 100 Prozent liegen."))
    return brake


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _former_contract_months(raw: Mapping[str, Any], errors: list[str]) -> int:
    """ "beendete Verträge der letzten N Monate übertragen": 0 to 120, default 24."""
    value = raw.get("former_contract_months", DEFAULT_FORMER_CONTRACT_MONTHS)
    try:
        months = int(DEFAULT_FORMER_CONTRACT_MONTHS if value in (None, "") else value)
    except (TypeError, ValueError):
        months = -1
    if not 0 <= months <= MAX_FORMER_CONTRACT_MONTHS:
        errors.append(
            _(
                "Beendete Verträge können für 0 bis %(max)s Monate übertragen werden; bitte "
                "geben Sie eine ganze Zahl in diesem Bereich an."
            )
            % {"max": MAX_FORMER_CONTRACT_MONTHS}
        )
    return months


def validate_stammdaten(
    raw: Mapping[str, Any],
    *,
    known_mandanten: Collection[str] | None,
    tenants: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """Stored Stammdaten settings, or ``SettingsInvalid`` with every problem in German.

    ``known_mandanten``: the Mandanten of the customer's ERP; ``tenants``: the facilioo projects
    the account can see (None: not checked).
    """
    errors: list[str] = []
    separator = _separator(raw, errors)
    mandanten = _mandanten(raw, known_mandanten, errors)
    tenant_ids = {int(t["id"]) for t in tenants or []}
    try:
        default_id = _optional_int(raw.get("default_tenant_id"))
    except (TypeError, ValueError):
        default_id = None
        errors.append(_("Das facilioo-Projekt muss eine Zahl sein."))
    if default_id is not None and tenants is not None and default_id not in tenant_ids:
        errors.append(
            _("Das facilioo-Projekt %(id)s ist für das Konto nicht sichtbar.") % {"id": default_id}
        )
    overrides: dict[str, int] = {}
    for we, tid in (raw.get("tenant_overrides") or {}).items():
        try:
            overrides[str(we)] = int(tid)
        except (TypeError, ValueError):
            errors.append(_("Das facilioo-Projekt für WE %(we)s muss eine Zahl sein.") % {"we": we})
            continue
        if tenants is not None and overrides[str(we)] not in tenant_ids:
            errors.append(
                _("Das facilioo-Projekt %(id)s (für WE %(we)s) ist nicht sichtbar.")
                % {"id": tid, "we": we}
            )
    policy = raw.get("deletion_policy", "terminate")
    if policy not in DELETION_POLICIES:
        errors.append(_("Unbekannte Lösch-Regel."))
    brake = _safety_brake(raw, errors)
    former_months = _former_contract_months(raw, errors)
    if errors:
        raise SettingsInvalid(errors)
    return {
        "separator": separator,
        "mandanten": mandanten,
        "default_tenant_id": default_id,
        "tenant_overrides": overrides,
        "deletion_policy": policy,
        "safety_brake_percent": brake,
        "former_contract_months": former_months,
    }


def validate_dokumente(
    raw: Mapping[str, Any],
    *,
    known_mandanten: Collection[str] | None,
    tenants: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Stored Dokumente settings, or ``SettingsInvalid`` with every problem in German."""
    errors: list[str] = []
    separator = _separator(raw, errors)
    mandanten = _mandanten(raw, known_mandanten, errors)
    dated_from = raw.get("dated_from") or None
    if dated_from is not None:
        try:
            dated_from = date.fromisoformat(str(dated_from).strip()).isoformat()
        except ValueError:
            errors.append(
                _("„Dokumente ab“ ist kein gültiges Datum (Format JJJJ-MM-TT, z. B. 2020-01-31).")
            )
    max_mb_raw = raw.get("max_mb")
    try:
        max_mb = int(max_mb_raw) if max_mb_raw not in (None, "") else DEFAULT_MAX_MB
    except (TypeError, ValueError):
        max_mb = 0
    if not 1 <= max_mb <= MAX_MB_LIMIT:
        errors.append(
            _("Die Höchstgröße muss eine ganze Zahl zwischen 1 und %(max)d MB sein.")
            % {"max": MAX_MB_LIMIT}
        )
    brake = _safety_brake(raw, errors)
    if errors:
        raise SettingsInvalid(errors)
    return {
        "separator": separator,
        "mandanten": mandanten,
        "only_released": bool(raw.get("only_released", True)),
        "archives": text_list(raw.get("archives")),
        "keywords": text_list(raw.get("keywords")),
        "dated_from": dated_from,
        "max_mb": max_mb,
        "safety_brake_percent": brake,
    }


def stammdaten_from_stored(raw: Mapping[str, Any]) -> StammdatenSettings:
    """The engine's settings from an activation's stored (validated) Stammdaten settings."""
    overrides: dict[tuple[str, str], int] = {}
    for we, tenant in (raw.get("tenant_overrides") or {}).items():
        mandant, _sep, we_nr = str(we).partition("/")
        overrides[(mandant, we_nr)] = int(tenant)
    return StammdatenSettings(
        separator=raw.get("separator", DEFAULT_SEPARATOR),
        mandanten=frozenset(str(m) for m in raw.get("mandanten") or ()),
        default_tenant_id=_optional_int(raw.get("default_tenant_id")),
        tenant_overrides=overrides,
        deletion_policy=raw.get("deletion_policy", "terminate"),
        safety_brake_percent=int(raw.get("safety_brake_percent", DEFAULT_SAFETY_BRAKE_PERCENT)),
        former_contract_months=int(
            raw.get("former_contract_months", DEFAULT_FORMER_CONTRACT_MONTHS)
        ),
    )


def dokumente_from_stored(raw: Mapping[str, Any]) -> DokumenteSettings:
    """The engine's settings from an activation's stored (validated) Dokumente settings."""
    dated_from = raw.get("dated_from")
    max_mb = raw.get("max_mb")
    return DokumenteSettings(
        separator=raw.get("separator", DEFAULT_SEPARATOR),
        mandanten=frozenset(str(m) for m in raw.get("mandanten") or ()),
        only_released=bool(raw.get("only_released", True)),
        archives=frozenset(str(a) for a in raw.get("archives") or ()),
        keywords=tuple(str(k) for k in raw.get("keywords") or ()),
        dated_from=date.fromisoformat(dated_from) if dated_from else None,
        max_bytes=int(float(max_mb) * 1024 * 1024) if max_mb else DEFAULT_MAX_BYTES,
        safety_brake_percent=int(raw.get("safety_brake_percent", DEFAULT_SAFETY_BRAKE_PERCENT)),
    )
