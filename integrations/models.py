"""The sync's own bookkeeping: which ERP record became which facilioo record, and what we sent."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.phrases import stored_text


class ExternalLink(models.Model):
    """ERP natural key → facilioo id and the hash of the payload last sent.

    Keyed by the ERP numbers (not by the composed externalId), so a change of the separator
    rewrites externalIds instead of creating duplicates.
    """

    customer = models.ForeignKey("connect.Customer", on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=30)  # facilioo path name: properties, units, ...
    natural_key = models.CharField(max_length=300)  # ERP key parts joined with "\x1f"
    external_id = models.CharField(max_length=200)
    facilioo_id = models.BigIntegerField()
    payload_hash = models.CharField(max_length=64)
    # The body last sent (parent ids resolved): the record inspector and the reconciliation
    # compare facilioo's current state with it. Null for links written before it was kept.
    sent_body = models.JSONField(null=True, blank=True)
    # The run that last wrote or confirmed this link (resume: records done by this run are skipped).
    last_run_id = models.BigIntegerField(null=True)
    # The record was in the last complete ERP read (removals are derived from this).
    seen_run_id = models.BigIntegerField(null=True)
    terminated = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Verknüpfung")
        verbose_name_plural = _("Verknüpfungen")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "entity", "natural_key"], name="external_link_unique"
            )
        ]
        indexes = [models.Index(fields=["customer", "entity", "seen_run_id"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.external_id} → {self.facilioo_id}"


class ExistingMatchDecision(models.Model):
    """An admin's answer to a suggested match of existing facilioo data ("zuordnen").

    Confirmed: the ERP record adopts the facilioo record (an ExternalLink the next run adopts).
    Rejected: the facilioo record is not suggested for that ERP record again.
    """

    customer = models.ForeignKey("connect.Customer", on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=30)  # properties or units
    facilioo_id = models.BigIntegerField()
    natural_key = models.CharField(max_length=300)
    confirmed = models.BooleanField()
    decided_by = models.ForeignKey(
        "connect.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zuordnung bestehender facilioo-Daten")
        verbose_name_plural = _("Zuordnungen bestehender facilioo-Daten")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "entity", "facilioo_id"], name="existing_match_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.facilioo_id} → {self.natural_key}"


class FieldHold(models.Model):
    """ "facilioo behält": a field of one record the sync no longer overwrites.

    Set from a reconciliation report where someone changed the field in facilioo on purpose;
    the Stammdaten sync leaves the field out of its writes for that record (other fields are
    still written).
    """

    customer = models.ForeignKey("connect.Customer", on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=30)
    natural_key = models.CharField(max_length=300)
    field = models.CharField(max_length=60)
    created_by = models.ForeignKey(
        "connect.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("facilioo behält")
        verbose_name_plural = _("facilioo behält")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "entity", "natural_key", "field"], name="field_hold_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.natural_key} {self.field}"


class ReconciliationStatus(models.TextChoices):
    QUEUED = "queued", _("eingereiht")
    RUNNING = "running", _("läuft")
    SUCCEEDED = "succeeded", _("erfolgreich")
    FAILED = "failed", _("fehlgeschlagen")


class Reconciliation(models.Model):
    """One "Abgleich": facilioo's records of a customer's tenants against what we last sent.

    Read-only towards facilioo; the findings are its report.
    """

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, related_name="reconciliations"
    )
    use_case = models.CharField(_("Anwendungsfall"), max_length=20)
    trigger = models.CharField(_("Auslöser"), max_length=20)  # manual, schedule, api
    requested_by = models.ForeignKey(
        "connect.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("Status"),
        max_length=12,
        choices=ReconciliationStatus.choices,
        default=ReconciliationStatus.QUEUED,
    )
    # {"changed": n, "gone": n, "unknown": n, "checked": n}
    counts = models.JSONField(_("Zähler"), default=dict)
    error_message = models.TextField(_("Fehler"), blank=True)
    # The error as a stored phrase, read in the reader's language; older rows have only the text.
    error_data = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestartet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)

    class Meta:
        verbose_name = _("Abgleich")
        verbose_name_plural = _("Abgleiche")
        ordering = ["-id"]
        indexes = [models.Index(fields=["customer", "use_case", "-id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_id} {self.use_case} {self.status}"

    @property
    def error_text(self) -> str:
        """The error message in the active language."""
        return stored_text(self.error_data, self.error_message)


class FindingKind(models.TextChoices):
    CHANGED = "changed", _("in facilioo geändert")
    GONE = "gone", _("in facilioo gelöscht")
    UNKNOWN = "unknown", _("uns unbekannt")


class ReconciliationFinding(models.Model):
    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, related_name="findings"
    )
    customer = models.ForeignKey("connect.Customer", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("Befund"), max_length=10, choices=FindingKind.choices)
    entity = models.CharField(_("Entität"), max_length=30)
    natural_key = models.CharField(max_length=300, blank=True)  # blank: unknown to us
    erp_key = models.CharField(_("ERP-Schlüssel"), max_length=200, blank=True)
    external_id = models.CharField(_("externalId"), max_length=200, blank=True)
    facilioo_id = models.BigIntegerField(_("facilioo-ID"), null=True, blank=True)
    # changed: {field: {"sent": value, "live": value}}
    fields = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("Befund")
        verbose_name_plural = _("Befunde")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.entity} {self.facilioo_id}"
