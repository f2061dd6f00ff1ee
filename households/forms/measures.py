"""Forms for measures (one, or one for many households) and the catalogue."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone

from povertyrelief.forms import EMPTY_LABEL, ChineseFormMixin, ScopedModelForm, date_input
from povertyrelief.permissions import restrict
from villages.fields import AreaChoiceField
from villages.models import AreaLevel

from ..models import (
    Cadre,
    HouseholdStatus,
    Measure,
    MeasureCategory,
    MeasureStatus,
)
from ..selectors.cadres import cadre_suggestions
from ..selectors.measures import parse_household_numbers
from .fields import CadreChoiceField, GroupedCategoryField
from .fields import year_choices as _year_choices

DONE_NEEDS_DATE = "已落实的措施须填写落实日期。"


class CategoryForm(ChineseFormMixin, forms.ModelForm):
    class Meta:
        model = MeasureCategory
        fields = ["group", "name", "sort_order", "active"]
        help_texts = {
            "sort_order": "数字小的排在前面",
            "active": "停用后，新增措施时不再可选；已有措施不受影响",
        }


def _check_done_date(form: forms.Form, cleaned: dict) -> None:
    if cleaned.get("status") == MeasureStatus.DONE and not cleaned.get("done_date") and "done_date" not in form.errors:
        form.add_error("done_date", DONE_NEEDS_DATE)
    done_date = cleaned.get("done_date")
    if done_date and done_date > timezone.localdate():
        form.add_error("done_date", "落实日期不能晚于今天。")


class MeasureForm(ScopedModelForm):
    """One measure of one household; members are this household's current
    members, cadres those the user may see."""

    scoped_fields = {"member": "change", "cadre": "view"}

    class Meta:
        model = Measure
        fields = ["year", "category", "member", "content", "amount", "planned_date", "done_date", "status", "cadre"]
        field_classes = {"category": GroupedCategoryField, "cadre": CadreChoiceField}
        widgets = {"planned_date": date_input(), "done_date": date_input(), "year": forms.Select}
        help_texts = {
            "member": "措施落实到具体成员时选择（如教育、健康类），否则留空",
            "amount": "单位：元，可留空",
            "done_date": "状态为“已落实”时必填",
        }

    def __init__(self, *args, household, **kwargs):
        self.household = household
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["year"].widget.choices = _year_choices(EMPTY_LABEL)
        category = self.fields["category"]
        category.queryset = MeasureCategory.objects.filter(Q(active=True) | Q(pk=instance.category_id)).order_by(
            "sort_order", "pk"
        )
        category.set_grouped_choices()
        self.fields["member"].queryset = self.fields["member"].queryset.filter(household=household).filter(
            Q(left_date__isnull=True) | Q(pk=instance.member_id)
        ).order_by("pk")
        self.fields["member"].empty_label = "（全户）"
        cadre = self.fields["cadre"]
        cadre.queryset = cadre.queryset.filter(Q(active=True) | Q(pk=instance.cadre_id)).order_by("name", "pk")
        cadre.suggest(cadre_suggestions(actor=self.user, choices=cadre.queryset, household=household))
        self.fields["amount"].widget.attrs["min"] = "0"
        self.fields["amount"].widget.attrs["step"] = "0.01"

    def clean(self):
        cleaned = super().clean()
        _check_done_date(self, cleaned)
        return cleaned

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError("金额不能为负数。")
        return amount


class MeasureBulkForm(ChineseFormMixin, forms.Form):
    """One measure for many households: pasted 户编号 and/or a filter."""

    category = GroupedCategoryField(label="措施类别", queryset=MeasureCategory.objects.filter(active=True).order_by("sort_order", "pk"))
    year = forms.TypedChoiceField(label="年度", coerce=int)
    content = forms.CharField(label="帮扶内容", max_length=200)
    amount = forms.DecimalField(label="每户金额(元)", required=False, min_value=0, max_digits=14, decimal_places=2)
    status = forms.ChoiceField(label="状态", choices=MeasureStatus.choices, initial=MeasureStatus.PLANNED)
    planned_date = forms.DateField(label="计划日期", required=False, widget=date_input())
    done_date = forms.DateField(label="落实日期", required=False, widget=date_input(), help_text="状态为“已落实”时必填")
    cadre = CadreChoiceField(label="责任人", required=False, queryset=Cadre.objects.none())
    numbers = forms.CharField(
        label="户编号", required=False, widget=forms.Textarea(attrs={"rows": 8, "placeholder": "每行一个户编号"}),
        help_text="每行一个，也可用逗号或空格分隔；须为您管辖范围内的户",
    )
    use_filter = forms.BooleanField(label="同时加入符合以下条件的户", required=False)
    township = AreaChoiceField(label="乡镇", level=AreaLevel.TOWNSHIP, required=False)
    village = AreaChoiceField(label="村", level=AreaLevel.VILLAGE, required=False)
    household_status = forms.ChoiceField(label="脱贫状态", required=False, choices=[("", "全部")] + HouseholdStatus.choices)
    monitored = forms.BooleanField(label="仅防返贫监测对象（风险未消除）", required=False)
    has_year = forms.TypedChoiceField(label="已有措施的年度", required=False, coerce=int, empty_value=None)
    has_category = GroupedCategoryField(
        label="已有措施", required=False, queryset=MeasureCategory.objects.order_by("sort_order", "pk"),
        help_text="例如：为去年已有“公益岗位”的户续设今年的公益岗位",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices(EMPTY_LABEL)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["has_year"].choices = _year_choices("不限")
        for name in ("township", "village"):
            self.fields[name].offer_to(user)
            self.fields[name].empty_label = "不限"
        cadre = self.fields["cadre"]
        cadre.queryset = restrict(Cadre, user, "view").filter(active=True).order_by("name", "pk")
        cadre.empty_label = "（不指定）"
        cadre.suggest(cadre_suggestions(actor=user, choices=cadre.queryset))
        self.fields["category"].set_grouped_choices()
        self.fields["has_category"].set_grouped_choices("不限")

    def clean_numbers(self) -> list[str]:
        return parse_household_numbers(self.cleaned_data.get("numbers", ""))

    def clean(self):
        cleaned = super().clean()
        _check_done_date(self, cleaned)
        if not cleaned.get("numbers") and not cleaned.get("use_filter") and "numbers" not in self.errors:
            self.add_error("numbers", "请粘贴户编号，或勾选“同时加入符合以下条件的户”。")
        return cleaned

    def selection_filters(self) -> dict | None:
        """The household filter for the selector, or None when not used."""
        data = self.cleaned_data
        if not data.get("use_filter"):
            return None
        return {
            "township": data.get("township"), "village": data.get("village"), "status": data.get("household_status"),
            "monitored": data.get("monitored"), "has_year": data.get("has_year"), "has_category": data.get("has_category"),
        }

    def measure(self) -> Measure:
        data = self.cleaned_data
        return Measure(
            year=data["year"], category=data["category"], content=data["content"], amount=data.get("amount"),
            status=data["status"], planned_date=data.get("planned_date"), done_date=data.get("done_date"),
            cadre=data.get("cadre"),
        )
