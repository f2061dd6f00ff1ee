"""Reading exit reviews and village exit figures, always scoped to the actor.

The lists, the exit ledger (Excel and PDF) and the 公示 read the same
functions, so they never disagree about scope or filters.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case, CharField, Count, Exists, FilteredRelation, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When,
)
from django.db.models.functions import Coalesce, Concat
from django.shortcuts import get_object_or_404
from django.utils import timezone

from households.models import AnnualStandard, Household, HouseholdStatus, HousingSafety, Income, Member
from households.rules import Check
from households.selectors.income import county_province, standard_in_force
from povertyrelief.models import User
from povertyrelief.permissions import restrict
from villages.models import Area, AreaLevel

from . import criteria
from .filters import ExitReviewFilter, VillageFilter
from .models import ExitReview, ExitStage, VillageChecklistItem, VillageChecklistResult, VillageExit

CENT = Decimal("0.01")


# --- household exit reviews --------------------------------------------------


def review_list(*, actor: User, filters: dict | None = None, action: str = "view") -> QuerySet[ExitReview]:
    """Exit reviews in the actor's area, filtered by township, village,
    year, stage and 户主/户编号, with what their rows show."""
    reviews = restrict(ExitReview, actor, action).select_related(
        "household", "household__village", "household__village__parent"
    )
    reviews = ExitReviewFilter(filters or {}, reviews, actor=actor).qs
    return reviews.order_by("-year", "household__village__code", "household__number", "pk")


def review_get(*, actor: User, pk: int, action: str = "view") -> ExitReview:
    return get_object_or_404(review_list(actor=actor, action=action), pk=pk)


def review_stage_counts(reviews: QuerySet[ExitReview]) -> dict[str, int]:
    """How many of the (filtered) reviews stand at each stage (one query)."""
    counts = dict(reviews.order_by().values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    return {stage: counts.get(stage, 0) for stage in ExitStage.values}


def proposal_candidates(*, actor: User, village: Area | None, year: int) -> QuerySet[Household]:
    """Households the actor's village may propose for ``year``: 建档立卡,
    still poor (未脱贫 or 返贫), with no review that year nor one open."""
    households = restrict(Household, actor, "village_review").filter(
        registered=True, status__in=[HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED]
    )
    if village is not None:
        households = households.filter(village=village)
    busy = ExitReview.objects.filter(household=OuterRef("pk")).filter(
        Q(year=year) | ~Q(stage__in=[ExitStage.ENDED, ExitStage.ANNOUNCED])
    )
    return households.exclude(Exists(busy)).select_related("village").order_by("village__code", "group", "number", "pk")


def reviews_for_publicity(*, actor: User) -> QuerySet[ExitReview]:
    """Reviews the household head agreed to, ready for 公示 (village's own)."""
    return review_list(actor=actor, action="village_review").filter(stage=ExitStage.CONSENTED)


# --- the checklist of one household (household page, 明白卡) -----------------------


@dataclass
class Checklist:
    """A household's seven criteria for a year: as saved at 核实 when there
    is a verified review, otherwise as the record stands (吃 and 穿 then
    wait for the home visit)."""

    year: int
    on: date
    checks: list[Check]
    review: ExitReview | None = None
    stored: bool = False

    @property
    def food(self) -> Check:
        return self.checks[1]

    @property
    def clothing(self) -> Check:
        return self.checks[2]


UNREAD = object()


def checklists_for(
    households: list[Household], *, year: int, on: date | None = None, members: dict[int, list[Member]] | None = None,
    incomes: dict[int, Income] | None = None, standard: AnnualStandard | None | object = UNREAD,
) -> dict[int, Checklist]:
    """Checklists of many households (one query for their reviews of
    ``year``; members, incomes and the standard are read unless given)."""
    on = on or timezone.localdate()
    ids = [h.pk for h in households]
    reviews = {}
    for review in ExitReview.objects.filter(household_id__in=ids, year=year).order_by("pk"):
        reviews[review.household_id] = review
    if members is None:
        members = {}
        for member in Member.objects.filter(household_id__in=ids).order_by("pk"):
            members.setdefault(member.household_id, []).append(member)
    if incomes is None:
        incomes = {i.household_id: i for i in Income.objects.filter(household_id__in=ids, year=year)}
    if standard is UNREAD:
        standard = AnnualStandard.objects.filter(year=year, province=county_province()).first()
    result = {}
    for household in households:
        review = reviews.get(household.pk)
        if review is not None and review.criteria and review.stage != ExitStage.ENDED:
            result[household.pk] = Checklist(year, review.verified_on, criteria.from_snapshot(review.criteria), review, True)
            continue
        checks = criteria.household_criteria(
            household=household, members=members.get(household.pk, []), year=year, on=on,
            income=incomes.get(household.pk), standard=standard,
        )
        result[household.pk] = Checklist(year, on, checks, review)
    return result


# --- village exit ---------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def guarantee_failure(on: date) -> Q:
    """Households failing 义务教育, 基本医疗, 住房安全 or 饮水 on ``on``, as a
    query (the same rules as households.rules, in the database): a whole
    village is judged in one query."""
    moved_in = Q(relocated=True, relocation_date__isnull=False, relocation_date__lte=on)
    housing = ~moved_in & ~Q(housing_safety__in=[HousingSafety.SAFE, HousingSafety.RELOCATED])
    water = ~Q(safe_drinking_water=True)
    current = Member.objects.filter(household=OuterRef("pk"), left_date__isnull=True)
    medical = Exists(current.filter(Q(medical_insurance=False) | Q(serious_illness_insurance=False)))
    school_age = current.filter(
        birth_date__lte=_years_before(on, 6), birth_date__gt=_years_before(on, 16), school_status="", school_exemption=""
    )
    return housing | water | medical | Exists(school_age)


def village_list(
    *, actor: User, year: int, filters: dict | None = None, on: date | None = None, action: str = "view"
) -> QuerySet[Area]:
    """Villages in the actor's area with, for ``year``: remaining poor people
    (status 0 or 3), registered households, households failing 三保障 or 饮水
    today, and the village's exit record of the year."""
    on = on or timezone.localdate()
    registered = Household.objects.filter(village=OuterRef("pk"), registered=True).order_by().values("village")
    poor = registered.filter(status__in=[HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED]).annotate(n=Sum("member_count")).values("n")
    counted = registered.annotate(n=Count("pk")).values("n")
    short = registered.filter(guarantee_failure(on)).annotate(n=Count("pk")).values("n")
    exits = VillageExit.objects.filter(village=OuterRef("pk"), year=year)
    results = VillageChecklistResult.objects.filter(village_exit__village=OuterRef("pk"), village_exit__year=year).order_by().values("village_exit")
    villages = (
        restrict(Area, actor, action)
        .filter(level=AreaLevel.VILLAGE)
        .select_related("parent")
        .annotate(
            poor_people=Coalesce(Subquery(poor, output_field=IntegerField()), Value(0)),
            registered_households=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
            households_short=Coalesce(Subquery(short, output_field=IntegerField()), Value(0)),
            exit_stage=Subquery(exits.values("stage")[:1]),
            exit_id=Subquery(exits.values("pk")[:1]),
            checklist_met=Subquery(results.filter(met=True).annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            checklist_total=Subquery(results.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        )
    )
    return VillageFilter(filters or {}, villages, actor=actor).qs.order_by("code")


def village_exit_ledger(
    *, actor: User, year: int, items: list[VillageChecklistItem], filters: dict | None = None, action: str = "export"
) -> QuerySet[Area]:
    """The village exit page's villages (same scope and filters) with their
    exit record of ``year`` joined in as ``exit_record`` (one per village
    and year) and, for each checklist item, ``checklist_<pk>``: "√", or "×"
    with the township's note, as answered when the township proposed. One
    query whatever the number of villages."""
    villages = village_list(actor=actor, year=year, filters=filters, action=action).annotate(
        exit_record=FilteredRelation("village_exits", condition=Q(village_exits__year=year))
    )
    results = VillageChecklistResult.objects.filter(village_exit__village=OuterRef("pk"), village_exit__year=year)
    cell = Case(
        When(met=True, then=Value("√")),
        When(note="", then=Value("×")),
        default=Concat(Value("×（"), "note", Value("）")),
        output_field=CharField(),
    )
    return villages.annotate(**{
        f"checklist_{item.pk}": Subquery(results.filter(item=item).annotate(cell=cell).values("cell")[:1]) for item in items
    })


def village_ledger_items() -> list[VillageChecklistItem]:
    """Checklist items a village exit ledger has a column for: those in use,
    and retired ones some village was still checked against."""
    used = VillageChecklistResult.objects.values("item_id")
    return list(VillageChecklistItem.objects.filter(Q(active=True) | Q(pk__in=used)).order_by("sort_order", "pk"))


def incidence_rate(poor_people: int, rural_population: int | None) -> Decimal | None:
    """贫困发生率 in percent, to 0.01: remaining poor people ÷ 农村户籍人口."""
    if not rural_population:
        return None
    return (Decimal(poor_people) * 100 / Decimal(rural_population)).quantize(CENT, ROUND_HALF_UP)


def village_rate_limit(year: int) -> Decimal:
    return standard_in_force(year=year).village_exit_max_rate


@dataclass
class VillageStanding:
    """Where a village stands against the exit conditions on a day."""

    village: Area
    year: int
    on: date
    poor_people: int
    rural_population: int | None
    rate: Decimal | None
    limit: Decimal
    short: list[tuple[Household, list[Check]]] = field(default_factory=list)  # (household, [unmet checks])
    items: list[VillageChecklistItem] = field(default_factory=list)
    exit: VillageExit | None = None

    @property
    def rate_ok(self) -> bool:
        return self.rate is not None and self.rate < self.limit

    @property
    def problems(self) -> list[str]:
        problems = []
        if self.rural_population in (None, 0):
            problems.append("未登记农村户籍人口，无法计算贫困发生率")
        elif not self.rate_ok:
            problems.append(f"贫困发生率 {self.rate}% 未低于 {self.limit}%")
        if self.short:
            names = "、".join(f"{h.head_name}户" for h, _ in self.short[:10])
            more = f"等 {len(self.short)} 户" if len(self.short) > 10 else ""
            problems.append(f"{names}{more}“三保障”或饮水未达标")
        return problems


def village_standing(*, actor: User, village: Area, year: int, on: date | None = None) -> VillageStanding:
    """The village's incidence rate, the households failing 三保障 or 饮水 on
    ``on`` (each with its unmet checks), the checklist and its exit record."""
    from households.rules import guarantee_checks

    on = on or timezone.localdate()
    registered = restrict(Household, actor, "view").filter(village=village, registered=True)
    poor = registered.filter(status__in=[HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED]).aggregate(n=Sum("member_count"))["n"] or 0
    failing = list(registered.filter(guarantee_failure(on)).order_by("group", "number"))
    members: dict[int, list[Member]] = {}
    for member in Member.objects.filter(household__in=failing).order_by("pk"):
        members.setdefault(member.household_id, []).append(member)
    short = [(h, [c for c in guarantee_checks(h, members.get(h.pk, []), on) if c.ok is not True]) for h in failing]
    record = VillageExit.objects.filter(village=village, year=year).prefetch_related("results__item").first()
    return VillageStanding(
        village=village, year=year, on=on, poor_people=poor, rural_population=village.rural_population,
        rate=incidence_rate(poor, village.rural_population), limit=village_rate_limit(year), short=short,
        items=list(VillageChecklistItem.objects.filter(active=True)), exit=record,
    )


def village_get(*, actor: User, pk: int, action: str = "view") -> Area:
    return get_object_or_404(restrict(Area, actor, action).filter(level=AreaLevel.VILLAGE).select_related("parent"), pk=pk)


def village_exit_get(*, actor: User, pk: int, action: str = "view") -> VillageExit:
    return get_object_or_404(restrict(VillageExit, actor, action).select_related("village", "village__parent"), pk=pk)
