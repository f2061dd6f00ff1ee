"""The fund and project ledgers (资金台账, 项目台账) as Excel and PDF.

Each ledger reads the same selector as its page, restricted for ``export``,
and ends with a 合计 row computed by the database from the same filters.
``python manage.py export_ledger funds`` / ``projects`` write them too.
"""

from __future__ import annotations

from povertyrelief.exports import Column, Exporter, Kind, register

from . import selectors
from .models import FundLevel, ProjectStage, ProjectType

LEVELS = dict(FundLevel.choices)
TYPES = dict(ProjectType.choices)
STAGES = dict(ProjectStage.choices)
AREA_LEVELS = {"county": "县本级", "township": "乡镇本级", "village": "村"}


def _money_columns(allocated: str = "allocated", disbursed: str = "disbursed", pending: str = "pending", balance: str = "balance") -> list[Column]:
    return [
        Column("已分配(元)", 14, Kind.MONEY, allocated),
        Column("已拨付(元)", 14, Kind.MONEY, disbursed),
        Column("待确认(元)", 13, Kind.MONEY, pending),
        Column("结余(元)", 14, Kind.MONEY, balance),
        Column("执行率(%)", 9, Kind.DECIMAL, "rate"),
    ]


def _totals_row(columns: list[Column], totals: dict) -> tuple:
    """合计 in the first text column, each sum under the column it adds up
    (a measure's share is its allocated amount)."""
    aliases = {"amount": "allocated", "balance_amount": "balance"}
    cells: list = []
    labelled = False
    for column in columns:
        key = aliases.get(column.getter, column.getter)
        if key in totals:
            cells.append(totals[key])
        elif not labelled and column.kind == Kind.TEXT:
            cells.append("合计")
            labelled = True
        else:
            cells.append(None)
    return tuple(cells)


class FundLedger(Exporter):
    """Ledgers of allocations: filters of the fund ledger page."""

    year_filter = True
    personal_data = False
    ledger_by = ""  # grouping of the fund ledger page this exporter prints

    def queryset(self, actor, filters):
        return selectors.ledger_rows(actor=actor, by=self.ledger_by, filters=filters, action=self.action)

    def filters_from_request(self, request) -> dict:
        return {key: request.GET.get(key) for key in request.GET if key not in ("page", "by")}

    def totals(self, actor, filters) -> dict:
        return selectors.allocation_totals(selectors.allocation_list(actor=actor, filters=filters, action=self.action))

    def rows(self, actor, filters, reveal=None):
        yield from super().rows(actor, filters, reveal)
        yield _totals_row(self.columns, self.totals(actor, self.clean_filters(actor, filters)))


@register
class FundAllocationLedger(FundLedger):
    identifier = "funds"
    ledger_by = "allocation"
    title = "资金台账"
    description = "每笔资金分配一行：来源、文号、去向（项目、村或到户措施）、已分配、已拨付、待确认、结余和执行率，末行合计。"
    columns = [
        Column("资金年度", 8, Kind.INT, "source__year"),
        Column("资金级次", 14, Kind.TEXT, "source__level", choices=LEVELS),
        Column("资金名称", 28, Kind.TEXT, "source__name"),
        Column("下达文号", 20, Kind.TEXT, "source__document_number"),
        Column("分配日期", 11, Kind.DATE, "date"),
        Column("分配文号", 18, Kind.TEXT, "document_number"),
        Column("所属区划", 12, Kind.TEXT, "area__name"),
        Column("项目", 24, Kind.TEXT, "project__name"),
        Column("村", 12, Kind.TEXT, "village__name"),
        Column("用途", 20, Kind.TEXT, "purpose"),
        *_money_columns(balance="balance_amount"),
    ]


@register
class FundSourceLedger(FundLedger):
    identifier = "fund_sources"
    ledger_by = "source"
    title = "资金来源台账"
    description = "按资金来源汇总：下达金额、分配到本区划的金额、已拨付、待确认、结余和执行率。"
    columns = [
        Column("资金年度", 8, Kind.INT, "source__year"),
        Column("资金级次", 14, Kind.TEXT, "source__level", choices=LEVELS),
        Column("资金名称", 30, Kind.TEXT, "source__name"),
        Column("下达文号", 20, Kind.TEXT, "source__document_number"),
        Column("下达金额(元)", 15, Kind.MONEY, "source__amount"),
        *_money_columns(),
    ]


@register
class FundAreaLedger(FundLedger):
    identifier = "fund_areas"
    ledger_by = "area"
    title = "分村资金台账"
    description = "按村汇总分配到本村（含本村项目和到户措施）的资金；跨村项目计入乡镇本级。"
    columns = [
        Column("乡镇", 12, Kind.TEXT, "area__parent__name"),
        Column("区划", 14, Kind.TEXT, "area__name"),
        Column("区划代码", 14, Kind.ID, "area__code"),
        Column("级别", 8, Kind.TEXT, "area__level", choices=AREA_LEVELS),
        *_money_columns(),
    ]


@register
class ProjectLedger(FundLedger):
    identifier = "projects"
    title = "项目台账"
    description = "项目库一项目一行：类型、建设性质、责任单位、预算、绩效目标、状态，已分配、已拨付、结余和执行率，末行合计。"
    columns = [
        Column("项目年度", 8, Kind.INT, "year"),
        Column("项目名称", 28, Kind.TEXT, "name"),
        Column("项目类型", 13, Kind.TEXT, "project_type", choices=TYPES),
        Column("所属区划", 12, Kind.TEXT, "area__name"),
        Column("责任单位", 16, Kind.TEXT, "responsible_unit"),
        Column("绩效目标", 30, Kind.TEXT, "performance_target"),
        Column("受益户数", 8, Kind.INT, "beneficiary_households"),
        Column("受益人数", 8, Kind.INT, "beneficiary_people"),
        Column("项目状态", 8, Kind.TEXT, "stage", choices=STAGES),
        Column("状态日期", 11, Kind.DATE, "stage_date"),
        Column("预算(元)", 14, Kind.MONEY, "budget"),
        *_money_columns(),
    ]

    def queryset(self, actor, filters):
        return selectors.project_list(actor=actor, filters=filters, action=self.action)

    def totals(self, actor, filters) -> dict:
        return selectors.project_totals(self.queryset(actor, filters))


@register
class MeasureFundLedger(FundLedger):
    identifier = "fund_measures"
    title = "到户措施资金台账"
    description = "每项到户帮扶措施的资金一行：户主、措施、资金来源、分配额、已拨付、待确认和结余。"
    personal_data = True
    columns = [
        Column("乡镇", 12, Kind.TEXT, "village__parent__name"),
        Column("行政村", 12, Kind.TEXT, "village__name"),
        Column("户编号", 19, Kind.ID, "measure__household__number"),
        Column("户主姓名", 10, Kind.TEXT, "measure__household__head_name"),
        Column("措施年度", 8, Kind.INT, "measure__year"),
        Column("措施", 14, Kind.TEXT, "measure__category__name"),
        Column("帮扶内容", 24, Kind.TEXT, "measure__content"),
        Column("资金名称", 24, Kind.TEXT, "allocation__source__name"),
        Column("资金级次", 14, Kind.TEXT, "allocation__source__level", choices=LEVELS),
        *_money_columns(allocated="amount"),
    ]

    def queryset(self, actor, filters):
        return selectors.measure_ledger(actor=actor, filters=filters, action=self.action)

    def totals(self, actor, filters) -> dict:
        return selectors.measure_ledger_totals(self.queryset(actor, filters))
