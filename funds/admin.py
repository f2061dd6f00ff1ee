"""Django admin for funds: read-only, superusers only. Money changes go
through the services (locks, maker-checker, audit); the admin only looks."""

from django.contrib import admin

from . import models as m


class ReadOnlyAdmin(admin.ModelAdmin):
    list_per_page = 50

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.FundSource)
class FundSourceAdmin(ReadOnlyAdmin):
    list_display = ("year", "level", "name", "document_number", "amount", "allocated_total")
    list_filter = ("year", "level")


@admin.register(m.Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("year", "name", "project_type", "area", "stage", "stage_date", "budget")
    list_filter = ("year", "stage", "project_type")


@admin.register(m.Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("date", "source", "target", "area", "amount", "confirmed_total", "pending_total")
    list_select_related = ("source", "area", "project", "village")


@admin.register(m.Disbursement)
class DisbursementAdmin(ReadOnlyAdmin):
    list_display = ("date", "allocation", "amount", "payee", "voucher_number", "status", "recorded_by", "checked_by")
    list_filter = ("status",)
    list_select_related = ("allocation", "allocation__source", "recorded_by", "checked_by")
