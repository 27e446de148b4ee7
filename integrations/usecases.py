"""The use cases a customer can activate."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UseCase(models.TextChoices):
    STAMMDATEN = "stammdaten", _("Stammdaten")
    DOKUMENTE = "dokumente", _("Dokumente")
