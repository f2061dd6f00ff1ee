"""措施目录: the catalogue of measure kinds a household's measures are chosen
from. Saving an entry is a ``ServiceFormView`` calling
households.services.measures.category_save."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from povertyrelief.views_base import ScopedMixin, ServiceFormView

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


class CategoryFormView(ServiceFormView):
    """The catalogue is county-wide: the role decides (manage), not the area."""

    action = "manage"
    form_class = CategoryForm
    template_name = "households/category_form.html"

    def get_object(self):
        pk = self.kwargs.get("pk")
        return MeasureCategory() if pk is None else get_object_or_404(MeasureCategory, pk=pk)

    def get_form_kwargs_extra(self) -> dict:
        return {"instance": self.object}

    def perform(self, form, category):
        return category_save(actor=self.request.user, category=form.instance)

    def get_success_message(self, category) -> str:
        state = "" if category.active else "（已停用，新增措施时不再可选）"
        return f"措施目录“{category}”已保存{state}。"

    def get_success_url(self, result=None) -> str:
        return reverse("households:category_list")
