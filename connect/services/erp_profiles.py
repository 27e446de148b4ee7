"""Import profiles of a customer: saved as versions, audited; the active one reads new exports."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.models import Customer, ErpImportProfile, User
from connect.services.audit import audit_record, changes_between
from integrations.erp.profiles import ImportProfile, ProfileError


def erp_profile_save(
    *, customer: Customer, actor: User | None, definition: dict[str, Any] | str
) -> ErpImportProfile:
    """Check a profile and save it as the customer's next version, which becomes active."""
    try:
        profile = (
            ImportProfile.from_json(definition)
            if isinstance(definition, str)
            else ImportProfile.from_dict(definition)
        )
    except ProfileError as exc:
        raise ApplicationError(
            _("Das Importprofil wurde nicht gespeichert: %(problem)s") % {"problem": str(exc)}
        ) from exc
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        last = ErpImportProfile.objects.filter(customer=customer).aggregate(v=Max("version"))["v"]
        version = (last or 0) + 1
        ErpImportProfile.objects.filter(customer=customer, is_active=True).update(is_active=False)
        row = ErpImportProfile.objects.create(
            customer=customer,
            name=profile.name,
            version=version,
            definition=profile.to_dict(),
            created_by=actor if actor is not None and actor.pk else None,
        )
        audit_record(
            customer=customer,
            actor=actor,
            action="erp_profile.save",
            obj=row,
            changes=changes_between(
                {}, {"name": profile.name, "version": version, "format": profile.format}
            ),
        )
    return row


def erp_profile_deactivate(*, customer: Customer, actor: User | None) -> int:
    """Read new exports as ERP export v1 again; the versions are kept."""
    with transaction.atomic():
        changed = ErpImportProfile.objects.filter(customer=customer, is_active=True).update(
            is_active=False
        )
        if changed:
            audit_record(
                customer=customer,
                actor=actor,
                action="erp_profile.deactivate",
                object_type="erpimportprofile",
                changes={"active": [True, False]},
            )
    return changed
