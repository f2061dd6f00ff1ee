"""明白卡 (single and batch), the print queue and 公示 lists as PDF.

Every household comes from ``restrict(..., request.user, "view")``: another
area's household or village is a 404, in the PDF as on the page. Opening a
PDF only writes the personal-data access log; 打印登记 (recording that cards
were printed) is always a POST of its own.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views import View

from povertyrelief.exports import area_full_name
from povertyrelief.forms import ChineseFormMixin
from povertyrelief.jobs import job_start
from povertyrelief.pdf import html_to_pdf
from povertyrelief.permissions import require, restrict
from povertyrelief.views_base import ScopedMixin
from villages.models import Area, AreaLevel

from .. import rendering
from ..models import Household
from ..selectors import printing as selectors
from ..selectors import publicity as publicity_selectors
from ..selectors.printing import PrintState
from ..selectors.registry import household_get
from ..services import printing as services

# A village larger than this is printed in the background like a township.
INLINE_MAX_CARDS = 80


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    # Cards carry personal data: no caching on shared office machines.
    response["Cache-Control"] = "private, no-store"
    return response


def _areas_for_picker(user):
    return restrict(Area, user, "view").filter(level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE]).select_related("parent").order_by("code")


def _area_label(area: Area) -> str:
    if area.level == AreaLevel.VILLAGE and area.parent is not None:
        return f"{area.parent.name} {area.name}"
    return f"{area.name}（全乡镇）"


class SmallWidgetsMixin:
    """Bootstrap's small controls, as on the other filter bars."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


class YearField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        this_year = timezone.localdate().year
        super().__init__(
            label="年度",
            coerce=int,
            choices=[(y, f"{y}年") for y in range(this_year + 1, 2013, -1)],
            initial=this_year,
            **kwargs,
        )


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


