"""Form pieces shared by the households forms and the list filters."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from povertyrelief.forms import EMPTY_LABEL, is_row_id

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


def cadre_label(cadre) -> str:
    """How a 帮扶责任人 reads in drop-downs and the search results."""
    return f"{cadre.name}（{cadre.unit}{'，' + cadre.position if cadre.position else ''}）"


class CadreSelect(forms.Select):
    """A cadre drop-down holding only the blank choice, the chosen cadre and
    a few ``suggestions`` (a lazy queryset, e.g. the household's cadres):
    a township sees some 1,500 cadres, too many to render or scroll. The
    rest are found by typing into the box static/js/cadre_search.js puts
    above it, which asks the ``data-cadre-search`` URL. The field still
    accepts any cadre of its queryset."""

    search_url = reverse_lazy("households:cadre_options")

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.suggestions = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-cadre-search"] = str(self.search_url)
        return context

    def optgroups(self, name, value, attrs=None):
        """Like the admin's AutocompleteSelect: options only for what is
        chosen (looked up in the field's queryset) and the suggestions."""
        field = self.choices.field
        chosen = {str(v) for v in value if is_row_id(v)}
        options = []
        if field.empty_label is not None:
            options.append(self.create_option(name, "", field.empty_label, not chosen, 0, attrs=attrs))
        rows = list(field.queryset.filter(pk__in=chosen)) if chosen else []
        if self.suggestions is not None:
            rows += [cadre for cadre in self.suggestions if str(cadre.pk) not in chosen]
        for cadre in rows:
            selected = str(cadre.pk) in chosen
            options.append(self.create_option(name, cadre.pk, field.label_from_instance(cadre), selected, len(options), attrs=attrs))
        return [(None, [option], index) for index, option in enumerate(options)]


class CadreChoiceField(forms.ModelChoiceField):
    """A 帮扶责任人 from the queryset, picked by search (see CadreSelect)."""

    widget = CadreSelect

    def label_from_instance(self, cadre):
        return cadre_label(cadre)

    def suggest(self, cadres) -> None:
        """Offer these cadres (a queryset, read only if the form is shown)."""
        self.widget.suggestions = cadres


class SmallWidgetsMixin:
    """Bootstrap's small controls, as on the other filter bars."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
