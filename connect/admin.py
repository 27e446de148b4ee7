from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from connect.admin_audit import AuditedAdmin
from connect.models import AuditLog, Customer, FaciliooConnection, Membership, User
from connect.services.two_factor import two_factor_reset


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Connect"), {"fields": ("is_support",)}))  # type: ignore[misc]
    list_display = ("username", "email", "is_support", "is_staff", "is_superuser")
    list_filter = ("is_support", "is_staff", "is_superuser", "is_active")
    actions = ["two_factor_reset"]
    # connect.signals audits every change of a user's own fields, on every path.
    audited_by_signal = True

    @admin.action(description=_("Zwei-Faktor-Anmeldung zurücksetzen"))
    def two_factor_reset(self, request: HttpRequest, queryset: Any) -> None:
        """The operator's way to help a user who lost the app: the devices go (audited); the
        user logs in with the password and sets up a new app."""
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101 - the admin needs a login
        users = list(queryset)
        for user in users:
            two_factor_reset(user=user, actor=actor)
        self.message_user(
            request,
            ngettext(
                "Die Zwei-Faktor-Anmeldung von %(n)d Benutzer ist zurückgesetzt.",
                "Die Zwei-Faktor-Anmeldung von %(n)d Benutzern ist zurückgesetzt.",
                len(users),
            )
            % {"n": len(users)},
            messages.SUCCESS,
        )

    two_factor_reset.audited = True  # type: ignore[attr-defined]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ("name", "slug", "erp_system", "erp_source", "is_active", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("is_active", "erp_system", "erp_source")
    inlines = [MembershipInline]


@admin.register(FaciliooConnection)
class FaciliooConnectionAdmin(AuditedAdmin):
    """The password is never shown here either: it is changed through the portal or the CLI."""

    list_display = ("customer", "username", "environment", "state", "last_tested_at")
    fields = ("customer", "username", "environment", "state", "state_message", "password_set_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(AuditedAdmin):
    list_display = (
        "created_at",
        "customer_name",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "via",
        "ip_address",
    )
    list_filter = ("action", "object_type", "via")
    search_fields = ("actor_name", "action", "customer_name", "ip_address")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# django-otp's own admin shows a TOTP key (and its QR code) and the recovery codes: replaced by
# one that shows that a device exists and when it was used, never its secret.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class TwoFactorDeviceAdmin(AuditedAdmin):
    """Read-only, without secrets; deleting is audited. To help a user who lost the app, use
    the action "Zwei-Faktor-Anmeldung zurücksetzen" on the users."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


admin.site.register(TOTPDevice, TwoFactorDeviceAdmin)
admin.site.register(StaticDevice, TwoFactorDeviceAdmin)
