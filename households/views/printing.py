"""明白卡 (single and batch), the print queue and 公示 lists as PDF.

Every household comes from ``restrict(..., request.user, "view")``: another
area's household or village is a 404, in the PDF as on the page. Opening a
PDF only writes the personal-data access log; 打印登记 (recording that cards
were printed) is always a POST of its own.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from povertyrelief.exports import area_full_name
from povertyrelief.pdf import html_to_pdf, pdf_response
from povertyrelief.permissions import restrict
from povertyrelief.views_base import PostedActionsMixin, ScopedMixin, ServiceFormView
from villages.models import Area, AreaLevel

from .. import rendering
from ..forms.printing import CardBatchForm, CardRecordForm, CardSelectionForm, HandoverForm, PublicityForm
from ..models import Household
from ..selectors import printing as selectors
from ..selectors import publicity as publicity_selectors
from ..selectors.printing import PrintState
from ..selectors.registry import household_get
from ..services import printing as services

# A village larger than this is printed in the background like a township.
INLINE_MAX_CARDS = 80


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("区划参数无效。") from None


class RefusalAsMessagesMixin:
    """Actions posted from a list or a button: a refusal comes back as
    messages on the page the form was sent from, not as a form of its own."""

    def form_invalid(self, form):
        if self.service_error is not None:
            for message in self.service_error.messages:
                messages.error(self.request, message)
        else:
            for name, errors in form.errors.items():
                messages.error(self.request, f"{form.fields[name].label}：{'；'.join(errors)}")
        return redirect(self.get_back_url())

    def get_back_url(self) -> str:
        return self.get_success_url()


# --- One card ----------------------------------------------------------------


class HouseholdCardPdfView(ScopedMixin, View):
    """/households/<pk>/card.pdf?year= : one household's 明白卡."""

    action = "view"

    def get(self, request, pk):
        year = selectors.card_year(request.GET.get("year"))
        card = selectors.card_get(actor=request.user, pk=pk, year=year)
        content = html_to_pdf(rendering.cards_html([card]))
        household = card.household
        services.card_print_log(
            actor=request.user, what=f"{year}年明白卡", object_repr=str(household), rows=1, year=year, request=request
        )
        return pdf_response(content, f"{year}年明白卡_{household.number}_{card.head_name}.pdf")


class HouseholdCardPrintedView(RefusalAsMessagesMixin, ServiceFormView):
    """POST /households/<pk>/card/printed/ : 打印登记 for one household's
    card of ``year`` (a role that keeps households; another area's is a 404)."""

    http_method_names = ["post"]
    form_class = CardRecordForm

    def get_object(self):
        return household_get(actor=self.request.user, pk=self.kwargs["pk"], action="change")

    def perform(self, form, household):
        self.year = form.cleaned_data["year"]
        services.card_prints_record(actor=self.request.user, household_ids=[household.pk], year=self.year)
        return household

    def get_success_message(self, household) -> str:
        return f"已登记{household.head_name or household.number}户{self.year}年明白卡已打印。"


# --- Batch ----------------------------------------------------------------------


def _default_area(user):
    return user.area_id if user.area and user.area.level != AreaLevel.COUNTY else None


class CardBatchRecordView(RefusalAsMessagesMixin, ServiceFormView):
    """打印登记 for every household of a village or township the user keeps
    (a role that may not is a 403, another area a 404)."""

    form_class = CardRecordForm

    def get_object(self):
        return selectors.area_get(actor=self.request.user, pk=_int_or_404(self.request.POST.get("area")))

    def perform(self, form, area):
        self.year = form.cleaned_data["year"]
        ids = list(selectors.area_households(actor=self.request.user, area=area).values_list("pk", flat=True))
        if not ids:
            return None
        return services.card_prints_record(actor=self.request.user, household_ids=ids, year=self.year)

    def get_message_level(self, done) -> int:
        return messages.SUCCESS if done else messages.WARNING

    def get_success_message(self, done) -> str:
        if not done:
            return f"{self.object.name}没有建档立卡户，无需登记。"
        return f"已登记{area_full_name(self.object)} {done} 户{self.year}年明白卡已打印。"

    def get_success_url(self, done=None) -> str:
        if not done:
            return reverse("households:card_batch")
        query = urlencode({"village": self.object.pk, "year": self.year, "state": PrintState.PRINTED})
        return f"{reverse('households:print_queue')}?{query}"


