"""Filters of the exit lists (pages, Excel and PDF read the same FilterSet
through the selectors, from a plain dict of strings), on the shared
township/village filter."""

from __future__ import annotations

import django_filters
from django.utils import timezone

from villages.filters import AreaFilterSet, SearchFilter
from villages.models import Area

from .models import ExitReview, ExitStage

FIRST_YEAR = 2014


def exit_year(value) -> int:
    """The year a village exit page or ledger shows: the one asked for when
    it is a real year (2014 to this year), else this year."""
    value = str(value or "")
    this_year = timezone.localdate().year
    return int(value) if value.isdigit() and FIRST_YEAR <= int(value) <= this_year else this_year


def year_choices() -> list[tuple[int, str]]:
    return [(y, f"{y}年") for y in range(timezone.localdate().year, FIRST_YEAR - 1, -1)]


class ExitReviewFilter(AreaFilterSet):
    area_path = "household__village"

    q = SearchFilter(label="户主或户编号", paths=("household__head_name", "household__number"))
    year = django_filters.ChoiceFilter(label="退出年度", choices=[], empty_label="全部年度")
    stage = django_filters.ChoiceFilter(label="环节", choices=ExitStage.choices, empty_label="全部环节")

    def __init__(self, data=None, queryset=None, *, actor, **kwargs):
        super().__init__(data, queryset, actor=actor, **kwargs)
        self.filters["year"].extra["choices"] = year_choices()

    class Meta:
        model = ExitReview
        fields: list[str] = []


class VillageFilter(AreaFilterSet):
    """The village exit list: townships and villages in reach (areas filter themselves)."""

    area_path = "self"

    def filter_township(self, queryset, name, value):
        return queryset.filter(parent=value)

    def filter_village(self, queryset, name, value):
        return queryset.filter(pk=value.pk)

    class Meta:
        model = Area
        fields: list[str] = []
