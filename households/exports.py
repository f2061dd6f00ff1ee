"""The household ledgers (台账) as Excel.

Each ledger reads through the selector of its list page with the page's
own filters, restricted once more for the ``export`` action, so a file can
never hold a row or honour a filter the page would not.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When

from povertyrelief.exports import Column, Exporter, Kind, register

from .filters import filters_from_request
from .models import (
    INCOME_GROUPS,
    AnnualStandard,
    Income,
    Member,
    MeasureStatus,
    MonitoringStage,
    Relation,
)
from .selectors.cadres import assignment_list
from .selectors.income import county_province, income_list, line_comparison
from .selectors.measures import measure_filterset, measure_list
from .selectors.monitoring import monitoring_filterset, monitoring_list
from .selectors.registry import household_list
from .tables import HOUSEHOLD_TABLE, STATUS, household_columns, township_column, village_column

MEASURE_STATUS = dict(MeasureStatus.choices)


class HouseholdLedger(Exporter):
    """Ledgers whose rows follow the household list page (its filters, its
    ID-number search held in the session)."""

    def filters_from_request(self, request) -> dict:
        return filters_from_request(request)

    def households(self, actor, filters: dict):
        return household_list(actor=actor, filters=filters).restrict(actor, self.action)


@register
class HouseholdRoster(HouseholdLedger):
    identifier = "households"
    title = "贫困户花名册"
    description = "每户一行：区划、户主、人口、属性、致贫原因、脱贫状态、两不愁三保障和收入。筛选条件与贫困户列表相同。"
    columns = HOUSEHOLD_TABLE.columns
    extra_fields = HOUSEHOLD_TABLE.extra_fields

    def queryset(self, actor, filters):
        head_id = Member.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD, left_date__isnull=True)
        return self.households(actor, filters).annotate(head_id_number=Subquery(head_id.values("id_number")[:1]))


@register
class MemberLedger(HouseholdLedger):
    """Current members, one row each, in exactly the columns and order of the
    import template's 家庭成员 sheet: the file can be edited and imported
    back, and importing it unchanged changes nothing."""

    identifier = "members"
    title = "家庭成员明细"
    description = "每人一行，列与“家庭成员”导入模板完全一致，可修改后重新导入。筛选条件与贫困户列表相同。"
    columns = [
        Column("县", 10, Kind.TEXT, "household__village__parent__parent__name"),
        township_column(),
        village_column(),
        Column("村民小组", 9, Kind.TEXT, "household__group"),
        Column("户编号", 19, Kind.ID, "household__number"),
        Column("姓名", 10, Kind.TEXT, "name"),
        Column("证件号码", 21, Kind.ID, "id_number", sensitive=True),
        Column("与户主关系", 10, Kind.TEXT, "relation"),
        Column("性别", 5, Kind.TEXT, "sex"),
        Column("民族", 7, Kind.TEXT, "ethnicity"),
        Column("文化程度", 10, Kind.TEXT, "education"),
        Column("在校生状况", 10, Kind.TEXT, "school_status"),
        Column("健康状况", 10, Kind.TEXT, "health"),
        Column("残疾等级", 8, Kind.TEXT, "disability_grade"),
        Column("劳动技能", 14, Kind.TEXT, "labour_skill"),
        Column("务工状况", 12, Kind.TEXT, "work_status"),
        Column("务工时间(月)", 8, Kind.INT, "work_months"),
        Column("参加城乡居民基本医疗保险", 10, Kind.BOOL, "medical_insurance"),
        Column("参加大病保险", 8, Kind.BOOL, "serious_illness_insurance"),
        Column("参加城乡居民基本养老保险", 10, Kind.BOOL, "pension_insurance"),
        Column("贫困户属性", 14, Kind.TEXT, "household__attribute"),
        Column("主要致贫原因", 12, Kind.TEXT, "household__main_cause"),
        Column("识别年度", 8, Kind.INT, "household__identification_year"),
        Column("脱贫年度", 8, Kind.INT, "household__exit_year"),
        Column("联系电话", 14, Kind.ID, "household__phone"),
        Column("住房安全", 10, Kind.TEXT, "household__housing_safety"),
        Column("饮水安全", 8, Kind.BOOL, "household__safe_drinking_water"),
        Column("人均纯收入(元)", 14, Kind.MONEY, "household__declared_income_per_capita"),
    ]

    def queryset(self, actor, filters):
        households = self.households(actor, filters).order_by().values("pk")
        return (
            Member.objects.current()
            .filter(household__in=households)
            .restrict(actor, self.action)
            .annotate(head_first=Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .order_by("household__village__code", "household__number", "household_id", "head_first", "pk")
        )


@register
class AssignmentLedger(Exporter):
    identifier = "assignments"
    title = "帮扶结对台账"
    description = "每次结对一行：户、帮扶责任人及其单位、结对与解除日期。"
    columns = [
        *household_columns(),
        Column("脱贫状态", 16, Kind.TEXT, "household__status", choices=STATUS),
        Column("帮扶责任人", 10, Kind.TEXT, "cadre__name"),
        Column("工作单位", 20, Kind.TEXT, "cadre__unit"),
        Column("单位层级", 8, Kind.TEXT, "cadre__unit_level"),
        Column("职务", 12, Kind.TEXT, "cadre__position"),
        Column("责任人电话", 14, Kind.ID, "cadre__phone"),
        Column("结对日期", 12, Kind.DATE, "start_date"),
        Column("解除日期", 12, Kind.DATE, "end_date"),
        Column("解除原因", 20, Kind.TEXT, "end_reason"),
        Column("结对状态", 8, Kind.TEXT, lambda r: "在帮" if r.end_date is None else "已解除"),
    ]

    def queryset(self, actor, filters):
        return assignment_list(actor=actor, filters=filters).restrict(actor, self.action)


@register
class MeasureLedger(Exporter):
    identifier = "measures"
    title = "帮扶措施台账"
    description = "每项措施一行：年度、类别、内容、金额、计划与落实日期、状态和责任人。"
    year_filter = True
    columns = [
        *household_columns(),
        Column("年度", 7, Kind.INT, "year"),
        Column("措施类别", 12, Kind.TEXT, "category__group"),
        Column("措施", 14, Kind.TEXT, "category__name"),
        Column("帮扶内容", 30, Kind.TEXT, "content"),
        Column("受益成员", 10, Kind.TEXT, "member__name"),
        Column("金额(元)", 14, Kind.MONEY, "amount"),
        Column("计划日期", 12, Kind.DATE, "planned_date"),
        Column("落实日期", 12, Kind.DATE, "done_date"),
        Column("状态", 8, Kind.TEXT, "status", choices=MEASURE_STATUS),
        Column("责任人", 10, Kind.TEXT, "cadre__name"),
        Column("责任人单位", 20, Kind.TEXT, "cadre__unit"),
    ]

    def filters_from_request(self, request) -> dict:
        return measure_filterset(actor=request.user, filters=request.GET).chosen

    def queryset(self, actor, filters):
        return measure_list(actor=actor, filters=filters, action=self.action)


def _income_columns() -> list[Column]:
    columns = [*household_columns(), Column("年度", 7, Kind.INT, "year"), Column("家庭人口", 8, Kind.INT, "household_size")]
    for group, fields in INCOME_GROUPS.items():
        for name in fields:
            columns.append(Column(str(Income._meta.get_field(name).verbose_name), 12, Kind.MONEY, name))
        columns.append(Column(f"{group}合计", 13, Kind.MONEY, _group_total(fields)))
    columns += [
        Column("家庭总收入", 13, Kind.MONEY, "total_income"),
        Column("生产经营性支出(填报)", 13, Kind.MONEY, "production_cost"),
        Column("生产经营性支出(计入)", 13, Kind.MONEY, "production_cost_used"),
        Column("家庭纯收入", 13, Kind.MONEY, "net_income"),
        Column("人均纯收入", 13, Kind.MONEY, "net_income_per_capita"),
        Column("扶贫标准(元)", 12, Kind.MONEY, "poverty_line"),
        Column("高于扶贫标准", 8, Kind.BOOL, _above("poverty_line")),
        Column("与扶贫标准差额(元)", 14, Kind.MONEY, _difference("poverty_line")),
        Column("监测标准(元)", 12, Kind.MONEY, "monitoring_line"),
        Column("高于监测标准", 8, Kind.BOOL, _above("monitoring_line")),
        Column("测算时间", 12, Kind.DATE, "recorded_at"),
    ]
    return columns


def _group_total(fields: list[str]):
    def total(row):
        return sum((getattr(row, name) for name in fields), Decimal("0.00"))

    return total


def _above(line_field: str):
    def above(row):
        comparison = line_comparison(row.net_income_per_capita, getattr(row, line_field))
        return None if comparison is None else comparison["above"]

    return above


def _difference(line_field: str):
    """人均纯收入 − the line: negative means below it."""

    def difference(row):
        line = getattr(row, line_field)
        return None if line is None else row.net_income_per_capita - line

    return difference


@register
class IncomeLedger(Exporter):
    identifier = "incomes"
    title = "收入测算台账"
    description = "每户每年一行：各项收入、生产经营性支出、纯收入、人均纯收入，并与当年扶贫标准和监测标准比较。"
    year_filter = True
    columns = _income_columns()
    extra_fields = tuple(name for fields in INCOME_GROUPS.values() for name in fields)

    def queryset(self, actor, filters):
        standard = AnnualStandard.objects.filter(year=OuterRef("year"), province=county_province())
        return (
            income_list(actor=actor, filters=filters)
            .restrict(actor, self.action)
            .annotate(
                poverty_line=Subquery(standard.values("poverty_line")[:1]),
                monitoring_line=Subquery(standard.values("monitoring_line")[:1]),
            )
        )


@register
class MonitoringLedger(Exporter):
    identifier = "monitoring"
    title = "监测对象台账"
    description = "防返贫监测对象一户一行：类型、信号来源、首次信号、识别各环节日期、县级审定、是否逾期、风险消除。"
    columns = [
        *household_columns(),
        Column("家庭人口", 8, Kind.INT, "household__member_count"),
        Column("联系电话", 14, Kind.ID, "household__phone"),
        Column("建档立卡户", 8, Kind.BOOL, "household__registered"),
        Column("脱贫状态", 16, Kind.TEXT, "household__status", choices=STATUS),
        Column("监测对象类型", 14, Kind.TEXT, "object_type"),
        Column("风险描述", 36, Kind.TEXT, "risk_description"),
        Column("信号来源", 9, Kind.TEXT, "signal_kind"),
        Column("首次风险信号日期", 12, Kind.DATE, "signal_date"),
        Column("识别时限", 12, Kind.DATE, "due_date"),
        Column("识别环节", 14, Kind.TEXT, "stage", choices=dict(MonitoringStage.choices)),
        Column("入户核查", 12, Kind.DATE, "checked_on"),
        Column("民主评议", 12, Kind.DATE, "reviewed_on"),
        Column("公示开始", 12, Kind.DATE, "publicity_start"),
        Column("公示结束", 12, Kind.DATE, "publicity_end"),
        Column("乡镇审核", 12, Kind.DATE, "township_approved_on"),
        Column("县级审定", 12, Kind.DATE, "decided_on"),
        Column("风险识别时间", 12, Kind.DATE, "risk_identified_date"),
        Column("识别逾期（首次信号至县级审定超过时限）", 12, Kind.BOOL, "is_overdue"),
        Column("认定返贫", 8, Kind.BOOL, "returned_to_poverty"),
        Column("收入稳定超过监测线起始日", 14, Kind.DATE, "income_stable_since"),
        Column("无劳动能力", 8, Kind.BOOL, "no_labour_capacity"),
        Column("风险已消除", 8, Kind.BOOL, "risk_eliminated"),
        Column("风险消除时间", 12, Kind.DATE, "risk_eliminated_date"),
    ]

    def filters_from_request(self, request) -> dict:
        return monitoring_filterset(actor=request.user, filters=request.GET).chosen

    def queryset(self, actor, filters):
        return monitoring_list(actor=actor, filters=filters, action=self.action)
