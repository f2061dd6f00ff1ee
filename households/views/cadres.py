"""帮扶责任人 directory, pairing cadres with households (一户一名干部),
households without a cadre, and visits (走访记录)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views import View

from povertyrelief.audit import history_for
from povertyrelief.forms import add_service_errors
from povertyrelief.permissions import restrict
from povertyrelief.views_base import ScopedCreateView, ScopedMixin, ScopedUpdateView

from ..forms.cadres import AssignmentBulkForm, AssignmentEndForm, AssignmentForm, CadreForm, VisitForm
from ..models import Assignment, Cadre, Household, HouseholdStatus, UnitLevel, Visit
from ..selectors import cadres as selectors
from ..services import cadres as services

PAGE_SIZE = 50
BULK_PAGE_SIZE = 100


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _household(request, pk) -> Household:
    """A household the user may change, or 404."""
    queryset = restrict(Household, request.user, "change").select_related("village", "village__parent")
    return get_object_or_404(queryset, pk=pk)


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


class AssignmentCreateView(ScopedMixin, View):
    action = "change"
    template_name = "households/assignment_form.html"

    def get(self, request, pk):
        household = _household(request, pk)
        form = AssignmentForm(user=request.user)
        return self.render_form(request, household, form)

    def post(self, request, pk):
        household = _household(request, pk)
        form = AssignmentForm(request.POST, user=request.user)
        if form.is_valid():
            cadre = form.cleaned_data["cadre"]
            try:
                services.assignment_replace(
                    actor=request.user, household=household, cadre=cadre, start_date=form.cleaned_data["start_date"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已将{cadre.name}（{cadre.unit}）设为{household}的帮扶责任人。")
                return redirect(household.get_absolute_url() + "#cadres")
        return self.render_form(request, household, form)

    def render_form(self, request, household, form):
        context = {"household": household, "form": form, "current": _current_assignment(household)}
        return render(request, self.template_name, context)


class AssignmentBulkView(ScopedMixin, View):
    """One cadre for many households: tick them in a filtered list or paste
    their 户编号; all are paired or none."""

    action = "change"
    template_name = "households/assignment_bulk.html"

    def filters(self, request) -> dict:
        filters = request.GET.dict()
        # The page exists mainly to close 一户一名干部 gaps, so by default it
        # lists the households that have none.
        filters.setdefault("without_cadre", "1")
        return filters

    def get(self, request):
        form = AssignmentBulkForm(user=request.user, initial={"cadre": request.GET.get("cadre")})
        return self.render_page(request, form)

    def post(self, request):
        form = AssignmentBulkForm(request.POST, user=request.user)
        if form.is_valid():
            cadre = form.cleaned_data["cadre"]
            households = form.cleaned_data["household_list"]
            try:
                services.assignment_bulk(
                    actor=request.user, cadre=cadre, households=households, start_date=form.cleaned_data["start_date"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已将{cadre.name}设为 {len(households)} 户的帮扶责任人。")
                query = request.GET.urlencode()
                return redirect(reverse("households:assignment_bulk") + (f"?{query}" if query else ""))
        return self.render_page(request, form)

    def render_page(self, request, form):
        filters = self.filters(request)
        households = selectors.assignable_households(actor=request.user, filters=filters)
        ticked = {str(pk) for pk in form["households"].value() or []}
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "page_obj": _page(request, households, BULK_PAGE_SIZE),
                "filters": filters,
                "ticked": ticked,
                **selectors.area_filter_choices(actor=request.user),
            },
        )


class AssignmentEndView(ScopedMixin, View):
    action = "change"
    template_name = "households/assignment_end.html"

    def assignment(self, request, pk) -> Assignment:
        queryset = restrict(Assignment, request.user, "change").select_related(
            "cadre", "household", "household__village", "household__village__parent"
        )
        return get_object_or_404(queryset, pk=pk)

    def get(self, request, pk):
        assignment = self.assignment(request, pk)
        if assignment.end_date is not None:
            messages.info(request, f"该帮扶结对已于 {assignment.end_date:%Y-%m-%d} 解除。")
            return redirect(assignment.get_absolute_url())
        return self.render_form(request, assignment, AssignmentEndForm())

    def post(self, request, pk):
        assignment = self.assignment(request, pk)
        form = AssignmentEndForm(request.POST)
        if form.is_valid():
            try:
                services.assignment_end(
                    actor=request.user, assignment=assignment,
                    end_date=form.cleaned_data["end_date"], reason=form.cleaned_data["end_reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                text = f"已解除{assignment.cadre.name}与{assignment.household}的帮扶结对。"
                if assignment.household.is_poor:
                    messages.warning(request, text + "该户尚未脱贫，请尽快指定新的帮扶责任人（一户一名干部）。")
                else:
                    messages.success(request, text)
                return redirect(assignment.get_absolute_url())
        return self.render_form(request, assignment, form)

    def render_form(self, request, assignment, form):
        return render(request, self.template_name, {"assignment": assignment, "household": assignment.household, "form": form})


class HouseholdsWithoutCadreView(ScopedMixin, View):
    def get(self, request):
        households = selectors.households_without_cadre(actor=request.user, filters=request.GET)
        return render(
            request,
            "households/assignment_missing.html",
            {
                "page_obj": _page(request, households),
                "statuses": [(s.value, s.label) for s in (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED)],
                "can_change": request.user.can("change"),
                **selectors.area_filter_choices(actor=request.user),
            },
        )


class VisitCreateView(ScopedMixin, View):
    action = "change"
    template_name = "households/visit_form.html"

    def get(self, request, pk):
        household = _household(request, pk)
        current = _current_assignment(household)
        form = VisitForm(user=request.user, current_cadre=current.cadre if current else None)
        return render(request, self.template_name, {"household": household, "form": form, "current": current})

    def post(self, request, pk):
        household = _household(request, pk)
        current = _current_assignment(household)
        form = VisitForm(
            request.POST, request.FILES, user=request.user, current_cadre=current.cadre if current else None,
            instance=Visit(household=household),
        )
        if form.is_valid():
            try:
                visit = services.visit_create(actor=request.user, visit=form.save(commit=False))
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已记录{visit.date:%Y-%m-%d}{visit.cadre.name}的走访。")
                return redirect(household.get_absolute_url() + "#visits")
        return render(request, self.template_name, {"household": household, "form": form, "current": current})


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


urlpatterns = [
    path("cadres/", CadreListView.as_view(), name="cadre_list"),
    path("cadres/new/", CadreCreateView.as_view(), name="cadre_create"),
    path("cadres/<int:pk>/", CadreDetailView.as_view(), name="cadre_detail"),
    path("cadres/<int:pk>/edit/", CadreUpdateView.as_view(), name="cadre_update"),
    path("<int:pk>/assign/", AssignmentCreateView.as_view(), name="assignment_create"),
    path("assign/", AssignmentBulkView.as_view(), name="assignment_bulk"),
    path("assignments/<int:pk>/end/", AssignmentEndView.as_view(), name="assignment_end"),
    path("without-cadre/", HouseholdsWithoutCadreView.as_view(), name="households_without_cadre"),
    path("<int:pk>/visits/new/", VisitCreateView.as_view(), name="visit_create"),
    path("visits/<int:pk>/photo/", VisitPhotoView.as_view(), name="visit_photo"),
]
