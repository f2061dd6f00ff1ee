"""Form pieces shared by the households forms and the list filters."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from povertyrelief.forms import EMPTY_LABEL

FIRST_YEAR = 2014


def year_choices(blank_label: str | None = None) -> list:
    """Next year back to 2014 (measures, cards), after a blank choice when
    it has a label."""
    this_year = timezone.localdate().year
    years = [(y, f"{y}年") for y in range(this_year + 1, FIRST_YEAR - 1, -1)]
    return years if blank_label is None else [("", blank_label)] + years


def category_grouped_choices(categories) -> list:
    """Drop-down choices with one option group per 类别 (产业扶贫, 就业扶贫…)."""
    groups: dict[str, list] = {}
    for category in categories:
        groups.setdefault(category.get_group_display(), []).append((category.pk, category.name))
    return list(groups.items())


class GroupedCategoryField(forms.ModelChoiceField):
    """Catalogue drop-down with one option group per 类别."""

    def set_grouped_choices(self, blank_label: str = EMPTY_LABEL) -> None:
        self.choices = [("", blank_label)] + category_grouped_choices(self.queryset)


class SmallWidgetsMixin:
    """Bootstrap's small controls, as on the other filter bars."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
