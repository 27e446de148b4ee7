from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def export_upload_to(instance: "ErpExport", filename: str) -> str:
    return f"erp-exports/{instance.customer_id}/{filename}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("wird geprüft")
    VALID = "valid", _("gültig")
    INVALID = "invalid", _("ungültig")


def sample_upload_to(instance: "ErpSample", filename: str) -> str:
    return f"erp-samples/{instance.customer_id}/{filename}"


class SampleAction(models.TextChoices):
    SUGGEST = "suggest", _("Zuordnung vorschlagen")
    PREVIEW = "preview", _("Erste Zeilen anzeigen")
    MAP_PREVIEW = "map_preview", _("Vorschau aktualisieren")


class SampleStatus(models.TextChoices):
    PENDING = "pending", _("wird gelesen")
    DONE = "done", _("gelesen")
    FAILED = "failed", _("nicht lesbar")


class ExportOrigin(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("API (Übermittlung)")
    FOLDER = "folder", _("überwachter Ordner")


class ErpExport(models.Model):
    """An ERP export v1 (.zip) uploaded in the portal, pushed through the API or taken from a
    watched folder, kept with its validation report.

    The upload request only stores the file; the validation runs as a task, and until its
    report is there the export is ``pending`` ("wird geprüft") and never read by a sync.
    """

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, related_name="erp_exports"
    )
    file = models.FileField(_("Datei"), upload_to=export_upload_to, max_length=255)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    size = models.BigIntegerField(_("Größe (Bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("hochgeladen am"), auto_now_add=True)
    status = models.CharField(
        _("Prüfung"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    valid = models.BooleanField(_("gültig"), default=False)
    # ValidationReport.to_json(): findings with file, line, column, problem, German message.
    report = models.JSONField(_("Prüfbericht"), default=dict)
    checked_at = models.DateTimeField(_("geprüft am"), null=True, blank=True)
    origin = models.CharField(
        _("Herkunft"), max_length=10, choices=ExportOrigin.choices, default=ExportOrigin.PORTAL
    )
    # SHA-256 of the stored file: which export a run read (freshness).
    sha256 = models.CharField(_("Prüfsumme"), max_length=64, blank=True)
    # When the ERP wrote the export (watched folder: the file's time), else the upload time.
    exported_at = models.DateTimeField(_("exportiert am"), null=True, blank=True)
    # Use cases to start once the export is valid (API push with ?sync=), and what happened.
    sync_requested = models.JSONField(_("Läufe nach der Prüfung"), default=list, blank=True)
    sync_result = models.JSONField(_("gestartete Läufe"), default=dict, blank=True)
    # The import profile version the export is read through (None: ERP export v1).
    profile = models.ForeignKey(
        "connect.ErpImportProfile",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="exports",
    )
    push_token = models.ForeignKey(
        "connect.ErpPushToken",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
    )

    # Deliveries of the validation task that began reading (a worker killed while reading gets
    # the task again; after ERP_PARSE_MAX_ATTEMPTS it fails instead of being read once more).
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)

    class Meta:
        verbose_name = _("ERP-Export")
        verbose_name_plural = _("ERP-Exporte")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["customer", "valid", "-uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"

    @property
    def is_pending(self) -> bool:
        return self.status == ExportStatus.PENDING

    @property
    def data_time(self) -> datetime:
        """When the ERP data of this export was written (best known)."""
        return self.exported_at or self.uploaded_at


class ErpPushToken(models.Model):
    """An "Übermittlungs-Token": lets an ERP server push exports of one customer, nothing else.

    Only the SHA-256 of the token is stored; the token itself is shown once, when it is made.
    """

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, related_name="erp_push_tokens"
    )
    name = models.CharField(_("Bezeichnung"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("Anfang"), max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("zuletzt verwendet"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Übermittlungs-Token")
        verbose_name_plural = _("Übermittlungs-Tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ErpImportProfile(models.Model):
    """One saved version of a customer's import profile (its own ERP export layout).

    Saving makes a new version and makes it the active one; exports are validated and read
    through the profile version that was active when they arrived.
    """

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, related_name="erp_import_profiles"
    )
    name = models.CharField(_("Bezeichnung"), max_length=100)
    version = models.PositiveIntegerField(_("Version"))
    definition = models.JSONField(_("Zuordnung"))
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Importprofil")
        verbose_name_plural = _("Importprofile")
        ordering = ["-version", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "version"], name="import_profile_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ErpSample(models.Model):
    """A sample export on the ERP page, read by a task: the suggestion of a mapping, the first
    rows through the active profile, or through the mapping screen as posted.

    The web request only stores the file and enqueues; the task writes ``result`` (what the
    page shows) or German ``errors``. A mapping screen's preview reads the file of the
    suggestion it is ``based_on`` and keeps no file of its own.
    """

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, related_name="erp_samples"
    )
    action = models.CharField(_("Aktion"), max_length=12, choices=SampleAction.choices)
    status = models.CharField(
        _("Status"), max_length=10, choices=SampleStatus.choices, default=SampleStatus.PENDING
    )
    file = models.FileField(_("Datei"), upload_to=sample_upload_to, max_length=255, blank=True)
    original_name = models.CharField(_("Dateiname"), max_length=255, blank=True)
    size = models.BigIntegerField(_("Größe (Bytes)"), default=0)
    based_on = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="previews"
    )
    profile = models.ForeignKey(
        ErpImportProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What was posted with it (the mapping screen's fields), and what the task found.
    request = models.JSONField(_("Anfrage"), default=dict, blank=True)
    result = models.JSONField(_("Ergebnis"), default=dict, blank=True)
    errors = models.JSONField(_("Meldungen"), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    finished_at = models.DateTimeField(_("fertig am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Beispielexport")
        verbose_name_plural = _("Beispielexporte")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "action", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.original_name or self.action} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_pending(self) -> bool:
        return self.status == SampleStatus.PENDING
