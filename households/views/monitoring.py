"""防返贫监测 pages: the list, opening a case with its first risk signal,
each identification step (核查, 评议, 公示, 乡镇审核, 县级审定) and risk
elimination. Every action is a ``ServiceFormView`` calling one service of
households.services.monitoring."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from povertyrelief.permissions import restrict
from povertyrelief.views_base import ScopedMixin, ServiceFormView

from ..forms.monitoring import (
    MonitoringCreateForm,
    MonitoringEliminateForm,
    MonitoringStepForm,
    MonitoringUpdateForm,
)
from ..models import Monitoring, MonitoringStage
from ..selectors.monitoring import (
    monitoring_filterset,
    monitoring_get,
    monitoring_list,
    monitoring_overdue_days,
    monitoring_totals,
)
from ..selectors.registry import household_get
from ..services.monitoring import (
    STEP_ACTION,
    monitoring_advance,
    monitoring_eliminate_risk,
    monitoring_elimination_conditions,
    monitoring_save,
)

PAGE_SIZE = 50


class MonitoringListView(ScopedMixin, View):
    action = "view"

    def get(self, request):
        today = timezone.localdate()
        filterset = monitoring_filterset(actor=request.user, filters=request.GET, today=today)
        filters = filterset.chosen
        cases = monitoring_list(actor=request.user, filters=request.GET, today=today, filterset=filterset)
        page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "households/monitoring_list.html", {
            "form": filterset.form, "page_obj": page, "totals": monitoring_totals(cases, today), "filtered": bool(filters),
            "overdue_days": monitoring_overdue_days(), "can_change": request.user.can("change"),
            "can_export": request.user.can("export"), "today": today,
        })


class MonitoringCreateView(ServiceFormView):
    """纳入监测: the first risk signal opens the case (风险预警)."""

    form_class = MonitoringCreateForm
    template_name = "households/monitoring_form.html"

    def get_object(self):
        return household_get(actor=self.request.user, pk=self.kwargs["pk"], action="change")

    def get_initial(self):
        return {"signal_date": timezone.localdate()}

    def get_form_kwargs_extra(self) -> dict:
        return {"instance": Monitoring(household=self.object)}

    def get_context_data(self, **kwargs):
        open_case = restrict(Monitoring, self.request.user).filter(household=self.object, risk_eliminated=False).exclude(
            stage=MonitoringStage.NOT_IDENTIFIED
        ).first()
        return super().get_context_data(household=self.object, case=None, open_case=open_case, **kwargs)

    def perform(self, form, obj):
        return monitoring_save(actor=self.request.user, monitoring=form.instance)

    def get_success_message(self, result) -> str:
        return f"已登记 {result.household} 的风险信号（{result.signal_kind}，{result.signal_date:%Y-%m-%d}），请在 {result.due_date:%Y-%m-%d} 前完成识别。"


class MonitoringUpdateView(ServiceFormView):
    form_class = MonitoringUpdateForm
    template_name = "households/monitoring_form.html"
    success_message = "监测记录已保存。"

    def get_object(self):
        return monitoring_get(actor=self.request.user, pk=self.kwargs["pk"], action="change")

    def get_form_kwargs_extra(self) -> dict:
        return {"instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.object.household, case=self.object, **kwargs)

    def perform(self, form, obj):
        return monitoring_save(actor=self.request.user, monitoring=form.instance)


LEVEL_LABELS = {"village_review": "村级", "township_review": "乡镇", "county_review": "县级"}


class MonitoringStepView(ServiceFormView):
    """The case's next identification step taken by the village (核查,
    评议, 公示); subclasses for the township (审核) and the county (审定).
    A role of another level is refused (403) before the case is read; a case
    whose next step belongs to another level shows who takes it."""

    action = "village_review"
    form_class = MonitoringStepForm
    template_name = "households/monitoring_step.html"

    def get_object(self):
        return monitoring_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    @property
    def mine(self) -> bool:
        following = self.object.next_stage
        return following is not None and not self.object.risk_eliminated and STEP_ACTION[following] == self.action

    def get_context_data(self, **kwargs):
        case = self.object
        following = case.next_stage
        done = following is None or case.risk_eliminated
        return super().get_context_data(
            household=case.household, case=case, next_label=MonitoringStage(following).label if following else "",
            done=done, mine=self.mine, level=LEVEL_LABELS[STEP_ACTION[following]] if not done else "",
            **kwargs,
        )

    def perform(self, form, obj):
        data = form.cleaned_data
        return monitoring_advance(
            actor=self.request.user, monitoring=obj, day=data["date"], decision=data.get("decision") or "approve",
            reason=data.get("reason", ""), returned_to_poverty=data.get("returned_to_poverty", False),
        )

    def get_success_message(self, result) -> str:
        if result.return_reason and result.stage != MonitoringStage.NOT_IDENTIFIED:
            return f"已退回（{result.get_stage_display()}），原因：{result.return_reason}"
        message = f"{result.household}：{result.get_stage_display()}（{result.stage_date:%Y-%m-%d}）。"
        if result.returned_to_poverty and result.stage == MonitoringStage.IDENTIFIED:
            message += "该户已认定返贫。"
        return message


class MonitoringTownshipView(MonitoringStepView):
    action = "township_review"


class MonitoringCountyView(MonitoringStepView):
    action = "county_review"


class MonitoringEliminateView(ServiceFormView):
    """Shows every elimination condition as met or not before anyone confirms."""

    form_class = MonitoringEliminateForm
    template_name = "households/monitoring_eliminate.html"

    def get_object(self):
        return monitoring_get(actor=self.request.user, pk=self.kwargs["pk"], action="change")

    def get_initial(self):
        return {"on_date": timezone.localdate()}

    def on_date(self):
        form = MonitoringEliminateForm(self.request.POST or self.request.GET or None)
        if form.is_bound and form.is_valid():
            return form.cleaned_data["on_date"]
        return timezone.localdate()

    def get_context_data(self, **kwargs):
        case, on_date = self.object, self.on_date()
        conditions = [] if case.risk_eliminated else monitoring_elimination_conditions(monitoring=case, on_date=on_date)
        return super().get_context_data(
            household=case.household, on_date=on_date, conditions=conditions, all_met=all(c.ok for c in conditions), **kwargs
        )

    def perform(self, form, obj):
        return monitoring_eliminate_risk(actor=self.request.user, monitoring=obj, on_date=form.cleaned_data["on_date"])

    def get_success_message(self, result) -> str:
        return f"{result.household} 的监测风险已于 {result.risk_eliminated_date:%Y-%m-%d} 标注消除。"
