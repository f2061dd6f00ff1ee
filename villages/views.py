from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from povertyrelief.audit import history_for
from povertyrelief.permissions import require
from povertyrelief.views_base import (
    ScopedCreateView,
    ScopedDeleteView,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ScopedUpdateView,
)

from . import selectors, services
from .forms import AreaForm, AreaImportForm, WorkTeamForm
from .models import Area, WorkTeam


class AreaListView(ScopedMixin, View):
    def get(self, request):
        return render(request, "villages/area_list.html", {"tree": selectors.area_tree(actor=request.user)})


class AreaDetailView(ScopedDetailView):
    model = Area
    template_name = "villages/area_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("parent", "parent__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        area = self.object
        context["children"] = area.children.order_by("code") if not area.is_village else []
        context["work_teams"] = area.work_teams.all() if area.is_village else []
        context["can_change"] = self.request.user.can("change")
        context["can_manage"] = self.request.user.can("manage")
        context["history"] = history_for(area)
        return context


class AreaUpdateView(ScopedUpdateView):
    model = Area
    form_class = AreaForm
    action = "manage"
    success_message = "区划信息已保存。"


class AreaImportView(ScopedMixin, View):
    action = "manage"
    template_name = "villages/area_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": AreaImportForm()})

    def post(self, request):
        require(request.user, "manage")
        form = AreaImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            report = services.area_import(file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
            if report.ok:
                messages.success(request, report.summary())
            else:
                messages.error(request, report.summary())
        return render(request, self.template_name, {"form": form, "report": report})


class WorkTeamListView(ScopedListView):
    model = WorkTeam
    template_name = "villages/workteam_list.html"

    def get_queryset(self):
        return selectors.workteam_list(
            actor=self.request.user, query=self.request.GET.get("q", "").strip(), status=self.request.GET.get("status", "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_change"] = self.request.user.can("change")
        return context


class WorkTeamDetailView(ScopedDetailView):
    model = WorkTeam
    template_name = "villages/workteam_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("village", "village__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_for(self.object)
        context["can_change"] = self.request.user.can("change")
        return context


class WorkTeamCreateView(ScopedCreateView):
    model = WorkTeam
    form_class = WorkTeamForm
    success_message = "驻村工作队已添加。"

    def get_initial(self):
        initial = super().get_initial()
        if "village" in self.request.GET:
            initial["village"] = self.request.GET["village"]
        return initial


class WorkTeamUpdateView(ScopedUpdateView):
    model = WorkTeam
    form_class = WorkTeamForm
    success_message = "驻村工作队已保存。"


class WorkTeamDeleteView(ScopedDeleteView):
    model = WorkTeam
    success_message = "驻村工作队记录已删除（删除前的内容保留在审计日志中）。"

    def get_success_url(self):
        return reverse("villages:area_detail", args=[self.object.village_id])


area_list = AreaListView.as_view()
area_detail = AreaDetailView.as_view()
area_update = AreaUpdateView.as_view()
area_import = AreaImportView.as_view()
workteam_list = WorkTeamListView.as_view()
workteam_detail = WorkTeamDetailView.as_view()
workteam_create = WorkTeamCreateView.as_view()
workteam_update = WorkTeamUpdateView.as_view()
workteam_delete = WorkTeamDeleteView.as_view()
