"""Reading the roster: finding the header, turning each sheet row into
checked values, and resolving 乡镇 + 行政村 inside the importer's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from povertyrelief.models import User
from povertyrelief.permissions import restrict
from povertyrelief.xlsx import RowError, WorkbookRefused, cell_text
from povertyrelief.xlsx_reader import Upload, Workbook, is_formula
from villages.models import Area, AreaLevel

from ...models import Health
from ...rules import birth_from_id
from .columns import (
    BLANK,
    COLUMNS,
    FORMULA_MESSAGE,
    HEADER_REQUIRED,
    INVALID,
    CellError,
    Column,
    normalise_label,
)
from .report import HouseholdImportReport

MAX_TITLE_ROWS = 5
# A household in the file: its village and 户编号.
HouseholdKey = tuple[int, str]


class Row:
    """One person's checked values; ``ok`` is False when a cell was refused
    (the row still counts for its household's checks)."""

    __slots__ = ("number", "key", "member", "household", "id_number", "relation", "ok")

    def __init__(
        self, number: int, key: HouseholdKey, member: tuple, household: tuple, id_number: str | None,
        relation: str | None, ok: bool,
    ) -> None:
        self.number = number
        self.key = key
        self.member = member
        self.household = household
        self.id_number = id_number
        self.relation = relation
        self.ok = ok


# The rows of each household, in file order.
Groups = dict[HouseholdKey, list[Row]]


@dataclass
class RosterSheet:
    header_row: int
    columns: list[tuple[Column, int]]  # present columns and their index
    ignored: list[str]
    rows: Any  # iterator of (row number, values) after the header
    estimated_rows: int


def locate_sheet(book: Workbook) -> RosterSheet:
    """The first worksheet whose first six rows hold the header row."""
    wanted = {normalise_label(c) for c in HEADER_REQUIRED}
    by_key = {c.key: c for c in COLUMNS}
    for sheet in book.sheets:
        rows = book.rows(sheet)
        for number, row in rows:
            if number > MAX_TITLE_ROWS + 1:
                break
            names = ["" if is_formula(cell) else normalise_label(cell) for cell in row]
            if wanted <= set(names):
                columns, ignored, seen = [], [], set()
                for index, (name, original) in enumerate(zip(names, row)):
                    if not name or name in seen:
                        continue
                    seen.add(name)
                    if name in by_key:
                        columns.append((by_key[name], index))
                    else:
                        ignored.append(cell_text(original))
                last = book.dimension_rows(sheet)
                estimated = max(0, last - number) if last else 0
                return RosterSheet(number, columns, ignored, rows, estimated)
    raise WorkbookRefused(
        "未找到表头：表头行须包含 " + "、".join(HEADER_REQUIRED) + "（表头之上最多 5 行标题）。"
    )


def estimate_data_rows(file: Upload) -> int:
    """Data rows a workbook holds, judged from the sheet's recorded
    dimension, or from the file size when the dimension is missing. Used to
    decide between importing at once and in the background."""
    try:
        book = Workbook(file)
    except WorkbookRefused:
        file.seek(0)
        return 0
    try:
        estimate = locate_sheet(book).estimated_rows
        size = book.size
    except WorkbookRefused:
        estimate, size = 0, 0
    finally:
        book.close()
        file.seek(0)
    if estimate <= 1:
        # Writers that omit <dimension> (or report A1): about 40 bytes per
        # compressed row is a generous guess, so big files go to the background.
        estimate = max(estimate, size // 40)
    return estimate


@dataclass
class Areas:
    county_name: str
    townships: dict[str, list[Area]]
    villages: dict[tuple[int, str], list[Area]]
    in_scope: set[int] | None  # None: the whole county (command line without --user)
    scope_name: str


def load_areas(actor: User | None) -> Areas:
    county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    townships: dict[str, list[Area]] = {}
    villages: dict[tuple[int, str], list[Area]] = {}
    for area in Area.objects.filter(level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE]).only("pk", "name", "level", "parent_id", "code"):
        if area.level == AreaLevel.TOWNSHIP:
            townships.setdefault(area.name, []).append(area)
        else:
            villages.setdefault((area.parent_id, area.name), []).append(area)
    if actor is None:
        in_scope, scope_name = None, county.name if county else ""
    else:
        in_scope = set(restrict(Area, actor, "change").filter(level=AreaLevel.VILLAGE).values_list("pk", flat=True))
        scope_name = actor.area.name if actor.area_id else ""
    return Areas(county.name if county else "", townships, villages, in_scope, scope_name)


class RowReader:
    """Turns sheet rows into checked values, recording every refused cell."""

    def __init__(self, sheet: RosterSheet, areas: Areas, report: HouseholdImportReport) -> None:
        self.areas = areas
        self.report = report
        self.columns = sheet.columns
        self.member_columns = [c for c, _ in sheet.columns if c.level == "member"]
        self.household_columns = [c for c, _ in sheet.columns if c.level == "household"]
        self._village_cache: dict[tuple[str, str], tuple[int | None, RowError | None]] = {}

    def error(self, row: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(row, column, message))

    def read(self, number: int, row: tuple) -> Row | None:
        values: dict[str, Any] = {}
        failed = False
        for column, index in self.columns:
            raw = row[index] if index < len(row) else None
            if is_formula(raw):
                self.error(number, column.label, FORMULA_MESSAGE)
                values[column.label] = INVALID
                failed = True
                continue
            text = cell_text(raw).replace("\u00a0", " ").strip()
            if text == "":
                if column.required:
                    self.error(number, column.label, f"“{column.label}”不能为空。")
                    failed = True
                values[column.label] = BLANK
                continue
            try:
                values[column.label] = column.parse(raw, text)
            except CellError as exc:
                self.error(number, column.label, str(exc))
                values[column.label] = INVALID
                failed = True
        if isinstance(values.get("县"), str) and values["县"] != self.areas.county_name:
            self.error(number, "县", f"“{values['县']}”不是本系统管理的县（{self.areas.county_name}）。")
            failed = True
        village_id = self._village(number, values.get("乡镇"), values.get("行政村"))
        id_number = values.get("证件号码")
        sex = values.get("性别")
        if isinstance(id_number, str) and isinstance(sex, str):
            expected = birth_from_id(id_number)[1]
            if sex != expected:
                self.error(number, "性别", f"性别“{sex}”与身份证号不符（第17位为{'奇数，应为男' if expected == '男' else '偶数，应为女'}）。")
                failed = True
        health = values.get("健康状况")
        grade = values.get("残疾等级")
        if isinstance(grade, str) and isinstance(health, str) and health != Health.DISABLED:
            self.error(number, "残疾等级", f"健康状况为“{health}”，不能填写残疾等级（仅“残疾”时填写）。")
            failed = True
        number_text = values.get("户编号")
        if village_id is None or not isinstance(number_text, str):
            return None
        member = tuple(values[c.label] if values[c.label] is not BLANK else c.blank for c in self.member_columns)
        household = tuple(values[c.label] for c in self.household_columns)
        relation = values["与户主关系"] if isinstance(values["与户主关系"], str) else None
        return Row(
            number, (village_id, number_text), member, household,
            id_number if isinstance(id_number, str) else None, relation, not failed,
        )

    def _village(self, number: int, township: object, village: object) -> int | None:
        if not isinstance(township, str) or not isinstance(village, str):
            return None
        cache_key = (township, village)
        if cache_key not in self._village_cache:
            self._village_cache[cache_key] = self._resolve_village(township, village)
        village_id, error = self._village_cache[cache_key]
        if error is not None:
            self.error(number, error.column, error.message)
        return village_id

    def _resolve_village(self, township: str, village: str) -> tuple[int | None, RowError | None]:
        townships = self.areas.townships.get(township, [])
        if not townships:
            return None, RowError(0, "乡镇", f"系统中没有名为“{township}”的乡镇。")
        if len(townships) > 1:
            return None, RowError(0, "乡镇", f"系统中有多个名为“{township}”的乡镇，无法确定是哪一个，请联系县级管理员。")
        villages = self.areas.villages.get((townships[0].pk, village), [])
        if not villages:
            return None, RowError(0, "行政村", f"“{township}”下没有名为“{village}”的行政村。")
        if len(villages) > 1:
            return None, RowError(0, "行政村", f"“{township}”下有多个名为“{village}”的行政村，无法确定是哪一个，请联系县级管理员。")
        found = villages[0]
        if self.areas.in_scope is not None and found.pk not in self.areas.in_scope:
            return None, RowError(
                0, "行政村", f"“{township}{village}”不在您的管辖范围内（您只能导入{self.areas.scope_name}的数据）。"
            )
        return found.pk, None

