"""帮扶措施 (一户一策): adding and editing a household's measures, the list,
and adding one measure to many households at once. Each action is a
``ServiceFormView`` calling one service of households.services.measures
(措施目录: views/catalogue.py, 一户一档 papers: views/attachments.py,
防返贫监测: views/monitoring.py)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from povertyrelief.views_base import PreviewAgain, ScopedMixin, ServiceFormView

from ..forms.measures import MeasureBulkForm, MeasureForm
from ..models import Measure
from ..selectors.measures import households_with_measure, measure_filterset, measure_get, measure_list, measure_totals
from ..selectors.registry import household_get
from ..services.measures import (
    BulkSelectionChanged,
    measure_bulk_add,
    measure_bulk_households,
    measure_save,
)

PAGE_SIZE = 50
BULK_PREVIEW_ROWS = 200
BULK_INITIAL = (
    "category", "year", "township", "village", "household_status", "has_year", "has_category", "use_filter", "monitored",
)


class MeasureFormView(ServiceFormView):
    """One household's measure: ``get_object`` gives the measure (a new one
    for its household when adding)."""

    form_class = MeasureForm
    template_name = "households/measure_form.html"
    verb = "已保存"

    def get_form_kwargs_extra(self) -> dict:
        return {"household": self.object.household, "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.object.household, **kwargs)

    def perform(self, form, measure):
        return measure_save(actor=self.request.user, measure=form.instance)

    def get_success_message(self, measure) -> str:
        return f"{measure.year}年帮扶措施“{measure.category.name}”{self.verb}。"


class MeasureCreateView(MeasureFormView):
    verb = "已添加"

    def get_object(self):
        return Measure(household=household_get(actor=self.request.user, pk=self.kwargs["pk"], action="change"))

    def get_initial(self):
        return {"year": timezone.localdate().year}


class MeasureUpdateView(MeasureFormView):
    def get_object(self):
        return measure_get(actor=self.request.user, pk=self.kwargs["pk"], action="change")


class MeasureListView(ScopedMixin, View):
    action = "view"

    def get(self, request):
        filterset = measure_filterset(actor=request.user, filters=request.GET)
        filters = filterset.chosen
        measures = measure_list(actor=request.user, filters=request.GET, filterset=filterset)
        page = Paginator(measures, PAGE_SIZE).get_page(request.GET.get("page"))
        bulk_query = {"use_filter": 1}
        for key in ("township", "village"):
            if filters.get(key):
                bulk_query[key] = filters[key].pk
        if filters.get("category"):
            bulk_query["has_category"] = filters["category"].pk
            bulk_query["category"] = filters["category"].pk
        if filters.get("year"):
            bulk_query["has_year"] = filters["year"]
        return render(request, "households/measure_list.html", {
            "form": filterset.form, "page_obj": page, "totals": measure_totals(measures), "filtered": bool(filters),
            "can_change": request.user.can("change"), "can_export": request.user.can("export"),
            "bulk_url": reverse("households:measure_bulk_add") + "?" + urlencode(bulk_query),
        })


class MeasureBulkAddView(ServiceFormView):
    """Form → preview (how many households, which) → confirm, in one transaction."""

    form_class = MeasureBulkForm
    template_name = "households/measure_bulk_form.html"
    preview_template_name = "households/measure_bulk_confirm.html"

    def get_initial(self):
        return {k: self.request.GET[k] for k in BULK_INITIAL if self.request.GET.get(k)}

    def get_preview_context(self, form) -> dict:
        households = measure_bulk_households(
            actor=self.request.user, numbers=form.cleaned_data["numbers"], filters=form.selection_filters()
        )
        data = form.cleaned_data
        already = households_with_measure(
            actor=self.request.user, household_ids=[h.pk for h in households], category=data["category"], year=data["year"]
        )
        return {
            "households": households[:BULK_PREVIEW_ROWS], "count": len(households),
            "more": max(len(households) - BULK_PREVIEW_ROWS, 0), "already": already,
            "numbers_joined": " ".join(data["numbers"]), "measure": form.measure(),
            "total_amount": (data["amount"] or 0) * len(households),
        }

    def perform(self, form, obj):
        self.chosen = data = form.cleaned_data
        try:
            expected = int(self.request.POST.get("expected_count", ""))
        except ValueError:
            raise PreviewAgain() from None
        try:
            return measure_bulk_add(
                actor=self.request.user, template=form.measure(), numbers=data["numbers"],
                filters=form.selection_filters(), expected_count=expected,
            )
        except BulkSelectionChanged as exc:
            raise PreviewAgain(str(exc)) from exc

    def get_success_message(self, created) -> str:
        return f"已为 {len(created)} 户添加 {self.chosen['year']}年“{self.chosen['category'].name}”措施。"

    def get_success_url(self, result=None) -> str:
        query = urlencode({"year": self.chosen["year"], "category": self.chosen["category"].pk})
        return reverse("households:measure_list") + "?" + query
