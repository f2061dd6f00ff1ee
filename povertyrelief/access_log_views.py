"""/access-log/: the personal-data access log for auditors and county
administrators, filtered, paginated and exportable to Excel."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from django.views import View

from .access_log import ACTION, AccessLogFilterForm, personal_data_access_search
from .models import PersonalDataAccess
from .views_base import ScopedMixin

PER_PAGE = 50


class AccessLogView(ScopedMixin, View):
    action = ACTION

    def get(self, request):
        form = AccessLogFilterForm(request.GET or None, actor=request.user)
        records = PersonalDataAccess.objects.none()
        filters = {}
        if not form.is_bound or form.is_valid():
            filters = form.filters() if form.is_bound else {}
            records = personal_data_access_search(actor=request.user, filters=filters)
        page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
        export_query = urlencode({key: value for key, value in filters.items() if value})
        return render(
            request,
            "povertyrelief/access_log.html",
            {"form": form, "page_obj": page, "export_query": export_query, "valid": not form.errors},
        )


access_log = AccessLogView.as_view()
