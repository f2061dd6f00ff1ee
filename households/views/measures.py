"""帮扶措施 (一户一策) and its catalogue, bulk add, and the 一户一档 papers.
Views validate a form, call one service and redirect; the rules live in
households.services.measures / attachments (防返贫监测: views/monitoring.py)."""

from __future__ import annotations

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from povertyrelief.forms import add_service_errors
from povertyrelief.permissions import restrict
from povertyrelief.views_base import ScopedMixin

from ..forms.measures import (
    AttachmentUploadForm,
    CategoryForm,
    MeasureBulkForm,
    MeasureFilterForm,
    MeasureForm,
)
from ..models import (
    Attachment,
    Household,
    Measure,
    MeasureCategory,
    MeasureGroup,
)
from ..selectors.registry import household_get
from ..selectors.measures import (
    category_list,
    households_with_measure,
    measure_list,
    measure_totals,
)
from ..services.attachments import attachment_delete, attachment_upload, download_name
from ..services.measures import (
    BulkSelectionChanged,
    category_save,
    measure_bulk_add,
    measure_bulk_households,
    measure_save,
)

PAGE_SIZE = 50
BULK_PREVIEW_ROWS = 200


def household_for(request, pk: int, action: str = "change") -> Household:
    return household_get(actor=request.user, pk=pk, action=action)


# ---------------------------------------------------------------- catalogue


class CategoryListView(ScopedMixin, View):
    action = "manage"

    def get(self, request):
        filters = {k: request.GET.get(k, "") for k in ("group", "active", "q")}
        page = Paginator(category_list(filters=filters), 100).get_page(request.GET.get("page"))
        return render(request, "households/category_list.html", {
            "page_obj": page, "groups": MeasureGroup.choices, "filters": filters,
        })


class CategoryFormView(ScopedMixin, View):
    action = "manage"
    template_name = "households/category_form.html"

    def get_object(self, pk):
        return MeasureCategory() if pk is None else get_object_or_404(MeasureCategory, pk=pk)

    def get(self, request, pk=None):
        category = self.get_object(pk)
        return render(request, self.template_name, {"form": CategoryForm(instance=category), "object": category})

    def post(self, request, pk=None):
        category = self.get_object(pk)
        form = CategoryForm(request.POST, instance=category)
        if form.is_valid():
            try:
                with transaction.atomic():
                    category_save(actor=request.user, category=form.instance)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                state = "" if category.active else "（已停用，新增措施时不再可选）"
                messages.success(request, f"措施目录“{category}”已保存{state}。")
                return redirect("households:category_list")
        return render(request, self.template_name, {"form": form, "object": category})


# ----------------------------------------------------------------- measures


class MeasureFormView(ScopedMixin, View):
    action = "change"
    template_name = "households/measure_form.html"

    def render_form(self, request, form, measure):
        return render(request, self.template_name, {"form": form, "object": measure, "household": measure.household})

    def handle(self, request, measure, created: bool):
        form = MeasureForm(request.POST, user=request.user, household=measure.household, instance=measure)
        if form.is_valid():
            try:
                with transaction.atomic():
                    measure_save(actor=request.user, measure=form.instance)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                verb = "已添加" if created else "已保存"
                messages.success(request, f"{measure.year}年帮扶措施“{measure.category.name}”{verb}。")
                return HttpResponseRedirect(measure.get_absolute_url())
        return self.render_form(request, form, measure)


class MeasureCreateView(MeasureFormView):
    def new_measure(self, request, pk):
        return Measure(household=household_for(request, pk))

    def get(self, request, pk):
        measure = self.new_measure(request, pk)
        form = MeasureForm(user=request.user, household=measure.household, instance=measure,
                           initial={"year": timezone.localdate().year})
        return self.render_form(request, form, measure)

    def post(self, request, pk):
        return self.handle(request, self.new_measure(request, pk), created=True)


class MeasureUpdateView(MeasureFormView):
    def get_measure(self, request, pk):
        measures = Measure.objects.select_related("household", "household__village", "household__village__parent", "category")
        return get_object_or_404(restrict(measures, request.user, "change"), pk=pk)

    def get(self, request, pk):
        measure = self.get_measure(request, pk)
        return self.render_form(request, MeasureForm(user=request.user, household=measure.household, instance=measure), measure)

    def post(self, request, pk):
        return self.handle(request, self.get_measure(request, pk), created=False)


class MeasureListView(ScopedMixin, View):
    action = "view"

    def get(self, request):
        form = MeasureFilterForm(request.GET or None, user=request.user)
        filters = form.filters() if request.GET else {}
        measures = measure_list(actor=request.user, filters=filters)
        page = Paginator(measures, PAGE_SIZE).get_page(request.GET.get("page"))
        bulk_query = {"use_filter": 1}
        for key in ("township", "village"):
            if filters.get(key):
                bulk_query[key] = filters[key].pk
        if filters.get("category"):
            bulk_query["has_category"] = filters["category"].pk
            bulk_query["category"] = filters["category"].pk
        if filters.get("year"):
            bulk_query["has_year"] = filters["year"]
        return render(request, "households/measure_list.html", {
            "form": form, "page_obj": page, "totals": measure_totals(measures), "filtered": bool(filters),
            "can_change": request.user.can("change"), "can_export": request.user.can("export"),
            "bulk_url": reverse("households:measure_bulk_add") + "?" + urlencode(bulk_query),
        })


