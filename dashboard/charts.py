"""The numbers of each chart on the map, as the browser script draws them
(static/js/battle_map.js); the same numbers are printed as tables below
each chart, so the charts need nothing the tables do not show."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from povertyrelief.dashboard import Breakdown

from .selectors import AreaMap


def _number(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def area_chart(data: AreaMap, year: int) -> dict | None:
    """贫困人口条形图: a horizontal bar per township (or village); a click on a
    bar opens that area's map."""
    rows = [row for row in data.rows if row.area is not None]
    if not rows or not data.charted:
        return None
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [row.label for row in rows],
        "urls": [reverse("dashboard:map", args=[row.area.code]) + f"?year={year}" for row in rows],
        "datasets": [
            {"label": figure.label, "data": [_number(row.values.get(figure.key)) for row in rows]}
            for figure in data.charted
        ],
    }


def breakdown_chart(breakdown: Breakdown) -> dict | None:
    if not breakdown.chart or not breakdown.rows:
        return None
    return {
        "type": breakdown.chart,
        "horizontal": breakdown.chart in ("bar", "stacked") and len(breakdown.rows) > 6,
        "labels": [label for label, _ in breakdown.rows],
        "datasets": [
            {"label": figure.label, "data": [_number(values.get(figure.key)) for _, values in breakdown.rows]}
            for figure in breakdown.plotted
        ],
    }


def chart_height(chart: dict | None) -> int:
    """Pixels for a chart: horizontal bars get a readable row each."""
    if chart is None:
        return 0
    if chart.get("horizontal"):
        return max(180, 26 * len(chart["labels"]) * (1 if chart["type"] == "stacked" else len(chart["datasets"])) + 70)
    return 280
