from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.phrases import stored_text


class AuditLog(models.Model):
    """Who changed what, when; old and new values of non-secret fields. Written by services only."""

    # SET_NULL: the trail outlives its customer; customer_name keeps it readable.
    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="audit"
    )
    customer_name = models.CharField(_("Kunde (Name)"), max_length=260, blank=True)
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
    # A reason the product gives (not one a person typed) as codes (integrations.phrases), shown in
    # the reader's language; entries from before have none and show ``reason``.
    reason_data = models.JSONField(null=True, blank=True)
    # Where a change came from: the client's address (behind a trusted proxy: its header) and
    # program; empty for the CLI, beat and the worker.
    ip_address = models.GenericIPAddressField(_("IP-Adresse"), null=True, blank=True)
    user_agent = models.CharField(_("Programm"), max_length=300, blank=True)
    via = models.CharField(_("über"), max_length=20, blank=True)  # portal, api, admin, cli …
    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Audit-Eintrag")
        verbose_name_plural = _("Audit-Log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    @property
    def reason_text(self) -> str:
        """The reason in the active language."""
        return stored_text(self.reason_data, self.reason)
