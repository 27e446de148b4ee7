from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ErpSystem(models.TextChoices):
    WODIS_SIGMA = "wodis_sigma", "Wodis Sigma"
    WODIS_YUNEO = "wodis_yuneo", "Wodis Yuneo"
    RELION = "relion", "RELion"
    SAP_BLUE_EAGLE = "sap_blue_eagle", "SAP Blue Eagle"
    UTS_KARTHAGO = "uts_karthago", "UTS KARTHAGO"
    OTHER = "other", _("Anderes")


class ErpSource(models.TextChoices):
    DEMO = "demo", _("Demo-Daten")
    FILE = "file", _("ERP-Export (Datei)")


class Customer(models.Model):
    """The tenant: a housing company whose ERP data goes to facilioo."""

    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=60, unique=True)
    erp_system = models.CharField(
        _("ERP-System"), max_length=30, choices=ErpSystem.choices, default=ErpSystem.WODIS_YUNEO
    )
    erp_source = models.CharField(
        _("ERP-Quelle"), max_length=10, choices=ErpSource.choices, default=ErpSource.DEMO
    )
    # For the file source: a directory or .zip on the server (CLI); uploads are kept separately.
    erp_path = models.CharField(_("Pfad des ERP-Exports"), max_length=500, blank=True)
    # Watched folder (operators): before each run the newest complete .zip in it is taken.
    erp_watch_folder = models.CharField(_("Überwachter Ordner"), max_length=500, blank=True)
    # For the demo source: size and seed of the generated portfolio.
    demo_units = models.PositiveIntegerField(_("Einheiten (Demo)"), default=200)
    demo_seed = models.PositiveIntegerField(_("Seed (Demo)"), default=1)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Kunde")
        verbose_name_plural = _("Kunden")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    VIEWER = "viewer", _("Betrachter")


class Membership(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("Rolle"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    receives_alerts = models.BooleanField(_("erhält Warnungen"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.customer} ({self.role})"
