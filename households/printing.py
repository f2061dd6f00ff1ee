"""明白卡, batch printing, the print queue and 公示 lists.

Card data are built for many households at once with a fixed number of
queries (one per related table), so one card and a township's thousand cards
cost the same number of round trips per chunk. Reading a card is scoped by
``restrict(Household, actor, "view")`` and writes nothing but the personal-data
access log: opening or downloading a card is not printing it. Recording that
cards were printed (打印登记) or handed over is an explicit service call, with
the actor first, made only from a POST.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from povertyrelief.exports import area_full_name
from povertyrelief.jobs import job_runner
from povertyrelief.pdf import html_to_pdf, render_pdf_html
from povertyrelief.permissions import area_code_prefix, assert_in_scope, restrict
from povertyrelief.privacy import personal_data_access_record
from villages.models import Area, AreaLevel, WorkTeam

from . import rules
from .selectors.income import county_province, standard_in_force
from villages import selectors as villages_selectors
from .models import (
    INCOME_GROUPS,
    AnnualStandard,
    Assignment,
    CardPrint,
    Household,
    HouseholdStatus,
    Income,
    Measure,
    Member,
    Monitoring,
    Relation,
)

SUPERVISION_HOTLINE = "12317"
REPRINT_WINDOW = timedelta(minutes=5)
# Cards per WeasyPrint document in a batch: bounds memory, and progress is
# reported after each chunk.
CHUNK_SIZE = 50
# Printed lines (members, plus measures: long contents take two) beyond which
# the card switches to tighter type so that it still fits one A4 sheet.
DENSE_LINES = 13
MEASURE_ONE_LINE_CHARS = 36


def publicity_min_days(kind: str, year: int) -> int:
    """Shortest 公示 period for a list, from the year's standard (年度标准):
    7 days for exits and household lists, 5 for monitoring, unless changed."""
    standard = standard_in_force(year=year)
    return standard.monitoring_publicity_days if kind == "monitoring" else standard.exit_publicity_days


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
    cadre: object | None
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
    if household.status in (HouseholdStatus.OUT_WITH_POLICY, HouseholdStatus.OUT_NO_POLICY):
        text = f"{household.get_status_display()}，脱贫年度：{household.exit_year or '未登记'}年"
    elif household.status == HouseholdStatus.RETURNED:
        text = "返贫"
        if household.planned_exit_year:
            text += f"，计划脱贫年度：{household.planned_exit_year}年"
    else:
        text = f"未脱贫，计划脱贫年度：{household.planned_exit_year}年" if household.planned_exit_year else "未脱贫，计划脱贫年度：未定"
    if monitoring is not None and not monitoring.risk_eliminated:
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
            "monitorings", queryset=Monitoring.objects.order_by("-risk_identified_date", "-pk"), to_attr="card_monitorings"
        ),
    )


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
    cards = []
    for household in households:
        members = sorted(household.card_members, key=lambda m: (m.relation != Relation.HEAD, m.pk))
        assignment = household.card_assignments[0] if household.card_assignments else None
        income = household.card_incomes[0] if household.card_incomes else None
        monitorings = household.card_monitorings
        monitoring = next((m for m in monitorings if not m.risk_eliminated), monitorings[0] if monitorings else None)
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
            work_team=teams.get(household.village_id),
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
        cards.append(card)
    return cards


def card_get(*, actor, pk: int, year: int) -> Card:
    """One household's card, if the actor may view the household (else 404)."""
    households = card_households(restrict(Household, actor, "view").filter(pk=pk), year=year)
    household = get_object_or_404(households)
    return cards_build([household], year=year)[0]


def card_year(value) -> int:
    """``?year=`` as a sensible card year; this year when absent or odd."""
    this_year = timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return this_year
    return year if 2013 <= year <= this_year + 1 else this_year


# --- Rendering cards -----------------------------------------------------------


def cards_html(cards: list[Card]) -> str:
    return render_pdf_html("pdf/cards.html", {"cards": cards})


