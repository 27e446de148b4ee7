from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from connect.admin_audit import AuditedAdmin
from connect.models import AuditLog, Customer, FaciliooConnection, Membership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Connect"), {"fields": ("is_support",)}))  # type: ignore[misc]
    list_display = ("username", "email", "is_support", "is_staff", "is_superuser")
    list_filter = ("is_support", "is_staff", "is_superuser", "is_active")


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
class FaciliooConnectionAdmin(admin.ModelAdmin):
    """The password is never shown here either: it is changed through the portal or the CLI."""

    list_display = ("customer", "username", "environment", "state", "last_tested_at")
    fields = ("customer", "username", "environment", "state", "state_message", "password_set_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
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
