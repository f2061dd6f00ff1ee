"""Reading measures, the catalogue and the households a bulk action
reaches, always scoped to the actor.

The list page and the 帮扶措施台账 export call the same functions, so a
ledger can never show a row, or apply a filter, the page would not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from povertyrelief.models import User
from povertyrelief.permissions import restrict

from ..filters import MEASURE_SORTS, MeasureFilter
from ..models import Household, Measure, MeasureCategory, MeasureStatus, Monitoring, MonitoringStage

def _pk(value):
    return getattr(value, "pk", value)


def _area_filter(queryset: QuerySet, filters: dict) -> QuerySet:
    """A bulk action's township and village (the form's areas); both are
    applied inside the already restricted queryset, so an area outside the
    actor's reach matches nothing."""
    if filters.get("township"):
        queryset = queryset.filter(village__parent_id=_pk(filters["township"]))
    if filters.get("village"):
        queryset = queryset.filter(village_id=_pk(filters["village"]))
    return queryset


def measure_filterset(*, actor: User, filters: dict | None, action: str = "view") -> MeasureFilter:
    """The measure list's bound filters (its form renders the filter bar)."""
    return MeasureFilter(filters or None, queryset=restrict(Measure, actor, action), actor=actor)


def measure_list(
    *, actor: User, filters: dict | None = None, action: str = "view", filterset: MeasureFilter | None = None
) -> QuerySet[Measure]:
    """Measures in the actor's area matching ``filters`` (year, group, category,
    status, township, village, q = 户编号 or 户主, sort), with everything a row
    prints joined in so a page or ledger costs the same few queries at any size.
    A page that also renders the filter bar passes its ``filterset``."""
    filterset = filterset or measure_filterset(actor=actor, filters=filters, action=action)
    measures = filterset.qs.select_related(
        "household", "household__village", "household__village__parent", "category", "member", "cadre"
    )
    return measures.order_by(*MEASURE_SORTS.get(filterset.chosen.get("sort", ""), MEASURE_SORTS["-year"]))


def measure_totals(measures: QuerySet[Measure]) -> dict:
    """Counts and amounts of a measure list, in total and by status (one query)."""
    totals = measures.order_by().aggregate(
        count=Count("pk"),
        total_amount=Sum("amount"),
        done=Count("pk", filter=Q(status=MeasureStatus.DONE)),
        done_amount=Sum("amount", filter=Q(status=MeasureStatus.DONE)),
        in_progress=Count("pk", filter=Q(status=MeasureStatus.IN_PROGRESS)),
        planned=Count("pk", filter=Q(status=MeasureStatus.PLANNED)),
        households=Count("household", distinct=True),
    )
    zero = Decimal("0.00")
    totals["total_amount"] = totals["total_amount"] or zero
    totals["done_amount"] = totals["done_amount"] or zero
    totals["open_amount"] = totals["total_amount"] - totals["done_amount"]
    return totals


def category_list(*, filters: dict | None = None) -> QuerySet[MeasureCategory]:
    """The catalogue with how many measures use each entry; ``filters`` may
    give group, active ("1"/"0") and q (name)."""
    filters = filters or {}
    categories = MeasureCategory.objects.annotate(measure_count=Count("measures"))
    if filters.get("group"):
        categories = categories.filter(group=filters["group"])
    if filters.get("active") in ("1", "0"):
        categories = categories.filter(active=filters["active"] == "1")
    if (filters.get("q") or "").strip():
        categories = categories.filter(name__contains=filters["q"].strip())
    return categories.order_by("sort_order", "pk")


NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")


def parse_household_numbers(text: str) -> list[str]:
    """户编号 pasted one per line (commas and spaces also separate); repeats
    are dropped, first occurrence order kept."""
    seen: dict[str, None] = {}
    for number in NUMBER_SEPARATORS.split(text or ""):
        if number:
            seen.setdefault(number, None)
    return list(seen)


@dataclass
class BulkSelection:
    households: list[Household] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # not found, or outside the actor's area
    ambiguous: list[str] = field(default_factory=list)  # the same 户编号 in several villages


def households_for_bulk_filter(*, actor: User, filters: dict, action: str = "change") -> QuerySet[Household]:
    """Households matching a bulk-action filter: township, village, status
    (脱贫状态), monitored (an open 防返贫监测 case), and has_year +
    has_category (already received that measure that year)."""
    households = restrict(Household, actor, action)
    households = _area_filter(households, filters)
    if filters.get("status"):
        households = households.filter(status=filters["status"])
    if filters.get("monitored"):
        households = households.filter(
            Exists(Monitoring.objects.filter(household=OuterRef("pk"), risk_eliminated=False).exclude(stage=MonitoringStage.NOT_IDENTIFIED))
        )
    if filters.get("has_category") or filters.get("has_year"):
        received = Measure.objects.filter(household=OuterRef("pk"))
        if filters.get("has_category"):
            received = received.filter(category_id=_pk(filters["has_category"]))
        if filters.get("has_year"):
            received = received.filter(year=int(filters["has_year"]))
        households = households.filter(Exists(received))
    return households


def bulk_household_selection(*, actor, numbers: list[str], filters: dict | None) -> BulkSelection:
    """The households a bulk action would reach: those the actor may change
    whose 户编号 was pasted, plus (when ``filters`` is given) those matching
    it. Numbers not found in the actor's area are reported, never guessed:
    a household outside the area is indistinguishable from a missing one."""
    selection = BulkSelection()
    chosen: dict[int, Household] = {}
    base = restrict(Household, actor, "change").select_related("village", "village__parent")
    if numbers:
        by_number: dict[str, list[Household]] = {}
        for household in base.filter(number__in=numbers):
            by_number.setdefault(household.number, []).append(household)
        for number in numbers:
            found = by_number.get(number, [])
            if not found:
                selection.unknown.append(number)
            elif len(found) > 1:
                selection.ambiguous.append(number)
            else:
                chosen[found[0].pk] = found[0]
    if filters is not None:
        matched = households_for_bulk_filter(actor=actor, filters=filters).select_related("village", "village__parent")
        for household in matched:
            chosen.setdefault(household.pk, household)
    selection.households = sorted(chosen.values(), key=lambda h: (h.village.code, h.number))
    return selection


def households_with_measure(*, actor, household_ids: list[int], category, year: int) -> int:
    """How many of these households already have this measure that year."""
    return (
        restrict(Measure, actor)
        .filter(household_id__in=household_ids, category_id=_pk(category), year=year)
        .values("household_id").distinct().count()
    )


def measure_get(*, actor: User, pk: int, action: str = "view") -> Measure:
    """One measure of a household the actor may ``action``, else 404."""
    measures = Measure.objects.select_related("household", "household__village", "household__village__parent", "category")
    return get_object_or_404(restrict(measures, actor, action), pk=pk)
