"""Writing rules for areas and work teams."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from povertyrelief.xlsx import ImportReport, RowError, WorkbookRefused, cell_text, normalise_header
from povertyrelief.xlsx_reader import Upload, Workbook, find_header, is_formula

from .models import Area, AreaLevel

LEVEL_BY_LABEL = {"县": AreaLevel.COUNTY, "乡镇": AreaLevel.TOWNSHIP, "村": AreaLevel.VILLAGE}
AREA_COLUMNS = ["区划代码", "名称", "级别"]
POPULATION_COLUMN = "农村户籍人口"


def _level_of_code(code: str) -> str:
    if code.endswith("000000"):
        return AreaLevel.COUNTY
    if code.endswith("000"):
        return AreaLevel.TOWNSHIP
    return AreaLevel.VILLAGE


def _parent_code(code: str, level: str) -> str | None:
    if level == AreaLevel.TOWNSHIP:
        return code[:6] + "000000"
    if level == AreaLevel.VILLAGE:
        return code[:9] + "000"
    return None


def area_import(*, file: Upload, dry_run: bool = False) -> ImportReport:
    """Import the 区划 template: all or nothing, idempotent, never deletes.

    Rows are matched by code; a known code with another name is renamed. A
    village's parent is the township sharing its first 9 digits, a township's
    the county sharing its first 6. A workbook that cannot be read safely
    is refused with the reason, before anything is written.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        parsed = _read_areas(file, report)
    except WorkbookRefused as exc:
        report.errors = [RowError(0, "", str(exc))]
        return report

    if not parsed and not report.errors:
        report.errors.append(RowError(0, "", "工作簿中没有区划数据。"))
    existing = {a.code: a for a in Area.objects.all()}
    counties = {c for c, r in parsed.items() if r["level"] == AreaLevel.COUNTY} | {
        c for c, a in existing.items() if a.level == AreaLevel.COUNTY
    }
    if len(counties) > 1:
        report.errors.append(RowError(0, "区划代码", "一个系统只管理一个县，文件与系统中的县级代码不一致：" + "、".join(sorted(counties))))
    for code, record in parsed.items():
        parent = record["parent_code"]
        if parent and parent not in parsed and parent not in existing:
            report.errors.append(
                RowError(record["row"], "区划代码", f"找不到上级区划 {parent}，请先导入上级或在同一文件中提供。")
            )
    if report.errors:
        return report

    with transaction.atomic():
        # Parents before children: codes sort county, township, village here
        # only by level, so order explicitly.
        order = {AreaLevel.COUNTY: 0, AreaLevel.TOWNSHIP: 1, AreaLevel.VILLAGE: 2}
        for code, record in sorted(parsed.items(), key=lambda item: (order[item[1]["level"]], item[0])):
            area = existing.get(code)
            parent = existing.get(record["parent_code"]) if record["parent_code"] else None
            population = record["population"]
            if area is None:
                area = Area(code=code, level=record["level"])
                report.created += 1
            elif (
                area.name == record["name"]
                and area.parent_id == (parent.pk if parent else None)
                and (population is None or area.rural_population == population)
            ):
                report.unchanged += 1
                continue
            else:
                report.updated += 1
            area.name = record["name"]
            area.parent = parent
            if population is not None:
                area.rural_population = population
            try:
                area.full_clean()
            except ValidationError as exc:
                report.errors.append(RowError(record["row"], "", "；".join(exc.messages)))
                report.created = report.updated = report.unchanged = 0
                transaction.set_rollback(True)
                return report
            area.save()
            existing[code] = area
        if dry_run:
            transaction.set_rollback(True)
    return report


def _read_areas(file: Upload, report: ImportReport) -> dict[str, dict]:
    """The first sheet's rows by code, each checked; errors go to the report."""
    parsed: dict[str, dict] = {}
    with Workbook(file) as book:
        rows = book.rows(book.sheets[0])
        _, columns = find_header(rows, AREA_COLUMNS)
        for number, row in rows:
            values = {name: (row[i] if i < len(row) else None) for name, i in columns.items()}
            if all(cell_text(v) == "" for v in values.values()):
                continue
            record = _parse_area_row(number, values, parsed, report)
            if record:
                parsed[record["code"]] = record
        # The rest of the workbook (other sheets, notes) must be sound too.
        book.finish()
    return parsed


def _parse_area_row(number: int, values: dict, parsed: dict, report: ImportReport) -> dict | None:
    errors_before = len(report.errors)
    raw_code = values.get(normalise_header("区划代码"))
    for column, value in ((c, values.get(normalise_header(c))) for c in AREA_COLUMNS + [POPULATION_COLUMN]):
        if is_formula(value):
            report.errors.append(RowError(number, column, "单元格是公式，请粘贴为数值后再导入。"))
    if len(report.errors) > errors_before:
        return None
    code = cell_text(raw_code)
    name = cell_text(values.get(normalise_header("名称")))
    label = cell_text(values.get(normalise_header("级别")))
    if not (len(code) == 12 and code.isdigit()):
        report.errors.append(RowError(number, "区划代码", f"“{code}”不是12位数字的区划代码。"))
    if not name:
        report.errors.append(RowError(number, "名称", "名称不能为空。"))
    elif len(name) > 50:
        report.errors.append(RowError(number, "名称", "名称不能超过50个字。"))
    level = LEVEL_BY_LABEL.get(label)
    if level is None:
        report.errors.append(RowError(number, "级别", f"“{label}”不是有效级别，应为 县、乡镇 或 村。"))
    elif len(code) == 12 and code.isdigit() and _level_of_code(code) != level:
        report.errors.append(
            RowError(number, "级别", f"级别“{label}”与区划代码 {code} 不符（县级以000000结尾，乡镇以000结尾）。")
        )
    if code in parsed:
        report.errors.append(RowError(number, "区划代码", f"区划代码 {code} 与第 {parsed[code]['row']} 行重复。"))
    population = None
    if POPULATION_COLUMN in values or normalise_header(POPULATION_COLUMN) in values:
        text = cell_text(values.get(normalise_header(POPULATION_COLUMN)))
        if text:
            if text.isdigit():
                population = int(text)
            else:
                report.errors.append(RowError(number, POPULATION_COLUMN, f"“{text}”不是非负整数。"))
    if len(report.errors) > errors_before:
        return None
    return {
        "row": number,
        "code": code,
        "name": name,
        "level": level,
        "parent_code": _parent_code(code, level),
        "population": population,
    }
