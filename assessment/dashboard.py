"""The exit procedure on the battle map (挂图作战): reviews of the year by
where they stand, and the villages whose exit was announced that year (the
map's ``exit_villages``, set against the townships' targets)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from povertyrelief.dashboard import EXIT_VILLAGES, Breakdown, Figure, FigureProvider, MapScope, register_provider

from .models import ExitReview, ExitStage, VillageExit, VillageExitStage

OPEN = ~Q(stage__in=[ExitStage.ANNOUNCED, ExitStage.ENDED])


@register_provider
class ExitFigures(FigureProvider):
    key = "assessment"
    title = "脱贫退出"
    order = 20
    figures = [
        Figure("exit_reviews_open", "退出程序办理中", help="本年度退出评议中尚未公告销号的户（民主评议至县级审定）"),
        Figure("exit_reviews_publicity", "村内公示中", help="本年度退出评议正在村内公示的户"),
        Figure("exit_reviews_announced", "公告销号户", chart=True, help="本年度经退出程序公告销号的户"),
        Figure(EXIT_VILLAGES, "年度退出村", help="本年度公告退出的贫困村"),
    ]

    def by_area(self, scope: MapScope) -> dict[int, dict]:
        figures: dict[int, dict] = {}
        reviews = (
            scope.rows(ExitReview, "household__village").filter(year=scope.year).order_by().values("household__village")
            .annotate(
                exit_reviews_open=Count("pk", filter=OPEN),
                exit_reviews_publicity=Count("pk", filter=Q(stage=ExitStage.PUBLICITY)),
                exit_reviews_announced=Count("pk", filter=Q(stage=ExitStage.ANNOUNCED)),
            )
        )
        for row in reviews:
            figures[row.pop("household__village")] = row
        villages = (
            scope.rows(VillageExit, "village").filter(year=scope.year, stage=VillageExitStage.ANNOUNCED)
            .order_by().values("village").annotate(n=Count("pk"))
        )
        for row in villages:
            figures.setdefault(row["village"], {})[EXIT_VILLAGES] = row["n"]
        return figures

    def breakdowns(self, scope: MapScope) -> list[Breakdown]:
        """The year's reviews by where they stand: households and people."""
        counts = {
            row["stage"]: row
            for row in scope.rows(ExitReview, "household__village").filter(year=scope.year).order_by().values("stage")
            .annotate(households=Count("pk"), people=Coalesce(Sum("household__member_count"), 0))
        }
        rows = [
            (label, {"households": counts.get(stage, {}).get("households", 0), "people": counts.get(stage, {}).get("people", 0)})
            for stage, label in ExitStage.choices
        ]
        return [Breakdown(
            key="exit_stages", title="本年度脱贫退出进度", label="环节",
            columns=[Figure("households", "户数"), Figure("people", "人数")], rows=rows, chart="bar",
            chart_columns=("households",), note="每户按其退出评议当前所处环节计一次。",
        )]
