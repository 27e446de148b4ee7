from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.phrases import stored_text


class FaciliooEnvironment(models.TextChoices):
    PRODUCTION = "production", _("Produktion")
    STAGING = "staging", _("Staging")
    SANDBOX = "sandbox", _("Sandbox")


class ConnectionState(models.TextChoices):
    UNTESTED = "untested", _("nicht getestet")
    OK = "ok", _("verbunden")
    FAILED = "failed", _("fehlerhaft")


class FaciliooConnection(models.Model):
    """A customer's facilioo login; the password is stored encrypted (MultiFernet), never shown."""

    customer = models.OneToOneField(
        "connect.Customer", on_delete=models.CASCADE, related_name="facilioo_connection"
    )
    username = models.EmailField(_("Benutzername (E-Mail)"))
    password_encrypted = models.BinaryField(editable=False)
    password_set_at = models.DateTimeField(_("Passwort gesetzt am"))
    environment = models.CharField(
        _("Umgebung"),
        max_length=20,
        choices=FaciliooEnvironment.choices,
        default=FaciliooEnvironment.SANDBOX,
    )
    state = models.CharField(
        _("Zustand"),
        max_length=10,
        choices=ConnectionState.choices,
        default=ConnectionState.UNTESTED,
    )
    state_message = models.CharField(_("Meldung"), max_length=500, blank=True)
    # The message as codes (integrations.phrases), in the reader's language; older results: none.
    state_data = models.JSONField(null=True, blank=True)
    last_tested_at = models.DateTimeField(_("zuletzt getestet"), null=True, blank=True)
    # The last conformance probe ("Schnittstelle prüfen"): its JSON result and when it ran.
    probe_result = models.JSONField(_("letzte Schnittstellenprüfung"), null=True, blank=True)
    probe_at = models.DateTimeField(_("Schnittstelle geprüft am"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("facilioo-Verbindung")
        verbose_name_plural = _("facilioo-Verbindungen")

    def __str__(self) -> str:
        return f"{self.customer} → facilioo ({self.environment})"

    @property
    def state_text(self) -> str:
        """The last test's message in the active language."""
        return stored_text(self.state_data, self.state_message)
