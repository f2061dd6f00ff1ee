"""The Django admin as the household list's reference, tuned as far as the
admin allows for each comparison: no second count of the unfiltered table
(``show_full_result_count``), the township filtered on the household's own
column, exact and case-sensitive lookups that can use the indexes, and the
same related rows joined in. Only ``bench.household_list`` mounts these
sites (as ``ROOT_URLCONF``, around the admin's requests).
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import path, reverse

from households.admin import HouseholdAdmin, TownshipFilter
from households.models import Household
from povertyrelief.urls import urlpatterns as project_urlpatterns


class TunedHouseholdAdmin(HouseholdAdmin):
    list_filter = ("status", "attribute", "main_cause", ("township", TownshipFilter))
    show_full_result_count = False
    inlines = []


class IdSearchAdmin(TunedHouseholdAdmin):
    search_fields = ("members__id_number__exact",)


class NameSearchAdmin(TunedHouseholdAdmin):
    search_fields = ("number__contains", "head_name__contains", "members__name__contains")


def _site(name: str, model_admin) -> admin.AdminSite:
    site = admin.AdminSite(name=name)
    site.register(Household, model_admin)
    return site


list_site = _site("bench_admin_list", TunedHouseholdAdmin)
id_site = _site("bench_admin_id", IdSearchAdmin)
name_site = _site("bench_admin_name", NameSearchAdmin)

urlpatterns = [
    path("bench-admin/list/", list_site.urls),
    path("bench-admin/id/", id_site.urls),
    path("bench-admin/name/", name_site.urls),
    *project_urlpatterns,
]


def changelist_url(site: admin.AdminSite) -> str:
    return reverse(f"{site.name}:households_household_changelist", urlconf=__name__)
