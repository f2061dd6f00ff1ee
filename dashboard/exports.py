"""The quality finder's ledger (``export_ledger quality``, /exports/quality/)
and the battle map's tables as one workbook."""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter
from django.utils import timezone

from povertyrelief.dashboard import INT, MONEY, PERCENT, Figure, quality_rule_get, quality_rules
from povertyrelief.exports import Column, Exporter, area_full_name, register

from .selectors import AreaMap, quality_scope


def follow(record, path: str):
    """The object at the end of a lookup path (``household__village``)."""
    for name in path.split("__"):
        record = getattr(record, name, None)
        if record is None:
            return None
    return record


def record_area_names(record, path: str) -> tuple[str, str]:
    """(township, village) of a flagged record; a county-level record has neither."""
    area = follow(record, path)
    if area is None:
        return "", ""
    if area.level == "village":
        return area.parent.name if area.parent_id else "", area.name
    if area.level == "township":
        return area.name, ""
    return "", ""


@register
class QualityLedger(Exporter):
    identifier = "quality"
    title = "数据质量问题清单"
    description = "数据质量规则查出的每条记录一行：问题、乡镇、村、记录、具体情况和处理页面，可按区划和规则筛选。"
    area_parameters = ("area",)
    ignored_parameters = ("page",)
    columns = [
        Column("问题", 30), Column("乡镇", 10), Column("村", 12), Column("记录", 30), Column("具体情况", 60),
        Column("处理页面", 34),
    ]

    def _scope_and_rules(self, actor, filters: dict):
        from .selectors import map_area_get

        code = str(filters.get("area") or "").strip()
        area = map_area_get(actor=actor, code=code) if code else actor.area
        code = str(filters.get("rule") or "").strip()
        rules = [quality_rule_get(code)] if code else quality_rules()
        if rules == [None]:
            raise ValueError("unknown quality rule")
        return quality_scope(actor=actor, area=area), rules

    def count(self, actor, filters) -> int:
        scope, rules = self._scope_and_rules(actor, self.clean_filters(actor, filters))
        return sum(rule.flagged(scope).order_by().values("pk").distinct().count() for rule in rules)

    def rows(self, actor, filters, reveal=None):
        scope, rules = self._scope_and_rules(actor, self.clean_filters(actor, filters))
        for rule in rules:
            for record in rule.records(scope).iterator(chunk_size=500):
                township, village = record_area_names(record, rule.area_path)
                yield (rule.title, township, village, rule.label(record), rule.detail(record), record.get_absolute_url())


# --- the map's workbook ------------------------------------------------------------

KIND_FORMATS = {INT: {"num_format": "#,##0"}, MONEY: {"num_format": "#,##0.00"}, PERCENT: {"num_format": "0.00"}}


def _cell(value):
    return float(value) if isinstance(value, Decimal) else value


def _sheet(workbook, formats, name: str, title: str, label: str, columns, rows) -> None:
    """One table: a title row, a header row, then ``(label, values)`` rows."""
    sheet = workbook.add_worksheet(name[:31])
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.merge_range(0, 0, 0, max(1, len(columns)), title, formats["title"])
    sheet.write(1, 0, label, formats["header"])
    sheet.set_column(0, 0, 18)
    for index, column in enumerate(columns, start=1):
        header = column.label + ("(%)" if column.kind == PERCENT and "%" not in column.label else "")
        sheet.write(1, index, header, formats["header"])
        sheet.set_column(index, index, max(10, len(header) * 2))
    for offset, (row_label, values) in enumerate(rows, start=2):
        sheet.write_string(offset, 0, row_label)
        for index, column in enumerate(columns, start=1):
            value = values.get(column.key)
            if value is not None:
                sheet.write_number(offset, index, _cell(value), formats[column.kind])
    sheet.freeze_panes(2, 1)
    sheet.repeat_rows(0, 1)


def map_workbook(data: AreaMap) -> bytes:
    """The map's tables (by area, targets, breakdowns, quality) as sheets."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    formats = {kind: workbook.add_format(spec) for kind, spec in KIND_FORMATS.items()}
    formats["title"] = workbook.add_format({"bold": True, "font_size": 13})
    formats["header"] = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
    heading = f"{area_full_name(data.area)} {data.year}年"
    stamp = f"（数据截至 {timezone.localtime(data.computed_at):%Y-%m-%d %H:%M}）"
    rows = [(row.label, row.values) for row in data.rows] + [("合计", data.total)]
    _sheet(workbook, formats, "分区情况", f"{heading} 分{data.child_level or '区'}情况{stamp}", data.child_level or "区划",
           data.figures, rows)
    if data.targets:
        columns = [Figure("th", "目标户数"), Figure("h", "已脱贫户数"), Figure("hp", "户数完成率", PERCENT),
                   Figure("tp", "目标人数"), Figure("p", "已脱贫人数"), Figure("pp", "人数完成率", PERCENT),
                   Figure("tv", "目标退出村"), Figure("v", f"{data.villages_done_label}的村")]
        target_rows = [(row.township.name, {
            "th": row.target.households if row.target else None, "h": row.households, "hp": row.households_percent,
            "tp": row.target.people if row.target else None, "p": row.people, "pp": row.people_percent,
            "tv": row.target.villages if row.target else None, "v": row.villages,
        }) for row in data.targets]
        _sheet(workbook, formats, "年度目标", f"{heading} 年度脱贫目标完成情况{stamp}", "乡镇", columns, target_rows)
    for breakdown in data.breakdowns:
        _sheet(workbook, formats, breakdown.title, f"{area_full_name(data.area)} {breakdown.title}{stamp}", breakdown.label,
               breakdown.columns, breakdown.rows)
    quality_rows = [(item["title"], {"count": item["count"]}) for item in data.quality]
    _sheet(workbook, formats, "数据质量", f"{heading} 数据质量问题{stamp}", "规则", [Figure("count", "记录数")], quality_rows)
    workbook.close()
    return buffer.getvalue()


def map_workbook_filename(data: AreaMap) -> str:
    return f"挂图作战_{data.area.name}_{data.year}年_{timezone.localdate():%Y%m%d}.xlsx"
