"""Exit pages. Lists read a selector through a FilterSet; every action is a
``ServiceFormView`` declaring its form, its object (from a selector), the
one service it calls and where it goes next. Each level's steps have their
own pages (村: ``village_review``, 乡镇: ``township_review``, 县:
``county_review``), so a role of another level is refused (403) before any
review is read; a review outside the actor's area is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from povertyrelief.audit import history_for
from povertyrelief.pdf import pdf_response
from povertyrelief.views_base import ScopedMixin, ServiceFormView

from . import printing, selectors, services
from .filters import ExitReviewFilter, VillageFilter, exit_year
from .forms import (
    ChecklistItemForm,
    CountyForm,
    DecisionForm,
    ObjectionDecideForm,
    ObjectionForm,
    ProposeForm,
    PublicityBatchForm,
    StepForm,
    VerifyForm,
    VillageProposeForm,
)
from .models import ExitObjection, ExitStage, ObjectionDecision, VillageChecklistItem, VillageExitStage

PAGE_SIZE = 50


def _filters(request) -> dict:
    return {key: request.GET.get(key) for key in request.GET if key != "page"}


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- household exit reviews -------------------------------------------------------


class ReviewListView(ScopedMixin, View):
    def get(self, request):
        reviews = selectors.review_list(actor=request.user, filters=_filters(request))
        counts = selectors.review_stage_counts(reviews)
        return render(request, "assessment/review_list.html", {
            "filter": ExitReviewFilter(request.GET, actor=request.user), "page_obj": _page(request, reviews),
            "counts": [(stage, label, counts[stage]) for stage, label in ExitStage.choices], "total": sum(counts.values()),
            "can_propose": request.user.can("village_review"), "can_export": request.user.can("export"),
        })


class ReviewDetailView(ScopedMixin, View):
    def get(self, request, pk):
        review = selectors.review_get(actor=request.user, pk=pk)
        user = request.user
        following = review.next_stage
        checklist = selectors.checklists_for([review.household], year=review.year)[review.household_id]
        return render(request, "assessment/review_detail.html", {
            "review": review, "household": review.household, "checklist": checklist,
            "steps": review.steps.select_related("actor").order_by("date", "pk"),
            "objections": review.objections.select_related("recorded_by").order_by("received_on", "pk"),
            "history": history_for(review),
            "next_url": _step_url(review) if following and user.can(services.STAGE_ACTION[following]) else None,
            "can_object": review.stage == ExitStage.PUBLICITY and user.can(services.OBJECTION_ACTION),
            "can_print_consent": printing.consent_form_refusal(review) is None,
        })


class ReviewConsentFormPdfView(ScopedMixin, View):
    """/assessment/reviews/<pk>/consent-form.pdf: the 户主认可书 to sign, once
    入户核实 is done; before that, back to the review with the reason."""

    def get(self, request, pk):
        review = selectors.review_get(actor=request.user, pk=pk)
        refusal = printing.consent_form_refusal(review)
        if refusal:
            messages.error(request, refusal)
            return redirect(review)
        content = printing.consent_form_pdf(actor=request.user, review=review, request=request)
        return pdf_response(content, f"{review.year}年户主认可书_{review.household.number}_{review.household.head_name}.pdf")


STEP_URLS = {
    ExitStage.VERIFIED: "assessment:review_verify",
    ExitStage.CONSENTED: "assessment:review_consent",
    ExitStage.PUBLICITY: "assessment:review_publicity_start",
    ExitStage.PUBLICIZED: "assessment:review_publicity_end",
    ExitStage.TOWNSHIP_APPROVED: "assessment:review_township",
    ExitStage.COUNTY_APPROVED: "assessment:review_county",
    ExitStage.ANNOUNCED: "assessment:review_announce",
}


def _step_url(review) -> str | None:
    name = STEP_URLS.get(review.next_stage)
    return reverse(name, args=[review.pk]) if name else None


class ReviewProposeView(ServiceFormView):
    """民主评议 of the village's households (one, or many at once): the
    chosen households are previewed with their criteria, then confirmed;
    all are proposed or none."""

    action = "village_review"
    form_class = ProposeForm
    template_name = "assessment/review_propose.html"
    error_fields = {"day": "date"}

    def get_form_kwargs_extra(self) -> dict:
        year = self.request.POST.get("year") or timezone.localdate().year
        year = int(year) if str(year).isdigit() else timezone.localdate().year
        return {"candidates": selectors.proposal_candidates(actor=self.request.user, village=None, year=year)}

    def get_initial(self):
        wanted = self.request.GET.getlist("household")
        return {"households": [pk for pk in wanted if pk.isdigit()]}

    def form_valid(self, form):
        if not form.cleaned_data.get("confirm"):
            data = form.cleaned_data
            preview = services.reviews_preview(
                actor=self.request.user, households=list(data["households"]), year=data["year"], day=data["date"]
            )
            form.data = form.data.copy()
            form.data["confirm"] = "1"
            return self.render_to_response(self.get_context_data(form=form, preview=preview, blocked=any(p.problems for p in preview)))
        return super().form_valid(form)

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.reviews_propose(
            actor=self.request.user, households=list(data["households"]), year=data["year"], day=data["date"],
            votes_for=data["votes_for"], votes_against=data["votes_against"], votes_abstain=data["votes_abstain"], note=data["note"],
        )

    def get_success_message(self, result) -> str:
        return f"已登记 {len(result)} 户的民主评议（{result[0].year}年退出），下一步：入户核实。"

    def get_success_url(self, result=None) -> str:
        if len(result) == 1:
            return result[0].get_absolute_url()
        return reverse("assessment:review_list") + f"?stage={ExitStage.PROPOSED}&year={result[0].year}"


class ReviewStepView(ServiceFormView):
    """One step of one review, by the level it belongs to. A review whose
    next step is another one shows where it stands and takes nothing."""

    stage: str
    form_class = StepForm
    template_name = "assessment/review_step.html"
    date_label = "日期"
    submit_label = "登记"

    def get_object(self):
        return selectors.review_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_form_kwargs_extra(self) -> dict:
        return {"date_label": self.date_label}

    def get_context_data(self, **kwargs):
        review = self.object
        return super().get_context_data(
            review=review, household=review.household, title=f"{ExitStage(self.stage).label}：{review.household}",
            ready=review.next_stage == self.stage, submit_label=self.submit_label,
            steps=review.steps.select_related("actor").order_by("date", "pk"), **kwargs,
        )

    def get_success_message(self, result) -> str:
        if result.return_reason and result.stage != self.stage:
            return f"已退回：{result.household}（现为“{result.get_stage_display()}”），原因：{result.return_reason}"
        return f"{result.household}：{result.get_stage_display()}（{result.stage_date:%Y-%m-%d}）。"


class ReviewVerifyView(ReviewStepView):
    action = "village_review"
    stage = ExitStage.VERIFIED
    form_class = VerifyForm
    submit_label = "登记入户核实"

    def get_form_kwargs_extra(self) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        on = timezone.localdate()
        form = kwargs.get("form")
        if form is not None and form.is_bound and form.is_valid():
            on = form.cleaned_data["date"]
        checks = services.review_criteria(review=self.object, on=on)
        return super().get_context_data(preview_checks=checks, preview_on=on, **kwargs)

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.review_verify(
            actor=self.request.user, review=obj, day=data["date"], food_secure=data["food_secure"],
            clothing_secure=data["clothing_secure"], note=data["note"],
        )


class ReviewConsentView(ReviewStepView):
    action = "village_review"
    stage = ExitStage.CONSENTED
    date_label = "户主签字认可日期"
    submit_label = "登记户主认可"

    def perform(self, form, obj):
        return services.review_consent(actor=self.request.user, review=obj, day=form.cleaned_data["date"], note=form.cleaned_data["note"])


class ReviewPublicityStartView(ReviewStepView):
    action = "village_review"
    stage = ExitStage.PUBLICITY
    date_label = "公示开始日期"
    submit_label = "开始公示"

    def perform(self, form, obj):
        return services.review_publicity_start(actor=self.request.user, review=obj, day=form.cleaned_data["date"])


class ReviewPublicityEndView(ReviewStepView):
    action = "village_review"
    stage = ExitStage.PUBLICIZED
    date_label = "公示期满日期"
    submit_label = "登记公示期满"

    def perform(self, form, obj):
        return services.review_publicity_end(actor=self.request.user, review=obj, day=form.cleaned_data["date"], note=form.cleaned_data["note"])


class ReviewTownshipView(ReviewStepView):
    action = "township_review"
    stage = ExitStage.TOWNSHIP_APPROVED
    form_class = DecisionForm
    submit_label = "提交乡镇审核意见"

    def get_form_kwargs_extra(self) -> dict:
        return {"date_label": "乡镇审核日期", "approve_label": "审核通过，报县级审定"}

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.review_township(
            actor=self.request.user, review=obj, day=data["date"], approve=data["decision"] == "approve", reason=data["reason"],
        )


class ReviewCountyView(ReviewStepView):
    action = "county_review"
    stage = ExitStage.COUNTY_APPROVED
    form_class = CountyForm
    submit_label = "提交县级审定意见"

    def get_form_kwargs_extra(self) -> dict:
        return {"date_label": "县级审定日期", "approve_label": "审定通过"}

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.review_county(
            actor=self.request.user, review=obj, day=data["date"], approve=data["decision"] == "approve", reason=data["reason"],
            third_party_result=data.get("third_party_result") or "", third_party_note=data.get("third_party_note") or "",
        )


class ReviewAnnounceView(ReviewStepView):
    action = "county_review"
    stage = ExitStage.ANNOUNCED
    date_label = "公告日期"
    submit_label = "公告并销号"

    def perform(self, form, obj):
        return services.review_announce(actor=self.request.user, review=obj, day=form.cleaned_data["date"], note=form.cleaned_data["note"])

    def get_success_message(self, result) -> str:
        return f"{result.household} 已公告销号：脱贫状态为“已脱贫(享受政策)”，脱贫年度 {result.year} 年。"


class PublicityBatchView(ServiceFormView):
    """村内公示 for many households at once, previewed, all or none."""

    action = "village_review"
    form_class = PublicityBatchForm
    template_name = "assessment/publicity_batch.html"

    def get_form_kwargs_extra(self) -> dict:
        return {"candidates": selectors.reviews_for_publicity(actor=self.request.user)}

    def form_valid(self, form):
        if not form.cleaned_data.get("confirm"):
            form.data = form.data.copy()
            form.data["confirm"] = "1"
            return self.render_to_response(self.get_context_data(form=form, preview=list(form.cleaned_data["reviews"])))
        return super().form_valid(form)

    def perform(self, form, obj):
        return services.reviews_publicity_start(actor=self.request.user, reviews=list(form.cleaned_data["reviews"]), day=form.cleaned_data["date"])

    def get_success_message(self, result) -> str:
        return f"已开始 {len(result)} 户的村内公示（{result[0].publicity_start:%Y-%m-%d} 起），请打印公示名单张贴。"

    def get_success_url(self, result=None) -> str:
        return reverse("assessment:review_list") + f"?stage={ExitStage.PUBLICITY}"


class ObjectionCreateView(ReviewStepView):
    action = services.OBJECTION_ACTION
    stage = ExitStage.PUBLICIZED  # objections come while the 公示 runs
    form_class = ObjectionForm
    submit_label = "登记异议"

    def get_form_kwargs_extra(self) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"title": f"登记公示异议：{self.object.household}"}

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.objection_record(
            actor=self.request.user, review=obj, received_on=data["received_on"], content=data["content"], objector=data["objector"]
        )

    def get_success_message(self, result) -> str:
        return f"已登记异议（{result.received_on:%Y-%m-%d}），请核实后登记核实结论；核实前不能结束公示。"


class ObjectionDecideView(ServiceFormView):
    action = services.OBJECTION_ACTION
    form_class = ObjectionDecideForm
    template_name = "assessment/objection_decide.html"

    def get_object(self):
        from povertyrelief.permissions import restrict

        objections = ExitObjection.objects.select_related("review", "review__household", "review__household__village")
        return get_object_or_404(restrict(objections, self.request.user, self.action), pk=self.kwargs["pk"])

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.objection_decide(
            actor=self.request.user, objection=obj, day=data["day"], upheld=data["decision"] == ObjectionDecision.UPHELD, note=data["note"]
        )

    def get_success_message(self, result) -> str:
        if result.decision == ObjectionDecision.UPHELD:
            return f"异议成立：{result.review.household}本年度退出评议已终止。"
        return "异议不成立，公示继续。"


# --- village exit -----------------------------------------------------------------


class VillageListView(ScopedMixin, View):
    def get(self, request):
        year = exit_year(request.GET.get("year"))
        villages = selectors.village_list(actor=request.user, year=year, filters=_filters(request))
        page = _page(request, villages)
        for village in page:
            village.rate = selectors.incidence_rate(village.poor_people, village.rural_population)
        return render(request, "assessment/village_list.html", {
            "filter": VillageFilter(request.GET, actor=request.user), "page_obj": page, "year": year,
            "limit": selectors.village_rate_limit(year), "stages": dict(VillageExitStage.choices),
            "can_export": request.user.can("export"),
        })


class VillageDetailView(ScopedMixin, View):
    def get(self, request, pk):
        village = selectors.village_get(actor=request.user, pk=pk)
        year = exit_year(request.GET.get("year"))
        standing = selectors.village_standing(actor=request.user, village=village, year=year)
        record = standing.exit
        user = request.user
        return render(request, "assessment/village_detail.html", {
            "village": village, "standing": standing, "year": year, "record": record,
            "can_propose": user.can("township_review") and (record is None or record.stage == VillageExitStage.RETURNED),
            "can_decide": record is not None and user.can("county_review"),
            "history": history_for(record) if record else [],
        })


class VillageProposeView(ServiceFormView):
    action = "township_review"
    form_class = VillageProposeForm
    template_name = "assessment/village_form.html"

    def get_object(self):
        return selectors.village_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_context_data(self, **kwargs):
        standing = selectors.village_standing(actor=self.request.user, village=self.object, year=timezone.localdate().year)
        return super().get_context_data(title=f"{self.object.name}：申请贫困村退出", standing=standing, village=self.object, **kwargs)

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.village_exit_propose(
            actor=self.request.user, village=obj, year=data["year"], day=data["date"], results=form.results(), note=data["note"]
        )

    def get_success_message(self, result) -> str:
        return f"已申请 {result.village.name} {result.year} 年退出（贫困发生率 {result.incidence_rate}%），待县级核查。"


class VillageExitStepView(ServiceFormView):
    action = "county_review"
    form_class = StepForm
    template_name = "assessment/village_form.html"
    expected: str
    title = ""

    def get_object(self):
        return selectors.village_exit_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_context_data(self, **kwargs):
        record = self.object
        standing = selectors.village_standing(actor=self.request.user, village=record.village, year=record.year)
        return super().get_context_data(
            title=f"{record.village.name}{record.year}年退出：{self.title}", standing=standing, village=record.village,
            record=record, ready=record.stage == self.expected, **kwargs,
        )

    def get_success_message(self, result) -> str:
        return f"{result.village.name}{result.year}年退出：{result.get_stage_display()}（{result.stage_date:%Y-%m-%d}）。"


class VillageExitReviewView(VillageExitStepView):
    form_class = DecisionForm
    expected = VillageExitStage.PROPOSED
    title = "县级核查"

    def get_form_kwargs_extra(self) -> dict:
        return {"date_label": "县级核查日期", "approve_label": "核查通过"}

    def perform(self, form, obj):
        data = form.cleaned_data
        return services.village_exit_review(
            actor=self.request.user, village_exit=obj, day=data["date"], approve=data["decision"] == "approve", reason=data["reason"]
        )


class VillageExitPublicityView(VillageExitStepView):
    expected = VillageExitStage.APPROVED
    title = "公示"

    def get_form_kwargs_extra(self) -> dict:
        return {"date_label": "公示开始日期"}

    def perform(self, form, obj):
        return services.village_exit_publicity(actor=self.request.user, village_exit=obj, day=form.cleaned_data["date"])


class VillageExitAnnounceView(VillageExitStepView):
    expected = VillageExitStage.PUBLICITY
    title = "公告退出"

    def get_form_kwargs_extra(self) -> dict:
        return {"date_label": "公告日期"}

    def perform(self, form, obj):
        return services.village_exit_announce(actor=self.request.user, village_exit=obj, day=form.cleaned_data["date"])


# --- the village exit checklist (county administrators) ------------------------------


class ChecklistListView(ScopedMixin, View):
    action = "manage"

    def get(self, request):
        return render(request, "assessment/checklist_list.html", {"items": VillageChecklistItem.objects.all()})


class ChecklistItemView(ServiceFormView):
    action = "manage"
    form_class = ChecklistItemForm
    template_name = "assessment/form.html"
    success_message = "退出条件“{result.name}”已保存。"

    def get_object(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(VillageChecklistItem, pk=pk) if pk else None

    def get_form_kwargs_extra(self) -> dict:
        return {"instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="编辑退出条件" if self.object else "新增退出条件", **kwargs)

    def perform(self, form, obj):
        return services.checklist_item_save(actor=self.request.user, item=form.instance)

    def get_success_url(self, result=None) -> str:
        return reverse("assessment:checklist_list")


review_list = ReviewListView.as_view()
review_detail = ReviewDetailView.as_view()
review_consent_form_pdf = ReviewConsentFormPdfView.as_view()
review_propose = ReviewProposeView.as_view()
review_verify = ReviewVerifyView.as_view()
review_consent = ReviewConsentView.as_view()
review_publicity_start = ReviewPublicityStartView.as_view()
review_publicity_end = ReviewPublicityEndView.as_view()
review_township = ReviewTownshipView.as_view()
review_county = ReviewCountyView.as_view()
review_announce = ReviewAnnounceView.as_view()
publicity_batch = PublicityBatchView.as_view()
objection_create = ObjectionCreateView.as_view()
objection_decide = ObjectionDecideView.as_view()
village_list = VillageListView.as_view()
village_detail = VillageDetailView.as_view()
village_propose = VillageProposeView.as_view()
village_exit_review = VillageExitReviewView.as_view()
village_exit_publicity = VillageExitPublicityView.as_view()
village_exit_announce = VillageExitAnnounceView.as_view()
checklist_list = ChecklistListView.as_view()
checklist_create = ChecklistItemView.as_view()
checklist_update = ChecklistItemView.as_view()
