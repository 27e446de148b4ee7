"""The settings of each use case, declared once as a schema (``sync.schema``).

``STAMMDATEN_SETTINGS`` and ``DOKUMENTE_SETTINGS`` declare every setting with its type, default,
German label and help, constraints and message. Their ``validate`` turns what a person entered
(portal form, API body, command line) into the stored, normalised form, or raises
``SettingsInvalid`` naming every problem in German; their ``from_stored`` turns the stored form
into the typed settings the engine reads (``types.StammdatenSettings``,
``types.DokumenteSettings``). The defaults are written here and nowhere else.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from integrations.sync.ids import SEPARATORS
from integrations.sync.schema import (
    Boolean,
    Choice,
    Date,
    Integer,
    Mandanten,
    SettingsInvalid,
    SettingsSchema,
    Tenant,
    TenantMap,
    TextList,
    text_list,
)
from integrations.sync.types import (
    DEFAULT_FORMER_CONTRACT_MONTHS,
    DEFAULT_MAX_BYTES,
    DEFAULT_SAFETY_BRAKE_PERCENT,
    MAX_FORMER_CONTRACT_MONTHS,
    DokumenteSettings,
    StammdatenSettings,
)

DEFAULT_SEPARATOR = "-"
MB = 1024 * 1024
DEFAULT_MAX_MB = DEFAULT_MAX_BYTES // MB
MAX_MB_LIMIT = 2048

__all__ = [
    "DEFAULT_MAX_MB",
    "DEFAULT_SAFETY_BRAKE_PERCENT",
    "DEFAULT_SEPARATOR",
    "DOKUMENTE_SETTINGS",
    "MAX_MB_LIMIT",
    "SEPARATORS",
    "STAMMDATEN_SETTINGS",
    "SettingsInvalid",
    "dokumente_from_stored",
    "stammdaten_from_stored",
    "text_list",
    "validate_dokumente",
    "validate_stammdaten",
]

# --- the fields every use case on the ERP export has -------------------------------------------

SEPARATOR = Choice(
    name="separator",
    label=_("Trennzeichen"),
    help=_(
        "Verbindet Mandant, WE und die weiteren Nummern zur externen ID in facilioo "
        "(z. B. 1000-0001)."
    ),
    choices=tuple((s, s) for s in SEPARATORS),
    default=DEFAULT_SEPARATOR,
    required=True,
    message=_("Das Trennzeichen muss eines von %(s)s sein."),
)
MANDANTEN = Mandanten(
    name="mandanten",
    label=_("Mandanten"),
    help=_("Die Mandanten des ERP, deren Daten übertragen werden, z. B. 1000,2000."),
    message=_("Bitte wählen Sie mindestens einen Mandanten."),
    unknown_message=_("Diese Mandanten kennt das ERP nicht: %(m)s."),
)
SAFETY_BRAKE = Integer(
    name="safety_brake_percent",
    label=_("Sicherheitsbremse"),
    help=_(
        "Fehlen mehr als dieser Anteil der bekannten Datensätze im ERP, entfernt der Lauf "
        "nichts aus facilioo."
    ),
    unit=_("Prozent"),
    default=DEFAULT_SAFETY_BRAKE_PERCENT,
    minimum=1,
    maximum=100,
    cli="--safety-brake",
    message=_("Die Sicherheitsbremse muss zwischen 1 und 100 Prozent liegen."),
)

STAMMDATEN_SETTINGS = SettingsSchema(
    settings_type=StammdatenSettings,
    fields=(
        SEPARATOR,
        MANDANTEN,
        Tenant(
            name="default_tenant_id",
            label=_("Standard-Projekt"),
            help=_("Das facilioo-Projekt für Wirtschaftseinheiten ohne eigene Zuordnung."),
            cli="--default-tenant",
            message=_("Das facilioo-Projekt muss eine Zahl sein."),
            invisible_message=_("Das facilioo-Projekt %(id)s ist für das Konto nicht sichtbar."),
        ),
        TenantMap(
            name="tenant_overrides",
            label=_("Projekte je Wirtschaftseinheit"),
            help=_("facilioo-Projekt je Wirtschaftseinheit {Mandant/WE: Projekt}."),
            default={},
            message=_("Das facilioo-Projekt für WE %(we)s muss eine Zahl sein."),
            invisible_message=_("Das facilioo-Projekt %(id)s (für WE %(we)s) ist nicht sichtbar."),
        ),
        Choice(
            name="deletion_policy",
            label=_("Lösch-Regel"),
            help=_("Was mit Datensätzen geschieht, die das ERP nicht mehr liefert."),
            choices=(
                ("terminate", _("Beenden")),
                ("delete", _("Löschen")),
            ),
            default="terminate",
            message=_("Unbekannte Lösch-Regel."),
        ),
        SAFETY_BRAKE,
        Integer(
            name="former_contract_months",
            label=_("Beendete Verträge der letzten N Monate übertragen"),
            help=_(
                "Verträge, die in so vielen Monaten vor einem Lauf endeten, werden noch "
                "angelegt (Dokumente früherer Mieter brauchen sie); 0 bis 120."
            ),
            unit=_("Monate"),
            default=DEFAULT_FORMER_CONTRACT_MONTHS,
            minimum=0,
            maximum=MAX_FORMER_CONTRACT_MONTHS,
            blank_is_default=True,
            message=_(
                "Beendete Verträge können für 0 bis %(max)s Monate übertragen werden; bitte "
                "geben Sie eine ganze Zahl in diesem Bereich an."
            ),
        ),
    ),
)


def _max_bytes(max_mb: object) -> int:
    return int(float(str(max_mb)) * MB) if max_mb else DEFAULT_MAX_BYTES


DOKUMENTE_SETTINGS = SettingsSchema(
    settings_type=DokumenteSettings,
    fields=(
        SEPARATOR,
        MANDANTEN,
        Boolean(
            name="only_released",
            label=_("Nur freigegebene Dokumente"),
            help=_("Dokumente ohne Freigabe im ERP werden nicht übertragen."),
            default=True,
            cli="--include-unreleased",
            cli_negates=True,
        ),
        TextList(
            name="archives",
            label=_("Archive"),
            help=_("Nur Dokumente dieser Archive; leer: alle Archive."),
            default=[],
            typed=lambda archives: frozenset(str(a) for a in archives or ()),
        ),
        TextList(
            name="keywords",
            label=_("Stichwörter"),
            help=_("Nur Dokumente, deren Bemerkung eines der Stichwörter enthält; leer: alle."),
            default=[],
            typed=lambda keywords: tuple(str(k) for k in keywords or ()),
        ),
        Date(
            name="dated_from",
            label=_("Dokumente ab"),
            help=_("Nur Dokumente ab diesem Datum (JJJJ-MM-TT); leer: alle."),
            message=_(
                "„Dokumente ab“ ist kein gültiges Datum (Format JJJJ-MM-TT, z. B. 2020-01-31)."
            ),
        ),
        Integer(
            name="max_mb",
            label=_("Höchstgröße"),
            help=_("Größere Dateien werden nicht übertragen."),
            unit=_("MB"),
            default=DEFAULT_MAX_MB,
            minimum=1,
            maximum=MAX_MB_LIMIT,
            blank_is_default=True,
            attr="max_bytes",
            typed=_max_bytes,
            message=_("Die Höchstgröße muss eine ganze Zahl zwischen 1 und %(max)d MB sein."),
        ),
        SAFETY_BRAKE,
    ),
)

validate_stammdaten = STAMMDATEN_SETTINGS.validate
validate_dokumente = DOKUMENTE_SETTINGS.validate
stammdaten_from_stored = STAMMDATEN_SETTINGS.from_stored
dokumente_from_stored = DOKUMENTE_SETTINGS.from_stored
