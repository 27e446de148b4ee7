from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    name = "connect"
    verbose_name = _("Connect · facilioo")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: they use models, which load only after every app's
        # AppConfig (Django's app registry).
        from django.contrib import admin  # noqa: PLC0415

        # signals connects the receivers; tasks registers the tasks connect.jobs sends by name.
        from connect import signals, tasks  # noqa: F401, PLC0415
        from connect.admin_audit import audit_every_admin  # noqa: PLC0415

        # Every app's admin module is loaded by now (django.contrib.admin's ready() runs first).
        audit_every_admin(admin.site)
