"""The registry's figures on the battle map (挂图作战): remaining poor
households and people, incidence, exits of the year, cadres, monitoring and
明白卡 by village, and the breakdowns of the whole area (exits by stage,
measures by category, the trend by year).

Every figure is a grouped database aggregate: one query over households,
one over monitoring cases, one over villages, one over measures, one for the
trend, whatever the number of households. The rules of the data-quality
finder are in ``quality``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from povertyrelief.dashboard import (
    EXIT_HOUSEHOLDS,
    EXIT_PEOPLE,
    MONEY,
    PERCENT,
    Breakdown,
    Figure,
    FigureProvider,
    MapScope,
    register_provider,
)
from villages.models import Area

from .models import Assignment, CardPrint, Household, HouseholdStatus, Measure, MeasureGroup, MeasureStatus, Monitoring
from .selectors.income import standard_in_force
from .selectors.monitoring import monitoring_overdue_q

POOR = (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED)
EXITED = (HouseholdStatus.OUT_WITH_POLICY, HouseholdStatus.OUT_NO_POLICY)
# Cards never printed after a change before this moment: none.
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _poor() -> Q:
    return Q(status__in=POOR)


def current_cadre_exists() -> Exists:
    return Exists(Assignment.objects.filter(household=OuterRef("pk"), end_date__isnull=True))


def cards_up_to_date(scope: MapScope) -> dict[int, int]:
    """Households per village with a 明白卡 of the year printed after the
    last change to what it shows (the print queue's 未打印 and 已过期 are the
    others). Read from the prints, not household by household."""
    prints = scope.rows(CardPrint, "household__village").filter(
        year=scope.year, printed_at__gte=Coalesce(F("household__card_data_changed_at"), Value(LONG_AGO))
    )
    grouped = prints.order_by().values("household__village").annotate(n=Count("household", distinct=True))
    return {row["household__village"]: row["n"] for row in grouped}


def monitoring_open() -> Q:
    """A case still being identified, or identified and its risk not yet eliminated."""
    return Q(risk_eliminated=False) & ~Q(stage="not_identified")


@register_provider
class HouseholdFigures(FigureProvider):
    key = "households"
    title = "建档立卡"
    order = 10
    figures = [
        Figure("poor_households", "剩余贫困户", headline=True, help="脱贫状态为未脱贫或返贫的户"),
        Figure("poor_people", "剩余贫困人口", headline=True, chart=True, help="未脱贫或返贫户的现有人口"),
        Figure("rural_population", "农村户籍人口"),
        Figure("incidence", "贫困发生率", PERCENT, ratio=("poor_people", "rural_population"), headline=True,
               help="剩余贫困人口 ÷ 农村户籍人口"),
        Figure(EXIT_HOUSEHOLDS, "年度脱贫户", help="脱贫年度为本年、已脱贫的户"),
        Figure(EXIT_PEOPLE, "年度脱贫人口"),
        Figure("planned_households", "计划本年脱贫未销号户", help="计划脱贫年度为本年、仍未脱贫的户"),
        Figure("villages_below_line", "发生率达退出标准的村", help="贫困发生率低于当年贫困村退出标准的村"),
        Figure("no_cadre", "无在帮干部户", headline=True, alert=True, help="未脱贫、没有在帮帮扶责任人的户（一户一名干部）"),
        Figure("monitoring_open", "监测中的户", help="识别中或已纳入监测、风险未消除"),
        Figure("monitoring_overdue", "监测识别逾期", headline=True, alert=True, help="县级审定晚于（或至今未在）首次风险信号后的规定天数内"),
        Figure("cards_todo", "明白卡未打印或过期", headline=True, alert=True, help="本年明白卡未打印，或打印后内容有变动"),
    ]

    def by_area(self, scope: MapScope) -> dict[int, dict]:
        figures: dict[int, dict] = {}
        exited = Q(status__in=EXITED, exit_year=scope.year)
        planned = _poor() & Q(planned_exit_year=scope.year)
        households = (
            scope.rows(Household, "village").order_by().values("village")
            .annotate(
                poor_households=Count("pk", filter=_poor()),
                poor_people=Coalesce(Sum("member_count", filter=_poor()), 0),
                exit_households=Count("pk", filter=exited),
                exit_people=Coalesce(Sum("member_count", filter=exited), 0),
                planned_households=Count("pk", filter=planned),
                no_cadre=Count("pk", filter=_poor() & ~Q(current_cadre_exists())),
                households=Count("pk"),
            )
        )
        printed = cards_up_to_date(scope)
        for row in households:
            village = row.pop("village")
            row["cards_todo"] = row.pop("households") - printed.get(village, 0)
            figures[village] = row
        cases = (
            scope.rows(Monitoring, "household__village").order_by().values("household__village")
            .annotate(
                monitoring_open=Count("pk", filter=monitoring_open()),
                monitoring_overdue=Count("pk", filter=monitoring_overdue_q(scope.today)),
            )
        )
        for row in cases:
            figures.setdefault(row.pop("household__village"), {}).update(row)
        self._villages(scope, figures)
        return figures

    def _villages(self, scope: MapScope, figures: dict[int, dict]) -> None:
        """Rural population, and whether the rate is under the year's
        village exit line (贫困村退出标准), village by village."""
        line = standard_in_force(year=scope.year).village_exit_max_rate
        for village_id, population in scope.rows(Area, "").filter(level="village").values_list("pk", "rural_population"):
            values = figures.setdefault(village_id, {})
            values["rural_population"] = population or 0
            poor = values.get("poor_people", 0)
            values["villages_below_line"] = int(bool(population) and Decimal(poor) * 100 / population < line)

    def breakdowns(self, scope: MapScope) -> list[Breakdown]:
        return [self._measures(scope), self._trend(scope)]

    def _measures(self, scope: MapScope) -> Breakdown:
        """Measures of the year by category: planned, in progress, done."""
        rows = {group: {"total": 0, "planned": 0, "in_progress": 0, "done": 0, "amount": Decimal("0.00")}
                for group in MeasureGroup.values}
        measures = (
            scope.rows(Measure, "household__village").filter(year=scope.year).order_by()
            .values("category__group", "status").annotate(n=Count("pk"), amount=Sum("amount"))
        )
        for row in measures:
            values = rows[row["category__group"]]
            values[row["status"]] += row["n"]
            values["total"] += row["n"]
            values["amount"] += Decimal(row["amount"] or 0).quantize(Decimal("0.01"))
        columns = [
            Figure("total", "措施数"),
            Figure(MeasureStatus.PLANNED.value, "计划"),
            Figure(MeasureStatus.IN_PROGRESS.value, "实施中"),
            Figure(MeasureStatus.DONE.value, "已落实"),
            Figure("rate", "落实率", PERCENT, ratio=("done", "total")),
            Figure("amount", "金额(元)", MONEY),
        ]
        return Breakdown(
            "measures", f"{scope.year}年帮扶措施落实情况（按类别）", "措施类别", columns,
            [(group, values) for group, values in rows.items() if values["total"]],
            chart="stacked", chart_columns=("planned", "in_progress", "done"),
        )

    def _trend(self, scope: MapScope) -> Breakdown:
        """Households identified and exited each year, and those still poor at
        each year's end as the two years give it (返贫 not counted back)."""
        identified: dict[int, list[int]] = {}
        exited: dict[int, list[int]] = {}
        groups = (
            scope.rows(Household, "village").filter(identification_year__isnull=False).order_by()
            .values("identification_year", "exit_year", "status").annotate(n=Count("pk"), people=Sum("member_count"))
        )
        for row in groups:
            count, people = row["n"], row["people"] or 0
            item = identified.setdefault(row["identification_year"], [0, 0])
            item[0] += count
            item[1] += people
            if row["exit_year"] is not None:
                item = exited.setdefault(row["exit_year"], [0, 0])
                item[0] += count
                item[1] += people
        years = range(min(identified, default=scope.year), scope.year + 1)
        rows, poor, poor_people = [], 0, 0
        for year in years:
            poor += identified.get(year, [0, 0])[0] - exited.get(year, [0, 0])[0]
            poor_people += identified.get(year, [0, 0])[1] - exited.get(year, [0, 0])[1]
            rows.append((f"{year}年", {
                "identified": identified.get(year, [0, 0])[0], "exited": exited.get(year, [0, 0])[0],
                "exited_people": exited.get(year, [0, 0])[1], "poor": poor, "poor_people": poor_people,
            }))
        columns = [
            Figure("identified", "识别户数"), Figure("exited", "脱贫户数"), Figure("exited_people", "脱贫人数"),
            Figure("poor", "年末贫困户（推算）"), Figure("poor_people", "年末贫困人口（推算）"),
        ]
        return Breakdown(
            "trend", "历年识别、脱贫和贫困户变化", "年度", columns, rows, chart="line",
            chart_columns=("exited", "poor"),
            note="年末贫困户按识别年度和脱贫年度推算，人口为各户现有人口，返贫户按脱贫年度计入已脱贫。",
        )
