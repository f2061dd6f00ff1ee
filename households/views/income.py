"""收入测算 pages and the county's 年度标准. Views validate a form, call one
service, say what happened in Chinese and redirect."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views import View

from povertyrelief.audit import history_for
from povertyrelief.forms import add_service_errors
from povertyrelief.permissions import restrict
from povertyrelief.views_base import ScopedMixin

from ..forms.income import AnnualStandardForm, IncomeForm
from ..models import PRODUCTION_COST_RATES, AnnualStandard, Household, Income
from ..selectors import income as selectors
from ..services import income as services


def _income_message(income: Income) -> str:
    text = f"{income.year}年收入测算已保存：人均纯收入 {income.net_income_per_capita} 元"
    standard = selectors.standard_for(year=income.year)
    if standard is None:
        return text + f"（{income.year}年尚未设置扶贫标准）。"
    word = "高于" if income.net_income_per_capita > standard.poverty_line else "未高于"
    return text + f"，{word}扶贫标准 {standard.poverty_line} 元。"


def _cost_rates(standard: AnnualStandard | None) -> list[tuple[str, object]]:
    """The coefficients the form estimates with, for showing beside it."""
    if standard is None:
        return []
    return [
        (Income._meta.get_field(item).verbose_name, getattr(standard, rate))
        for item, rate in PRODUCTION_COST_RATES.items()
    ]


class IncomeFormView(ScopedMixin, View):
    action = "change"
    template_name = "households/income_form.html"

    def render_form(self, request, form, household, income=None):
        year = form["year"].value()
        standard = selectors.standard_for(year=int(year)) if str(year or "").isdigit() else None
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "household": household,
                "income": income,
                "standard": standard,
                "cost_rates": _cost_rates(standard),
                "history": history_for(income) if income is not None else None,
            },
        )

    def save(self, request, form, household, income=None):
        if form.is_valid():
            try:
                saved = services.income_save(actor=request.user, income=form.save(commit=False))
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _income_message(saved))
                return redirect(household.get_absolute_url() + "#income")
        return self.render_form(request, form, household, income)


class IncomeCreateView(IncomeFormView):
    def household(self, request, pk) -> Household:
        queryset = restrict(Household, request.user, "change").select_related("village", "village__parent")
        return get_object_or_404(queryset, pk=pk)

    def get(self, request, pk):
        household = self.household(request, pk)
        year_param = request.GET.get("year", "")
        year = int(year_param) if year_param.isdigit() else date.today().year
        existing = Income.objects.filter(household=household, year=year).first()
        if existing is not None:
            messages.info(request, f"该户{year}年已有收入测算，已打开编辑页面。")
            return redirect("households:income_update", existing.pk)
        form = IncomeForm(initial={"year": year}, household=household, instance=Income(household=household))
        return self.render_form(request, form, household)

    def post(self, request, pk):
        household = self.household(request, pk)
        form = IncomeForm(request.POST, household=household, instance=Income(household=household))
        return self.save(request, form, household)


class IncomeUpdateView(IncomeFormView):
    def income(self, request, pk) -> Income:
        return selectors.income_get(actor=request.user, pk=pk, action="change")

    def get(self, request, pk):
        income = self.income(request, pk)
        form = IncomeForm(instance=income, household=income.household)
        return self.render_form(request, form, income.household, income)

    def post(self, request, pk):
        income = self.income(request, pk)
        form = IncomeForm(request.POST, instance=income, household=income.household)
        return self.save(request, form, income.household, income)


class StandardMixin(ScopedMixin):
    """年度标准 are county-wide: the role decides (manage), not the area."""

    action = "manage"


class StandardListView(StandardMixin, View):
    def get(self, request):
        return render(request, "households/standard_list.html", {"standards": selectors.standard_list()})


class StandardFormView(StandardMixin, View):
    template_name = "households/standard_form.html"

    def standard(self, pk) -> AnnualStandard:
        return get_object_or_404(AnnualStandard, pk=pk) if pk else AnnualStandard()

    def get(self, request, pk=None):
        standard = self.standard(pk)
        initial = {} if pk else {"year": date.today().year, "province": selectors.county_province()}
        return self.render_form(request, AnnualStandardForm(instance=standard, initial=initial), standard)

    def post(self, request, pk=None):
        standard = self.standard(pk)
        form = AnnualStandardForm(request.POST, instance=standard)
        if form.is_valid():
            try:
                recomputed = services.standard_save(actor=request.user, standard=form.save(commit=False))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                text = f"{standard}已保存。"
                if recomputed:
                    text += f"已按新的生产成本系数重算 {recomputed} 条{standard.year}年收入测算。"
                messages.success(request, text)
                return redirect(reverse("households:standard_list"))
        return self.render_form(request, form, standard)

    def render_form(self, request, form, standard):
        history = history_for(standard) if standard.pk else None
        return render(request, self.template_name, {"form": form, "object": standard, "history": history})


urlpatterns = [
    path("<int:pk>/income/new/", IncomeCreateView.as_view(), name="income_create"),
    path("income/<int:pk>/edit/", IncomeUpdateView.as_view(), name="income_update"),
    path("standards/", StandardListView.as_view(), name="standard_list"),
    path("standards/new/", StandardFormView.as_view(), name="standard_create"),
    path("standards/<int:pk>/edit/", StandardFormView.as_view(), name="standard_update"),
]
