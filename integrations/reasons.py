"""Reason codes: the one table of every reason a record is skipped or fails, with its German
message. The portal shows it (translated), the run log stores the code; a stored phrase renders
it in the reader's language (``integrations.phrases``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

REASONS: dict[str, StrPromise] = {
    # Both use cases
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
    # facilioo side (docs/facilioo.md, section 'Adopt only what is provably ours')
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
