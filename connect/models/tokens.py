from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiTokenInfo(models.Model):
    """What the product knows of an API token beyond django-rest-knox's own record.

    knox stores only the SHA-512 digest of a token, its first characters (``token_key``, enough
    to list and revoke it, never to use it) and its expiry. This adds when it was last used and
    from which program and address it was created.
    """

    token = models.OneToOneField(
        "knox.AuthToken", on_delete=models.CASCADE, primary_key=True, related_name="info"
    )
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)
    user_agent = models.CharField(_("Programm"), max_length=300, blank=True)
    created_ip = models.GenericIPAddressField(_("angelegt von Adresse"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")

    def __str__(self) -> str:
        return f"{self.token.token_key}…"
