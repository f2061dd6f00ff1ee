"""公示 lists: who goes on the village notice board, and with what.

A notice carries 户主 full names with household size, never an ID, phone,
bank account or health status; the lists are read through
``restrict(..., actor, "view")`` like every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from povertyrelief.models import User
from povertyrelief.permissions import restrict
from villages.models import Area

from ..models import Household, Monitoring, MonitoringStage
from .income import standard_in_force

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


def monitoring_cases(*, actor: User, village: Area) -> QuerySet[Monitoring]:
    """防返贫监测 cases of the village at their 村级公示 (identification step)."""
    return (
        restrict(Monitoring, actor, "view")
        .filter(household__village=village, stage=MonitoringStage.PUBLICITY)
        .select_related("household")
        .order_by("household__group", "household__number", "pk")
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
            PublicityColumn("signalled", "风险信号日期"),
        ],
        rows=[
            {
                "group": c.household.group,
                "head_name": c.household.head_name,
                "member_count": c.household.member_count,
                "object_type": c.object_type,
                "signalled": f"{c.signal_date:%Y-%m-%d}",
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


def _no_exit_procedure(*, actor: User, village: Area) -> dict:
    return dict(intro="", columns=[PublicityColumn("head_name", "户主姓名")], rows=[], note="脱贫退出程序未启用。")


# The 拟退出 list belongs to the exit procedure (assessment.publicity puts
# its builder here): the households it lists are those whose review is at
# 村内公示, never guessed from incomes.
PUBLICITY_BUILDERS = {"exit": _no_exit_procedure, "monitoring": _monitoring_list, "households": _household_list}


def publicity_list(*, actor: User, kind: str, village: Area, start: date, days: int) -> PublicityList:
    """The rows of a 公示 list: 户主 full names with household size, never an
    ID, phone, bank account or health status."""
    end = date.fromordinal(start.toordinal() + days - 1)
    build = PUBLICITY_BUILDERS.get(kind, _household_list)
    return PublicityList(
        kind=kind, title=PUBLICITY_KINDS[kind], village=village, start=start, end=end, **build(actor=actor, village=village)
    )
