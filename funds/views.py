"""Funds pages. Lists read a selector through a FilterSet; every action is a
``ServiceFormView`` declaring its form, its object (from a selector), the
one service it calls, and where it goes next."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from povertyrelief.audit import history_for
from povertyrelief.forms import is_row_id
from povertyrelief.pdf import pdf_response
from povertyrelief.permissions import require
from povertyrelief.views_base import ScopedMixin, ServiceFormView

from . import selectors, services
from .filters import AllocationFilter, DisbursementFilter, LedgerFilter, MeasureFundingFilter, ProjectFilter, SourceFilter
from .forms import (
    AllocationEditForm,
    AllocationForm,
    ConfirmForm,
    DisbursementForm,
    ProjectAdvanceForm,
    ProjectForm,
    ReasonForm,
    SourceForm,
    WithdrawForm,
)
from .models import AllocationTarget, DisbursementStatus

PAGE_SIZE = 50


def _filters(request) -> dict:
    return {key: request.GET.get(key) for key in request.GET if key != "page"}


def _page(request, queryset, count: int | None = None):
    """A page of ``queryset``; ``count``, when the page's totals already
    counted the rows, saves the paginator its own COUNT query."""
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))


# --- fund sources ----------------------------------------------------------------


class SourceListView(ScopedMixin, View):
    def get(self, request):
        sources = selectors.source_list(actor=request.user, filters=_filters(request))
        return render(request, "funds/source_list.html", {
            "filter": SourceFilter(request.GET, actor=request.user), "page_obj": _page(request, sources),
            "totals": selectors.source_totals(sources), "can_manage": request.user.can("fund_manage"),
        })


class SourceDetailView(ScopedMixin, View):
    def get(self, request, pk):
        source = selectors.source_get(actor=request.user, pk=pk)
        allocations = selectors.allocation_list(actor=request.user, filters={"source": source.pk})
        return render(request, "funds/source_detail.html", {
            "source": source, "page_obj": _page(request, allocations), "totals": selectors.allocation_totals(allocations),
            "history": history_for(source), "can_manage": request.user.can("fund_manage"),
        })


class SourceCreateView(ServiceFormView):
    action = "fund_manage"
    form_class = SourceForm
    template_name = "funds/form.html"
    extra_context = {"title": "登记资金来源"}
    success_message = "资金来源“{result.name}”已登记。"

    def perform(self, form, obj):
        return services.source_save(actor=self.request.user, source=form.instance)


class SourceUpdateView(SourceCreateView):
    success_message = "资金来源“{result.name}”已保存。"
    extra_context = {"title": "编辑资金来源"}

    def get_object(self):
        return selectors.source_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)


# --- projects --------------------------------------------------------------------


class ProjectListView(ScopedMixin, View):
    def get(self, request):
        projects = selectors.project_list(actor=request.user, filters=_filters(request))
        return render(request, "funds/project_list.html", {
            "filter": ProjectFilter(request.GET, actor=request.user), "page_obj": _page(request, projects),
            "totals": selectors.project_totals(projects), "can_record": request.user.can("fund_record"),
        })


class ProjectDetailView(ScopedMixin, View):
    def get(self, request, pk):
        project = selectors.project_get(actor=request.user, pk=pk)
        allocations = selectors.allocation_list(actor=request.user, filters={"project": project.pk})
        return render(request, "funds/project_detail.html", {
            "project": project, "steps": project.steps.select_related("actor").order_by("date", "pk"),
            "allocations": allocations, "totals": selectors.allocation_totals(allocations),
            "beneficiary_count": project.beneficiaries.count(), "history": history_for(project),
            "can_record": request.user.can("fund_record"), "can_manage": request.user.can("fund_manage"),
            "can_advance": project.next_stage is not None and request.user.can(services.STAGE_ACTION.get(project.next_stage, "")),
        })


class ProjectCreateView(ServiceFormView):
    action = "fund_record"
    form_class = ProjectForm
    template_name = "funds/form.html"
    extra_context = {"title": "项目入库"}
    success_message = "项目“{result.name}”已入库（储备）。"
    error_fields = {"date": "entered_on"}

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.project_save(
            actor=self.request.user, project=form.instance, villages=data["villages"], beneficiaries=data["beneficiary_numbers"],
            day=data.get("entered_on"),
        )


class ProjectUpdateView(ProjectCreateView):
    success_message = "项目“{result.name}”已保存。"
    extra_context = {"title": "编辑项目"}

    def get_object(self):
        return selectors.project_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)


class ProjectAdvanceView(ServiceFormView):
    action = "fund_record"
    form_class = ProjectAdvanceForm
    template_name = "funds/form.html"

    def get_context_data(self, **kwargs):
        label = self.object.next_stage_label
        return super().get_context_data(title=f"{self.object.name}：登记{label}", submit_label=f"登记{label}", **kwargs)

    def get_object(self):
        project = selectors.project_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)
        if project.next_stage:
            require(self.request.user, services.STAGE_ACTION[project.next_stage])
        return project

    def perform(self, form, obj):
        return services.project_advance(actor=self.request.user, project=obj, day=form.cleaned_data["date"], note=form.cleaned_data["note"])

    def get_success_message(self, step) -> str:
        return f"项目“{step.project.name}”已{step.get_stage_display()}（{step.date:%Y-%m-%d}）。"

    def get_success_url(self, result=None) -> str:
        return self.object.get_absolute_url()


class ProjectPublicityPdfView(ScopedMixin, View):
    """公示 of a project before approval (拟实施项目) or after completion
    (实施结果): no beneficiary data beyond 户主 name and village."""

    def get(self, request, pk):
        from .printing import project_publicity_pdf

        project = selectors.project_get(actor=request.user, pk=pk)
        content = project_publicity_pdf(actor=request.user, project=project)
        return pdf_response(content, f"项目公示_{project.name}_{timezone.localdate():%Y%m%d}.pdf")


# --- allocations -----------------------------------------------------------------


class AllocationListView(ScopedMixin, View):
    def get(self, request):
        allocations = selectors.allocation_list(actor=request.user, filters=_filters(request))
        return render(request, "funds/allocation_list.html", {
            "filter": AllocationFilter(request.GET, actor=request.user), "page_obj": _page(request, allocations),
            "totals": selectors.allocation_totals(allocations), "can_manage": request.user.can("fund_manage"),
        })


class AllocationDetailView(ScopedMixin, View):
    def get(self, request, pk):
        allocation = selectors.allocation_get(actor=request.user, pk=pk)
        disbursements = selectors.disbursement_list(actor=request.user, filters={"allocation": allocation.pk})
        shares = allocation.measure_shares.select_related("measure", "measure__household", "measure__category")
        return render(request, "funds/allocation_detail.html", {
            "allocation": allocation, "disbursements": disbursements, "shares": shares,
            "history": history_for(allocation), "can_record": request.user.can("fund_record"),
            "can_manage": request.user.can("fund_manage"),
        })


class AllocationCreateView(ServiceFormView):
    action = "fund_manage"
    form_class = AllocationForm
    template_name = "funds/allocation_form.html"
    extra_context = {"title": "分配资金", "submit_label": "分配"}
    success_message = "已分配 {result.amount:,.2f} 元：{result.target_label}。"

    def get_form_kwargs_extra(self) -> dict:
        # An id beyond 64 bits is no row's: SQLite's driver fails on it rather than find nothing.
        measure_filter = {k: self.request.GET.get(k) for k in ("village", "year") if is_row_id(self.request.GET.get(k, ""))}
        return {"measure_filter": measure_filter}

    def get_initial(self):
        keys = ("source", "project", "village", "target")
        initial = {k: self.request.GET[k] for k in keys if self.request.GET.get(k)}
        if self.request.GET.get("year") and self.request.GET.get("village"):
            initial.setdefault("target", AllocationTarget.MEASURES)
        return initial

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.allocation_create(
            actor=self.request.user, source=data["source"], target=data["target"], day=data["date"], amount=data.get("amount"),
            project=data.get("project"), village=data.get("village"), measures=list(data.get("measures") or []),
            document_number=data["document_number"], purpose=data["purpose"],
        )


class AllocationUpdateView(ServiceFormView):
    action = "fund_manage"
    form_class = AllocationEditForm
    template_name = "funds/allocation_change.html"
    extra_context = {"title": "修改资金分配", "submit_label": "保存"}
    success_message = "资金分配已保存：{result.amount:,.2f} 元，{result.target_label}。"

    def get_object(self):
        return selectors.allocation_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_initial(self):
        a = self.object
        return {"amount": a.amount, "date": a.date, "document_number": a.document_number, "purpose": a.purpose}

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.allocation_update(
            actor=self.request.user, allocation=obj, amount=data.get("amount"), day=data["date"],
            document_number=data["document_number"], purpose=data["purpose"],
        )


class AllocationCancelView(AllocationUpdateView):
    form_class = ReasonForm
    extra_context = {"title": "撤销资金分配", "submit_label": "确认撤销", "cancelling": True}
    success_message = "已撤销资金分配（{result.amount:,.2f} 元，{result.target_label}），金额退回资金来源。"

    def perform(self, form, obj):
        return services.allocation_cancel(actor=self.request.user, allocation=obj, reason=form.cleaned_data["reason"])


# --- disbursements ---------------------------------------------------------------


class DisbursementListView(ScopedMixin, View):
    def get(self, request):
        disbursements = selectors.disbursement_list(actor=request.user, filters=_filters(request))
        return render(request, "funds/disbursement_list.html", {
            "filter": DisbursementFilter(request.GET, actor=request.user), "page_obj": _page(request, disbursements),
            "totals": selectors.disbursement_totals(disbursements), "statuses": DisbursementStatus,
        })


class DisbursementDetailView(ScopedMixin, View):
    def get(self, request, pk):
        disbursement = selectors.disbursement_get(actor=request.user, pk=pk)
        user = request.user
        pending = disbursement.status == DisbursementStatus.PENDING
        holding = (DisbursementStatus.PENDING, DisbursementStatus.CONFIRMED)
        return render(request, "funds/disbursement_detail.html", {
            "disbursement": disbursement, "history": history_for(disbursement),
            "reversals": disbursement.reversals.select_related("recorded_by", "checked_by"),
            "can_check": pending and user.can("fund_manage") and disbursement.recorded_by_id != user.pk,
            "can_withdraw": pending and user.can("fund_record") and disbursement.recorded_by_id == user.pk,
            "can_reverse": (disbursement.status == DisbursementStatus.CONFIRMED and not disbursement.is_reversal
                            and user.can("fund_record")
                            and not disbursement.reversals.filter(status__in=holding).exists()),
        })


class DisbursementCreateView(ServiceFormView):
    action = "fund_record"
    form_class = DisbursementForm
    template_name = "funds/disbursement_form.html"
    extra_context = {"title": "登记拨付", "submit_label": "登记拨付"}

    def get_object(self):
        return selectors.allocation_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def perform(self, form, obj):
        data = form.cleaned_data
        self.created = True
        disbursement, self.created = services.disbursement_record(
            actor=self.request.user, allocation=obj, amount=data["amount"], day=data["date"], payee=data["payee"],
            voucher_number=data["voucher_number"], note=data["note"], measure=data.get("measure"), token=data["token"],
        )
        return disbursement

    def get_success_message(self, result) -> str:
        if not self.created:
            return f"这笔拨付（凭证 {result.voucher_number}，{result.amount:,.2f} 元）已经登记过，重复提交未再登记。"
        return f"已登记拨付 {result.amount:,.2f} 元（凭证 {result.voucher_number}），待另一名县级管理员确认。"

    def get_success_url(self, result=None) -> str:
        return self.object.get_absolute_url()


class DisbursementCheckView(ServiceFormView):
    action = "fund_manage"
    template_name = "funds/disbursement_check.html"

    def get_object(self):
        return selectors.disbursement_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)


class DisbursementConfirmView(DisbursementCheckView):
    form_class = ConfirmForm
    success_message = "已确认：{result.amount:,.2f} 元（凭证 {result.voucher_number}）计入已拨付。"
    extra_context = {"title": "确认拨付", "submit_label": "确认"}

    def perform(self, form, obj):
        return services.disbursement_confirm(actor=self.request.user, disbursement=obj)


class DisbursementRejectView(DisbursementCheckView):
    form_class = ReasonForm
    success_message = "已退回：凭证 {result.voucher_number}，{result.amount:,.2f} 元不再占用分配额度。"
    extra_context = {"title": "退回拨付", "submit_label": "退回"}

    def perform(self, form, obj):
        return services.disbursement_reject(actor=self.request.user, disbursement=obj, reason=form.cleaned_data["reason"])


class DisbursementWithdrawView(ServiceFormView):
    """The maker withdraws their own pending entry; anyone else's is a 404."""

    action = "fund_record"
    form_class = WithdrawForm
    template_name = "funds/disbursement_check.html"
    extra_context = {"title": "撤回拨付", "submit_label": "确认撤回", "withdrawing": True}
    success_message = "已撤回：凭证 {result.voucher_number}，{result.amount:,.2f} 元不再占用分配额度，记录保留。"

    def get_object(self):
        return selectors.disbursement_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action, own=True)

    def perform(self, form, obj):
        return services.disbursement_withdraw(actor=self.request.user, disbursement=obj, reason=form.cleaned_data["reason"])


