from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): only its SHA-512 digest is stored, with an expiry.

    ``token_key`` is the token's first 15 characters: enough to list and revoke it, never
    enough to use it.
    """

    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)
    user_agent = models.CharField(_("Programm"), max_length=300, blank=True)
    created_ip = models.GenericIPAddressField(_("angelegt von Adresse"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")
        ordering = ["-created"]
