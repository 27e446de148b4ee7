from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    name = "connect"
    verbose_name = _("Connect · facilioo")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from connect import signals  # noqa: F401 - connects the receivers
        from connect.admin_audit import audit_every_admin

        # Every app's admin module is loaded by now (django.contrib.admin's ready() runs first).
        audit_every_admin(admin.site)
