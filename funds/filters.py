"""Filters of the funds lists and ledgers (pages, Excel and PDF read the
same FilterSet through the selectors, from a plain dict of strings)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from villages.filters import AreaFilterSet, SearchFilter

from .models import (
    Allocation,
    AllocationMeasure,
    AllocationStatus,
    AllocationTarget,
    Disbursement,
    DisbursementStatus,
    FundLevel,
    FundSource,
    Project,
    ProjectStage,
    ProjectType,
)

FIRST_YEAR = 2014


def year_choices() -> list[tuple[int, str]]:
    return [(y, f"{y}年") for y in range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1)]


class FundsFilterSet(AreaFilterSet):
    """Year choices computed per request (the list grows each January)."""

    def __init__(self, data=None, queryset=None, *, actor, **kwargs):
        super().__init__(data, queryset, actor=actor, **kwargs)
        if "year" in self.filters:
            self.filters["year"].extra["choices"] = year_choices()


class SourceFilter(FundsFilterSet):
    q = SearchFilter(label="搜索", paths=("name", "document_number", "budget_subject"))
    year = django_filters.ChoiceFilter(label="年度", choices=[], empty_label="全部年度")
    level = django_filters.ChoiceFilter(label="资金级次", choices=FundLevel.choices, empty_label="全部级次")

    class Meta:
        model = FundSource
        fields: list[str] = []


class ProjectFilter(FundsFilterSet):
    q = SearchFilter(label="搜索", paths=("name", "responsible_unit"))
    year = django_filters.ChoiceFilter(label="项目年度", choices=[], empty_label="全部年度")
    type = django_filters.ChoiceFilter(label="项目类型", field_name="project_type", choices=ProjectType.choices, empty_label="全部类型")
    stage = django_filters.ChoiceFilter(label="项目状态", choices=ProjectStage.choices, empty_label="全部状态")

    def filter_village(self, queryset, name, value):
        # A project of several villages belongs to their township; it still
        # shows under each of its villages.
        in_village = Project.villages.through.objects.filter(project=OuterRef("pk"), area=value)
        return queryset.filter(Q(area=value) | Exists(in_village))

    class Meta:
        model = Project
        fields: list[str] = []


class LedgerFilter(FundsFilterSet):
    """The fund ledger's filter: year and level of the source, type of the
    project, what the money went to, and the area."""

    year = django_filters.ChoiceFilter(label="资金年度", field_name="source__year", choices=[], empty_label="全部年度")
    level = django_filters.ChoiceFilter(label="资金级次", field_name="source__level", choices=FundLevel.choices, empty_label="全部级次")
    type = django_filters.ChoiceFilter(
        label="项目类型", field_name="project__project_type", choices=ProjectType.choices, empty_label="全部类型"
    )
    target = django_filters.ChoiceFilter(label="分配对象", choices=AllocationTarget.choices, empty_label="全部对象")
    source = django_filters.NumberFilter(label="资金来源", field_name="source_id")
    project = django_filters.NumberFilter(label="项目", field_name="project_id")

    class Meta:
        model = Allocation
        fields: list[str] = []


class AllocationFilter(LedgerFilter):
    """The allocation list's filter: the ledger's, and cancelled or not
    (the ledger itself counts only allocations in force)."""

    status = django_filters.ChoiceFilter(label="状态", choices=AllocationStatus.choices, empty_label="全部状态")

    class Meta:
        model = Allocation
        fields: list[str] = []


class DisbursementFilter(FundsFilterSet):
    area_path = "allocation__area"

    q = SearchFilter(label="搜索", paths=("payee", "voucher_number"))
    status = django_filters.ChoiceFilter(label="状态", choices=DisbursementStatus.choices, empty_label="全部状态")
    year = django_filters.ChoiceFilter(label="资金年度", field_name="allocation__source__year", choices=[], empty_label="全部年度")
    level = django_filters.ChoiceFilter(
        label="资金级次", field_name="allocation__source__level", choices=FundLevel.choices, empty_label="全部级次"
    )
    allocation = django_filters.NumberFilter(label="资金分配", field_name="allocation_id")

    class Meta:
        model = Disbursement
        fields: list[str] = []


class MeasureFundingFilter(FundsFilterSet):
    """The per-measure ledger: the measure's year, the source's level."""

    area_path = "village"

    year = django_filters.ChoiceFilter(label="措施年度", field_name="measure__year", choices=[], empty_label="全部年度")
    level = django_filters.ChoiceFilter(
        label="资金级次", field_name="allocation__source__level", choices=FundLevel.choices, empty_label="全部级次"
    )

    class Meta:
        model = AllocationMeasure
        fields: list[str] = []
