"""Django admin for the registry: a superuser's tool and the reference the
household list is benchmarked against (``python -m bench``).

Everything here bypasses the services and area scoping, so only superusers
get in, whatever staff flags or model permissions an account carries.
"""

from django.contrib import admin

from villages.models import Area, AreaLevel

from . import models as m


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class RegistryAdmin(SuperuserOnly, admin.ModelAdmin):
    list_per_page = 50


class TownshipFilter(admin.RelatedFieldListFilter):
    """乡镇 filter (``village__parent__id__exact``) listing townships only,
    not every area the parent key could point at."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = "乡镇"

    def field_choices(self, field, request, model_admin):
        return [(a.pk, a.name) for a in Area.objects.filter(level=AreaLevel.TOWNSHIP).order_by("code")]


class MemberInline(SuperuserOnly, admin.TabularInline):
    model = m.Member
    extra = 0
    fields = ("name", "id_number", "relation", "sex", "birth_date", "health", "labour_skill", "left_date", "left_reason")
    show_change_link = True


@admin.register(m.Household)
class HouseholdAdmin(RegistryAdmin):
    # With the action checkbox first, column 7 is 识别年度: the bench sorts by ``o=-7``.
    list_display = (
        "village", "number", "head_name", "member_count", "attribute", "main_cause", "identification_year", "status",
    )
    list_filter = ("status", "attribute", "main_cause", ("village__parent", TownshipFilter))
    search_fields = ("number", "head_name")
    list_select_related = ("village", "village__parent")
    raw_id_fields = ("village",)
    # 脱贫状态 and 脱贫年度 change through the exit procedure (公告销号) or a
    # monitoring decision (返贫), or by a county administrator's edit in the
    # registry pages, never here.
    readonly_fields = (
        "head_name", "member_count", "version", "card_data_changed_at", "created_at", "updated_at", "status", "exit_year",
    )
    inlines = [MemberInline]


@admin.register(m.Member)
class MemberAdmin(RegistryAdmin):
    list_display = ("name", "household", "relation", "sex", "birth_date", "health", "labour_skill", "left_date")
    list_filter = ("relation", "health", "labour_skill", "sex")
    search_fields = ("name", "id_number", "household__number")
    list_select_related = ("household",)
    raw_id_fields = ("household",)


@admin.register(m.AnnualStandard)
class AnnualStandardAdmin(RegistryAdmin):
    list_display = ("year", "province", "poverty_line", "monitoring_line")
    list_filter = ("province",)


@admin.register(m.Income)
class IncomeAdmin(RegistryAdmin):
    list_display = ("household", "year", "household_size", "total_income", "net_income", "net_income_per_capita")
    list_filter = ("year",)
    search_fields = ("household__number", "household__head_name")
    list_select_related = ("household",)
    raw_id_fields = ("household",)
    readonly_fields = ("total_income", "production_cost_used", "net_income", "net_income_per_capita", "recorded_at")


@admin.register(m.Cadre)
class CadreAdmin(RegistryAdmin):
    list_display = ("name", "unit", "unit_level", "position", "phone", "area", "active")
    list_filter = ("unit_level", "active")
    search_fields = ("name", "unit", "phone")
    list_select_related = ("area",)
    raw_id_fields = ("area",)


@admin.register(m.Assignment)
class AssignmentAdmin(RegistryAdmin):
    list_display = ("household", "cadre", "start_date", "end_date", "end_reason")
    list_filter = ("end_date",)
    search_fields = ("household__number", "household__head_name", "cadre__name")
    list_select_related = ("household", "cadre")
    raw_id_fields = ("household", "cadre")


@admin.register(m.Visit)
class VisitAdmin(RegistryAdmin):
    list_display = ("household", "cadre", "date")
    date_hierarchy = "date"
    search_fields = ("household__number", "cadre__name")
    list_select_related = ("household", "cadre")
    raw_id_fields = ("household", "cadre")


@admin.register(m.MeasureCategory)
class MeasureCategoryAdmin(RegistryAdmin):
    list_display = ("group", "name", "sort_order", "active")
    list_filter = ("group", "active")


@admin.register(m.Measure)
class MeasureAdmin(RegistryAdmin):
    list_display = ("household", "year", "category", "content", "amount", "status", "cadre")
    list_filter = ("year", "status", "category__group")
    search_fields = ("household__number", "content")
    list_select_related = ("household", "category", "cadre")
    raw_id_fields = ("household", "member", "cadre")


@admin.register(m.Monitoring)
class MonitoringAdmin(RegistryAdmin):
    list_display = ("household", "object_type", "risk_identified_date", "risk_eliminated", "risk_eliminated_date")
    list_filter = ("object_type", "risk_eliminated")
    search_fields = ("household__number", "household__head_name")
    list_select_related = ("household",)
    raw_id_fields = ("household",)


@admin.register(m.Attachment)
class AttachmentAdmin(RegistryAdmin):
    list_display = ("household", "kind", "original_name", "size", "uploaded_by", "uploaded_at")
    list_filter = ("kind",)
    search_fields = ("household__number", "original_name")
    list_select_related = ("household", "uploaded_by")
    raw_id_fields = ("household", "uploaded_by")


@admin.register(m.CardPrint)
class CardPrintAdmin(RegistryAdmin):
    list_display = ("household", "year", "printed_at", "printed_by", "handed_over_on", "handed_over_by")
    list_filter = ("year",)
    search_fields = ("household__number",)
    list_select_related = ("household", "printed_by")
    raw_id_fields = ("household", "printed_by")
