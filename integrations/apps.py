from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from integrations.checks import xml_without_entities


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrationen")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(xml_without_entities)
