"""Forms of the exit pages. They only collect and shape input; every rule is
the service's, whose ValidationError the base view puts back on the form."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from households.models import Household
from povertyrelief.forms import ChineseFormMixin, date_input

from .filters import year_choices
from .models import ExitReview, ObjectionDecision, ThirdPartyResult, VillageChecklistItem


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=date_input(), initial=timezone.localdate)


class HouseholdChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, household: Household) -> str:
        return f"{household.village.name} {household.group} {household.head_name}户（{household.number}，{household.member_count}人）"


class ReviewChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, review: ExitReview) -> str:
        h = review.household
        return f"{h.village.name} {h.head_name}户（{h.number}）{review.year}年，户主认可 {review.consented_on:%Y-%m-%d}"


class ProposeForm(ChineseFormMixin, forms.Form):
    """民主评议 of one or more households (one meeting's result), previewed
    first, then confirmed. (ChineseFormMixin for its date bounds: it leaves
    model choice fields' querysets alone, so the households set below show.)"""

    year = forms.TypedChoiceField(label="退出年度", coerce=int)
    date = _date("民主评议日期")
    votes_for = forms.IntegerField(label="同意票", min_value=0)
    votes_against = forms.IntegerField(label="反对票", min_value=0, initial=0)
    votes_abstain = forms.IntegerField(label="弃权票", min_value=0, initial=0)
    households = HouseholdChoices(label="评议的户", queryset=Household.objects.none(), widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="评议情况", max_length=200, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = timezone.localdate().year
        self.fields["households"].queryset = candidates


class VerifyForm(ChineseFormMixin, forms.Form):
    date = _date("入户核实日期")
    food_secure = forms.BooleanField(label="不愁吃（入户核实确认）", required=False)
    clothing_secure = forms.BooleanField(label="不愁穿（入户核实确认）", required=False)
    note = forms.CharField(label="核实情况", max_length=200, required=False, help_text="如：村两委和驻村工作队 3 人入户核实")


class StepForm(ChineseFormMixin, forms.Form):
    date = _date("日期")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, date_label: str = "日期", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].label = date_label


class PublicityBatchForm(ChineseFormMixin, forms.Form):
    date = _date("公示开始日期")
    reviews = ReviewChoices(label="公示的户", queryset=ExitReview.objects.none(), widget=forms.CheckboxSelectMultiple)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviews"].queryset = candidates


class ObjectionForm(ChineseFormMixin, forms.Form):
    received_on = _date("收到异议日期")
    objector = forms.CharField(label="异议人", max_length=30, required=False, help_text="可匿名，留空即可")
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 3}))


class ObjectionDecideForm(ChineseFormMixin, forms.Form):
    day = _date("核实日期")
    decision = forms.ChoiceField(
        label="核实结论", widget=forms.RadioSelect,
        choices=[(ObjectionDecision.REJECTED, "异议不成立，继续公示"), (ObjectionDecision.UPHELD, "异议成立，终止本年度退出")],
    )
    note = forms.CharField(label="核实情况", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(ChineseFormMixin, forms.Form):
    """乡镇审核 / 县级审定: approve, or return with a reason."""

    date = _date("审核日期")
    decision = forms.ChoiceField(label="审核意见", widget=forms.RadioSelect, choices=[("approve", "审核通过"), ("return", "退回")], initial="approve")
    reason = forms.CharField(label="意见或退回原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, date_label: str = "审核日期", approve_label: str = "审核通过", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].label = date_label
        self.fields["decision"].choices = [("approve", approve_label), ("return", "退回（说明原因）")]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "退回须说明原因。")
        return cleaned


class CountyForm(DecisionForm):
    third_party_result = forms.ChoiceField(label="第三方评估", choices=ThirdPartyResult.choices, required=False,
                                           help_text="抽查到的户填写评估结果；不合格的不能审定通过")
    third_party_note = forms.CharField(label="评估说明", max_length=200, required=False)


class VillageProposeForm(ChineseFormMixin, forms.Form):
    """乡镇申请 with every checklist condition answered."""

    year = forms.TypedChoiceField(label="退出年度", coerce=int)
    date = _date("申请日期")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = timezone.localdate().year
        self.items = list(VillageChecklistItem.objects.filter(active=True))
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.BooleanField(label=f"{item.name}（{item.description}）" if item.description else item.name, required=False)
            self.fields[f"item_{item.pk}_note"] = forms.CharField(label=f"{item.name}：情况说明", max_length=200, required=False)

    def results(self) -> dict[int, tuple[bool, str]]:
        data = self.cleaned_data
        return {item.pk: (data.get(f"item_{item.pk}", False), data.get(f"item_{item.pk}_note", "")) for item in self.items}


class ChecklistItemForm(ChineseFormMixin, forms.ModelForm):
    class Meta:
        model = VillageChecklistItem
        fields = ["name", "description", "sort_order", "active"]
        help_texts = {"active": "停用后，新的退出申请不再核查该项；已有申请不受影响"}
