"""The Django admin writes the product's audit log too: every save and delete of a customer or
a membership (and, through connect.signals, of a user) is recorded with old and new values."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import BaseModelFormSet
from django.http import HttpRequest

from connect.models import Customer, User
from connect.services.audit import SECRET_FIELDS, audit_record, changes_between, snapshot


def _fields(obj: models.Model) -> list[str]:
    return [
        f.attname if f.is_relation else f.name
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in SECRET_FIELDS
    ]


def _customer_of(obj: models.Model) -> Customer | None:
    if isinstance(obj, Customer):
        return obj
    customer = getattr(obj, "customer", None)
    return customer if isinstance(customer, Customer) else None


def _before(obj: models.Model) -> dict[str, Any]:
    if obj.pk is None:
        return {}
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(stored, _fields(obj)) if stored is not None else {}


def audit_admin_save(request: HttpRequest, obj: models.Model, before: dict[str, Any]) -> None:
    after = snapshot(obj, _fields(obj))
    changes = changes_between(before, after)
    if not changes:
        return
    actor = request.user if isinstance(request.user, User) else None
    audit_record(
        customer=_customer_of(obj),
        actor=actor,
        action=f"{obj._meta.model_name}.{'update' if before else 'create'}",
        obj=obj,
        changes=changes,
    )


def audit_admin_delete(request: HttpRequest, obj: models.Model) -> None:
    actor = request.user if isinstance(request.user, User) else None
    audit_record(
        customer=_customer_of(obj),
        actor=actor,
        action=f"{obj._meta.model_name}.delete",
        obj=obj,
        changes=changes_between(snapshot(obj, _fields(obj)), {}),
    )


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes, and those of its inlines, are audited."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = _before(obj) if change else {}
        super().save_model(request, obj, form, change)
        audit_admin_save(request, obj, before)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_admin_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit_admin_delete(request, obj)
        super().delete_queryset(request, queryset)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseModelFormSet, change: bool
    ) -> None:
        befores = {
            id(f.instance): _before(f.instance)
            for f in formset.forms
            if f.instance.pk is not None and f.has_changed()
        }
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_admin_delete(request, obj)
            obj.delete()
        for obj in instances:
            before = befores.get(id(obj), {})
            obj.save()
            audit_admin_save(request, obj, before)
        formset.save_m2m()
