"""帮扶责任人 directory, pairing cadres with households (一户一名干部),
households without a cadre, and visits (走访记录)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from povertyrelief.audit import history_for
from povertyrelief.permissions import restrict
from povertyrelief.views_base import ScopedCreateView, ScopedMixin, ScopedUpdateView, ServiceFormView

from ..forms.cadres import AssignmentBulkForm, AssignmentEndForm, AssignmentForm, CadreForm, VisitForm
from ..forms.fields import cadre_label
from ..models import Assignment, Cadre, HouseholdStatus, UnitLevel, Visit
from ..selectors import cadres as selectors
from ..selectors.registry import household_get
from ..services import cadres as services

PAGE_SIZE = 50
BULK_PAGE_SIZE = 100


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _current_assignment(household) -> Assignment | None:
    return household.assignments.filter(end_date__isnull=True).select_related("cadre").first()


class CadreListView(ScopedMixin, View):
    def get(self, request):
        cadres = selectors.cadre_list(actor=request.user, filters=request.GET)
        return render(
            request,
            "households/cadre_list.html",
            {
                "page_obj": _page(request, cadres),
                "unit_levels": UnitLevel.choices,
                "can_change": request.user.can("change"),
                "sort": request.GET.get("sort", ""),
            },
        )


class CadreOptionsView(ScopedMixin, View):
    """The cadre picker's search (static/js/cadre_search.js): at most
    CADRE_SEARCH_LIMIT in-post cadres the user may pick whose name, unit or
    phone contains ``q``, as ``{"results": [{"id", "label"}], "more": bool}``."""

    def get(self, request):
        limit = selectors.CADRE_SEARCH_LIMIT
        cadres = selectors.cadre_search(actor=request.user, query=request.GET.get("q", "")[:50], limit=limit)
        return JsonResponse({
            "results": [{"id": cadre.pk, "label": cadre_label(cadre)} for cadre in cadres[:limit]],
            "more": len(cadres) > limit,
        })


class CadreDetailView(ScopedMixin, View):
    def get(self, request, pk):
        cadre = selectors.cadre_get(actor=request.user, pk=pk)
        assignments = selectors.cadre_assignments(actor=request.user, cadre=cadre)
        return render(
            request,
            "households/cadre_detail.html",
            {
                "cadre": cadre,
                "current": [a for a in assignments if a.end_date is None],
                "past": [a for a in assignments if a.end_date is not None],
                "visits": selectors.cadre_recent_visits(actor=request.user, cadre=cadre),
                "can_edit": restrict(Cadre, request.user, "change").filter(pk=cadre.pk).exists(),
                "can_assign": request.user.can("change"),
                "history": history_for(cadre),
            },
        )


class CadreCreateView(ScopedCreateView):
    model = Cadre
    form_class = CadreForm
    template_name = "households/cadre_form.html"
    success_message = "帮扶责任人已登记。"


class CadreUpdateView(ScopedUpdateView):
    model = Cadre
    form_class = CadreForm
    template_name = "households/cadre_form.html"
    success_message = "帮扶责任人信息已保存。"


class AssignmentCreateView(ServiceFormView):
    form_class = AssignmentForm
    template_name = "households/assignment_form.html"
    denied_on_form = True

    def get_object(self):
        return household_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_form_kwargs_extra(self) -> dict:
        return {"household": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.object, current=_current_assignment(self.object), **kwargs)

    def perform(self, form, household):
        data = form.cleaned_data
        return services.assignment_replace(
            actor=self.request.user, household=household, cadre=data["cadre"], start_date=data["start_date"]
        )

    def get_success_message(self, assignment) -> str:
        cadre = assignment.cadre
        return f"已将{cadre.name}（{cadre.unit}）设为{self.object}的帮扶责任人。"

    def get_success_url(self, result=None) -> str:
        return self.object.get_absolute_url() + "#cadres"


class AssignmentBulkView(ServiceFormView):
    """One cadre for many households: tick them in a filtered list or paste
    their 户编号; all are paired or none."""

    form_class = AssignmentBulkForm
    template_name = "households/assignment_bulk.html"

    def filters(self) -> dict:
        filters = self.request.GET.dict()
        # The page exists mainly to close 一户一名干部 gaps, so by default it
        # lists the households that have none.
        filters.setdefault("without_cadre", "1")
        return filters

    def get_initial(self):
        return {"cadre": self.request.GET.get("cadre")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        filterset = selectors.assignable_filterset(actor=self.request.user, filters=filters)
        households = selectors.assignable_households(actor=self.request.user, filters=filters, filterset=filterset)
        context.update(
            page_obj=_page(self.request, households, BULK_PAGE_SIZE),
            filters=filters,
            filter=filterset,
            ticked={str(pk) for pk in context["form"]["households"].value() or []},
        )
        return context

    def perform(self, form, obj):
        data = form.cleaned_data
        self.cadre, self.households = data["cadre"], data["household_list"]
        return services.assignment_bulk(
            actor=self.request.user, cadre=self.cadre, households=self.households, start_date=data["start_date"]
        )

    def get_success_message(self, result) -> str:
        return f"已将{self.cadre.name}设为 {len(self.households)} 户的帮扶责任人。"

    def get_success_url(self, result=None) -> str:
        query = self.request.GET.urlencode()
        return reverse("households:assignment_bulk") + (f"?{query}" if query else "")


class AssignmentEndView(ServiceFormView):
    form_class = AssignmentEndForm
    template_name = "households/assignment_end.html"
    denied_on_form = True

    def get_object(self):
        queryset = restrict(Assignment, self.request.user, self.action).select_related(
            "cadre", "household", "household__village", "household__village__parent"
        )
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if self.object.end_date is not None:
            messages.info(request, f"该帮扶结对已于 {self.object.end_date:%Y-%m-%d} 解除。")
            return redirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(assignment=self.object, household=self.object.household, **kwargs)

    def perform(self, form, assignment):
        data = form.cleaned_data
        return services.assignment_end(
            actor=self.request.user, assignment=assignment, end_date=data["end_date"], reason=data["end_reason"]
        )

    def get_message_level(self, result) -> int:
        return messages.WARNING if self.object.household.is_poor else messages.SUCCESS

    def get_success_message(self, result) -> str:
        text = f"已解除{self.object.cadre.name}与{self.object.household}的帮扶结对。"
        if self.object.household.is_poor:
            return text + "该户尚未脱贫，请尽快指定新的帮扶责任人（一户一名干部）。"
        return text


class HouseholdsWithoutCadreView(ScopedMixin, View):
    def get(self, request):
        filterset = selectors.without_cadre_filterset(actor=request.user, filters=request.GET)
        households = selectors.households_without_cadre(actor=request.user, filters=request.GET, filterset=filterset)
        return render(
            request,
            "households/assignment_missing.html",
            {
                "page_obj": _page(request, households),
                "statuses": [(s.value, s.label) for s in (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED)],
                "can_change": request.user.can("change"),
                "filter": filterset,
            },
        )


class VisitCreateView(ServiceFormView):
    form_class = VisitForm
    template_name = "households/visit_form.html"
    denied_on_form = True

    def get_object(self):
        household = household_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)
        self.current = _current_assignment(household)
        return household

    def get_form_kwargs_extra(self) -> dict:
        extra = {"current_cadre": self.current.cadre if self.current else None, "household": self.object}
        if self.request.method == "POST":
            extra["instance"] = Visit(household=self.object)
        return extra

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.object, current=self.current, **kwargs)

    def perform(self, form, household):
        return services.visit_create(actor=self.request.user, visit=form.save(commit=False))

    def get_success_message(self, visit) -> str:
        return f"已记录{visit.date:%Y-%m-%d}{visit.cadre.name}的走访。"

    def get_success_url(self, result=None) -> str:
        return self.object.get_absolute_url() + "#visits"


class VisitPhotoView(ScopedMixin, View):
    """Visit photos are served only here, to users who may see the household."""

    def get(self, request, pk):
        visit = selectors.visit_get(actor=request.user, pk=pk)
        if not visit.photo:
            raise Http404("该走访记录没有照片。")
        try:
            handle = visit.photo.open("rb")
        except FileNotFoundError:
            raise Http404("照片文件已丢失。") from None
        kind = services.photo_kind(handle)
        response = FileResponse(handle, content_type=kind[0] if kind else "application/octet-stream")
        response["Content-Disposition"] = f'inline; filename="visit-{visit.pk}{kind[1] if kind else ""}"'
        response["Cache-Control"] = "private, max-age=3600"
        return response

