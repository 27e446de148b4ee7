"""The Django admin writes the product's audit log: every add, change and delete, of every
registered model, with old and new values, the client's address and program.

``AuditedAdmin`` audits the admin's own hooks (the change form with its many-to-many fields,
inlines, delete, delete selected) and every admin action, such as django-celery-beat's
"disable selected tasks", which changes rows with ``queryset.update()`` and so sends no model
signal. ``audit_every_admin`` gives every registered ModelAdmin this behaviour, so a model that
another library registers (periodic tasks, two-factor devices, login attempts) is audited too;
a test checks the whole registry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import BaseModelFormSet
from django.http import HttpRequest

from connect.models import Customer, User
from connect.services.audit import SECRET_FIELDS, audit_record, changes_between, snapshot

# The object of an admin save, before it was saved: kept on the request from save_model until
# save_related has saved the many-to-many fields too.
_PENDING = "_connect_admin_audit_pending"


def _fields(obj: models.Model) -> list[str]:
    return [
        f.attname if f.is_relation else f.name
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in SECRET_FIELDS
    ]


def _state(obj: models.Model) -> dict[str, Any]:
    """What the audit log shows of an object: its fields and its many-to-many links (ids)."""
    state = snapshot(obj, _fields(obj))
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            if field.name not in SECRET_FIELDS:
                related = getattr(obj, field.name).values_list("pk", flat=True)
                state[field.name] = sorted(str(pk) for pk in related)
    return state


def _customer_of(obj: models.Model) -> Customer | None:
    if isinstance(obj, Customer):
        return obj
    customer = getattr(obj, "customer", None)
    return customer if isinstance(customer, Customer) else None


def _before(obj: models.Model) -> dict[str, Any]:
    if obj.pk is None:
        return {}
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return _state(stored) if stored is not None else {}


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def audit_admin_save(
    request: HttpRequest,
    obj: models.Model,
    before: dict[str, Any],
    *,
    only: frozenset[str] | None = None,
    reason: str = "",
) -> None:
    after = _state(obj)
    changes = changes_between(before, after)
    if only is not None:
        changes = {name: values for name, values in changes.items() if name in only}
    if not changes:
        return
    audit_record(
        customer=_customer_of(obj),
        actor=_actor(request),
        action=f"{obj._meta.model_name}.{'update' if before else 'create'}",
        obj=obj,
        changes=changes,
        reason=reason,
    )


def audit_admin_delete(request: HttpRequest, obj: models.Model, *, reason: str = "") -> None:
    audit_record(
        customer=_customer_of(obj),
        actor=_actor(request),
        action=f"{obj._meta.model_name}.delete",
        obj=obj,
        changes=changes_between(_state(obj), {}),
        reason=reason,
    )


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves, deletes, inlines and actions are audited."""

    # Fields a model signal audits already (connect.signals for users): here only the rest.
    audited_by_signal = False

    def _signal_free(self, obj: models.Model) -> frozenset[str] | None:
        if not self.audited_by_signal:
            return None
        return frozenset(f.name for f in obj._meta.many_to_many)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pending = getattr(request, _PENDING, {})
        pending[id(obj)] = _before(obj) if change else {}
        setattr(request, _PENDING, pending)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, _PENDING, {}).pop(id(obj), None)
        if before is not None:
            audit_admin_save(request, obj, before, only=self._signal_free(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if not self.audited_by_signal:
            audit_admin_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        if not self.audited_by_signal:
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

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = dict(super().get_actions(request) or {})
        return {
            name: (
                (func, action, description)
                # delete_selected is audited by delete_queryset, an action marked
                # ``audited`` by the service it calls.
                if name == "delete_selected" or getattr(func, "audited", False)
                else (_audited_action(func, action), action, description)
            )
            for name, (func, action, description) in actions.items()
        }


def _audited_action(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    """An admin action that audits what it did to each selected object.

    Objects it changed get "<model>.update" with old and new values, objects it deleted
    "<model>.delete", objects it left as they were (e.g. "run selected tasks") "<model>.action";
    the entry's reason is the action's name.
    """

    @functools.wraps(func)
    def run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> Any:
        model = queryset.model
        objects = list(model._default_manager.filter(pk__in=queryset.values("pk")))
        before = {obj.pk: (obj, _state(obj)) for obj in objects}
        result = func(modeladmin, request, queryset)
        after = {obj.pk: obj for obj in model._default_manager.filter(pk__in=list(before))}
        for pk, (old, state) in before.items():
            current = after.get(pk)
            if current is None:
                audit_admin_delete(request, old, reason=name)
                continue
            changes = changes_between(state, _state(current))
            audit_record(
                customer=_customer_of(current),
                actor=_actor(request),
                action=f"{model._meta.model_name}.{'update' if changes else 'action'}",
                obj=current,
                changes=changes,
                reason=name,
            )
        return result

    return run


def audit_every_admin(site: admin.AdminSite) -> None:
    """Make every ModelAdmin registered on the site an AuditedAdmin (libraries' ones too)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdmin):
            continue
        audited = type(
            f"Audited{type(model_admin).__name__}", (AuditedAdmin, type(model_admin)), {}
        )
        site.unregister(model)
        site.register(model, audited)
