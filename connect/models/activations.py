from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.usecases import UseCase


class UseCaseActivation(models.Model):
    """A use case of a customer: whether it is on, its settings and its schedule."""

    customer = models.ForeignKey(
        "connect.Customer", on_delete=models.CASCADE, related_name="activations"
    )
    use_case = models.CharField(_("Anwendungsfall"), max_length=20, choices=UseCase.choices)
    enabled = models.BooleanField(_("aktiviert"), default=False)
    paused = models.BooleanField(_("pausiert"), default=False)
    # Validated settings of the use case (see integrations.sync.types for their shape).
    settings = models.JSONField(_("Einstellungen"), default=dict)
    schedule_minute = models.CharField(_("Minute"), max_length=60, default="0")
    schedule_hour = models.CharField(_("Stunde"), max_length=60, default="2")
    schedule_day_of_week = models.CharField(_("Wochentage"), max_length=60, default="tue,thu,sun")
    schedule_timezone = models.CharField(_("Zeitzone"), max_length=60, default="Europe/Berlin")
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", on_delete=models.SET_NULL, null=True, blank=True
    )
    activated_at = models.DateTimeField(_("aktiviert am"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Aktivierung")
        verbose_name_plural = _("Aktivierungen")
        constraints = [
            models.UniqueConstraint(fields=["customer", "use_case"], name="activation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_use_case_display()}"
