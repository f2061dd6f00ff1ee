"""Data-quality rules of the registry (数据质量): each one small function
narrowing scoped rows to the records that break it, registered with its
Chinese explanation; the finder and the map find this module as they find
every app's ``quality`` module. ``publicity_too_short``, ``steps_out_of_order``
and ``step_dates`` serve the other apps' procedures too.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, CharField, DecimalField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Length, Replace, Substr
from django.utils import timezone

from povertyrelief.dashboard import MapScope, quality_rule

from .models import (
    MONEY,
    AnnualStandard,
    Assignment,
    Household,
    HouseholdStatus,
    HousingSafety,
    Income,
    LeaveReason,
    Measure,
    MeasureGroup,
    Member,
    Monitoring,
    Relation,
)
from .selectors.income import standards_by_year

GROUP = "建档立卡"
EXITED = (HouseholdStatus.OUT_WITH_POLICY, HouseholdStatus.OUT_NO_POLICY)
POOR = (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED)
MONITORING_STEPS = [
    ("signal_date", "首次风险信号"), ("checked_on", "入户核查"), ("reviewed_on", "民主评议"),
    ("publicity_start", "公示开始"), ("publicity_end", "公示结束"), ("township_approved_on", "乡镇审核"),
    ("decided_on", "县级审定"),
]


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _member_label(member: Member) -> str:
    return f"{member.name}（{member.household}）"


def _age(member: Member) -> str:
    age = member.age_on(timezone.localdate())
    return f"{age} 岁" if age is not None else "年龄不详"


# --- exits and years -----------------------------------------------------------


def lines_in_force(today: date) -> dict[int, Decimal]:
    """Each year's poverty line: that year's standard, else the latest
    earlier one (one small query; years before the first have none)."""
    standards = standards_by_year()
    lines: dict[int, Decimal] = {}
    line = None
    for year in range(min(standards, default=today.year), today.year + 2):
        if year in standards:
            line = standards[year].poverty_line
        if line is not None:
            lines[year] = line
    return lines


@quality_rule(
    "exit_income_at_or_below_line", "已脱贫但脱贫当年人均纯收入不高于扶贫标准",
    model=Income, area_path="household__village", related=("household",), group=GROUP, order=10,
    explanation="脱贫状态为已脱贫（1 或 4），而脱贫年度的收入测算显示人均纯收入不高于当年扶贫标准，不符合“一超过”。请核实收入测算或脱贫状态。",
    detail=lambda income: (
        f"{income.year} 年人均纯收入 {income.net_income_per_capita:,.2f} 元，"
        f"不高于当年扶贫标准 {income.line:,.2f} 元"
    ),
    label=lambda income: str(income.household),
)
def exit_income_at_or_below_line(incomes, scope: MapScope):
    # The lines as constants per year: a subquery per income row costs a
    # county seconds.
    lines = lines_in_force(scope.today)
    at_or_below = Q(pk__in=[])
    for year, line in lines.items():
        at_or_below |= Q(year=year, net_income_per_capita__lte=line)
    # The highest line first: one comparison drops most rows before the per-year test.
    return (
        incomes.filter(net_income_per_capita__lte=max(lines.values(), default=0)).filter(at_or_below)
        .filter(household__status__in=EXITED, year=F("household__exit_year"))
        .annotate(line=Case(*[When(year=y, then=Value(line)) for y, line in lines.items()], output_field=DecimalField(**MONEY)))
    )


@quality_rule(
    "years_inconsistent", "脱贫年度与识别年度或脱贫状态不符",
    model=Household, area_path="village", group=GROUP, order=20,
    explanation="脱贫年度早于识别年度，或已脱贫却没有脱贫年度，或未脱贫却填有脱贫年度。请更正年度或状态。",
    detail=lambda h: (
        f"识别年度 {h.identification_year or '—'}，脱贫年度 {h.exit_year or '—'}，脱贫状态：{h.get_status_display()}"
    ),
)
def years_inconsistent(households, scope: MapScope):
    return households.filter(
        Q(exit_year__lt=F("identification_year"))
        | Q(status__in=EXITED, exit_year__isnull=True)
        | Q(status=HouseholdStatus.NOT_OUT, exit_year__isnull=False)
    )


@quality_rule(
    "no_current_cadre", "未脱贫户没有在帮的帮扶责任人",
    model=Household, area_path="village", group=GROUP, order=30,
    explanation="每个未脱贫（含返贫）户都须有一名在帮的帮扶责任人（一户一名干部）。请在“帮扶干部”中结对。",
    detail=lambda h: f"脱贫状态：{h.get_status_display()}，无在帮的帮扶责任人",
)
def no_current_cadre(households, scope: MapScope):
    current = Assignment.objects.filter(household=OuterRef("pk"), end_date__isnull=True)
    return households.filter(status__in=POOR).filter(~Exists(current))


@quality_rule(
    "unsafe_housing_without_measure", "C/D级危房户没有危房改造或易地搬迁措施",
    model=Household, area_path="village", group=GROUP, order=40,
    explanation="住房安全登记为 C 级或 D 级危房，却没有任何危房改造或易地扶贫搬迁措施，住房安全无保障。请登记措施或更正住房情况。",
    detail=lambda h: f"住房：{h.housing_safety}，无危房改造或易地扶贫搬迁措施",
)
def unsafe_housing_without_measure(households, scope: MapScope):
    remedied = Measure.objects.filter(
        household=OuterRef("pk"), category__group__in=[MeasureGroup.HOUSING, MeasureGroup.RELOCATION]
    )
    return households.filter(housing_safety__in=[HousingSafety.GRADE_C, HousingSafety.GRADE_D]).filter(~Exists(remedied))


# --- members -------------------------------------------------------------------


@quality_rule(
    "school_age_out_of_school", "6至15周岁成员无在校生状况且无免学/缓学说明",
    model=Member, area_path="household__village", related=("household",), group=GROUP, order=50,
    explanation="义务教育阶段（6–15 周岁）的现有成员既没有在校生状况，也没有免学、缓学说明，义务教育有无保障无从判断。请补登在校情况或说明。",
    detail=lambda m: f"{m.name}，{_age(m)}，在校生状况为空，无免学/缓学说明",
    label=_member_label,
)
def school_age_out_of_school(members, scope: MapScope):
    return members.filter(
        left_date__isnull=True, school_status="", school_exemption="",
        birth_date__lte=years_before(scope.today, 6), birth_date__gt=years_before(scope.today, 16),
    )


@quality_rule(
    "member_over_100", "成员年龄超过100岁",
    model=Member, area_path="household__village", related=("household",), group=GROUP, order=70,
    explanation="现有成员年龄超过 100 岁，多为出生日期录入错误，或成员已去世未减少。请核实。",
    detail=lambda m: f"{m.name}，出生日期 {m.birth_date:%Y-%m-%d}，{_age(m)}",
    label=_member_label,
)
def member_over_100(members, scope: MapScope):
    return members.filter(left_date__isnull=True, birth_date__lte=years_before(scope.today, 101))


@quality_rule(
    "head_under_16", "户主未满16周岁",
    model=Member, area_path="household__village", related=("household",), group=GROUP, order=80,
    explanation="户主年龄不满 16 周岁，多为出生日期或与户主关系录入错误。请核实。",
    detail=lambda m: f"户主 {m.name}，出生日期 {m.birth_date:%Y-%m-%d}，{_age(m)}",
    label=_member_label,
)
def head_under_16(members, scope: MapScope):
    return members.filter(left_date__isnull=True, relation=Relation.HEAD, birth_date__gt=years_before(scope.today, 16))


@quality_rule(
    "id_disagrees_with_record", "身份证号的出生日期或性别与成员登记不符",
    model=Member, area_path="household__village", related=("household",), group=GROUP, order=90,
    explanation="18 位身份证号的第 7–14 位是出生日期、第 17 位奇数为男偶数为女；与登记的出生日期或性别不一致时，必有一处录错。请核对证件。",
    detail=lambda m: (
        f"{m.name}：证件出生日期 {m.id_birth[:4]}-{m.id_birth[4:6]}-{m.id_birth[6:]}、性别 {m.id_sex}；"
        f"登记出生日期 {m.birth_date:%Y-%m-%d}、性别 {m.sex or '—'}" if m.birth_date else
        f"{m.name}：证件性别 {m.id_sex}，登记性别 {m.sex or '—'}"
    ),
    label=_member_label,
)
def id_disagrees_with_record(members, scope: MapScope):
    # A date cast to text is YYYY-MM-DD on PostgreSQL and SQLite alike.
    record_birth = Replace(Cast("birth_date", CharField()), Value("-"), Value(""))
    return (
        members.annotate(id_length=Length("id_number"), id_sex_digit=Substr("id_number", 17, 1))
        .filter(id_length=18)
        .annotate(
            id_birth=Substr("id_number", 7, 8),
            record_birth=record_birth,
            id_sex=Case(
                When(Q(id_sex_digit__in=list("13579")), then=Value("男")), default=Value("女"), output_field=CharField()
            ),
        )
        .filter(Q(birth_date__isnull=False) & ~Q(record_birth=F("id_birth")) | ~Q(sex="") & ~Q(sex=F("id_sex")))
    )


MOVES = (LeaveReason.MOVED_OUT, LeaveReason.MARRIED_OUT)


@quality_rule(
    "same_id_in_two_households", "同一证件号码在两户出现而无迁出或婚出记录",
    model=Member, area_path="household__village", related=("household",), group=GROUP, order=100,
    explanation="一人一户：同一证件号码先后在两户登记时，原户的记录应以“迁出”或“婚出”减少。此记录在另一户也有登记，本户却没有迁出或婚出记录。",
    detail=lambda m: (
        f"{m.name}：该证件号码另在其他户登记；本户记录"
        + (f"于 {m.left_date:%Y-%m-%d} 以“{m.left_reason}”减少" if m.left_date else "仍为现有成员")
    ),
    label=_member_label,
)
def same_id_in_two_households(members, scope: MapScope):
    elsewhere = Member.objects.filter(id_number=OuterRef("id_number")).exclude(household=OuterRef("household"))
    return (
        members.filter(id_number__isnull=False, left_date__isnull=False)
        .exclude(left_reason__in=MOVES)
        .filter(Exists(elsewhere))
    )


# --- monitoring ----------------------------------------------------------------


def steps_out_of_order(steps: list[tuple[str, str]]) -> Q:
    """Some later step (a date field) dated before an earlier one."""
    condition = Q(pk__in=[])
    for index, (earlier, _) in enumerate(steps):
        for later, _ in steps[index + 1:]:
            condition |= Q(**{f"{earlier}__isnull": False, f"{later}__lt": F(earlier)})
    return condition


def step_dates(record, steps: list[tuple[str, str]]) -> str:
    return "，".join(f"{label} {getattr(record, name):%Y-%m-%d}" for name, label in steps if getattr(record, name))


@quality_rule(
    "monitoring_steps_out_of_order", "监测识别环节日期先后颠倒",
    model=Monitoring, area_path="household__village", related=("household",), group=GROUP, order=110,
    explanation="防返贫监测的识别须依次经过风险信号、入户核查、民主评议、村级公示、乡镇审核、县级审定，后一环节的日期不能早于前一环节。",
    detail=lambda case: step_dates(case, MONITORING_STEPS),
    label=lambda case: str(case.household),
)
def monitoring_steps_out_of_order(cases, scope: MapScope):
    return cases.filter(steps_out_of_order(MONITORING_STEPS))


def publicity_too_short(setting: str, today: date, start: str = "publicity_start", end: str = "publicity_end") -> Q:
    """A 公示 (``start`` to ``end``, both days counted) shorter than the
    year's minimum in the annual standard's ``setting`` (each year's
    standard, else the latest earlier one, else the default)."""
    standards = standards_by_year()
    by_days: dict[int, list[int]] = {}
    days = AnnualStandard._meta.get_field(setting).default
    for year in range(2013, today.year + 2):
        if year in standards:
            days = getattr(standards[year], setting)
        by_days.setdefault(days, []).append(year)
    short = Q(pk__in=[])
    for days, years in by_days.items():
        short |= Q(**{f"{start}__year__in": years, f"{end}__lt": F(start) + timedelta(days=days - 1)})
    return Q(**{f"{start}__isnull": False, f"{end}__isnull": False}) & short


@quality_rule(
    "monitoring_publicity_too_short", "监测村级公示天数不足",
    model=Monitoring, area_path="household__village", related=("household",), group=GROUP, order=120,
    explanation="村级公示从开始日到结束日（含当天）须不少于当年规定天数（年度标准“监测公示最少天数”）。",
    detail=lambda case: (
        f"公示 {case.publicity_start:%Y-%m-%d} 至 {case.publicity_end:%Y-%m-%d}，"
        f"共 {(case.publicity_end - case.publicity_start).days + 1} 天"
    ),
    label=lambda case: str(case.household),
)
def monitoring_publicity_too_short(cases, scope: MapScope):
    return cases.filter(publicity_too_short("monitoring_publicity_days", scope.today))
