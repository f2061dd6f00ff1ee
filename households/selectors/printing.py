"""Reading 明白卡 data and the print queue.

Card data are built for many households at once with a fixed number of
queries (one per related table), so one card and a township's thousand cards
cost the same number of round trips per chunk. Every household is read
through ``restrict(Household, actor, "view")``: another area's household or
village is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable

from django.db.models import Case, CharField, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from povertyrelief.exports import area_full_name
from povertyrelief.models import User
from povertyrelief.permissions import area_code_prefix, restrict
from villages import selectors as villages_selectors
from villages.models import Area, AreaLevel, WorkTeam

from .. import rules
from ..filters import PrintQueueFilter, PrintState
from ..models import (
    INCOME_GROUPS,
    AnnualStandard,
    Assignment,
    Cadre,
    CardPrint,
    Household,
    HouseholdStatus,
    Income,
    Measure,
    Member,
    Monitoring,
    Relation,
)
from .income import county_province

SUPERVISION_HOTLINE = "12317"
# Printed lines (members, plus measures: long contents take two) beyond which
# the card switches to tighter type so that it still fits one A4 sheet.
DENSE_LINES = 13
MEASURE_ONE_LINE_CHARS = 36


def mask_document(value: str | None) -> str:
    """First 6 and last 4 characters of an ID (or 残疾证号), as 公示 rules show it."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# --- 明白卡 data -------------------------------------------------------------


@dataclass
class CardMember:
    name: str
    relation: str
    sex: str
    age: int | None
    document: str  # masked ID, or masked 残疾证号 when there is no ID
    health: str
    labour: str
    school: str
    work: str
    is_head: bool


@dataclass
class IncomeLine:
    label: str
    amount: Decimal


@dataclass
class Card:
    """Everything one 明白卡 prints, computed from the record."""

    household: Household
    year: int
    on: date
    members: list[CardMember]
    head_name: str
    causes: list[str]
    checks: list[rules.Check]
    cadre: Cadre | None
    work_team: WorkTeam | None
    measures: list[Measure]
    measures_total: Decimal
    policies: list[str]
    income: Income | None
    income_groups: list[IncomeLine]
    standard: AnnualStandard | None
    above_line: bool | None
    above_monitoring_line: bool | None
    monitoring: Monitoring | None
    status_text: str
    area_name: str
    hotline: str = SUPERVISION_HOTLINE
    dense: bool = False
    footer: str = field(default="")

    @property
    def address(self) -> str:
        """住址: the area, the group and the street address, without saying
        the village (and group) twice when the address already starts with
        them, as addresses from the national system often do."""
        household = self.household
        address = (household.address or "").strip()
        village = household.village.name
        if address.startswith(village):
            return self.area_name.removesuffix(village) + address
        if household.group and address.startswith(household.group):
            return self.area_name + address
        return " ".join(part for part in (f"{self.area_name}{household.group}", address) if part)


def _member_row(member: Member, on: date) -> CardMember:
    health = member.health
    if member.disability_grade:
        health = f"{health}（{member.disability_grade}）"
    work = member.work_status
    if work and member.work_months:
        work = f"{work}{member.work_months}个月"
    return CardMember(
        name=member.name,
        relation=member.relation,
        sex=member.sex,
        age=member.age_on(on),
        document=mask_document(member.id_number or member.disability_cert_number),
        health=health,
        labour=member.labour_skill or "—",
        school=member.school_status or ("免学/缓学" if member.school_exemption else "—"),
        work=work or "—",
        is_head=member.relation == Relation.HEAD,
    )


def _policies(members: list[Member]) -> list[str]:
    """Policies the household enjoys, read from its members' flags."""
    size = len(members)
    count = lambda flag: sum(1 for m in members if getattr(m, flag))  # noqa: E731
    lines = []
    if n := count("is_dibao"):
        lines.append(f"低保 {n} 人")
    if n := count("is_tekun"):
        lines.append(f"特困供养 {n} 人")
    lines.append(f"城乡居民基本医疗保险 {count('medical_insurance')}/{size} 人")
    lines.append(f"大病保险 {count('serious_illness_insurance')}/{size} 人")
    lines.append(f"城乡居民基本养老保险 {count('pension_insurance')} 人")
    return lines


