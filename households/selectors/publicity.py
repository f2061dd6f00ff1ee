"""公示 lists: who goes on the village notice board, and with what.

A notice carries 户主 full names with household size, never an ID, phone,
bank account or health status; the lists are read through
``restrict(..., actor, "view")`` like every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, OuterRef, QuerySet, Subquery

from povertyrelief.models import User
from povertyrelief.permissions import restrict
from villages.models import Area

from ..models import AnnualStandard, Household, HouseholdStatus, Income, Monitoring
from .income import county_province, standard_in_force

PUBLICITY_KINDS = {
    "exit": "拟退出贫困户名单",
    "monitoring": "防返贫监测对象名单",
    "households": "建档立卡贫困户名单",
}
# What a notice on the village board may never carry (公示 rules, 个人信息保护法).
FORBIDDEN_PUBLICITY_KEYS = {"id_number", "phone", "bank_account", "bank_name", "health", "disability_grade", "disability_cert_number"}


def publicity_min_days(kind: str, year: int) -> int:
    """Shortest 公示 period for a list, from the year's standard (年度标准):
    7 days for exits and household lists, 5 for monitoring, unless changed."""
    standard = standard_in_force(year=year)
    return standard.monitoring_publicity_days if kind == "monitoring" else standard.exit_publicity_days


@dataclass(frozen=True)
class PublicityColumn:
    key: str
    label: str
    numeric: bool = False


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


def exit_candidates(*, actor: User, village: Area) -> QuerySet[Household]:
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


def monitoring_cases(*, actor: User, village: Area) -> QuerySet[Monitoring]:
    """Open 防返贫监测 cases of the village."""
    return (
        restrict(Monitoring, actor, "view")
        .filter(household__village=village, risk_eliminated=False)
        .select_related("household")
        .order_by("household__group", "household__number", "pk")
    )


def _exit_list(*, actor: User, village: Area) -> dict:
    households = list(exit_candidates(actor=actor, village=village))
    return dict(
        intro=f"经村民代表民主评议、村两委和驻村工作队入户核实，以下 {len(households)} 户拟于本年度退出贫困户，现予公示。",
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


def _monitoring_list(*, actor: User, village: Area) -> dict:
    cases = list(monitoring_cases(actor=actor, village=village))
    return dict(
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


def _household_list(*, actor: User, village: Area) -> dict:
    households = list(restrict(Household, actor, "view").filter(village=village).order_by("group", "number", "pk"))
    return dict(
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


PUBLICITY_BUILDERS = {"exit": _exit_list, "monitoring": _monitoring_list, "households": _household_list}


def publicity_list(*, actor: User, kind: str, village: Area, start: date, days: int) -> PublicityList:
    """The rows of a 公示 list: 户主 full names with household size, never an
    ID, phone, bank account or health status."""
    end = date.fromordinal(start.toordinal() + days - 1)
    build = PUBLICITY_BUILDERS.get(kind, _household_list)
    return PublicityList(
        kind=kind, title=PUBLICITY_KINDS[kind], village=village, start=start, end=end, **build(actor=actor, village=village)
    )
