"""The sync's own bookkeeping: which ERP record became which facilioo record, and what we sent."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalLink(models.Model):
    """ERP natural key → facilioo id and the hash of the payload last sent.

    Keyed by the ERP numbers (not by the composed externalId), so a change of the separator
    rewrites externalIds instead of creating duplicates.
    """

    customer = models.ForeignKey("connect.Customer", on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=30)  # facilioo path name: properties, units, ...
    natural_key = models.CharField(max_length=300)  # ERP key parts joined with "\x1f"
    external_id = models.CharField(max_length=200)
    facilioo_id = models.BigIntegerField()
    payload_hash = models.CharField(max_length=64)
    # The run that last wrote or confirmed this link (resume: records done by this run are skipped).
    last_run_id = models.BigIntegerField(null=True)
    # The record was in the last complete ERP read (removals are derived from this).
    seen_run_id = models.BigIntegerField(null=True)
    terminated = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Verknüpfung")
        verbose_name_plural = _("Verknüpfungen")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "entity", "natural_key"], name="external_link_unique"
            )
        ]
        indexes = [models.Index(fields=["customer", "entity", "seen_run_id"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.external_id} → {self.facilioo_id}"


class ExistingMatchDecision(models.Model):
    """An admin's answer to a suggested match of existing facilioo data ("zuordnen").

    Confirmed: the ERP record adopts the facilioo record (an ExternalLink the next run adopts).
    Rejected: the facilioo record is not suggested for that ERP record again.
    """

    customer = models.ForeignKey("connect.Customer", on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=30)  # properties or units
    facilioo_id = models.BigIntegerField()
    natural_key = models.CharField(max_length=300)
    confirmed = models.BooleanField()
    decided_by = models.ForeignKey(
        "connect.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zuordnung bestehender facilioo-Daten")
        verbose_name_plural = _("Zuordnungen bestehender facilioo-Daten")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "entity", "facilioo_id"], name="existing_match_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.facilioo_id} → {self.natural_key}"
