import re
from datetime import date

from django import forms

from povertyrelief.forms import ChineseFormMixin, ScopedModelForm, date_input
from povertyrelief.permissions import restrict
from povertyrelief.validators import validate_phone

from ..models import Cadre, Household, Visit
from ..selectors.cadres import cadre_choices, cadre_suggestions
from ..services.cadres import photo_check
from .fields import CadreChoiceField

NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")


class CadreForm(ScopedModelForm):
    scoped_fields = {"area": "change"}

    class Meta:
        model = Cadre
        fields = ["name", "unit", "unit_level", "position", "phone", "area", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = self.fields["area"].queryset.order_by("code")
        self.fields["area"].label_from_instance = lambda a: f"{a.get_level_display()}：{a.name}"
        self.fields["phone"].help_text = "11位手机号或 0915-1234567 形式的座机号"
        if self.instance.pk is None and self.user.area_id:
            self.fields["area"].initial = self.user.area_id

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        validate_phone(phone)
        return phone


class AssignmentForm(ChineseFormMixin, forms.Form):
    cadre = CadreChoiceField(label="帮扶责任人", queryset=Cadre.objects.none())
    start_date = forms.DateField(label="结对日期", initial=date.today, widget=date_input())

    def __init__(self, *args, user, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        cadre = self.fields["cadre"]
        cadre.queryset = cadre_choices(actor=user)
        cadre.suggest(cadre_suggestions(actor=user, choices=cadre.queryset, household=household))


class AssignmentBulkForm(AssignmentForm):
    households = forms.ModelMultipleChoiceField(label="勾选的户", queryset=Household.objects.none(), required=False)
    numbers = forms.CharField(
        label="或粘贴户编号", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个，也可用空格或逗号分隔",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].queryset = restrict(Household, self.user, "change")

    def clean(self):
        cleaned = super().clean()
        chosen = {h.pk: h for h in cleaned.get("households") or []}
        numbers = [n for n in NUMBER_SEPARATORS.split(cleaned.get("numbers") or "") if n]
        if numbers:
            found: dict[str, list[Household]] = {}
            for household in restrict(Household, self.user, "change").filter(number__in=numbers).select_related("village"):
                found.setdefault(household.number, []).append(household)
            missing = [n for n in numbers if n not in found]
            if missing:
                self.add_error("numbers", f"以下户编号不存在或不在您的管辖范围内：{'、'.join(missing)}")
            ambiguous = [n for n, rows in found.items() if len(rows) > 1]
            if ambiguous:
                self.add_error("numbers", f"以下户编号在多个村重复，请改用勾选：{'、'.join(ambiguous)}")
            for rows in found.values():
                if len(rows) == 1:
                    chosen.setdefault(rows[0].pk, rows[0])
        if not chosen and not self.errors:
            self.add_error("households", "请勾选至少一户，或粘贴户编号。")
        cleaned["household_list"] = sorted(chosen.values(), key=lambda h: (h.village_id, h.number))
        return cleaned


class AssignmentEndForm(ChineseFormMixin, forms.Form):
    end_date = forms.DateField(label="解除日期", initial=date.today, widget=date_input())
    end_reason = forms.CharField(
        label="解除原因", max_length=100, help_text="如：已稳定脱贫、干部调离、工作调整",
        error_messages={"required": "请填写解除原因。"},
    )


class VisitForm(ScopedModelForm):
    class Meta:
        model = Visit
        fields = ["date", "cadre", "content", "photo"]
        field_classes = {"cadre": CadreChoiceField}
        widgets = {
            "date": date_input(),
            "content": forms.Textarea(attrs={"rows": 4, "placeholder": "如：宣讲政策、了解务工情况、帮助办理医保报销"}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
        }

    def __init__(self, *args, current_cadre=None, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cadre = self.fields["cadre"]
        cadre.queryset = cadre_choices(actor=self.user, include=current_cadre)
        cadre.suggest(cadre_suggestions(actor=self.user, choices=cadre.queryset, household=household))
        self.fields["date"].initial = date.today
        self.fields["photo"].help_text = "可选，JPEG 或 PNG，不超过10 MB"
        if current_cadre is not None:
            self.fields["cadre"].initial = current_cadre.pk

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > date.today():
            raise forms.ValidationError("走访日期不能晚于今天。")
        return day

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "size") and not getattr(photo, "_committed", False):
            try:
                photo_check(photo)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["photo"]) from None
        return photo
