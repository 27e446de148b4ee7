"""The field mapping as data: which ERP field fills which facilioo field, and by which rule.

For the portal's field-mapping page; the original keeps this in a spreadsheet outside
the product. It describes exactly what ``stammdaten`` and ``dokumente`` do, and a test runs the
mappers to make sure every field they send is listed here (and nothing else).
ERP fields are named as in the ERP standard export (docs/erp-export-v1.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from integrations.facilioo.entity import Entity

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


@dataclass(frozen=True, slots=True)
class MappingRow:
    entity: StrPromise  # German label of the mapping, e.g. "Gebäude → Liegenschaft"
    facilioo_entity: str  # facilioo path name, as in TargetPayload.entity
    erp_field: str  # ERP field(s), "" when the value is not taken from the ERP record
    facilioo_field: str  # field of the facilioo request body
    rule: StrPromise  # German, for the customer


_PROPERTY = _("Gebäude → Liegenschaft")
_ENTRANCE = _("Gebäude → Eingang")
_UNIT = _("Einheit → Einheit")
_PARTY = _("Mieter / Eigentümer → Partei")
_CONTRACT = _("Mietvertrag / Eigentümervertrag → Vertrag")
_GROUP = _("Ordner → Dokumentenordner")
_FILE = _("Dokument → Datei")
_DOCUMENT = _("Dokument → Dokument")

_ID_RULE = _(
    "Zusammengesetzte ID: die Nummern mit dem gewählten Trennzeichen verbunden, ohne "
    "Leerzeichen. Enthält eine Nummer das Trennzeichen, wird der Datensatz übersprungen "
    "(Grund „Nummer nicht eindeutig“)."
)
_AS_IS = _("Unverändert übernommen; leer bleibt leer.")
_PARENT = _("facilioo-ID des in facilioo angelegten übergeordneten Datensatzes.")

MAPPING: tuple[MappingRow, ...] = (
    # Gebäude -> property
    MappingRow(
        _PROPERTY,
        Entity.PROPERTIES,
        "mandant_nr, we_nr",
        "tenantId",
        _(
            "facilioo-Mandant (Projekt), dem die Wirtschaftseinheit zugeordnet ist: Zuordnung "
            "der WE, sonst der Standard-Mandant. Ohne Zuordnung wird das Gebäude übersprungen "
            "(Grund „kein facilioo-Projekt zugeordnet“)."
        ),
    ),
    MappingRow(
        _PROPERTY,
        Entity.PROPERTIES,
        "bezeichnung, strasse, hausnummer",
        "name",
        _("Bezeichnung des Gebäudes; ohne Bezeichnung „Straße Hausnummer“."),
    ),
    MappingRow(
        _PROPERTY,
        Entity.PROPERTIES,
        "mandant_nr, we_nr, gebaeude_nr",
        "number",
        _("Gleich der externen ID, damit die Nummer je facilioo-Mandant eindeutig ist."),
    ),
    MappingRow(
        _PROPERTY,
        Entity.PROPERTIES,
        "mandant_nr, we_nr, gebaeude_nr",
        "externalId",
        _ID_RULE,
    ),
    MappingRow(_PROPERTY, Entity.PROPERTIES, "strasse", "street", _AS_IS),
    MappingRow(_PROPERTY, Entity.PROPERTIES, "hausnummer", "houseNumber", _AS_IS),
    MappingRow(_PROPERTY, Entity.PROPERTIES, "plz", "zipCode", _AS_IS),
    MappingRow(_PROPERTY, Entity.PROPERTIES, "ort", "city", _AS_IS),
    # Gebäude -> entrance
    MappingRow(
        _ENTRANCE,
        Entity.ENTRANCES,
        "bezeichnung, strasse, hausnummer",
        "name",
        _(
            "Wie der Name der Liegenschaft. facilioo legt mit jeder Liegenschaft einen Eingang "
            "mit derselben ID an; die Synchronisation hält Name und Adresse aktuell."
        ),
    ),
    MappingRow(_ENTRANCE, Entity.ENTRANCES, "strasse", "street", _AS_IS),
    MappingRow(_ENTRANCE, Entity.ENTRANCES, "hausnummer", "houseNumber", _AS_IS),
    MappingRow(_ENTRANCE, Entity.ENTRANCES, "plz", "zipCode", _AS_IS),
    MappingRow(_ENTRANCE, Entity.ENTRANCES, "ort", "city", _AS_IS),
    # Einheit -> unit
    MappingRow(
        _UNIT,
        Entity.UNITS,
        "mandant_nr, we_nr, gebaeude_nr",
        "entranceId",
        _("Der Eingang des Gebäudes (dieselbe ID wie die Liegenschaft)."),
    ),
    MappingRow(
        _UNIT,
        Entity.UNITS,
        "bezeichnung, nutzungsart, einheit_nr",
        "name",
        _("Bezeichnung der Einheit; ohne Bezeichnung „Nutzungsart Einheitsnummer“."),
    ),
    MappingRow(_UNIT, Entity.UNITS, "einheit_nr", "number", _AS_IS),
    MappingRow(
        _UNIT, Entity.UNITS, "mandant_nr, we_nr, gebaeude_nr, einheit_nr", "externalId", _ID_RULE
    ),
    MappingRow(
        _UNIT,
        Entity.UNITS,
        "lage",
        "floor",
        _(
            "Stockwerk aus dem Lagetext, ohne Beachtung der Groß-/Kleinschreibung, erste "
            "Regel gewinnt: leer → leer; enthält „Erdgeschoss“ oder „EG“ → 0; enthält "
            "„Keller“, „KG“ oder „UG“ → -1; ist eine Zahl → diese Zahl; enthält eine Zahl "
            "(„3. OG links“) → die erste Zahl; sonst („Dachgeschoss“) → leer. Abkürzungen "
            "zählen nur als eigenes Wort („Wegweiser“ ist kein EG)."
        ),
    ),
    MappingRow(
        _UNIT,
        Entity.UNITS,
        "nutzungsart",
        "typeId",
        _(
            "Einheitentyp in facilioo zur Nutzungsart; fehlt er, der Typ von „Sonstiges“, "
            "sonst leer."
        ),
    ),
    MappingRow(
        _UNIT, Entity.UNITS, "wohnflaeche", "livingArea", _("Wohnfläche in m²; leer bleibt leer.")
    ),
    # Mieter / Eigentümer -> party
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "",
        "type",
        _(
            "Immer 7 (Nutzer:in). Wer Mieter und Eigentümer ist, wird eine Partei. Mieter ohne "
            "gültige E-Mail-Adresse werden nicht übertragen (Grund „keine E-Mail-Adresse“ oder "
            "„ungültige E-Mail-Adresse“), "
            "Eigentümer schon (Kontakt per Post)."
        ),
    ),
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "vorname",
        "primaryName",
        _("Vorname(n); bei einer Firma ohne Nachnamen leer (facilioo: PrimaryName)."),
    ),
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "titel, nachname, firma",
        "secondaryName",
        _(
            "Nachname, mit vorangestelltem Titel („Dr. Müller“); ohne Nachname die Firma "
            "(facilioo: SecondaryName, der volle Name einer Firma)."
        ),
    ),
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "email",
        "contactDetails: E-Mail",
        _(
            "Nur eine gültige E-Mail-Adresse, als Kontaktdatum der Person; bei Änderung wird "
            "dasselbe Kontaktdatum aktualisiert."
        ),
    ),
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "telefon, mobil",
        "contactDetails: Telefon",
        _("Telefon, sonst Mobilnummer, als Kontaktdatum der Person."),
    ),
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "email",
        "contactByEmail",
        _("Ja, wenn eine gültige E-Mail-Adresse vorhanden ist."),
    ),
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "",
        "contactByPush",
        _("Immer nein: facilioo erlaubt Push nicht als einzigen Kontaktweg."),
    ),
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "email",
        "contactByMail",
        _("Ja, wenn keine gültige E-Mail-Adresse vorhanden ist (Kontakt per Post)."),
    ),
    MappingRow(
        _PARTY,
        Entity.PARTIES,
        "mandant_nr, person_nr",
        "externalIds",
        _(
            "Zusammengesetzt mit dem Trennzeichen; in die Liste der externen IDs der Person "
            "eingefügt, die Ihrer Hausverwaltung gehören. IDs anderer Hausverwaltungen bleiben "
            "erhalten; eine Person, die nur eine fremde ID trägt, wird nie übernommen."
        ),
    ),
    # Mietvertrag / Eigentümervertrag -> unit contract
    MappingRow(
        _CONTRACT,
        Entity.UNIT_CONTRACTS,
        "mandant_nr, we_nr, gebaeude_nr, einheit_nr",
        "unitId",
        _PARENT,
    ),
    MappingRow(
        _CONTRACT,
        Entity.UNIT_CONTRACTS,
        "person_nrs",
        "partyId",
        _(
            "Ein facilioo-Vertrag je Person des ERP-Vertrags. Verträge von Mietern ohne gültige "
            "E-Mail-Adresse werden übersprungen."
        ),
    ),
    MappingRow(
        _CONTRACT,
        Entity.UNIT_CONTRACTS,
        "",
        "typeId",
        _("Mietvertrag → 4 (Mieter:in), Eigentümervertrag → 3 (Eigentümer:in)."),
    ),
    MappingRow(_CONTRACT, Entity.UNIT_CONTRACTS, "vertrag_nr", "number", _AS_IS),
    MappingRow(
        _CONTRACT, Entity.UNIT_CONTRACTS, "beginn", "effectiveFrom", _("Datum (JJJJ-MM-TT).")
    ),
    MappingRow(
        _CONTRACT,
        Entity.UNIT_CONTRACTS,
        "ende",
        "terminationAt",
        _(
            "Vertragsende (JJJJ-MM-TT), leer = unbefristet. Ein Vertrag, der in den letzten N "
            "Monaten vor dem Lauf endete (Einstellung „beendete Verträge der letzten N Monate "
            "übertragen“, Standard 24), wird mit seinem Ende angelegt, damit die Dokumente "
            "ehemaliger Mieter an ihm hängen; ein früher beendeter wird nicht neu angelegt "
            "(Grund „Vertrag beendet“), ein vorhandener erhält sein Ende."
        ),
    ),
    MappingRow(
        _CONTRACT,
        Entity.UNIT_CONTRACTS,
        "mandant_nr, we_nr, gebaeude_nr, einheit_nr, vertrag_nr, person_nr",
        "externalId",
        _(
            "Zusammengesetzte ID: die Nummern mit dem gewählten Trennzeichen verbunden, ohne "
            "Leerzeichen, und als letzter Teil die Vertragsart: MV (Mietvertrag) oder EV "
            "(Eigentümervertrag), z. B. 1000-0001-01-003-V1-40001-MV. So bleiben ein "
            "Mietvertrag und ein Eigentümervertrag mit derselben Nummer, Einheit und Person "
            "zwei Verträge. Die Vertragsart steht immer an siebter Stelle, nach den sechs "
            "ERP-Nummern, und kann daher keine ERP-Nummer sein. Enthält eine Nummer das "
            "Trennzeichen, wird der Vertrag übersprungen (die ID wäre nicht eindeutig). Ein "
            "Vertrag, der noch die ID ohne Vertragsart trägt, erhält die neue ID beim nächsten "
            "Lauf (als Aktualisierung protokolliert)."
        ),
    ),
    # Ordner -> document group
    MappingRow(_GROUP, Entity.DOCUMENT_GROUPS, "name", "name", _AS_IS),
    MappingRow(
        _GROUP,
        Entity.DOCUMENT_GROUPS,
        "parent_id",
        "parentId",
        _("Übergeordneter Dokumentenordner; leer = oberste Ebene."),
    ),
    MappingRow(_GROUP, Entity.DOCUMENT_GROUPS, "mandant_nr, ordner_id", "externalId", _ID_RULE),
    # Dokument -> file
    MappingRow(_FILE, Entity.FILES, "dateiname", "name", _AS_IS),
    MappingRow(
        _FILE,
        Entity.FILES,
        "mime_type, dateiname",
        "fileTypeId",
        _("Dateityp in facilioo nach MIME-Typ, sonst nach Dateiendung (PDF → 1)."),
    ),
    MappingRow(
        _FILE,
        Entity.FILES,
        "mandant_nr, dokument_id",
        "externalId",
        _(
            "Wie beim Dokument. Der Inhalt wird über die Upload-Adresse von facilioo "
            "hochgeladen, unveränderte Dateien nie erneut."
        ),
    ),
    # Dokument -> document
    MappingRow(
        _DOCUMENT,
        Entity.DOCUMENTS,
        "titel",
        "title",
        _("Titel (höchstens 255 Zeichen); ohne Titel der Dateiname."),
    ),
    MappingRow(_DOCUMENT, Entity.DOCUMENTS, "bemerkung", "description", _AS_IS),
    MappingRow(_DOCUMENT, Entity.DOCUMENTS, "ordner_id", "documentGroupId", _PARENT),
    MappingRow(_DOCUMENT, Entity.DOCUMENTS, "datum", "date", _("Datum (JJJJ-MM-TT).")),
    MappingRow(
        _DOCUMENT,
        Entity.DOCUMENTS,
        "person_nr",
        "partyId",
        _("Genaueste Zuordnung gewinnt: mit Personennummer die Partei."),
    ),
    MappingRow(
        _DOCUMENT,
        Entity.DOCUMENTS,
        "vertrag_nr",
        "contractId",
        _(
            "Sonst mit Vertragsnummer der facilioo-Vertrag der ersten übertragenen Person des "
            "ERP-Vertrags."
        ),
    ),
    MappingRow(
        _DOCUMENT, Entity.DOCUMENTS, "einheit_nr", "unitId", _("Sonst mit Einheit die Einheit.")
    ),
    MappingRow(
        _DOCUMENT,
        Entity.DOCUMENTS,
        "gebaeude_nr",
        "propertyId",
        _(
            "Sonst mit Gebäude die Liegenschaft. Nur einer Wirtschaftseinheit zugeordnete "
            "Dokumente werden übersprungen (Grund „nur der Wirtschaftseinheit zugeordnet“)."
        ),
    ),
    MappingRow(
        _DOCUMENT, Entity.DOCUMENTS, "", "fileId", _("Die Datei des Dokuments (siehe oben).")
    ),
    MappingRow(_DOCUMENT, Entity.DOCUMENTS, "mandant_nr, dokument_id", "externalId", _ID_RULE),
)


def mapping_for(facilioo_entity: str) -> list[MappingRow]:
    return [row for row in MAPPING if row.facilioo_entity == facilioo_entity]