class HouseholdCardPrintedView(ScopedMixin, View):
    """POST /households/<pk>/card/printed/ : 打印登记 for one household's
    card of ``year`` (a role that keeps households; another area's is a 404)."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        household = household_get(actor=request.user, pk=pk, action="change")
        year = selectors.card_year(request.POST.get("year"))
        services.card_prints_record(actor=request.user, household_ids=[household.pk], year=year)
        messages.success(request, f"已登记{household.head_name or household.number}户{year}年明白卡已打印。")
        return redirect(household.get_absolute_url())


# --- Batch ----------------------------------------------------------------------


class CardBatchForm(SmallWidgetsMixin, ChineseFormMixin, forms.Form):
    area = forms.ModelChoiceField(label="乡镇或村", queryset=Area.objects.none())
    year = YearField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas_for_picker(user)
        self.fields["area"].label_from_instance = _area_label


class CardBatchView(ScopedMixin, View):
    """/households/cards/?area=&year= : all cards of a village (inline PDF)
    or of a township (background job, after confirmation)."""

    action = "view"
    template_name = "households/print_card_batch.html"

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

    def post(self, request):
        if request.POST.get("action") == "record":
            return self.record(request)
        form = CardBatchForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.page(request, form, status=400)
        area, year = form.cleaned_data["area"], form.cleaned_data["year"]
        count = selectors.area_households(actor=request.user, area=area).count()
        if count == 0:
            messages.warning(request, f"{area.name}没有建档立卡户，无卡可打印。")
            return redirect(f"{reverse('households:card_batch')}?{urlencode({'area': area.pk, 'year': year})}")
        job = job_start(
            actor=request.user,
            kind="card_batch",
            title=f"{area_full_name(area)} {year}年明白卡（{count} 户）",
            params={"area": area.pk, "year": year},
            total=count,
        )
        messages.success(request, f"已开始生成 {count} 户明白卡，完成后可在本页下载。")
        return redirect(job.get_absolute_url())

    def record(self, request):
        """打印登记 for every household of a village or township the user keeps
        (a role that may not is a 403, another area a 404)."""
        require(request.user, "change")
        area = selectors.area_get(actor=request.user, pk=_int_or_404(request.POST.get("area")))
        year = selectors.card_year(request.POST.get("year"))
        ids = list(selectors.area_households(actor=request.user, area=area).values_list("pk", flat=True))
        if not ids:
            messages.warning(request, f"{area.name}没有建档立卡户，无需登记。")
            return redirect("households:card_batch")
        done = services.card_prints_record(actor=request.user, household_ids=ids, year=year)
        messages.success(request, f"已登记{area_full_name(area)} {done} 户{year}年明白卡已打印。")
        return redirect(f"{reverse('households:print_queue')}?{urlencode({'village': area.pk, 'year': year, 'state': PrintState.PRINTED})}")


def _default_area(user):
    return user.area_id if user.area and user.area.level != AreaLevel.COUNTY else None


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("区划参数无效。") from None


# --- Print queue --------------------------------------------------------------------


class PrintQueueFilter(SmallWidgetsMixin, ChineseFormMixin, forms.Form):
    year = YearField(required=False)
    village = forms.ModelChoiceField(label="乡镇或村", queryset=Area.objects.none(), required=False)
    state = forms.ChoiceField(label="状态", choices=PrintState.CHOICES, required=False)
    q = forms.CharField(label="搜索", required=False, max_length=30)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = _areas_for_picker(user)
        self.fields["village"].label_from_instance = _area_label
        self.fields["village"].empty_label = "全部乡镇和村"


class HandoverForm(SmallWidgetsMixin, forms.Form):
    handed_over_on = forms.DateField(label="发放日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    handed_over_by = forms.CharField(label="发放人", max_length=30)


class PrintQueueView(ScopedMixin, View):
    """/households/print-queue/ : whose card is missing, out of date, printed
    but not handed over, or handed over; print or mark handed over in bulk."""

    action = "view"
    template_name = "households/print_queue.html"
    paginate_by = 50

    def filters(self, request):
        data = request.GET.copy()
        data.setdefault("year", str(timezone.localdate().year))
        form = PrintQueueFilter(data, user=request.user)
        data = form.cleaned_data if form.is_valid() else {}
        return form, {
            "year": data.get("year") or timezone.localdate().year,
            "village": data.get("village"),
            "state": data.get("state") or PrintState.TODO,
            "query": (data.get("q") or "").strip(),
        }

    def get(self, request, handover_form=None):
        form, filters = self.filters(request)
        households = selectors.print_queue(actor=request.user, **filters)
        page = Paginator(households, self.paginate_by).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        prints = selectors.latest_prints(rows)
        for household in rows:
            household.state_label = PrintState.LABELS[household.print_state]
            household.latest_print = prints.get(household.pk)
        counts = selectors.print_queue_counts(
            actor=request.user, year=filters["year"], village=filters["village"], query=filters["query"]
        )
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "filters": filters,
                "page_obj": page,
                "rows": rows,
                "counts": counts,
                "states": [(key, label, counts.get(key, 0)) for key, label in PrintState.CHOICES],
                "can_change": request.user.can("change"),
                "handover_form": handover_form
                or HandoverForm(initial={"handed_over_on": timezone.localdate(), "handed_over_by": request.user.get_full_name()}),
            },
        )

    def post(self, request):
        require(request.user, "change")
        year = selectors.card_year(request.POST.get("year"))
        ids = [int(value) for value in request.POST.getlist("household") if value.isdigit()]
        action = request.POST.get("action")
        if action == "print":
            return self.print_selected(request, ids, year)
        if action == "record":
            return self.record(request, ids, year)
        if action == "handover":
            return self.handover(request, ids, year)
        messages.error(request, "请选择要执行的操作（打印、登记已打印或标记发放）。")
        return redirect(self.back_url(request))

    def back_url(self, request) -> str:
        back = request.POST.get("next", "")
        queue = reverse("households:print_queue")
        return back if back.startswith(queue) else queue

    def print_selected(self, request, ids, year):
        if not ids:
            messages.error(request, "请先勾选要打印明白卡的户。")
            return redirect(self.back_url(request))
        if len(set(ids)) > INLINE_MAX_CARDS:
            messages.error(request, f"一次最多直接打印 {INLINE_MAX_CARDS} 户；更多请用“按村或乡镇批量打印”。")
            return redirect(self.back_url(request))
        households = restrict(Household, request.user, "view").filter(pk__in=ids).order_by("village__code", "number", "pk")
        if households.count() != len(set(ids)):
            raise PermissionDenied("所选户中有不在您管辖范围内的户。")
        content, printed = rendering.cards_pdf(households, year=year)
        services.card_print_log(
            actor=request.user, what=f"{year}年明白卡（打印队列）", object_repr=f"{len(printed)} 户", rows=len(printed),
            year=year, request=request,
        )
        return pdf_response(content, f"{year}年明白卡_{len(printed)}户_{timezone.localdate():%Y%m%d}.pdf")

    def record(self, request, ids, year):
        """打印登记 for the selected households (all or nothing)."""
        try:
            done = services.card_prints_record(actor=request.user, household_ids=ids, year=year)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(self.back_url(request))
        messages.success(request, f"已登记 {done} 户{year}年明白卡已打印。")
        return redirect(self.back_url(request))

    def handover(self, request, ids, year):
        form = HandoverForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{form.fields[field].label}：{'；'.join(errors)}")
            return redirect(self.back_url(request))
        try:
            done = services.card_handover(
                actor=request.user,
                household_ids=ids,
                year=year,
                handed_over_on=form.cleaned_data["handed_over_on"],
                handed_over_by=form.cleaned_data["handed_over_by"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(self.back_url(request))
        messages.success(request, f"已标记 {done} 户明白卡已发放（{form.cleaned_data['handed_over_on']:%Y-%m-%d}，发放人：{form.cleaned_data['handed_over_by']}）。")
        return redirect(self.back_url(request))


# --- 公示 lists ---------------------------------------------------------------------------


class PublicityForm(SmallWidgetsMixin, ChineseFormMixin, forms.Form):
    kind = forms.ChoiceField(label="名单", choices=list(publicity_selectors.PUBLICITY_KINDS.items()))
    village = forms.ModelChoiceField(label="村", queryset=Area.objects.none())
    start = forms.DateField(label="公示开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    days = forms.IntegerField(label="公示天数", min_value=1, max_value=60, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = restrict(Area, user, "view").filter(level=AreaLevel.VILLAGE).select_related("parent").order_by("code")
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = _area_label

    def clean(self):
        data = super().clean()
        kind, days = data.get("kind"), data.get("days")
        minimum = publicity_selectors.publicity_min_days(kind or "", timezone.localdate().year)
        if days is None:
            data["days"] = minimum
        elif days < minimum:
            self.add_error("days", f"{publicity_selectors.PUBLICITY_KINDS.get(kind, '公示')}的公示期不少于 {minimum} 天。")
        return data


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


def _default_village(user):
    return user.area_id if user.area and user.area.level == AreaLevel.VILLAGE else None


def _publicity_url(data: dict) -> str:
    query = urlencode({"village": data["village"].pk, "start": data["start"].isoformat(), "days": data["days"]})
    return f"{reverse('households:publicity_pdf', args=[data['kind']])}?{query}"


household_card_pdf = HouseholdCardPdfView.as_view()
household_card_printed = HouseholdCardPrintedView.as_view()
card_batch = CardBatchView.as_view()
print_queue = PrintQueueView.as_view()
publicity = PublicityView.as_view()

urlpatterns = [
    path("<int:pk>/card.pdf", household_card_pdf, name="household_card_pdf"),
    path("<int:pk>/card/printed/", household_card_printed, name="household_card_printed"),
    path("cards/", card_batch, name="card_batch"),
    path("print-queue/", print_queue, name="print_queue"),
    # The chooser and the PDF share a name: without a kind, the chooser.
    path("publicity/", publicity, name="publicity_pdf"),
    path("publicity/<slug:kind>.pdf", publicity, name="publicity_pdf"),
]
