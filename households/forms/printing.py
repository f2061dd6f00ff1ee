"""Forms of 明白卡 printing: batch choice, the print queue's actions,
hand-over, and 公示 lists (the queue's filter: households.filters)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from povertyrelief.forms import ChineseFormMixin, date_input, is_row_id
from povertyrelief.models import User
from villages.fields import AreaChoiceField
from villages.models import AreaLevel

from ..selectors.printing import card_year
from ..selectors.publicity import PUBLICITY_KINDS, publicity_min_days
from .fields import SmallWidgetsMixin, year_choices


class YearField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        this_year = timezone.localdate().year
        super().__init__(
            label="年度",
            coerce=int,
            choices=year_choices(),
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
    that is not a row's id (not a number, or beyond 64 bits, which SQLite's
    driver cannot even look up) is left out."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[int]:
        return [int(v) for v in value or [] if is_row_id(v)]


class CardRecordForm(ChineseFormMixin, forms.Form):
    """打印登记 of one household's, or a whole area's, cards."""

    year = CardYearField()


class CardSelectionForm(CardRecordForm):
    """Households ticked in the print queue."""

    household = HouseholdIdsField()


class CardBatchForm(SmallWidgetsMixin, ChineseFormMixin, forms.Form):
    area = AreaChoiceField(label="乡镇或村", level=None)
    year = YearField()

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].offer_to(user)


class HandoverForm(SmallWidgetsMixin, CardSelectionForm):
    handed_over_on = forms.DateField(label="发放日期", widget=date_input())
    handed_over_by = forms.CharField(label="发放人", max_length=30)


class PublicityForm(SmallWidgetsMixin, ChineseFormMixin, forms.Form):
    kind = forms.ChoiceField(label="名单", choices=list(PUBLICITY_KINDS.items()))
    village = AreaChoiceField(label="村", level=AreaLevel.VILLAGE)
    start = forms.DateField(label="公示开始日期", widget=date_input())
    days = forms.IntegerField(label="公示天数", min_value=1, max_value=60, required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].offer_to(user)

    def clean(self):
        data = super().clean()
        kind, days = data.get("kind"), data.get("days")
        minimum = publicity_min_days(kind or "", timezone.localdate().year)
        if days is None:
            data["days"] = minimum
        elif days < minimum:
            self.add_error("days", f"{PUBLICITY_KINDS.get(kind, '公示')}的公示期不少于 {minimum} 天。")
        return data
