"""The exit ledger (贫困户退出台账) as Excel and PDF: one review a row, with
the household, the seven criteria as saved at 核实, and every stage's date.
It reads the list page's selector with the page's filters, restricted for
``export``; ``python manage.py export_ledger exits`` writes it too."""

from __future__ import annotations

from povertyrelief.exports import Column, Exporter, Kind, register

from . import selectors
from .criteria import KEYS
from .models import ExitStage, ThirdPartyResult

STAGES = dict(ExitStage.choices)
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
