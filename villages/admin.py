from django.contrib import admin

from .models import Area, WorkTeam


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "rural_population")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(WorkTeam)
class WorkTeamAdmin(admin.ModelAdmin):
    list_display = ("village", "dispatching_unit", "leader_name", "first_secretary_name", "start_date", "end_date")
    search_fields = ("village__name", "leader_name", "first_secretary_name")
