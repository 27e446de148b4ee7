from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.phrases import stored_text


class AlertKind(models.TextChoices):
    RUN_FAILED = "run_failed", _("Lauf fehlgeschlagen")
    CREDENTIALS_REJECTED = "credentials_rejected", _("facilioo-Zugangsdaten abgelehnt")
    RUN_OVERDUE = "run_overdue", _("Geplanter Lauf überfällig")
    ERP_STALE = "erp_stale", _("ERP-Daten veraltet")
    PARSE_ABORTED = "parse_aborted", _("Lesen eines ERP-Exports abgebrochen")
    RECORDS_SKIPPED = "records_skipped", _("Datensätze nicht übertragen")


class Alert(models.Model):
    """One open problem of a customer and use case; repeated causes update it, success closes it."""

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, related_name="alerts"
    )
    use_case = models.CharField(_("Anwendungsfall"), max_length=20, blank=True)
    kind = models.CharField(_("Art"), max_length=30, choices=AlertKind.choices)
    message = models.TextField(_("Meldung"))
    # The message as codes (integrations.phrases), written in the reader's language; alerts from
    # before have none and show ``message`` (German).
    message_data = models.JSONField(null=True, blank=True)
    occurrences = models.PositiveIntegerField(_("Anzahl"), default=1)
    last_run = models.ForeignKey(
        "connect.SyncRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("geöffnet"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("zuletzt"), auto_now=True)
    closed_at = models.DateTimeField(_("geschlossen"), null=True, blank=True)
    notified_at = models.DateTimeField(_("benachrichtigt"), null=True, blank=True)

    class Meta:
        verbose_name = _("Warnung")
        verbose_name_plural = _("Warnungen")
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "use_case", "kind"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_alert_per_cause",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.kind} {'offen' if self.closed_at is None else 'geschlossen'}"

    @property
    def message_text(self) -> str:
        """The message in the active language."""
        return stored_text(self.message_data, self.message)
