from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Someone who logs in: a customer's admin or viewer (Membership), support or an operator."""

    is_support = models.BooleanField(
        _("Support"),
        default=False,
        help_text=_("Reads every customer, inspects runs, can start, cancel and pause runs."),
    )

    class Meta:
        verbose_name = _("Benutzer")
        verbose_name_plural = _("Benutzer")

    @property
    def sees_all_customers(self) -> bool:
        return self.is_support or self.is_superuser
