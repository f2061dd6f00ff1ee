"""The battle map (/map/<12-digit area code>/, also every user's home page),
its Excel workbook, the annual targets and the data-quality finder (/quality/).

An area outside the user's area is a 404; the figures come from the apps'
providers through ``selectors.area_map``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View

from povertyrelief.dashboard import quality_rule_get
from povertyrelief.views_base import ScopedMixin, ServiceFormView
from villages.models import Area
from villages.selectors import area_options

from . import charts, selectors, services
from .exports import map_workbook, map_workbook_filename, record_area_names
from .forms import TargetsForm

FIRST_YEAR = 2014
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def year_choices() -> list[int]:
    return list(range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1))


def requested_year(request) -> int:
    """?year= when it is one of the offered years, else the current year."""
    value = request.GET.get("year", "")
    if value.isdigit() and int(value) in year_choices():
        return int(value)
    return timezone.localdate().year


def render_map(request, area: Area):
    """The map page of ``area`` (already checked to be inside the user's area)."""
    year = requested_year(request)
    if request.GET.get("refresh"):
        selectors.area_map(actor=request.user, area=area, year=year, refresh=True)
        return redirect(reverse("dashboard:map", args=[area.code]) + f"?year={year}")
    # No snapshot yet: the worker computes it and the page says so.
    data = selectors.area_map(actor=request.user, area=area, year=year, wait=False)
    context = {
        "data": data,
        "area": area,
        "year": year,
        "years": year_choices(),
        "breadcrumbs": selectors.map_breadcrumbs(actor=request.user, area=area),
        "can_set_targets": request.user.can("manage"),
        "can_export": request.user.can("export"),
    }
    if data is not None:
        area_chart = charts.area_chart(data, year)
        breakdowns = [(b, charts.breakdown_chart(b)) for b in data.breakdowns]
        context.update(
            area_chart=area_chart, area_chart_height=charts.chart_height(area_chart),
            breakdowns=[(b, chart, charts.chart_height(chart)) for b, chart in breakdowns],
        )
    return render(request, "dashboard/map.html", context)


class AreaMapView(ScopedMixin, View):
    action = "view"

    def get(self, request, code: str):
        return render_map(request, selectors.map_area_get(actor=request.user, code=code))


class AreaMapWorkbookView(ScopedMixin, View):
    """Every table of the map in one workbook (a sheet each)."""

    action = "export"

    def get(self, request, code: str):
        area = selectors.map_area_get(actor=request.user, code=code)
        year = requested_year(request)
        data = selectors.area_map(actor=request.user, area=area, year=year)
        response = HttpResponse(map_workbook(data), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, map_workbook_filename(data))
        response["Cache-Control"] = "no-store"
        return response


class TargetEditView(ServiceFormView):
    """County administrators set each township's targets for a year."""

    action = "manage"
    form_class = TargetsForm
    template_name = "dashboard/target_form.html"
    success_message = "已保存 {result} 年度目标。"

    def get_form_kwargs_extra(self) -> dict:
        return {"year": requested_year(self.request)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(year=requested_year(self.request), years=year_choices())
        return context

    def perform(self, form, obj):
        year = form.year
        services.annual_targets_save(actor=self.request.user, year=year, targets=form.targets())
        return year

    def get_success_url(self, result=None) -> str:
        return reverse("dashboard:target_edit") + f"?year={result}"


class QualityView(ScopedMixin, View):
    """数据质量: each rule's count in the chosen area, and the records
    breaking one rule with a link to each."""

    action = "view"

    def get(self, request):
        user = request.user
        code = request.GET.get("area", "").strip()
        area = selectors.map_area_get(actor=user, code=code) if code else user.area
        rule_code = request.GET.get("rule", "").strip()
        rule = quality_rule_get(rule_code) if rule_code else None
        if rule_code and rule is None:
            raise Http404("没有这条数据质量规则。")
        scope = selectors.quality_scope(actor=user, area=area)
        summary = selectors.quality_summary(scope=scope)
        page = None
        if rule is not None:
            page = Paginator(selectors.quality_records(scope=scope, rule=rule), 50).get_page(request.GET.get("page"))
            for record in page.object_list:
                record.quality_label = rule.label(record)
                record.quality_detail = rule.detail(record)
                record.quality_township, record.quality_village = record_area_names(record, rule.area_path)
        areas = area_options(actor=user, county=True)
        return render(request, "dashboard/quality.html", {
            "area": area, "rule": rule, "summary": summary, "page_obj": page, "areas": areas,
            "total": sum(count for _, count in summary), "can_export": user.can("export"),
        })


area_map = AreaMapView.as_view()
area_map_workbook = AreaMapWorkbookView.as_view()
target_edit = TargetEditView.as_view()
quality = QualityView.as_view()
