from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    name = "connect"
    verbose_name = _("Connect · facilioo")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from connect import signals  # noqa: F401 - connects the receivers
