"""帮扶措施 (一户一策): adding and editing a household's measures, the list,
and adding one measure to many households at once. Views validate a form,
call one service and redirect; the rules live in households.services.measures
(措施目录: views/catalogue.py, 一户一档 papers: views/attachments.py,
防返贫监测: views/monitoring.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from povertyrelief.forms import add_service_errors
from povertyrelief.permissions import restrict
from povertyrelief.views_base import ScopedMixin

from ..forms.measures import MeasureBulkForm, MeasureFilterForm, MeasureForm
from ..models import Household, Measure
from ..selectors.measures import households_with_measure, measure_list, measure_totals
from ..selectors.registry import household_get
from ..services.measures import (
    BulkSelectionChanged,
    measure_bulk_add,
    measure_bulk_households,
    measure_save,
)

PAGE_SIZE = 50
BULK_PREVIEW_ROWS = 200


def household_for(request, pk: int, action: str = "change") -> Household:
    return household_get(actor=request.user, pk=pk, action=action)


class MeasureFormView(ScopedMixin, View):
    action = "change"
    template_name = "households/measure_form.html"

    def render_form(self, request, form, measure):
        return render(request, self.template_name, {"form": form, "object": measure, "household": measure.household})

    def handle(self, request, measure, created: bool):
        form = MeasureForm(request.POST, user=request.user, household=measure.household, instance=measure)
        if form.is_valid():
            try:
                with transaction.atomic():
                    measure_save(actor=request.user, measure=form.instance)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                verb = "已添加" if created else "已保存"
                messages.success(request, f"{measure.year}年帮扶措施“{measure.category.name}”{verb}。")
                return HttpResponseRedirect(measure.get_absolute_url())
        return self.render_form(request, form, measure)


class MeasureCreateView(MeasureFormView):
    def new_measure(self, request, pk):
        return Measure(household=household_for(request, pk))

    def get(self, request, pk):
        measure = self.new_measure(request, pk)
        form = MeasureForm(user=request.user, household=measure.household, instance=measure,
                           initial={"year": timezone.localdate().year})
        return self.render_form(request, form, measure)

    def post(self, request, pk):
        return self.handle(request, self.new_measure(request, pk), created=True)


class MeasureUpdateView(MeasureFormView):
    def get_measure(self, request, pk):
        measures = Measure.objects.select_related("household", "household__village", "household__village__parent", "category")
        return get_object_or_404(restrict(measures, request.user, "change"), pk=pk)

    def get(self, request, pk):
        measure = self.get_measure(request, pk)
        return self.render_form(request, MeasureForm(user=request.user, household=measure.household, instance=measure), measure)

    def post(self, request, pk):
        return self.handle(request, self.get_measure(request, pk), created=False)


class MeasureListView(ScopedMixin, View):
    action = "view"

    def get(self, request):
        form = MeasureFilterForm(request.GET or None, user=request.user)
        filters = form.filters() if request.GET else {}
        measures = measure_list(actor=request.user, filters=filters)
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
            "form": form, "page_obj": page, "totals": measure_totals(measures), "filtered": bool(filters),
            "can_change": request.user.can("change"), "can_export": request.user.can("export"),
            "bulk_url": reverse("households:measure_bulk_add") + "?" + urlencode(bulk_query),
        })


class MeasureBulkAddView(ScopedMixin, View):
    """Form → preview (how many households, which) → confirm, in one transaction."""

    action = "change"

    def get(self, request):
        keys = ("category", "year", "township", "village", "household_status", "has_year", "has_category", "use_filter", "monitored")
        initial = {k: request.GET[k] for k in keys if request.GET.get(k)}
        form = MeasureBulkForm(user=request.user, initial=initial)
        return self.render_form(request, form)

    def render_form(self, request, form):
        return render(request, "households/measure_bulk_form.html", {"form": form})

    def preview(self, request, form):
        try:
            households = measure_bulk_households(
                actor=request.user, numbers=form.cleaned_data["numbers"], filters=form.selection_filters()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(request, form)
        data = form.cleaned_data
        already = households_with_measure(
            actor=request.user, household_ids=[h.pk for h in households], category=data["category"], year=data["year"]
        )
        return render(request, "households/measure_bulk_confirm.html", {
            "form": form, "households": households[:BULK_PREVIEW_ROWS], "count": len(households),
            "more": max(len(households) - BULK_PREVIEW_ROWS, 0), "already": already,
            "numbers_joined": " ".join(data["numbers"]), "measure": form.measure(),
            "total_amount": (data["amount"] or 0) * len(households),
        })

    def post(self, request):
        form = MeasureBulkForm(request.POST, user=request.user)
        step = request.POST.get("step", "preview")
        if step == "edit" or not form.is_valid():
            return self.render_form(request, form)
        if step != "confirm":
            return self.preview(request, form)
        try:
            expected = int(request.POST.get("expected_count", ""))
        except ValueError:
            return self.preview(request, form)
        try:
            with transaction.atomic():
                created = measure_bulk_add(
                    actor=request.user, template=form.measure(), numbers=form.cleaned_data["numbers"],
                    filters=form.selection_filters(), expected_count=expected,
                )
        except BulkSelectionChanged as exc:
            messages.warning(request, str(exc))
            return self.preview(request, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(request, form)
        data = form.cleaned_data
        messages.success(request, f"已为 {len(created)} 户添加 {data['year']}年“{data['category'].name}”措施。")
        query = urlencode({"year": data["year"], "category": data["category"].pk})
        return HttpResponseRedirect(reverse("households:measure_list") + "?" + query)
