"""Funds on the battle map (挂图作战): allocated against confirmed disbursed
(资金执行率) by area and by fund level, projects by stage; and the funds'
data-quality rules. Figures are of the sources of the map's year (资金年度),
as in the fund ledger; an allocation counts where it belongs (its project's,
village's or measures' area), so county-level funds show as 县本级.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Sum, Value, When

from povertyrelief.dashboard import MONEY, PERCENT, Breakdown, Figure, FigureProvider, MapScope, quality_rule, register_provider

from .models import STAGE_ORDER, Allocation, Disbursement, DisbursementStatus, FundLevel, Project, ProjectStage, ProjectStep

CENT = Decimal("0.01")
GROUP = "资金项目"
# A pending disbursement waits at most this many days for its checker.
CONFIRM_WITHIN_DAYS = 30


def _money(value) -> Decimal:
    # SQLite sums decimals in floating point: back to exact fen.
    return Decimal(value or 0).quantize(CENT)


@register_provider
class FundFigures(FigureProvider):
    key = "funds"
    title = "资金项目"
    order = 30
    figures = [
        Figure("funds_allocated", "已分配资金(元)", MONEY, help="本年度资金来源分配到该区划的金额"),
        Figure("funds_disbursed", "已确认拨付(元)", MONEY),
        Figure("funds_pending", "待确认拨付(元)", MONEY),
        Figure("funds_rate", "资金执行率", PERCENT, ratio=("funds_disbursed", "funds_allocated"), headline=True,
               help="已确认拨付 ÷ 已分配"),
    ]

    def _allocations(self, scope: MapScope):
        return scope.rows(Allocation, "area").filter(source__year=scope.year).order_by()

    def by_area(self, scope: MapScope) -> dict[int, dict]:
        rows = self._allocations(scope).values("area").annotate(
            allocated=Sum("amount"), disbursed=Sum("confirmed_total"), pending=Sum("pending_total"),
        )
        return {
            row["area"]: {
                "funds_allocated": _money(row["allocated"]), "funds_disbursed": _money(row["disbursed"]),
                "funds_pending": _money(row["pending"]),
            }
            for row in rows
        }

    def breakdowns(self, scope: MapScope) -> list[Breakdown]:
        return [self._by_level(scope), self._projects(scope)]

    def _by_level(self, scope: MapScope) -> Breakdown:
        sums = {
            row["source__level"]: row
            for row in self._allocations(scope).values("source__level").annotate(
                allocated=Sum("amount"), disbursed=Sum("confirmed_total")
            )
        }
        rows = [
            (label, {"allocated": _money(sums[level]["allocated"]), "disbursed": _money(sums[level]["disbursed"])})
            for level, label in FundLevel.choices if level in sums
        ]
        columns = [
            Figure("allocated", "已分配(元)", MONEY), Figure("disbursed", "已确认拨付(元)", MONEY),
            Figure("rate", "执行率", PERCENT, ratio=("disbursed", "allocated")),
        ]
        return Breakdown("funds_by_level", f"{scope.year}年资金分配与拨付（按资金级次）", "资金级次", columns, rows,
                         chart="bar", chart_columns=("allocated", "disbursed"))

    def _projects(self, scope: MapScope) -> Breakdown:
        counts = dict(
            scope.rows(Project, "area").filter(year=scope.year).order_by().values("stage").annotate(n=Count("pk"))
            .values_list("stage", "n")
        )
        rows = [(label, {"projects": counts.get(stage, 0)}) for stage, label in ProjectStage.choices]
        return Breakdown("projects", f"{scope.year}年项目库（按项目状态）", "项目状态", [Figure("projects", "项目数")], rows)


# --- quality rules ---------------------------------------------------------------


@quality_rule(
    "disbursement_unconfirmed", f"拨付超过{CONFIRM_WITHIN_DAYS}天未确认",
    model=Disbursement, area_path="allocation__area", related=("allocation",), group=GROUP, order=210,
    explanation=f"拨付须由录入人以外的县级管理员确认；拨付日期后 {CONFIRM_WITHIN_DAYS} 天仍待确认的，请尽快确认或退回。",
    detail=lambda d: f"拨付日期 {d.date:%Y-%m-%d}，{d.amount:,.2f} 元，收款 {d.payee}，凭证 {d.voucher_number}，仍待确认",
)
def disbursement_unconfirmed(disbursements, scope: MapScope):
    return disbursements.filter(
        status=DisbursementStatus.PENDING, date__lte=scope.today - timedelta(days=CONFIRM_WITHIN_DAYS)
    )


@quality_rule(
    "project_overdue_in_progress", "项目已过计划完工期仍为实施状态",
    model=Project, area_path="area", group=GROUP, order=220,
    explanation="项目按项目年度当年年底完工；项目年度已过仍为“实施”的，请登记完工，或核实进度。",
    detail=lambda p: f"项目年度 {p.year} 年，{p.stage_date:%Y-%m-%d} 起为“{p.get_stage_display()}”",
)
def project_overdue_in_progress(projects, scope: MapScope):
    return projects.filter(stage=ProjectStage.IN_PROGRESS, year__lt=scope.today.year)


def _stage_index(field: str) -> Case:
    return Case(*[When(**{field: stage}, then=Value(i)) for i, stage in enumerate(STAGE_ORDER)], output_field=IntegerField())


@quality_rule(
    "project_steps_out_of_order", "项目环节日期先后颠倒",
    model=Project, area_path="area", group=GROUP, order=230,
    explanation="项目依次经过储备、批准、实施、完工、验收，后一环节的日期不能早于前一环节。",
    detail=lambda p: "，".join(f"{s.get_stage_display()} {s.date:%Y-%m-%d}" for s in p.steps.all()),
)
def project_steps_out_of_order(projects, scope: MapScope):
    steps = ProjectStep.objects.annotate(position=_stage_index("stage"))
    earlier_dated_later = steps.filter(project=OuterRef("project"), position__lt=OuterRef("position"), date__gt=OuterRef("date"))
    inverted = steps.filter(project=OuterRef("pk")).filter(Exists(earlier_dated_later))
    return projects.filter(Exists(inverted)).prefetch_related("steps")
