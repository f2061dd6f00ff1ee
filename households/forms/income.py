from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator

from povertyrelief.forms import ChineseFormMixin

from ..models import INCOME_GROUPS, AnnualStandard, Income
from ..services.income import RATE_FIELDS

COST_GROUP = "生产经营性支出"
NOT_NEGATIVE = MinValueValidator(Decimal("0"), message="金额不能为负数。")


class IncomeForm(ChineseFormMixin, forms.ModelForm):
    """One year's items, grouped as the 收入测算表 prints them."""

    class Meta:
        model = Income
        fields = ["year", *[f for names in INCOME_GROUPS.values() for f in names], "production_cost", "household_size"]

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField):
                field.validators.append(NOT_NEGATIVE)
                field.widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
        self.fields["household_size"].required = False
        self.fields["household_size"].help_text = f"不填则按当前家庭人口 {household.member_count} 人计算"
        self.fields["year"].widget.attrs.update({"inputmode": "numeric"})

    def groups(self):
        """(group label, bound fields) in the order of the paper form."""
        sections = [(label, [self[name] for name in names]) for label, names in INCOME_GROUPS.items()]
        sections.append((COST_GROUP, [self["production_cost"]]))
        return sections


class AnnualStandardForm(ChineseFormMixin, forms.ModelForm):
    class Meta:
        model = AnnualStandard
        fields = [
            "year", "province", "poverty_line", "monitoring_line", *RATE_FIELDS,
            "monitoring_stable_months", "monitoring_deadline_days", "exit_publicity_days", "monitoring_publicity_days",
            "village_exit_max_rate",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Incomes are judged by their year's row; see standard_save.
            self.fields["year"].disabled = True
            self.fields["province"].disabled = True
        for name in RATE_FIELDS:
            self.fields[name].help_text = "0 到 1 之间，如 0.40 表示按产值的 40% 估算成本"
            self.fields[name].widget.attrs.update({"min": "0", "max": "1", "step": "0.01"})
        # Left empty, the village exit limit keeps its value (3% by default).
        self.fields["village_exit_max_rate"].required = False

    def clean_village_exit_max_rate(self):
        value = self.cleaned_data.get("village_exit_max_rate")
        return self.instance.village_exit_max_rate if value is None else value
