"""The exit ledgers as Excel and PDF, each reading its list page's selector
with the page's filters, restricted for ``export``:

- 贫困户退出台账 (``exits``): one review a row, with the household, the
  seven criteria as saved at 核实, and every stage's date;
- 贫困村退出台账 (``village-exits``): one village a row, as the village exit
  page lists them for a year, with its incidence rate today and as proposed,
  each checklist condition as answered, and every stage's date.

``python manage.py export_ledger exits`` (or ``village-exits``) writes them too."""

from __future__ import annotations

from functools import cached_property

from django.utils import timezone

from povertyrelief.exports import Column, Exporter, Kind, area_full_name, chinese_date, register

from . import selectors
from .criteria import KEYS
from .filters import exit_year
from .models import ExitStage, ThirdPartyResult, VillageExitStage

STAGES = dict(ExitStage.choices)
VILLAGE_STAGES = dict(VillageExitStage.choices)
THIRD_PARTY = dict(ThirdPartyResult.choices)
CRITERIA_HEADERS = {
    "income": "收入超过扶贫标准", "food": "不愁吃", "clothing": "不愁穿", "education": "义务教育有保障",
    "medical": "基本医疗有保障", "housing": "住房安全有保障", "water": "饮水安全有保障",
}


def _criterion(key: str):
    """√ or × as saved at 核实 (blank before it), with the reason when unmet."""

    def cell(row):
        for check in row.criteria or []:
            if check.get("key") == key:
                return "√" if check.get("ok") else f"×（{check.get('reason')}）"
        return None

    return cell


def _income(row):
    for check in row.criteria or []:
        if check.get("key") == "income":
            return check.get("reason")
    return None


@register
class ExitLedger(Exporter):
    identifier = "exits"
    title = "贫困户退出台账"
    description = "每户每年一行：户主、人口、退出年度、环节，入户核实时“两不愁三保障”及收入、饮水各项，民主评议票数和各环节日期。"
    year_filter = True
    columns = [
        Column("乡镇", 12, Kind.TEXT, "household__village__parent__name"),
        Column("行政村", 12, Kind.TEXT, "household__village__name"),
        Column("村民小组", 9, Kind.TEXT, "household__group"),
        Column("户编号", 19, Kind.ID, "household__number"),
        Column("户主姓名", 10, Kind.TEXT, "household__head_name"),
        Column("家庭人口", 8, Kind.INT, "household__member_count"),
        Column("退出年度", 8, Kind.INT, "year"),
        Column("当前环节", 12, Kind.TEXT, "stage", choices=STAGES),
        Column("收入测算", 30, Kind.TEXT, _income),
        *[Column(CRITERIA_HEADERS[key], 10, Kind.TEXT, _criterion(key)) for key in KEYS],
        Column("同意票", 6, Kind.INT, "votes_for"),
        Column("反对票", 6, Kind.INT, "votes_against"),
        Column("弃权票", 6, Kind.INT, "votes_abstain"),
        Column("民主评议", 11, Kind.DATE, "proposed_on"),
        Column("入户核实", 11, Kind.DATE, "verified_on"),
        Column("户主认可", 11, Kind.DATE, "consented_on"),
        Column("公示开始", 11, Kind.DATE, "publicity_start"),
        Column("公示结束", 11, Kind.DATE, "publicity_end"),
        Column("乡镇审核", 11, Kind.DATE, "township_approved_on"),
        Column("县级审定", 11, Kind.DATE, "county_approved_on"),
        Column("第三方评估", 10, Kind.TEXT, "third_party_result", choices=THIRD_PARTY),
        Column("公告销号", 11, Kind.DATE, "announced_on"),
        Column("退回或终止原因", 24, Kind.TEXT, lambda r: r.end_reason or r.return_reason or None),
    ]
    extra_fields = ("criteria", "return_reason", "end_reason")

    def filters_from_request(self, request) -> dict:
        return {key: request.GET.get(key) for key in request.GET if key != "page"}

    def queryset(self, actor, filters):
        return selectors.review_list(actor=actor, filters=filters, action=self.action)


def _village_rate(row):
    return selectors.incidence_rate(row.poor_people, row.rural_population)


def _village_stage(row):
    return VILLAGE_STAGES.get(row.exit_record__stage, "未申请")


@register
class VillageExitLedger(Exporter):
    identifier = "village-exits"
    title = "贫困村退出台账"
    description = "每村一行（按年度）：贫困发生率（今日及申请时）、三保障和饮水未达标户、各项退出条件核查结果、环节和各环节日期、公告退出日期。"
    year_filter = True
    # Village figures only: no names, IDs or addresses of people.
    personal_data = False

    @cached_property
    def items(self):
        return selectors.village_ledger_items()

    @cached_property
    def columns(self) -> list[Column]:
        return [
            Column("乡镇", 12, Kind.TEXT, "parent__name"),
            Column("行政村", 12, Kind.TEXT, "name"),
            Column("区划代码", 14, Kind.ID, "code"),
            Column("农村户籍人口", 9, Kind.INT, "rural_population"),
            Column("剩余贫困人口", 9, Kind.INT, "poor_people"),
            Column("贫困发生率(%)", 9, Kind.DECIMAL, _village_rate),
            Column("三保障/饮水未达标户", 10, Kind.INT, "households_short"),
            Column("退出年度", 8, Kind.INT, "exit_record__year"),
            Column("申请时贫困发生率(%)", 10, Kind.DECIMAL, "exit_record__incidence_rate"),
            Column("退出上限(%)", 8, Kind.DECIMAL, "exit_record__rate_limit"),
            Column("申请时未达标户", 9, Kind.INT, "exit_record__households_short"),
            *[Column(item.name, 12, Kind.TEXT, f"checklist_{item.pk}") for item in self.items],
            Column("当前环节", 11, Kind.TEXT, _village_stage),
            Column("乡镇申请", 11, Kind.DATE, "exit_record__proposed_on"),
            Column("县级核查", 11, Kind.DATE, "exit_record__approved_on"),
            Column("公示开始", 11, Kind.DATE, "exit_record__publicity_start"),
            Column("公告退出", 11, Kind.DATE, "exit_record__announced_on"),
            Column("退回原因", 20, Kind.TEXT, "exit_record__return_reason"),
        ]

    extra_fields = ("exit_record__stage",)

    def write(self, target, *, actor, filters, **options) -> int:
        # Every row is the year's standing: the title names the year.
        self.year = exit_year((filters or {}).get("year"))
        return super().write(target, actor=actor, filters=filters, **options)

    def sheet_title(self, actor) -> str:
        year = getattr(self, "year", None) or exit_year(None)
        return f"{area_full_name(actor.area)} {self.title}（{year}年，{chinese_date(timezone.localdate())}）"

    def queryset(self, actor, filters):
        return selectors.village_exit_ledger(
            actor=actor, year=exit_year(filters.get("year")), items=self.items, filters=filters, action=self.action
        )
