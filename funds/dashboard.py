"""Funds on the battle map (挂图作战): allocated against confirmed disbursed
(资金执行率) by area and by fund level, projects by stage (the funds'
data-quality rules are in ``quality``). Figures are of the sources of the map's year (资金年度),
as in the fund ledger; an allocation counts where it belongs (its project's,
village's or measures' area), so county-level funds show as 县本级.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from povertyrelief.dashboard import MONEY, PERCENT, Breakdown, Figure, FigureProvider, MapScope, register_provider

from .models import Allocation, AllocationStatus, FundLevel, Project, ProjectStage

CENT = Decimal("0.01")


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
        return scope.rows(Allocation, "area").filter(source__year=scope.year, status=AllocationStatus.ACTIVE).order_by()

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
