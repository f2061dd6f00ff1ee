from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class PovertyUserAdmin(UserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "area", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("区划与角色", {"fields": ("role", "area", "phone", "must_change_password")}),)


# The audit log is read-only everywhere, admin included.
if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ReadOnlyLogEntryAdmin(admin.ModelAdmin):
    list_display = ("timestamp", "actor", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