class MeasureBulkAddView(ScopedMixin, View):
    """Form → preview (how many households, which) → confirm, in one transaction."""

    action = "change"

    def get(self, request):
        keys = ("category", "year", "township", "village", "household_status", "has_year", "has_category", "use_filter", "monitored")
        initial = {k: request.GET[k] for k in keys if request.GET.get(k)}
        form = MeasureBulkForm(user=request.user, initial=initial)
        return self.render_form(request, form)

    def render_form(self, request, form):
        return render(request, "households/measure_bulk_form.html", {"form": form})

    def preview(self, request, form):
        try:
            households = measure_bulk_households(
                actor=request.user, numbers=form.cleaned_data["numbers"], filters=form.selection_filters()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(request, form)
        data = form.cleaned_data
        already = households_with_measure(
            actor=request.user, household_ids=[h.pk for h in households], category=data["category"], year=data["year"]
        )
        return render(request, "households/measure_bulk_confirm.html", {
            "form": form, "households": households[:BULK_PREVIEW_ROWS], "count": len(households),
            "more": max(len(households) - BULK_PREVIEW_ROWS, 0), "already": already,
            "numbers_joined": " ".join(data["numbers"]), "measure": form.measure(),
            "total_amount": (data["amount"] or 0) * len(households),
        })

    def post(self, request):
        form = MeasureBulkForm(request.POST, user=request.user)
        step = request.POST.get("step", "preview")
        if step == "edit" or not form.is_valid():
            return self.render_form(request, form)
        if step != "confirm":
            return self.preview(request, form)
        try:
            expected = int(request.POST.get("expected_count", ""))
        except ValueError:
            return self.preview(request, form)
        try:
            with transaction.atomic():
                created = measure_bulk_add(
                    actor=request.user, template=form.measure(), numbers=form.cleaned_data["numbers"],
                    filters=form.selection_filters(), expected_count=expected,
                )
        except BulkSelectionChanged as exc:
            messages.warning(request, str(exc))
            return self.preview(request, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(request, form)
        data = form.cleaned_data
        messages.success(request, f"已为 {len(created)} 户添加 {data['year']}年“{data['category'].name}”措施。")
        query = urlencode({"year": data["year"], "category": data["category"].pk})
        return HttpResponseRedirect(reverse("households:measure_list") + "?" + query)


# -------------------------------------------------------------- attachments


class AttachmentUploadView(ScopedMixin, View):
    action = "change"
    template_name = "households/attachment_form.html"

    def get(self, request, pk):
        household = household_for(request, pk)
        return render(request, self.template_name, {"form": AttachmentUploadForm(), "household": household})

    def post(self, request, pk):
        household = household_for(request, pk)
        form = AttachmentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    attachment = attachment_upload(
                        actor=request.user, household=household, kind=form.cleaned_data["kind"],
                        uploaded_file=form.cleaned_data["file"],
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已上传{attachment.kind}“{attachment.original_name}”。")
                return HttpResponseRedirect(attachment.get_absolute_url())
        return render(request, self.template_name, {"form": form, "household": household})


class AttachmentDownloadView(ScopedMixin, View):
    """The only way to a stored paper: scoped, typed by what was verified at
    upload, never rendered by the browser as anything else."""

    action = "view"

    def get(self, request, pk):
        attachment = get_object_or_404(restrict(Attachment, request.user, "view"), pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404("文件不存在") from None
        accessed.send(sender=Attachment, instance=attachment)
        response = FileResponse(
            handle, content_type=attachment.content_type, as_attachment=True, filename=download_name(attachment)
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class AttachmentDeleteView(ScopedMixin, View):
    action = "change"

    def get_attachment(self, request, pk):
        attachments = Attachment.objects.select_related("household", "household__village", "uploaded_by")
        return get_object_or_404(restrict(attachments, request.user, "change"), pk=pk)

    def get(self, request, pk):
        attachment = self.get_attachment(request, pk)
        return render(request, "households/attachment_confirm_delete.html", {
            "object": attachment, "household": attachment.household,
        })

    def post(self, request, pk):
        attachment = self.get_attachment(request, pk)
        target = attachment.get_absolute_url()
        with transaction.atomic():
            attachment_delete(actor=request.user, attachment=attachment)
        messages.success(request, f"已删除{attachment.kind}“{attachment.original_name}”（删除记录保留在审计日志中）。")
        return HttpResponseRedirect(target)


urlpatterns = [
    path("measure-categories/", CategoryListView.as_view(), name="category_list"),
    path("measure-categories/new/", CategoryFormView.as_view(), name="category_create"),
    path("measure-categories/<int:pk>/edit/", CategoryFormView.as_view(), name="category_update"),
    path("measures/", MeasureListView.as_view(), name="measure_list"),
    path("measures/bulk/", MeasureBulkAddView.as_view(), name="measure_bulk_add"),
    path("<int:pk>/measures/new/", MeasureCreateView.as_view(), name="measure_create"),
    path("measures/<int:pk>/edit/", MeasureUpdateView.as_view(), name="measure_update"),
    path("<int:pk>/attachments/new/", AttachmentUploadView.as_view(), name="attachment_upload"),
    path("attachments/<int:pk>/", AttachmentDownloadView.as_view(), name="attachment_download"),
    path("attachments/<int:pk>/delete/", AttachmentDeleteView.as_view(), name="attachment_delete"),
]
