from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Who changed what, when; old and new values of non-secret fields. Written by services only."""

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="audit"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # A readable name that survives the user's deletion (or "system", "cli", "beat").
    actor_name = models.CharField(_("wer"), max_length=200)
    action = models.CharField(_("Aktion"), max_length=60)  # e.g. "customer.create"
    object_type = models.CharField(_("Objekt"), max_length=60)
    object_id = models.CharField(max_length=60, blank=True)
    changes = models.JSONField(_("Änderungen"), default=dict)  # {field: [old, new]}
    reason = models.CharField(_("Begründung"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Audit-Eintrag")
        verbose_name_plural = _("Audit-Log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"