class CardBatchView(PostedActionsMixin, ServiceFormView):
    """/households/cards/?area=&year= : all cards of a village (inline PDF)
    or of a township (background job, after confirmation). A POST starts the
    job; one with ``action=record`` records the area's cards as printed."""

    action = "view"
    form_class = CardBatchForm
    template_name = "households/print_card_batch.html"
    posted_actions = {"record": CardBatchRecordView}

    def page(self, request, form, status=200, **context):
        """The chooser, with the 打印登记 form for roles that keep households."""
        if request.user.can("change"):
            initial = {"area": form.initial.get("area") or _default_area(request.user), "year": form.initial.get("year")}
            context["record_form"] = CardBatchForm(user=request.user, initial=initial, auto_id="record_%s")
        context.update(form=form, inline_max=INLINE_MAX_CARDS)
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        if "area" not in request.GET:
            return self.page(request, CardBatchForm(user=request.user, initial={"area": _default_area(request.user)}))
        if not request.GET["area"].strip():
            form = CardBatchForm(request.GET, user=request.user)
            form.is_valid()
            return self.form_invalid(form)
        area = selectors.area_get(actor=request.user, pk=_int_or_404(request.GET.get("area")))
        year = selectors.card_year(request.GET.get("year"))
        households = selectors.area_households(actor=request.user, area=area)
        count = households.count()
        if area.level == AreaLevel.VILLAGE and count <= INLINE_MAX_CARDS:
            content, ids = rendering.cards_pdf(households, year=year)
            services.card_print_log(
                actor=request.user, what=f"{year}年明白卡（批量）", object_repr=area_full_name(area), rows=len(ids), year=year,
                request=request,
            )
            return pdf_response(content, services.batch_filename(area, year))
        form = CardBatchForm(user=request.user, initial={"area": area.pk, "year": year})
        return self.page(request, form, confirm_area=area, confirm_year=year, count=count)

    def form_invalid(self, form):
        return self.page(self.request, form, status=400)

    def perform(self, form, obj):
        self.area, self.year = form.cleaned_data["area"], form.cleaned_data["year"]
        return services.card_batch_start(actor=self.request.user, area=self.area, year=self.year)

    def get_message_level(self, job) -> int:
        return messages.SUCCESS if job else messages.WARNING

    def get_success_message(self, job) -> str:
        if job is None:
            return f"{self.area.name}没有建档立卡户，无卡可打印。"
        return f"已开始生成 {job.total} 户明白卡，完成后可在本页下载。"

    def get_success_url(self, job=None) -> str:
        if job is None:
            return f"{reverse('households:card_batch')}?{urlencode({'area': self.area.pk, 'year': self.year})}"
        return job.get_absolute_url()


# --- Print queue --------------------------------------------------------------------


def queue_back_url(request) -> str:
    back = request.POST.get("next", "")
    queue = reverse("households:print_queue")
    return back if back.startswith(queue) else queue


class PrintQueuePrintView(RefusalAsMessagesMixin, ServiceFormView):
    """The ticked households' cards in one PDF (reading, not recording)."""

    form_class = CardSelectionForm
    success_message = ""
    # Reading: the one write, the access-log line, needs no lock held while the PDF renders.
    atomic = False

    def perform(self, form, obj):
        ids, year = form.cleaned_data["household"], form.cleaned_data["year"]
        if not ids:
            raise ValidationError("请先勾选要打印明白卡的户。")
        if len(set(ids)) > INLINE_MAX_CARDS:
            raise ValidationError(f"一次最多直接打印 {INLINE_MAX_CARDS} 户；更多请用“按村或乡镇批量打印”。")
        households = restrict(Household, self.request.user, "view").filter(pk__in=ids).order_by("village__code", "number", "pk")
        if households.count() != len(set(ids)):
            raise PermissionDenied("所选户中有不在您管辖范围内的户。")
        content, printed = rendering.cards_pdf(households, year=year)
        services.card_print_log(
            actor=self.request.user, what=f"{year}年明白卡（打印队列）", object_repr=f"{len(printed)} 户", rows=len(printed),
            year=year, request=self.request,
        )
        return pdf_response(content, f"{year}年明白卡_{len(printed)}户_{timezone.localdate():%Y%m%d}.pdf")

    def get_success_response(self, response):
        return response

    def get_back_url(self) -> str:
        return queue_back_url(self.request)


class PrintQueueRecordView(RefusalAsMessagesMixin, ServiceFormView):
    """打印登记 for the ticked households (all or nothing)."""

    form_class = CardSelectionForm

    def perform(self, form, obj):
        self.year = form.cleaned_data["year"]
        return services.card_prints_record(actor=self.request.user, household_ids=form.cleaned_data["household"], year=self.year)

    def get_success_message(self, done) -> str:
        return f"已登记 {done} 户{self.year}年明白卡已打印。"

    def get_success_url(self, result=None) -> str:
        return queue_back_url(self.request)