def cards_pdf(
    households: QuerySet[Household],
    *,
    year: int,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> tuple[bytes, list[int]]:
    """All cards of ``households`` (a scoped queryset) in one PDF, one per
    page, in their order. Rendered in chunks so memory stays bounded and
    progress can be reported; the chunks are merged with pypdf.

    Returns the PDF and the household ids printed."""
    ids = list(households.values_list("pk", flat=True))
    total = len(ids)
    if progress:
        progress(0, total)
    if total == 0:
        return _empty_batch_pdf(), []
    parts = []
    for start in range(0, total, chunk_size):
        chunk_ids = ids[start : start + chunk_size]
        chunk = card_households(Household.objects.filter(pk__in=chunk_ids), year=year)
        by_pk = {h.pk: h for h in chunk}
        cards = cards_build([by_pk[pk] for pk in chunk_ids if pk in by_pk], year=year)
        parts.append(html_to_pdf(cards_html(cards)))
        if progress:
            progress(min(start + chunk_size, total), total)
    return merge_pdfs(parts), ids


def merge_pdfs(parts: list[bytes]) -> bytes:
    if len(parts) == 1:
        return parts[0]
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(BytesIO(part))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _empty_batch_pdf() -> bytes:
    return html_to_pdf(render_pdf_html("pdf/cards.html", {"cards": []}))


def area_households(*, actor, area: Area) -> QuerySet[Household]:
    """Households of an area (village or township) the actor may view, in
    户编号 order; an area outside the actor's reach gives none."""
    households = restrict(Household, actor, "view").filter(village__code__startswith=area_code_prefix(area))
    return households.order_by("village__code", "number", "pk")


def area_get(*, actor, pk) -> Area:
    """A township or village the actor may view (else 404): cards print by
    township or village, never the whole county at once."""
    area = villages_selectors.area_get(actor=actor, pk=pk)
    if area.level == AreaLevel.COUNTY:
        raise Http404("请选择乡镇或村。")
    return area


# --- Recording prints and hand-over ------------------------------------------------


def records_prints(actor) -> bool:
    """Only users who keep households hand cards out; a county viewer's
    reading copy is not the household's card and leaves the queue alone."""
    return actor.can("change")


def card_prints_record(*, actor, household_ids: list[int], year: int, at: datetime | None = None) -> int:
    """Record (打印登记) that the actor printed these households' cards for
    ``year``. All or nothing: a role that may not change households, or a
    household outside the actor's change scope, refuses the whole request."""
    if not records_prints(actor):
        raise PermissionDenied("您的角色不能登记明白卡打印。")
    wanted = set(household_ids)
    if not wanted:
        raise ValidationError({"households": "请先勾选要登记已打印的户。"})
    at = at or timezone.now()
    in_scope = list(restrict(Household, actor, "change").filter(pk__in=wanted).order_by("pk").values_list("pk", flat=True))
    if len(in_scope) != len(wanted):
        raise PermissionDenied("所选户中有不在您管辖范围内的户。")
    # The same form sent twice (a double click, a resubmission) is one print:
    # a record by the same user minutes ago, with nothing changed since.
    just_printed = set(
        CardPrint.objects.filter(
            household_id__in=in_scope, year=year, printed_by=actor, printed_at__gte=at - REPRINT_WINDOW,
            handed_over_on__isnull=True,
        )
        .filter(Q(household__card_data_changed_at__isnull=True) | Q(printed_at__gte=F("household__card_data_changed_at")))
        .values_list("household_id", flat=True)
    )
    with transaction.atomic(), set_actor(actor):
        for household_id in in_scope:
            if household_id in just_printed:
                continue
            # One save per card, so each print has its own audit entry.
            CardPrint(household_id=household_id, year=year, printed_at=at, printed_by=actor).save()
    return len(in_scope)


def card_print_log(*, actor, what: str, object_repr: str, rows: int, year: int, request=None) -> None:
    """Cards carry names, masked IDs and health: each print is logged."""
    personal_data_access_record(
        actor=actor, kind="print", what=what, object_repr=object_repr, filters=f"year={year}", rows=rows, request=request
    )


def card_handover(*, actor, household_ids: list[int], year: int, handed_over_on: date, handed_over_by: str) -> int:
    """Record that the latest printed card of the year was handed to each
    household. Only an up-to-date printed card can be handed over; the date
    may be neither in the future nor before the printing. All or nothing."""
    handed_over_by = (handed_over_by or "").strip()
    errors = {}
    if not handed_over_by:
        errors["handed_over_by"] = "请填写发放人。"
    if handed_over_on > timezone.localdate():
        errors["handed_over_on"] = "发放日期不能晚于今天。"
    if not household_ids:
        errors["households"] = "请先勾选要标记发放的户。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), set_actor(actor):
        households = list(
            restrict(Household, actor, "change").filter(pk__in=household_ids).select_for_update().order_by("pk")
        )
        if len(households) != len(set(household_ids)):
            raise PermissionDenied("所选户中有不在您管辖范围内的户。")
        latest = {}
        for card_print in CardPrint.objects.filter(household__in=households, year=year).order_by("household", "-printed_at", "-pk"):
            latest.setdefault(card_print.household_id, card_print)
        not_ready = []
        for household in households:
            card_print = latest.get(household.pk)
            if card_print is None or (
                household.card_data_changed_at is not None and household.card_data_changed_at > card_print.printed_at
            ):
                not_ready.append(household.head_name or household.number)
            elif handed_over_on < timezone.localtime(card_print.printed_at).date():
                raise ValidationError({"handed_over_on": f"发放日期不能早于打印日期（{household.head_name}户 {card_print.printed_at:%Y-%m-%d} 打印）。"})
        if not_ready:
            raise ValidationError({"households": "以下户的明白卡尚未打印或内容已更新，须先打印最新的明白卡：" + "、".join(not_ready)})
        for household in households:
            card_print = latest[household.pk]
            card_print.handed_over_on = handed_over_on
            card_print.handed_over_by = handed_over_by[:30]
            card_print.full_clean()
            card_print.save(update_fields=["handed_over_on", "handed_over_by"])
            assert_in_scope(card_print, actor, "change")
    return len(households)


# --- Print queue ---------------------------------------------------------------------


class PrintState:
    MISSING = "missing"
    STALE = "stale"
    PRINTED = "printed"
    HANDED = "handed"
    TODO = "todo"  # missing or stale: what needs printing

    LABELS = {MISSING: "未打印", STALE: "已过期", PRINTED: "已打印未发放", HANDED: "已发放"}
    CHOICES = [(TODO, "待打印（未打印或已过期）"), (MISSING, "未打印"), (STALE, "已过期"), (PRINTED, "已打印未发放"), (HANDED, "已发放"), ("all", "全部")]


def print_queue(*, actor, year: int, village: Area | None = None, state: str = PrintState.TODO, query: str = "") -> QuerySet[Household]:
    """Households in the actor's area with the state of their card for
    ``year``: 未打印 (no print), 已过期 (card data changed after the latest
    print), 已打印未发放, 已发放 — annotated in the query, so the page costs
    the same whatever the number of rows."""
    households = restrict(Household, actor, "view").select_related("village", "village__parent")
    if village is not None:
        households = households.filter(village__code__startswith=area_code_prefix(village))
    if query:
        households = households.filter(Q(head_name__contains=query) | Q(number__contains=query))
    households = print_state_annotate(households, year=year)
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


def print_queue_counts(*, actor, year: int, village: Area | None = None, query: str = "") -> dict[str, int]:
    """How many households are in each state (one query)."""
    households = print_queue(actor=actor, year=year, village=village, state="all", query=query)
    counts = households.order_by().aggregate(
        **{state: Count("pk", filter=Q(print_state=state)) for state in PrintState.LABELS}, all=Count("pk")
    )
    counts[PrintState.TODO] = counts[PrintState.MISSING] + counts[PrintState.STALE]
    return counts


def latest_prints(households: list[Household]) -> dict[int, CardPrint]:
    """The latest print of each listed household (one query), with who printed it."""
    ids = [h.last_print_id for h in households if getattr(h, "last_print_id", None)]
    return {p.household_id: p for p in CardPrint.objects.filter(pk__in=ids).select_related("printed_by")}


# --- Batch job ---------------------------------------------------------------------


@job_runner("card_batch")
def run_card_batch(job, report_progress):
    """A township's (or the county's) cards in one PDF, rendered in chunks."""
    actor = job.user
    year = int(job.params["year"])
    area = Area.objects.get(pk=job.params["area"])
    households = area_households(actor=actor, area=area)
    pdf, ids = cards_pdf(households, year=year, progress=report_progress)
    card_print_log(actor=actor, what=f"{year}年明白卡（批量）", object_repr=area_full_name(area), rows=len(ids), year=year)
    handle = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False)
    with handle:
        handle.write(pdf)
    summary = f"已生成 {len(ids)} 户明白卡（{len(ids)} 页）。打印后请在“明白卡打印”或批量打印页登记已打印。"
    return Path(handle.name), batch_filename(area, year), {"summary": summary, "cards": len(ids)}


