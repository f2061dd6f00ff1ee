from django import forms

from povertyrelief.forms import ChineseFormMixin
from villages.models import AreaLevel
from villages.selectors import area_options

from .models import AnnualTarget

FIELDS = (("households", "脱贫户数"), ("people", "脱贫人数"), ("villages", "退出贫困村"))


class TargetsForm(ChineseFormMixin, forms.Form):
    """One row per township of the user's area: households, people and
    villages to exit in ``year`` (blank = no target)."""

    def __init__(self, *args, user, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.townships = list(area_options(actor=user, action="manage", level=AreaLevel.TOWNSHIP))
        existing = {t.township_id: t for t in AnnualTarget.objects.restrict(user, "manage").filter(year=year)}
        self.rows = []
        for township in self.townships:
            target = existing.get(township.pk)
            names = []
            for key, label in FIELDS:
                name = f"{key}_{township.pk}"
                self.fields[name] = forms.IntegerField(
                    label=f"{township.name}{label}", min_value=0, max_value=1_000_000, required=False,
                    initial=getattr(target, key) if target else None,
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm text-end", "min": 0}),
                )
                names.append(name)
            self.rows.append((township, [self[name] for name in names]))

    def targets(self) -> dict:
        """Township → (households, people, villages), blanks read as 0."""
        return {
            township: tuple(self.cleaned_data.get(f"{key}_{township.pk}") or 0 for key, _ in FIELDS)
            for township in self.townships
        }
