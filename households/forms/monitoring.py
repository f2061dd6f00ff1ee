"""Forms for 防返贫监测 cases: opening one with its first risk signal,
editing it, each identification step and risk elimination."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from povertyrelief.forms import ChineseFormMixin, date_input

from ..models import Monitoring, MonitoringStage


class MonitoringCreateForm(ChineseFormMixin, forms.ModelForm):
    """A risk signal opens a case (风险预警); identification follows step by step."""

    class Meta:
        model = Monitoring
        fields = ["object_type", "risk_description", "signal_kind", "signal_date"]
        widgets = {"signal_date": date_input(), "risk_description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "risk_description": "如：因病住院自付费用高、务工收入中断、遭受自然灾害等",
            "signal_date": "农户申报、干部排查或部门预警首次发现风险的日期；县级审定须在规定天数（一般15天）内完成",
        }

    def clean_signal_date(self):
        day = self.cleaned_data["signal_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError("首次风险信号日期不能晚于今天。")
        return day


class MonitoringUpdateForm(MonitoringCreateForm):
    class Meta(MonitoringCreateForm.Meta):
        fields = ["object_type", "risk_description", "signal_kind", "signal_date", "income_stable_since", "no_labour_capacity"]
        widgets = {**MonitoringCreateForm.Meta.widgets, "income_stable_since": date_input()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.stage != "signalled":
            # The first signal starts the identification clock: once the
            # procedure is under way it is a fact on record.
            for name in ("signal_kind", "signal_date"):
                self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        since = cleaned.get("income_stable_since")
        identified = self.instance.risk_identified_date
        if since and since > timezone.localdate():
            self.add_error("income_stable_since", "收入稳定超过监测线起始日不能晚于今天。")
        elif since and identified and since < identified:
            self.add_error("income_stable_since", "收入稳定超过监测线起始日不能早于风险识别时间。")
        return cleaned


class MonitoringStepForm(ChineseFormMixin, forms.Form):
    """One step of identification: its date, and for 乡镇审核 and 县级审定 the
    decision (a return needs its reason)."""

    DECISIONS = {
        "township_approved": [("approve", "审核通过"), ("return", "退回村级重新公示")],
        "identified": [("approve", "审定纳入监测"), ("reject", "不予纳入"), ("return", "退回乡镇重新审核")],
    }

    date = forms.DateField(label="日期", widget=date_input())
    decision = forms.ChoiceField(label="审核意见", choices=[], widget=forms.RadioSelect, required=False)
    reason = forms.CharField(label="意见或退回原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    returned_to_poverty = forms.BooleanField(
        label="认定返贫（脱贫状态改为“返贫”）", required=False,
        help_text="仅适用于已脱贫的建档立卡户；返贫只能经县级审定认定",
    )

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, **kwargs)
        following = obj.next_stage
        self.fields["date"].initial = timezone.localdate()
        self.fields["date"].label = f"{MonitoringStage(following).label if following else ''}日期"
        decisions = self.DECISIONS.get(following or "")
        if decisions:
            self.fields["decision"].choices = decisions
            self.fields["decision"].required = True
            self.fields["decision"].initial = "approve"
        else:
            del self.fields["decision"]
        if following != MonitoringStage.IDENTIFIED or not obj.household.registered or obj.household.status not in ("1", "4"):
            del self.fields["returned_to_poverty"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in ("return", "reject") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "退回或不予纳入须说明原因。")
        return cleaned


class MonitoringEliminateForm(ChineseFormMixin, forms.Form):
    on_date = forms.DateField(label="风险消除时间", widget=date_input())

    def clean_on_date(self):
        day = self.cleaned_data["on_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("风险消除时间不能晚于今天。")
        return day