def _status_text(household: Household, monitoring: Monitoring | None) -> str:
    if not household.registered:
        text = "非建档立卡户"
    elif household.status in (HouseholdStatus.OUT_WITH_POLICY, HouseholdStatus.OUT_NO_POLICY):
        text = f"{household.get_status_display()}，脱贫年度：{household.exit_year or '未登记'}年"
    elif household.status == HouseholdStatus.RETURNED:
        text = "返贫"
        if household.planned_exit_year:
            text += f"，计划脱贫年度：{household.planned_exit_year}年"
    else:
        text = f"未脱贫，计划脱贫年度：{household.planned_exit_year}年" if household.planned_exit_year else "未脱贫，计划脱贫年度：未定"
    if monitoring is not None and monitoring.stage == "not_identified":
        pass
    elif monitoring is not None and not monitoring.risk_eliminated and monitoring.risk_identified_date is None:
        text += f"；防返贫监测识别中（{monitoring.object_type}，{monitoring.signal_date:%Y-%m-%d} 风险信号，{monitoring.get_stage_display()}）"
    elif monitoring is not None and not monitoring.risk_eliminated:
        text += f"；防返贫监测对象（{monitoring.object_type}，{monitoring.risk_identified_date:%Y-%m-%d} 识别，风险未消除）"
    elif monitoring is not None:
        text += f"；监测风险已于 {monitoring.risk_eliminated_date:%Y-%m-%d} 消除"
    return text


def card_households(households: QuerySet[Household], *, year: int) -> QuerySet[Household]:
    """The households with everything a card prints prefetched: one query per
    related table, whatever the number of households."""
    return households.select_related("village", "village__parent", "village__parent__parent").prefetch_related(
        Prefetch("members", queryset=Member.objects.filter(left_date__isnull=True).order_by("pk"), to_attr="card_members"),
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(end_date__isnull=True).select_related("cadre"),
            to_attr="card_assignments",
        ),
        Prefetch(
            "measures",
            queryset=Measure.objects.filter(year=year).select_related("category", "member").order_by("pk"),
            to_attr="card_measures",
        ),
        Prefetch("incomes", queryset=Income.objects.filter(year=year), to_attr="card_incomes"),
        Prefetch(
            "monitorings", queryset=Monitoring.objects.order_by("-signal_date", "-pk"), to_attr="card_monitorings"
        ),
    )


def _card_build(household: Household, *, year: int, on: date, team: WorkTeam | None, standard: AnnualStandard | None) -> Card:
    members = sorted(household.card_members, key=lambda m: (m.relation != Relation.HEAD, m.pk))
    assignment = household.card_assignments[0] if household.card_assignments else None
    income = household.card_incomes[0] if household.card_incomes else None
    monitorings = household.card_monitorings
    monitoring = next((m for m in monitorings if m.is_open), monitorings[0] if monitorings else None)
    measures = household.card_measures
    head = next((m for m in members if m.relation == Relation.HEAD), None)
    per_capita = income.net_income_per_capita if income else None
    card = Card(
        household=household,
        year=year,
        on=on,
        members=[_member_row(m, on) for m in members],
        head_name=head.name if head else household.head_name,
        causes=[household.main_cause, *household.other_causes],
        checks=rules.guarantee_checks(household, members, on),
        cadre=assignment.cadre if assignment else None,
        work_team=team,
        measures=measures,
        measures_total=sum((m.amount or Decimal("0.00") for m in measures), Decimal("0.00")),
        policies=_policies(members),
        income=income,
        income_groups=[IncomeLine(g, income.group_total(g)) for g in INCOME_GROUPS] if income else [],
        standard=standard,
        above_line=(per_capita > standard.poverty_line) if (income and standard) else None,
        above_monitoring_line=(
            per_capita > standard.monitoring_line if (income and standard and standard.monitoring_line) else None
        ),
        monitoring=monitoring,
        status_text=_status_text(household, monitoring),
        area_name=area_full_name(household.village),
        dense=len(members) + sum(1 if len(m.content) <= MEASURE_ONE_LINE_CHARS else 2 for m in measures) > DENSE_LINES,
    )
    card.footer = f"{card.area_name} · 户编号 {household.number} · 户主 {card.head_name} · {year}年明白卡 · 监督电话 {SUPERVISION_HOTLINE}"
    return card


def cards_build(households: Iterable[Household], *, year: int, on: date | None = None) -> list[Card]:
    """Cards for households fetched through ``card_households`` (two more
    queries: the villages' work teams and the year's standard)."""
    on = on or timezone.localdate()
    households = list(households)
    village_ids = {h.village_id for h in households}
    teams: dict[int, WorkTeam] = {}
    for team in WorkTeam.objects.filter(village_id__in=village_ids, end_date__isnull=True).order_by("start_date", "pk"):
        teams[team.village_id] = team  # the latest current team wins
    standard = AnnualStandard.objects.filter(year=year, province=county_province()).first()
    return [
        _card_build(household, year=year, on=on, team=teams.get(household.village_id), standard=standard)
        for household in households
    ]