class DisbursementReverseView(ServiceFormView):
    action = "fund_record"
    form_class = ReasonForm
    template_name = "funds/disbursement_check.html"
    extra_context = {"title": "冲销拨付", "submit_label": "登记冲销"}
    success_message = "已登记冲销 {result.amount:,.2f} 元，待另一名县级管理员确认后生效。"

    def get_object(self):
        return selectors.disbursement_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def perform(self, form, obj):
        return services.disbursement_reverse(actor=self.request.user, disbursement=obj, reason=form.cleaned_data["reason"])


# --- the ledger ------------------------------------------------------------------

LEDGERS = {
    "source": ("按资金来源", "fund_sources"),
    "project": ("按项目", "projects"),
    "area": ("按村（区划）", "fund_areas"),
    "allocation": ("按资金分配", "funds"),
    "measure": ("按到户措施", "fund_measures"),
}


class LedgerView(ScopedMixin, View):
    """资金台账: one table per way of reading it, with totals, exported to
    Excel and PDF through the ledger exporters (same selector, same filters)."""

    def get(self, request):
        by = request.GET.get("by") if request.GET.get("by") in LEDGERS else "source"
        filters = {k: v for k, v in _filters(request).items() if k != "by"}
        actor = request.user
        if by == "project":
            rows = selectors.project_list(actor=actor, filters=filters)
            totals = selectors.project_totals(rows)
            filterset = ProjectFilter(request.GET, actor=actor)
        elif by == "measure":
            rows = selectors.measure_ledger(actor=actor, filters=filters)
            totals = selectors.measure_ledger_totals(rows)
            filterset = MeasureFundingFilter(request.GET, actor=actor)
        else:
            rows = selectors.ledger_rows(actor=actor, by=by, filters=filters)
            per = "pk" if by == "allocation" else selectors.LEDGER_GROUPS[by][1][0]
            totals = selectors.allocation_totals(selectors.allocation_list(actor=actor, filters=filters), rows_per=per)
            filterset = LedgerFilter(request.GET, actor=actor)
        identifier = LEDGERS[by][1]
        return render(request, "funds/ledger.html", {
            "by": by, "ledgers": LEDGERS, "filter": filterset, "page_obj": _page(request, rows, totals["rows"]), "totals": totals,
            "excel_url": reverse(f"exports:{identifier}"), "pdf_url": reverse(f"exports:{identifier}_pdf"),
            "can_export": actor.can("export"),
        })


source_list = SourceListView.as_view()
source_detail = SourceDetailView.as_view()
source_create = SourceCreateView.as_view()
source_update = SourceUpdateView.as_view()
project_list = ProjectListView.as_view()
project_detail = ProjectDetailView.as_view()
project_create = ProjectCreateView.as_view()
project_update = ProjectUpdateView.as_view()
project_advance = ProjectAdvanceView.as_view()
project_publicity_pdf = ProjectPublicityPdfView.as_view()
allocation_list = AllocationListView.as_view()
allocation_detail = AllocationDetailView.as_view()
allocation_create = AllocationCreateView.as_view()
allocation_update = AllocationUpdateView.as_view()
allocation_cancel = AllocationCancelView.as_view()
disbursement_list = DisbursementListView.as_view()
disbursement_detail = DisbursementDetailView.as_view()
disbursement_create = DisbursementCreateView.as_view()
disbursement_confirm = DisbursementConfirmView.as_view()
disbursement_reject = DisbursementRejectView.as_view()
disbursement_withdraw = DisbursementWithdrawView.as_view()
disbursement_reverse = DisbursementReverseView.as_view()
ledger = LedgerView.as_view()
