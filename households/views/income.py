"""收入测算 pages and the county's 年度标准. Views validate a form, call one
service, say what happened in Chinese and redirect."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from povertyrelief.audit import history_for
from povertyrelief.views_base import ScopedMixin, ServiceFormView

from ..forms.income import AnnualStandardForm, IncomeForm
from ..models import PRODUCTION_COST_RATES, AnnualStandard, Household, Income
from ..selectors import income as selectors
from ..selectors.registry import household_get
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


class IncomeFormView(ServiceFormView):
    form_class = IncomeForm
    template_name = "households/income_form.html"
    denied_on_form = True

    def household(self) -> Household:
        return self.object

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = context["form"]["year"].value()
        standard = selectors.standard_for(year=int(year)) if str(year or "").isdigit() else None
        income = self.object if isinstance(self.object, Income) else None
        context.update(
            household=self.household(),
            income=income,
            standard=standard,
            cost_rates=_cost_rates(standard),
            history=history_for(income) if income is not None else None,
        )
        return context

    def perform(self, form, obj):
        return services.income_save(actor=self.request.user, income=form.save(commit=False))

    def get_success_message(self, income) -> str:
        return _income_message(income)

    def get_success_url(self, result=None) -> str:
        return self.household().get_absolute_url() + "#income"


class IncomeCreateView(IncomeFormView):
    def get_object(self):
        return household_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_form_kwargs_extra(self) -> dict:
        return {"household": self.object, "instance": Income(household=self.object)}

    def get_initial(self):
        return {"year": self.year()}

    def year(self) -> int:
        year_param = self.request.GET.get("year", "")
        return int(year_param) if year_param.isdigit() else date.today().year

    def get(self, request, *args, **kwargs):
        year = self.year()
        existing = Income.objects.filter(household=self.object, year=year).first()
        if existing is not None:
            messages.info(request, f"该户{year}年已有收入测算，已打开编辑页面。")
            return redirect("households:income_update", existing.pk)
        return super().get(request, *args, **kwargs)


class IncomeUpdateView(IncomeFormView):
    def get_object(self):
        return selectors.income_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def household(self) -> Household:
        return self.object.household

    def get_form_kwargs_extra(self) -> dict:
        return {"household": self.object.household, "instance": self.object}


class StandardMixin(ScopedMixin):
    """年度标准 are county-wide: the role decides (manage), not the area."""

    action = "manage"


class StandardListView(StandardMixin, View):
    def get(self, request):
        return render(request, "households/standard_list.html", {"standards": selectors.standard_list()})


class StandardFormView(ServiceFormView):
    action = StandardMixin.action
    form_class = AnnualStandardForm
    template_name = "households/standard_form.html"

    def get_object(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(AnnualStandard, pk=pk) if pk else AnnualStandard()

    def get_form_kwargs_extra(self) -> dict:
        return {"instance": self.object}

    def get_initial(self):
        return {} if self.object.pk else {"year": date.today().year, "province": selectors.county_province()}

    def get_context_data(self, **kwargs):
        history = history_for(self.object) if self.object.pk else None
        return super().get_context_data(history=history, **kwargs)

    def perform(self, form, standard):
        return services.standard_save(actor=self.request.user, standard=form.save(commit=False))

    def get_success_message(self, recomputed) -> str:
        text = f"{self.object}已保存。"
        if recomputed:
            text += f"已按新的生产成本系数重算 {recomputed} 条{self.object.year}年收入测算。"
        return text

    def get_success_url(self, result=None) -> str:
        return reverse("households:standard_list")
