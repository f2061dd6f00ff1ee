"""A computed map to JSON and back (``MapSnapshot.data``): plain values,
Decimal figures as exact strings, areas by their code and name."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from povertyrelief.dashboard import MONEY, PERCENT, Breakdown, Figure
from villages.models import Area

from .models import AnnualTarget

# Bumped when the layout below changes: older snapshots are then recomputed.
VERSION = 1
DECIMAL_KINDS = (MONEY, PERCENT)


def _area(area: Area | None) -> dict | None:
    if area is None:
        return None
    return {"pk": area.pk, "code": area.code, "name": area.name, "level": area.level, "parent_id": area.parent_id}


def _area_back(data: dict | None) -> Area | None:
    return None if data is None else Area(**data)


def _figure(figure: Figure) -> dict:
    return {
        "key": figure.key, "label": figure.label, "kind": figure.kind, "ratio": figure.ratio, "headline": figure.headline,
        "chart": figure.chart, "alert": figure.alert, "help": figure.help,
    }


def _figure_back(data: dict) -> Figure:
    return Figure(**{**data, "ratio": tuple(data["ratio"]) if data["ratio"] else None})


def _values_back(values: dict, figures: list[Figure]) -> dict:
    decimals = {f.key for f in figures if f.kind in DECIMAL_KINDS}
    return {key: Decimal(value) if key in decimals and value is not None else value for key, value in values.items()}


def dump(data) -> dict:
    """The map as JSON-ready values (Decimals stay Decimals for the encoder)."""
    return {
        "version": VERSION,
        "year": data.year,
        "today": data.today.isoformat(),
        "computed_at": data.computed_at.isoformat(),
        "figures": [_figure(f) for f in data.figures],
        "groups": [[title, [f.key for f in figures]] for title, figures in data.groups],
        "rows": [{"area": _area(row.area), "label": row.label, "values": row.values} for row in data.rows],
        "total": data.total,
        "breakdowns": [
            {
                "key": b.key, "title": b.title, "label": b.label, "columns": [_figure(f) for f in b.columns],
                "rows": [[label, values] for label, values in b.rows], "chart": b.chart,
                "chart_columns": list(b.chart_columns), "note": b.note,
            }
            for b in data.breakdowns
        ],
        "quality": data.quality,
        "targets": [
            {
                "township": _area(row.township),
                "target": None if row.target is None else {
                    "households": row.target.households, "people": row.target.people, "villages": row.target.villages,
                },
                "households": row.households, "people": row.people, "villages": row.villages,
            }
            for row in data.targets
        ],
        "villages_done_label": data.villages_done_label,
    }


def load(stored: dict, area: Area):
    """The map back from a snapshot (None when it was written by another layout)."""
    from .selectors import AreaMap, AreaRow, TargetRow

    if stored.get("version") != VERSION:
        return None
    figures = [_figure_back(f) for f in stored["figures"]]
    by_key = {f.key: f for f in figures}
    year = stored["year"]
    breakdowns = []
    for b in stored["breakdowns"]:
        columns = [_figure_back(f) for f in b["columns"]]
        breakdowns.append(Breakdown(
            b["key"], b["title"], b["label"], columns, [(label, _values_back(values, columns)) for label, values in b["rows"]],
            chart=b["chart"], chart_columns=tuple(b["chart_columns"]), note=b["note"],
        ))
    return AreaMap(
        area=area, year=year, today=date.fromisoformat(stored["today"]),
        computed_at=datetime.fromisoformat(stored["computed_at"]), figures=figures,
        groups=[(title, [by_key[key] for key in keys]) for title, keys in stored["groups"]],
        rows=[AreaRow(_area_back(r["area"]), r["label"], _values_back(r["values"], figures)) for r in stored["rows"]],
        total=_values_back(stored["total"], figures), breakdowns=breakdowns, quality=stored["quality"],
        targets=[
            TargetRow(
                _area_back(t["township"]), None if t["target"] is None else AnnualTarget(year=year, **t["target"]),
                t["households"], t["people"], t["villages"],
            )
            for t in stored["targets"]
        ],
        villages_done_label=stored["villages_done_label"],
    )
