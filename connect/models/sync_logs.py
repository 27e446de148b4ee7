from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.phrases import stored_text
from integrations.usecases import UseCase


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("eingereiht")
    RUNNING = "running", _("läuft")
    SUCCEEDED = "succeeded", _("erfolgreich")
    WARNING = "warning", _("erfolgreich mit Warnungen")
    FAILED = "failed", _("fehlgeschlagen")
    CANCELLED = "cancelled", _("abgebrochen")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
FINAL_STATUSES = (RunStatus.SUCCEEDED, RunStatus.WARNING, RunStatus.FAILED, RunStatus.CANCELLED)


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Zeitplan")
    MANUAL = "manual", _("manuell")
    API = "api", _("API")
    CLI = "cli", _("Kommandozeile")


class SyncRun(models.Model):
    """One run: one customer and one use case, with status, progress, counts and heartbeat."""

    customer = models.ForeignKey("connect.Customer", on_delete=models.CASCADE, related_name="runs")
    use_case = models.CharField(_("Anwendungsfall"), max_length=20, choices=UseCase.choices)
    trigger = models.CharField(_("Auslöser"), max_length=20, choices=Trigger.choices)
    dry_run = models.BooleanField(_("Vorschau"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    status = models.CharField(
        _("Status"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    phase = models.CharField(_("Phase"), max_length=40, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # {entity: {action: n}}; actions: created, updated, unchanged, terminated, deleted, missing,
    # skipped, failed
    counts = models.JSONField(_("Zähler"), default=dict)
    error_message = models.TextField(_("Fehler"), blank=True)
    # The error as a stored phrase (its codes), read in the reader's language; runs from before
    # phrases have only ``error_message``.
    error_data = models.JSONField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    # The records the batch in flight creates in facilioo, as [entity, natural key] pairs: written
    # before its requests, cleared by its commit. A resumed attempt that finds one of them in
    # facilioo (its predecessor died before the commit) logs and counts it as created.
    write_journal = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestartet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Which ERP export the run read (freshness): its fingerprint and when it was written.
    erp_fingerprint = models.CharField(_("ERP-Export (Prüfsumme)"), max_length=64, blank=True)
    erp_exported_at = models.DateTimeField(_("ERP-Daten vom"), null=True, blank=True)
    # A scheduled run over the export the last successful run read: finished at once.
    unchanged = models.BooleanField(_("unverändert"), default=False)

    class Meta:
        verbose_name = _("Lauf")
        verbose_name_plural = _("Läufe")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "use_case", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(fields=["customer", "-id"], name="run_customer_keyset"),
            models.Index(fields=["finished_at"], name="run_finished"),
        ]
        constraints = [
            # One run per customer and use case at a time, enforced by the database itself.
            models.UniqueConstraint(
                fields=["customer", "use_case"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_use_case",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer} {self.use_case} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status in FINAL_STATUSES else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or self.heartbeat_at
        return (end - self.started_at).total_seconds() if end else None

    @property
    def error_text(self) -> str:
        """The error message in the active language."""
        return stored_text(self.error_data, self.error_message)


class ItemAction(models.TextChoices):
    CREATED = "created", _("angelegt")
    UPDATED = "updated", _("aktualisiert")
    ADOPTED = "adopted", _("übernommen")
    TERMINATED = "terminated", _("beendet")
    DELETED = "deleted", _("gelöscht")
    MISSING = "missing", _("fehlt im ERP")
    UNLINKED = "unlinked", _("externe ID entfernt")
    SKIPPED = "skipped", _("übersprungen")
    FAILED = "failed", _("fehlgeschlagen")


class SyncRunItem(models.Model):
    """The outcome of one record in one run (everything but "unchanged")."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="items")
    # Denormalised so support can search one customer's records across runs.
    customer = models.ForeignKey("connect.Customer", on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(_("Entität"), max_length=30)
    action = models.CharField(_("Aktion"), max_length=12, choices=ItemAction.choices)
    reason = models.CharField(_("Grund"), max_length=40, blank=True)
    message = models.CharField(_("Meldung"), max_length=500, blank=True)
    # The message as codes (integrations.phrases), written in the reader's language; rows from
    # before have none and show ``message`` (German).
    message_data = models.JSONField(null=True, blank=True)
    erp_key = models.CharField(_("ERP-Schlüssel"), max_length=200)
    external_id = models.CharField(_("externalId"), max_length=200, blank=True)
    facilioo_id = models.BigIntegerField(_("facilioo-ID"), null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP-Status"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["run", "entity", "action"]),
            # Keyset pagination of a run's log, unfiltered and by action or reason.
            models.Index(fields=["run", "id"], name="item_run_keyset"),
            models.Index(fields=["run", "action", "id"], name="item_run_action_keyset"),
            models.Index(fields=["run", "reason", "id"], name="item_run_reason_keyset"),
            models.Index(fields=["customer", "external_id"]),
            models.Index(fields=["customer", "erp_key"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.erp_key} {self.action}"

    @property
    def message_text(self) -> str:
        """The message in the active language."""
        return stored_text(self.message_data, self.message)
