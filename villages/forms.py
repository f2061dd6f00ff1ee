from django import forms

from povertyrelief.forms import ChineseFormMixin, ScopedModelForm, date_input
from povertyrelief.validators import validate_phone

from .fields import AreaChoiceField
from .models import Area, AreaLevel, WorkTeam

PHONE_HELP = "11位手机号或 0915-1234567 形式的座机号"


class WorkTeamForm(ScopedModelForm):
    village = AreaChoiceField(label="村", level=AreaLevel.VILLAGE, action="change")

    class Meta:
        model = WorkTeam
        fields = [
            "village",
            "dispatching_unit",
            "leader_name",
            "leader_phone",
            "first_secretary_name",
            "first_secretary_unit",
            "first_secretary_phone",
            "members",
            "start_date",
            "end_date",
        ]
        widgets = {
            "start_date": date_input(),
            "end_date": date_input(),
            "members": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].offer_to(self.user)
        for name in ("leader_phone", "first_secretary_phone"):
            self.fields[name].help_text = PHONE_HELP

    def clean(self):
        cleaned = super().clean()
        for name in ("leader_phone", "first_secretary_phone"):
            value = cleaned.get(name)
            if value:
                try:
                    validate_phone(value)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned


class AreaForm(ScopedModelForm):
    class Meta:
        model = Area
        fields = ["name", "rural_population"]


class AreaImportForm(ChineseFormMixin, forms.Form):
    file = forms.FileField(label="区划工作簿（.xlsx）")
    dry_run = forms.BooleanField(label="仅检查，不写入（试导入）", required=False)