def batch_filename(area: Area, year: int) -> str:
    return f"{year}年明白卡_{area.name}_{timezone.localdate():%Y%m%d}.pdf"


# --- 公示 lists ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicityColumn:
    key: str
    label: str
    numeric: bool = False


# What a notice on the village board may never carry (公示 rules, 个人信息保护法).
FORBIDDEN_PUBLICITY_KEYS = {"id_number", "phone", "bank_account", "bank_name", "health", "disability_grade", "disability_cert_number"}


@dataclass
class PublicityList:
    kind: str
    title: str
    intro: str
    columns: list[PublicityColumn]
    rows: list[dict]
    village: Area
    start: date
    end: date
    note: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __post_init__(self):
        forbidden = {c.key for c in self.columns} & FORBIDDEN_PUBLICITY_KEYS
        if forbidden:
            raise ValueError(f"公示名单不能包含：{', '.join(sorted(forbidden))}")


PUBLICITY_KINDS = {
    "exit": "拟退出贫困户名单",
    "monitoring": "防返贫监测对象名单",
    "households": "建档立卡贫困户名单",
}


def exit_candidates(*, actor, village: Area) -> QuerySet[Household]:
    """未脱贫 households of the village whose latest income per capita is
    above that year's poverty line. A stand-in for the exit procedure's own
    list until exit reviews are recorded."""
    latest = Income.objects.filter(household=OuterRef("pk")).order_by("-year")
    line = AnnualStandard.objects.filter(year=OuterRef("latest_income_year"), province=county_province()).values("poverty_line")[:1]
    return (
        restrict(Household, actor, "view")
        .filter(village=village, status=HouseholdStatus.NOT_OUT)
        .annotate(
            latest_income_year=Subquery(latest.values("year")[:1]),
            latest_per_capita=Subquery(latest.values("net_income_per_capita")[:1]),
        )
        .annotate(line=Subquery(line))
        .filter(latest_per_capita__gt=F("line"))
        .order_by("group", "number", "pk")
    )


