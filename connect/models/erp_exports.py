from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def export_upload_to(instance: "ErpExport", filename: str) -> str:
    return f"erp-exports/{instance.customer_id}/{filename}"


class ErpExport(models.Model):
    """An ERP export v1 (.zip) uploaded in the portal, kept with its validation report."""

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, related_name="erp_exports"
    )
    file = models.FileField(_("Datei"), upload_to=export_upload_to)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    size = models.BigIntegerField(_("Größe (Bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("hochgeladen am"), auto_now_add=True)
    valid = models.BooleanField(_("gültig"), default=False)
    # ValidationReport.to_json(): findings with file, line, column, problem, German message.
    report = models.JSONField(_("Prüfbericht"), default=dict)

    class Meta:
        verbose_name = _("ERP-Export")
        verbose_name_plural = _("ERP-Exporte")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["customer", "valid", "-uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"