def card_get(*, actor: User, pk: int, year: int) -> Card:
    """One household's card, if the actor may view the household (else 404)."""
    households = card_households(restrict(Household, actor, "view").filter(pk=pk), year=year)
    household = get_object_or_404(households)
    return cards_build([household], year=year)[0]


def card_year(value: object) -> int:
    """``?year=`` as a sensible card year; this year when absent or odd."""
    this_year = timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return this_year
    return year if 2013 <= year <= this_year + 1 else this_year


def area_households(*, actor: User, area: Area) -> QuerySet[Household]:
    """Households of an area (village or township) the actor may view, in
    户编号 order; an area outside the actor's reach gives none."""
    households = restrict(Household, actor, "view").filter(village__code__startswith=area_code_prefix(area))
    return households.order_by("village__code", "number", "pk")


def area_get(*, actor: User, pk: int) -> Area:
    """A township or village the actor may view (else 404): cards print by
    township or village, never the whole county at once."""
    area = villages_selectors.area_get(actor=actor, pk=pk)
    if area.level == AreaLevel.COUNTY:
        raise Http404("请选择乡镇或村。")
    return area


# --- Print queue ---------------------------------------------------------------------


def print_queue_filterset(*, actor: User, filters: dict) -> PrintQueueFilter:
    """The print queue's bound filters (its form renders the filter bar)."""
    return PrintQueueFilter(filters, queryset=restrict(Household, actor, "view"), actor=actor)


def print_queue(
    *, actor: User, filters: dict, filterset: PrintQueueFilter | None = None, all_states: bool = False
) -> QuerySet[Household]:
    """Households in the actor's area, in the chosen area and matching the
    search, with the state of their card for the chosen year: 未打印 (no
    print), 已过期 (card data changed after the latest print), 已打印未发放,
    已发放 — annotated in the query, so the page costs the same whatever the
    number of rows; those in the chosen state (待打印 unless chosen) unless
    ``all_states``."""
    filterset = filterset or print_queue_filterset(actor=actor, filters=filters)
    households = filterset.qs.select_related("village", "village__parent")
    households = print_state_annotate(households, year=filterset.params["year"])
    state = "all" if all_states else filterset.params["state"]
    if state == PrintState.TODO:
        households = households.filter(print_state__in=[PrintState.MISSING, PrintState.STALE])
    elif state in PrintState.LABELS:
        households = households.filter(print_state=state)
    return households.order_by("village__code", "number", "pk")


def print_state_annotate(households: QuerySet[Household], *, year: int) -> QuerySet[Household]:
    latest = CardPrint.objects.filter(household=OuterRef("pk"), year=year).order_by("-printed_at", "-pk")
    return households.annotate(
        last_print_id=Subquery(latest.values("pk")[:1]),
        last_printed_at=Subquery(latest.values("printed_at")[:1]),
        last_handed_over_on=Subquery(latest.values("handed_over_on")[:1]),
    ).annotate(
        print_state=Case(
            When(last_printed_at__isnull=True, then=Value(PrintState.MISSING)),
            When(card_data_changed_at__gt=F("last_printed_at"), then=Value(PrintState.STALE)),
            When(last_handed_over_on__isnull=True, then=Value(PrintState.PRINTED)),
            default=Value(PrintState.HANDED),
            output_field=CharField(),
        )
    )


def print_queue_counts(*, actor: User, filters: dict, filterset: PrintQueueFilter | None = None) -> dict[str, int]:
    """How many households of the queue are in each state (one query)."""
    households = print_queue(actor=actor, filters=filters, filterset=filterset, all_states=True)
    counts = households.order_by().aggregate(
        **{state: Count("pk", filter=Q(print_state=state)) for state in PrintState.LABELS}, all=Count("pk")
    )
    counts[PrintState.TODO] = counts[PrintState.MISSING] + counts[PrintState.STALE]
    return counts


def latest_prints(households: list[Household]) -> dict[int, CardPrint]:
    """The latest print of each listed household (one query), with who printed it."""
    ids = [h.last_print_id for h in households if getattr(h, "last_print_id", None)]
    return {p.household_id: p for p in CardPrint.objects.filter(pk__in=ids).select_related("printed_by")}
