"""Forms of 明白卡 printing: batch choice, the print queue's filter and
actions, hand-over, and 公示 lists."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from povertyrelief.forms import ChineseFormMixin
from povertyrelief.models import User
from povertyrelief.permissions import restrict
from villages.models import Area, AreaLevel

from ..selectors.printing import PrintState, card_year
from ..selectors.publicity import PUBLICITY_KINDS, publicity_min_days


def _areas_for_picker(user: User):
    return restrict(Area, user, "view").filter(level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE]).select_related("parent").order_by("code")


def _area_label(area: Area) -> str:
    if area.level == AreaLevel.VILLAGE and area.parent is not None:
        return f"{area.parent.name} {area.name}"
    return f"{area.name}（全乡镇）"


class SmallWidgetsMixin:
    """Bootstrap's small controls, as on the other filter bars."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


class YearField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        this_year = timezone.localdate().year
        super().__init__(
            label="年度",
            coerce=int,
            choices=[(y, f"{y}年") for y in range(this_year + 1, 2013, -1)],
            initial=this_year,
            **kwargs,
        )


class CardYearField(forms.Field):
    """The year a card is recorded for: this year when absent or odd."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> int:
        return card_year(value)


class HouseholdIdsField(forms.Field):
    """The ticked households of a list (``household=`` repeated); anything
    that is not a number is left out."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[int]:
        return [int(v) for v in value or [] if str(v).isdigit()]


class CardRecordForm(forms.Form):
    """打印登记 of one household's, or a whole area's, cards."""

    year = CardYearField()


class CardSelectionForm(CardRecordForm):
    """Households ticked in the print queue."""

    household = HouseholdIdsField()


class CardBatchForm(SmallWidgetsMixin, ChineseFormMixin, forms.Form):
    area = forms.ModelChoiceField(label="乡镇或村", queryset=Area.objects.none())
    year = YearField()

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas_for_picker(user)
        self.fields["area"].label_from_instance = _area_label


class PrintQueueFilter(SmallWidgetsMixin, ChineseFormMixin, forms.Form):
    year = YearField(required=False)
    village = forms.ModelChoiceField(label="乡镇或村", queryset=Area.objects.none(), required=False)
    state = forms.ChoiceField(label="状态", choices=PrintState.CHOICES, required=False)
    q = forms.CharField(label="搜索", required=False, max_length=30)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = _areas_for_picker(user)
        self.fields["village"].label_from_instance = _area_label
        self.fields["village"].empty_label = "全部乡镇和村"


class HandoverForm(SmallWidgetsMixin, CardSelectionForm):
    handed_over_on = forms.DateField(label="发放日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    handed_over_by = forms.CharField(label="发放人", max_length=30)


class PublicityForm(SmallWidgetsMixin, ChineseFormMixin, forms.Form):
    kind = forms.ChoiceField(label="名单", choices=list(PUBLICITY_KINDS.items()))
    village = forms.ModelChoiceField(label="村", queryset=Area.objects.none())
    start = forms.DateField(label="公示开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    days = forms.IntegerField(label="公示天数", min_value=1, max_value=60, required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        villages = restrict(Area, user, "view").filter(level=AreaLevel.VILLAGE).select_related("parent").order_by("code")
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = _area_label

    def clean(self):
        data = super().clean()
        kind, days = data.get("kind"), data.get("days")
        minimum = publicity_min_days(kind or "", timezone.localdate().year)
        if days is None:
            data["days"] = minimum
        elif days < minimum:
            self.add_error("days", f"{PUBLICITY_KINDS.get(kind, '公示')}的公示期不少于 {minimum} 天。")
        return data