def monitoring_cases(*, actor, village: Area) -> QuerySet[Monitoring]:
    """Open 防返贫监测 cases of the village."""
    return (
        restrict(Monitoring, actor, "view")
        .filter(household__village=village, risk_eliminated=False)
        .select_related("household")
        .order_by("household__group", "household__number", "pk")
    )


def publicity_list(*, actor, kind: str, village: Area, start: date, days: int) -> PublicityList:
    """The rows of a 公示 list: 户主 full names with household size, never an
    ID, phone, bank account or health status."""
    end = date.fromordinal(start.toordinal() + days - 1)
    common = dict(kind=kind, title=PUBLICITY_KINDS[kind], village=village, start=start, end=end)
    if kind == "exit":
        households = list(exit_candidates(actor=actor, village=village))
        return PublicityList(
            **common,
            intro=(
                f"经村民代表民主评议、村两委和驻村工作队入户核实，以下 {len(households)} 户拟于本年度退出贫困户，现予公示。"
            ),
            columns=[
                PublicityColumn("group", "村民小组"),
                PublicityColumn("head_name", "户主姓名"),
                PublicityColumn("member_count", "家庭人口", True),
                PublicityColumn("identification_year", "识别年度", True),
                PublicityColumn("income", "人均纯收入(元)", True),
                PublicityColumn("line", "扶贫标准(元)", True),
            ],
            rows=[
                {
                    "group": h.group,
                    "head_name": h.head_name,
                    "member_count": h.member_count,
                    "identification_year": h.identification_year,
                    "income": f"{h.latest_per_capita:.2f}（{h.latest_income_year}年）",
                    "line": f"{h.line:.2f}",
                }
                for h in households
            ],
            note="拟退出名单按“未脱贫且最近一次收入测算人均纯收入高于当年扶贫标准”生成，以村两委评议结果为准。",
        )
    if kind == "monitoring":
        cases = list(monitoring_cases(actor=actor, village=village))
        return PublicityList(
            **common,
            intro=f"经农户申请（或部门预警）、入户核查和民主评议，以下 {len(cases)} 户拟纳入防返贫监测对象，现予公示。",
            columns=[
                PublicityColumn("group", "村民小组"),
                PublicityColumn("head_name", "户主姓名"),
                PublicityColumn("member_count", "家庭人口", True),
                PublicityColumn("object_type", "监测对象类型"),
                PublicityColumn("identified", "风险识别时间"),
            ],
            rows=[
                {
                    "group": c.household.group,
                    "head_name": c.household.head_name,
                    "member_count": c.household.member_count,
                    "object_type": c.object_type,
                    "identified": f"{c.risk_identified_date:%Y-%m-%d}",
                }
                for c in cases
            ],
        )
    households = list(restrict(Household, actor, "view").filter(village=village).order_by("group", "number", "pk"))
    return PublicityList(
        **common,
        intro=f"本村建档立卡贫困户共 {len(households)} 户 {sum(h.member_count for h in households)} 人，名单如下，现予公示。",
        columns=[
            PublicityColumn("group", "村民小组"),
            PublicityColumn("head_name", "户主姓名"),
            PublicityColumn("member_count", "家庭人口", True),
            PublicityColumn("attribute", "贫困户属性"),
            PublicityColumn("identification_year", "识别年度", True),
            PublicityColumn("status", "脱贫状态"),
        ],
        rows=[
            {
                "group": h.group,
                "head_name": h.head_name,
                "member_count": h.member_count,
                "attribute": h.attribute,
                "identification_year": h.identification_year,
                "status": h.get_status_display(),
            }
            for h in households
        ],
    )


def publicity_pdf_html(publicity: PublicityList) -> str:
    rows = [[{"text": row.get(c.key, ""), "numeric": c.numeric} for c in publicity.columns] for row in publicity.rows]
    return render_pdf_html(
        "pdf/publicity.html",
        {
            "publicity": publicity,
            "rows": rows,
            "area_name": area_full_name(publicity.village),
            "hotline": SUPERVISION_HOTLINE,
        },
    )