class PrintQueueHandoverView(PrintQueueRecordView):
    """The ticked households' latest printed cards handed over (all or nothing)."""

    form_class = HandoverForm

    def perform(self, form, obj):
        self.cleaned = data = form.cleaned_data
        return services.card_handover(
            actor=self.request.user, household_ids=data["household"], year=data["year"],
            handed_over_on=data["handed_over_on"], handed_over_by=data["handed_over_by"],
        )

    def get_success_message(self, done) -> str:
        return f"已标记 {done} 户明白卡已发放（{self.cleaned['handed_over_on']:%Y-%m-%d}，发放人：{self.cleaned['handed_over_by']}）。"


class PrintQueueView(PostedActionsMixin, ScopedMixin, View):
    """/households/print-queue/ : whose card is missing, out of date, printed
    but not handed over, or handed over; print or mark handed over in bulk
    (each a POST naming its ``action``)."""

    action = "view"
    template_name = "households/print_queue.html"
    paginate_by = 50
    posted_actions = {"print": PrintQueuePrintView, "record": PrintQueueRecordView, "handover": PrintQueueHandoverView}
    unknown_action_message = "请选择要执行的操作（打印、登记已打印或标记发放）。"

    def get(self, request):
        filterset = selectors.print_queue_filterset(actor=request.user, filters=request.GET)
        households = selectors.print_queue(actor=request.user, filters=request.GET, filterset=filterset)
        page = Paginator(households, self.paginate_by).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        prints = selectors.latest_prints(rows)
        for household in rows:
            household.state_label = PrintState.LABELS[household.print_state]
            household.latest_print = prints.get(household.pk)
        counts = selectors.print_queue_counts(actor=request.user, filters=request.GET, filterset=filterset)
        handover_form = HandoverForm(
            initial={"handed_over_on": timezone.localdate(), "handed_over_by": request.user.get_full_name()}
        )
        return render(request, self.template_name, {
            "form": filterset.form, "filters": filterset.params, "page_obj": page, "rows": rows, "counts": counts,
            "states": [(key, label, counts.get(key, 0)) for key, label in PrintState.CHOICES],
            "can_change": request.user.can("change"), "handover_form": handover_form,
        })

    def get_back_url(self) -> str:
        return queue_back_url(self.request)


# --- 公示 lists ---------------------------------------------------------------------------


def _default_village(user):
    return user.area_id if user.area and user.area.level == AreaLevel.VILLAGE else None


def _publicity_url(data: dict) -> str:
    query = urlencode({"village": data["village"].pk, "start": data["start"].isoformat(), "days": data["days"]})
    return f"{reverse('households:publicity_pdf', args=[data['kind']])}?{query}"


class PublicityView(ScopedMixin, View):
    """/households/publicity/ : choose a list and village;
    /households/publicity/<kind>.pdf?village=&start=&days= : the notice."""

    action = "view"
    template_name = "households/print_publicity.html"

    def get(self, request, kind=None):
        if kind is None:
            return self.chooser(request)
        if kind not in publicity_selectors.PUBLICITY_KINDS:
            raise Http404("没有这种公示名单。")
        data = request.GET.copy()
        data["kind"] = kind
        if not data.get("village"):
            if request.user.area.level != AreaLevel.VILLAGE:
                return self.chooser(request, kind=kind)
            data["village"] = str(request.user.area_id)
        # A village outside the user's area is a 404, as on every page.
        villages = restrict(Area, request.user, "view").filter(level=AreaLevel.VILLAGE)
        get_object_or_404(villages, pk=_int_or_404(data["village"]))
        data.setdefault("start", timezone.localdate().isoformat())
        form = PublicityForm(data, user=request.user)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "inline_max": INLINE_MAX_CARDS}, status=400)
        village = form.cleaned_data["village"]
        publicity = publicity_selectors.publicity_list(
            actor=request.user, kind=kind, village=village, start=form.cleaned_data["start"], days=form.cleaned_data["days"]
        )
        content = html_to_pdf(rendering.publicity_pdf_html(publicity))
        services.card_print_log(
            actor=request.user, what=f"公示：{publicity.title}", object_repr=area_full_name(village), rows=len(publicity.rows),
            year=publicity.start.year, request=request,
        )
        return pdf_response(content, f"{village.name}{publicity.title}公示_{publicity.start:%Y%m%d}.pdf")

    def chooser(self, request, kind=None):
        if kind is None and "kind" in request.GET:
            form = PublicityForm(request.GET, user=request.user)
            if form.is_valid():
                return redirect(_publicity_url(form.cleaned_data))
        else:
            initial = {"kind": kind or "exit", "village": _default_village(request.user), "start": timezone.localdate()}
            form = PublicityForm(user=request.user, initial=initial)
        return render(request, self.template_name, {"form": form})


household_card_pdf = HouseholdCardPdfView.as_view()
household_card_printed = HouseholdCardPrintedView.as_view()
card_batch = CardBatchView.as_view()
print_queue = PrintQueueView.as_view()
publicity = PublicityView.as_view()
