"""Forms of the funds pages. They only collect and shape input; every rule
is the service's, whose ValidationError the base view puts back on the form."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone

from households.models import Household, Measure
from povertyrelief.forms import ChineseFormMixin, date_input
from povertyrelief.permissions import restrict
from villages.fields import AreaChoiceField, AreaMultipleChoiceField
from villages.models import AreaLevel

from .models import AllocationTarget, FundSource, Project, ProjectStage

MONEY_INPUT = forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"})


def _money_field(label: str, **extra) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, min_value=0.01, widget=MONEY_INPUT, **extra)


class SourceForm(ChineseFormMixin, forms.ModelForm):
    class Meta:
        model = FundSource
        fields = ["year", "level", "name", "document_number", "amount", "budget_subject", "issued_date", "note"]
        widgets = {"issued_date": date_input(), "amount": MONEY_INPUT}

    def __init__(self, *args, user, obj=None, **kwargs):
        kwargs.setdefault("instance", obj)
        super().__init__(*args, **kwargs)
        self.user = user
        if obj is None:
            self.fields["year"].initial = timezone.localdate().year


class ProjectForm(ChineseFormMixin, forms.ModelForm):
    villages = AreaMultipleChoiceField(
        label="实施村", level=AreaLevel.VILLAGE, action="fund_record", required=False, widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="可多选；不选则为本级（乡镇或县）项目",
    )
    beneficiary_numbers = forms.CharField(
        label="受益建档立卡户（户编号）", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个户编号，用于项目公示（只公示户主姓名和所在村）",
    )
    entered_on = forms.DateField(label="入库日期", widget=date_input(), required=False, help_text="默认今天")

    class Meta:
        model = Project
        fields = [
            "year", "name", "project_type", "construction_nature", "content", "responsible_unit", "budget",
            "performance_target", "beneficiary_households", "beneficiary_people",
        ]
        widgets = {"budget": MONEY_INPUT, "content": forms.Textarea(attrs={"rows": 3}), "performance_target": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, obj=None, **kwargs):
        kwargs.setdefault("instance", obj)
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["villages"].offer_to(user)
        if obj is not None and obj.pk:
            self.fields["villages"].initial = list(obj.villages.all())
            self.fields["beneficiary_numbers"].initial = "\n".join(obj.beneficiaries.values_list("number", flat=True))
            del self.fields["entered_on"]
        else:
            self.fields["year"].initial = timezone.localdate().year

    def clean_beneficiary_numbers(self) -> list[Household]:
        numbers = [n.strip() for n in self.cleaned_data["beneficiary_numbers"].replace("，", "\n").split() if n.strip()]
        found = {h.number: h for h in restrict(Household, self.user, "view").filter(number__in=numbers)}
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(f"以下户编号不存在或不在您的管辖范围内：{'、'.join(unknown[:10])}")
        return list(found.values())


class ProjectAdvanceForm(ChineseFormMixin, forms.Form):
    date = forms.DateField(label="日期", widget=date_input())
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.fields["date"].label = f"{obj.next_stage_label}日期" if obj.next_stage else "日期"


class AllocationForm(ChineseFormMixin, forms.Form):
    source = forms.ModelChoiceField(label="资金来源", queryset=FundSource.objects.none())
    target = forms.ChoiceField(label="分配对象", choices=AllocationTarget.choices, widget=forms.RadioSelect)
    project = forms.ModelChoiceField(label="项目", queryset=Project.objects.none(), required=False,
                                     help_text="已批准、尚未验收的项目")
    village = AreaChoiceField(label="村", level=AreaLevel.VILLAGE, action="fund_manage", required=False)
    measures = forms.ModelMultipleChoiceField(
        label="帮扶措施", queryset=Measure.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="每项按其尚未分配的金额计入",
    )
    amount = _money_field("分配金额(元)", required=False, help_text="分配到户措施时按措施金额合计，不必填写")
    date = forms.DateField(label="分配日期", widget=date_input())
    document_number = forms.CharField(label="分配文号", max_length=60, required=False)
    purpose = forms.CharField(label="用途", max_length=200, required=False)

    def __init__(self, *args, user, measure_filter: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = restrict(FundSource, user, "fund_manage").order_by("-year", "pk")
        self.fields["project"].queryset = (
            restrict(Project, user, "fund_manage")
            .filter(stage__in=[ProjectStage.APPROVED, ProjectStage.IN_PROGRESS, ProjectStage.COMPLETED])
            .order_by("-year", "name")
        )
        self.fields["village"].offer_to(user)
        self.fields["date"].initial = timezone.localdate()
        measure_filter = measure_filter or {}
        measures = Measure.objects.none()
        if measure_filter.get("village") and measure_filter.get("year"):
            measures = (
                restrict(Measure, user, "view")
                .filter(household__village_id=measure_filter["village"], year=measure_filter["year"], amount__gt=0)
                .select_related("household", "category")
                .order_by("household__number", "pk")
            )
        self.fields["measures"].queryset = measures
        self.fields["measures"].label_from_instance = lambda m: f"{m.household.head_name}户（{m.household.number}）{m.category.name}：{m.content}，{m.amount:,.2f} 元"

    def clean(self):
        cleaned = super().clean()
        target = cleaned.get("target")
        if target == AllocationTarget.PROJECT and not cleaned.get("project"):
            self.add_error("project", "请选择项目。")
        if target == AllocationTarget.VILLAGE and not cleaned.get("village"):
            self.add_error("village", "请选择村。")
        if target == AllocationTarget.MEASURES and not cleaned.get("measures"):
            self.add_error("measures", "请先选择村和年度，再勾选要分配资金的措施。")
        if target in (AllocationTarget.PROJECT, AllocationTarget.VILLAGE) and not cleaned.get("amount"):
            self.add_error("amount", "请填写分配金额。")
        return cleaned


class AllocationEditForm(ChineseFormMixin, forms.Form):
    """What an allocation may be corrected in: its amount (not for household
    measures, whose shares make it up), date, document and purpose."""

    amount = _money_field("分配金额(元)")
    date = forms.DateField(label="分配日期", widget=date_input())
    document_number = forms.CharField(label="分配文号", max_length=60, required=False)
    purpose = forms.CharField(label="用途", max_length=200, required=False)

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, **kwargs)
        held = obj.confirmed_total + obj.pending_total
        if obj.target == AllocationTarget.MEASURES:
            del self.fields["amount"]
        elif held:
            self.fields["amount"].help_text = f"已拨付与待确认合计 {held:,.2f} 元，分配金额不能少于此数"


class DisbursementForm(ChineseFormMixin, forms.Form):
    """A disbursement with its one-time token: the page carries a fresh one;
    the same form posted twice carries the same one and pays once."""

    amount = _money_field("拨付金额(元)")
    date = forms.DateField(label="拨付日期", widget=date_input())
    payee = forms.CharField(label="收款单位或个人", max_length=100)
    voucher_number = forms.CharField(label="凭证号", max_length=40)
    measure = forms.ModelChoiceField(label="对应帮扶措施", queryset=Measure.objects.none(), required=False)
    note = forms.CharField(label="摘要", max_length=200, required=False)
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.fields["token"].initial = uuid.uuid4()
        if obj.target == AllocationTarget.MEASURES:
            self.fields["measure"].queryset = Measure.objects.filter(fund_shares__allocation=obj).select_related("household", "category")
            self.fields["measure"].label_from_instance = lambda m: f"{m.household.head_name}户 {m.category.name}：{m.content}"
            self.fields["measure"].empty_label = "—— 不指定 ——"
        else:
            del self.fields["measure"]


class ReasonForm(ChineseFormMixin, forms.Form):
    reason = forms.CharField(label="原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(ChineseFormMixin, forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=150, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="可不填")


class ConfirmForm(ChineseFormMixin, forms.Form):
    """Confirming takes no input: the button is the decision."""
