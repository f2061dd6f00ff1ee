"""措施目录: the catalogue of measure kinds a household's measures are chosen
from. Views validate a form, call one service and redirect; the rules live in
households.services.measures."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from povertyrelief.forms import add_service_errors
from povertyrelief.views_base import ScopedMixin

from ..forms.measures import CategoryForm
from ..models import MeasureCategory, MeasureGroup
from ..selectors.measures import category_list
from ..services.measures import category_save


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
