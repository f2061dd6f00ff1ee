"""Import of the national system's 家庭成员 roster (import-template.md §2).

One row per person; rows sharing 乡镇 + 行政村 + 户编号 are one household.
The workbook is read in streaming mode and every cell is checked; a file
with a single refused row writes nothing. A clean file is written in one
transaction with bulk inserts and updates, and importing it again changes
nothing. Households are matched by (village, 户编号), members by ID number
within their household; members missing from the file are kept.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from itertools import islice
from typing import Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_value, set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.encoding import smart_str

from povertyrelief.jobs import job_runner
from povertyrelief.permissions import restrict
from povertyrelief.validators import normalise_id_number, validate_id_number, validate_phone
from povertyrelief.xlsx import (
    MAX_ROWS,
    ImportReport,
    RowError,
    WorkbookRefused,
    cell_text,
    is_formula,
    normalise_header,
    open_archive,
)
from villages.models import Area, AreaLevel

from ..models import (
    DisabilityGrade,
    Education,
    Health,
    Household,
    HouseholdAttribute,
    HouseholdStatus,
    HousingSafety,
    LabourSkill,
    Member,
    PovertyCause,
    Relation,
    SchoolStatus,
    Sex,
    WorkStatus,
)
from ..rules import birth_from_id

BATCH_SIZE = 1000
# Chunk for ``__in`` lookups: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_CHUNK = 2000
PROGRESS_EVERY = 500
MAX_TITLE_ROWS = 5
# Errors kept in a background job's stored report; the service keeps all.
JOB_REPORT_MAX_ERRORS = 2000

NUMBER_ID_MESSAGE = (
    "证件号码是数字格式的单元格：Excel 只保留 15 位有效数字，会把 18 位身份证号四舍五入，"
    "单元格中的号码已经不准确。请把该列设为“文本”格式，重新录入或粘贴原始号码后再导入。"
)
FORMULA_MESSAGE = "单元格是公式，不能导入：请复制后“选择性粘贴为数值”再导入。"


class CellError(Exception):
    """A cell value the template does not allow; the message is shown as is."""


class Cell(Enum):
    """Markers kept in place of a value: a blank cell, or one already refused."""

    BLANK = "blank"
    INVALID = "invalid"


BLANK = Cell.BLANK
INVALID = Cell.INVALID


# ---------------------------------------------------------------- parsers
def _text(max_length: int) -> Callable[[Any, str], str]:
    def parse(raw, text: str) -> str:
        if len(text) > max_length:
            raise CellError(f"不能超过 {max_length} 个字（当前 {len(text)} 个）。")
        return text

    return parse


def _choice(choices) -> Callable[[Any, str], str]:
    values = list(choices.values)

    def parse(raw, text: str) -> str:
        value = text.replace(" ", "")
        if value not in values:
            raise CellError(f"“{text}”不是可选值，应为：{'、'.join(values)}。")
        return value

    return parse


def _name(raw, text: str) -> str:
    # Two-character names are often padded to line up with three-character
    # ones ("张  三"); the padding is not part of the name.
    squeezed = re.sub(r"\s+", "", text)
    if all("\u4e00" <= ch <= "\u9fff" or ch in "·•" for ch in squeezed):
        text = squeezed
    if len(text) > 30:
        raise CellError(f"姓名不能超过 30 个字（当前 {len(text)} 个）。")
    return text


def _id_number(raw, text: str) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise CellError(NUMBER_ID_MESSAGE)
    value = normalise_id_number(unicodedata.normalize("NFKC", text))
    try:
        validate_id_number(value, today=timezone.localdate())
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None
    return value


def _household_number(raw, text: str) -> str:
    if isinstance(raw, float) and not raw.is_integer():
        raise CellError(f"“{raw}”不是有效的户编号。")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and abs(raw) >= 10**15:
        raise CellError(
            "户编号是数字格式的单元格：Excel 只保留 15 位有效数字，较长的户编号已被四舍五入。"
            "请把该列设为“文本”格式后重新录入。"
        )
    if len(text) > 30:
        raise CellError(f"户编号不能超过 30 个字符（当前 {len(text)} 个）。")
    return text


def _sex(raw, text: str) -> str:
    value = {"男性": "男", "女性": "女"}.get(text, text)
    if value not in Sex.values:
        raise CellError(f"“{text}”不是有效性别，应为 男 或 女。")
    return value


def _yes_no(raw, text: str) -> bool:
    if text == "是":
        return True
    if text == "否":
        return False
    raise CellError(f"“{text}”无效，应填 是 或 否。")


def _whole_number(raw, text: str) -> int:
    if isinstance(raw, bool):
        raise CellError(f"“{text}”不是整数。")
    if isinstance(raw, (int, float)):
        if not float(raw).is_integer():
            raise CellError(f"“{raw}”不是整数。")
        return int(raw)
    if not re.fullmatch(r"\d+", text):
        raise CellError(f"“{text}”不是整数。")
    return int(text)


def _year(raw, text: str) -> int:
    text = text.removesuffix("年").strip()
    try:
        year = _whole_number(raw if not isinstance(raw, str) else text, text)
    except CellError:
        raise CellError(f"“{text}”不是有效年份，应为四位数字，如 2016。") from None
    this_year = timezone.localdate().year
    if not 2013 <= year <= this_year:
        raise CellError(f"{year} 不在 2013 至 {this_year} 年之间。")
    return year


def _months(raw, text: str) -> int:
    try:
        months = _whole_number(raw, text)
    except CellError:
        raise CellError(f"“{text}”不是整数：务工时间按整月填写，0 到 12。") from None
    if not 0 <= months <= 12:
        raise CellError(f"{months} 超出范围：务工时间为 0 到 12 个月。")
    return months


def _money(raw, text: str) -> Decimal:
    if isinstance(raw, float):
        # Binary noise from arithmetic in Excel (1234.5600000000002) is not a
        # third decimal; a real one is.
        if abs(raw - round(raw, 2)) > 1e-6:
            raise CellError(f"“{raw}”超过两位小数，请保留到分（两位小数）。")
        value = Decimal(repr(round(raw, 2)))
    else:
        try:
            value = Decimal(text.replace(",", "").replace("，", "").removesuffix("元").strip())
        except InvalidOperation:
            raise CellError(f"“{text}”不是有效金额。") from None
    if not value.is_finite():
        raise CellError(f"“{text}”不是有效金额。")
    if value < 0:
        raise CellError("人均纯收入不能为负数。")
    if value.as_tuple().exponent < -2:
        raise CellError(f"“{text}”超过两位小数，请保留到分（两位小数）。")
    if value >= Decimal("1e12"):
        raise CellError(f"“{text}”金额过大。")
    return value.quantize(Decimal("0.01"))


def _phone(raw, text: str) -> str:
    try:
        validate_phone(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None
    return text.replace(" ", "")


def _other_causes(raw, text: str) -> tuple[str, str]:
    parts = [p for p in re.split(r"[、，,;；/\s]+", text) if p]
    for part in parts:
        if part not in PovertyCause.values:
            raise CellError(f"“{part}”不是可选的致贫原因，应为：{'、'.join(PovertyCause.values)}。")
    if len(parts) > 2:
        raise CellError("其他致贫原因最多填两项，用“、”分隔。")
    if len(parts) == 2 and parts[0] == parts[1]:
        raise CellError("两项其他致贫原因不能相同。")
    return (parts + ["", ""])[0], (parts + ["", ""])[1]


# ---------------------------------------------------------------- columns
@dataclass(frozen=True)
class Column:
    label: str
    level: str  # "key", "household" or "member"
    field: str | None
    parse: Callable[[Any, str], Any]
    # In every row (the five header columns and 与户主关系).
    required: bool = False
    # Household-level, required on the 户主 row.
    required_on_head: bool = False
    blank: Any = ""
    choices: tuple[str, ...] = ()
    note: str = ""
    # Not in the printed template, taken when a file has it.
    extra: bool = False

    @property
    def key(self) -> str:
        return normalise_label(self.label)


def _choices(enum) -> tuple[str, ...]:
    return tuple(enum.values)


YES_NO = ("是", "否")

COLUMNS: list[Column] = [
    Column("县", "key", None, _text(50), note="可不填；如填写，须为本系统所管理的县"),
    Column("乡镇", "key", None, _text(50), required=True, note="系统中已有的乡镇名称"),
    Column("行政村", "key", None, _text(50), required=True, note="该乡镇下已有的行政村名称"),
    Column("村民小组", "household", "group", _text(30), note="自由填写，如 3组"),
    Column("户编号", "key", "number", _household_number, required=True, note="同一行政村内唯一；同乡镇、行政村、户编号的行为同一户"),
    Column("姓名", "member", "name", _name, required=True, note="1–30 个字"),
    Column(
        "证件号码", "member", "id_number", _id_number, required=True,
        note="18 位居民身份证号，末位 x 按 X 保存；单元格须为文本格式（数字格式会被 Excel 四舍五入）",
    ),
    Column("与户主关系", "member", "relation", _choice(Relation), required=True, choices=_choices(Relation), note="每户有且只有一名户主"),
    Column("性别", "member", "sex", _sex, choices=_choices(Sex), note="可不填；如填写须与身份证号第17位一致（奇数为男）"),
    Column("民族", "member", "ethnicity", _text(20), note="如 汉族"),
    Column("文化程度", "member", "education", _choice(Education), choices=_choices(Education)),
    Column("在校生状况", "member", "school_status", _choice(SchoolStatus), choices=_choices(SchoolStatus), note="不在校留空"),
    Column("健康状况", "member", "health", _choice(Health), blank=Health.HEALTHY, choices=_choices(Health), note="留空按“健康”"),
    Column("残疾等级", "member", "disability_grade", _choice(DisabilityGrade), choices=_choices(DisabilityGrade), note="仅健康状况为“残疾”时填写"),
    Column("劳动技能", "member", "labour_skill", _choice(LabourSkill), choices=_choices(LabourSkill)),
    Column("务工状况", "member", "work_status", _choice(WorkStatus), choices=_choices(WorkStatus), note="未务工留空"),
    Column("务工时间(月)", "member", "work_months", _months, blank=None, note="0–12 的整数"),
    Column("参加城乡居民基本医疗保险", "member", "medical_insurance", _yes_no, blank=False, choices=YES_NO, note="是/否，留空按“否”"),
    Column("参加大病保险", "member", "serious_illness_insurance", _yes_no, blank=False, choices=YES_NO, note="是/否，留空按“否”"),
    Column("参加城乡居民基本养老保险", "member", "pension_insurance", _yes_no, blank=False, choices=YES_NO, note="是/否，留空按“否”"),
    Column(
        "贫困户属性", "household", "attribute", _choice(HouseholdAttribute), required_on_head=True,
        choices=_choices(HouseholdAttribute), note="户主行必填；其他成员行如填写须与户主行一致",
    ),
    Column(
        "主要致贫原因", "household", "main_cause", _choice(PovertyCause), required_on_head=True,
        choices=_choices(PovertyCause), note="户主行必填",
    ),
    Column(
        "其他致贫原因", "household", "other_causes", _other_causes, blank=("", ""), extra=True,
        note="可选列：最多两项，用“、”分隔，不能与主要致贫原因相同",
    ),
    Column("识别年度", "household", "identification_year", _year, required_on_head=True, blank=None, note="户主行必填，2013 年至今年"),
    Column("脱贫年度", "household", "exit_year", _year, blank=None, note="不早于识别年度，不晚于今年；未脱贫留空"),
    Column("联系电话", "household", "phone", _phone, note="以1开头的11位手机号，或 0915-1234567 形式的座机号"),
    Column("住房安全", "household", "housing_safety", _choice(HousingSafety), choices=_choices(HousingSafety)),
    Column("饮水安全", "household", "safe_drinking_water", _yes_no, blank=None, choices=YES_NO, note="是/否"),
    Column("人均纯收入(元)", "household", "declared_income_per_capita", _money, blank=None, note="不小于 0，最多两位小数"),
]
COLUMN_ORDER = {c.label: i for i, c in enumerate(COLUMNS)}
HEADER_REQUIRED = ["乡镇", "行政村", "户编号", "姓名", "证件号码"]
REQUIRED_COLUMNS = [c for c in COLUMNS if c.required or c.required_on_head]
HOUSEHOLD_LEVEL_NOTE = "贫困户属性至人均纯收入为户级信息：以户主行为准，其他成员行如填写须与户主行一致。"


def normalise_label(value) -> str:
    """Header text as compared: no spaces or line breaks, half-width brackets."""
    return re.sub(r"\s+", "", normalise_header(value))


# ---------------------------------------------------------------- report
@dataclass
class HouseholdImportReport(ImportReport):
    """``created``/``updated``/``unchanged`` count records (households and
    members together); the household and member counts are kept apart."""

    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    # Current members of imported households that the file does not list:
    # kept, only counted (leaving is recorded in the system, with a date).
    members_absent: int = 0
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    audit_entries: int = 0

    def finish(self) -> None:
        self.created = self.households_created + self.members_created
        self.updated = self.households_updated + self.members_updated
        self.unchanged = self.households_unchanged + self.members_unchanged

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors if e.row})

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        if self.errors:
            rows = f"（涉及 {self.error_rows} 行）" if self.error_rows else ""
            return f"发现 {len(self.errors)} 处错误{rows}，未导入任何数据。请改正后重新上传。"
        absent = (
            f"系统中另有 {self.members_absent} 名成员在文件中未出现（文件中未出现的成员不会删除，如有减少请在系统中登记）。"
            if self.members_absent
            else ""
        )
        if not self.changed:
            return (
                f"无变化：文件与系统中的数据一致（{self.households_unchanged} 户、{self.members_unchanged} 人），"
                f"没有新增或修改任何数据。{absent}"
            )
        verb = "将" if self.dry_run else "已"
        prefix = "试导入（未写入）：" if self.dry_run else ""
        return (
            f"{prefix}{verb}新增 {self.households_created} 户、{self.members_created} 人；"
            f"{verb}更新 {self.households_updated} 户、{self.members_updated} 人；"
            f"无变化 {self.households_unchanged} 户、{self.members_unchanged} 人。{absent}"
        )

    def as_job_report(self) -> dict:
        """What the job page shows: summary, error lines and the counts."""
        errors = [str(e) for e in self.errors[:JOB_REPORT_MAX_ERRORS]]
        if len(self.errors) > JOB_REPORT_MAX_ERRORS:
            errors.append(f"……另有 {len(self.errors) - JOB_REPORT_MAX_ERRORS} 处错误未列出。")
        return {
            "summary": self.summary(),
            "errors": errors,
            "failed": not self.ok,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "households": [self.households_created, self.households_updated, self.households_unchanged],
            "members": [self.members_created, self.members_updated, self.members_unchanged],
            "members_absent": self.members_absent,
        }


# ---------------------------------------------------------------- reading
class _Row:
    """One person's checked values; ``ok`` is False when a cell was refused
    (the row still counts for its household's checks)."""

    __slots__ = ("number", "key", "member", "household", "id_number", "relation", "ok")

    def __init__(self, number, key, member, household, id_number, relation, ok):
        self.number = number
        self.key = key
        self.member = member
        self.household = household
        self.id_number = id_number
        self.relation = relation
        self.ok = ok


SPREADSHEET_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)


class _StreamingWorkbook:
    """A lean streaming reader of an .xlsx archive's sheets.

    openpyxl's read-only mode parses through defusedxml's pure-Python tree
    builder and reads a sheet twice when the writer left out <dimension>
    (as streaming writers do); at 50,000 rows that alone took most of the
    time budget. This reader applies the same archive checks as
    ``povertyrelief.xlsx.open_workbook`` (size, macros, compressed bombs),
    refuses any XML part carrying a DTD (so no entity can be declared, let
    alone expanded), and parses with the C-accelerated pull parser, keeping
    one row in memory at a time.
    """

    CHUNK = 16 * 1024

    def __init__(self, uploaded):
        self.archive, self.size = open_archive(uploaded)
        names = {info.filename for info in self.archive.infolist()}
        self.names = names
        try:
            self.sheets, self.shared_strings_path = self._workbook_parts()
        except WorkbookRefused:
            self.close()
            raise
        except (KeyError, ValueError, ET.ParseError):
            self.close()
            raise WorkbookRefused("文件不是有效的 .xlsx 工作簿（工作簿结构无法识别）。") from None
        self._strings: list[str] | None = None

    def close(self) -> None:
        self.archive.close()

    # -- parts
    def _elements(self, path: str, names: tuple[str, ...]):
        """Pull-parse one XML part and hand out each element named in
        ``names`` once complete; a DTD before the root element is refused.
        Filtering on the qualified tag here keeps the per-element cost in C."""
        wanted = {f"{{{ns}}}{name}" for ns in SPREADSHEET_NAMESPACES for name in names} | set(names)
        parser = ET.XMLPullParser(("end",))
        with self.archive.open(path) as stream:
            first = True
            while chunk := stream.read(self.CHUNK):
                if first:
                    self._refuse_dtd(chunk)
                    first = False
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    if element.tag in wanted:
                        yield element
        parser.close()
        for _event, element in parser.read_events():
            if element.tag in wanted:
                yield element

    @staticmethod
    def _refuse_dtd(chunk: bytes) -> None:
        root = re.search(rb"<[A-Za-z_]", chunk)
        if root is None or b"<!DOCTYPE" in chunk[: root.start()].upper():
            raise WorkbookRefused("工作簿含有不安全的 XML 声明，拒绝导入。")

    def _read_small(self, path: str):
        data = self.archive.read(path)
        self._refuse_dtd(data[: self.CHUNK])
        return ET.fromstring(data)

    def _workbook_parts(self) -> tuple[list[str], str | None]:
        workbook = self._read_small("xl/workbook.xml")
        rels = self._read_small("xl/_rels/workbook.xml.rels")
        targets, shared = {}, None
        for rel in rels:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id")] = target
            if rel.get("Type", "").endswith("/sharedStrings"):
                shared = target
        sheets = []
        for element in workbook.iter():
            if _local(element.tag) == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
                if rid in targets and targets[rid] in self.names:
                    sheets.append(targets[rid])
        return sheets, shared if shared in self.names else None

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            if self.shared_strings_path:
                for element in self._elements(self.shared_strings_path, ("si",)):
                    self._strings.append(_rich_text(element))
                    element.clear()
        return self._strings

    def dimension_rows(self, path: str) -> int | None:
        """Last row of the sheet's recorded <dimension>, without reading the rows."""
        for element in self._elements(path, ("dimension", "row")):
            if _local(element.tag) == "dimension":
                match = re.search(r"(\d+)$", element.get("ref", ""))
                return int(match.group(1)) if match else None
            return None
        return None

    def rows(self, path: str):
        """(sheet row number, tuple of cell values) for every row with cells.
        Formula cells come back as "=…" text so the importer can refuse them."""
        strings = None
        expected_row = 0
        local = _LOCAL_NAMES
        columns = _COLUMN_INDEXES
        for element in self._elements(path, ("row",)):
            number = element.get("r")
            expected_row = int(number) if number else expected_row + 1
            values: list = []
            for cell in element:
                reference = cell.get("r")
                if reference:
                    letters = reference.rstrip("0123456789")
                    column = columns.get(letters)
                    if column is None:
                        column = columns[letters] = _column_index(letters)
                else:
                    column = len(values)
                kind = cell.get("t")
                formula = text = None
                for child in cell:
                    tag = local.get(child.tag) or _local(child.tag)
                    if tag == "v":
                        text = child.text
                    elif tag == "is":
                        text = _rich_text(child)
                    elif tag == "f":
                        formula = child.text or ""
                if formula is not None:
                    value = "=" + formula
                elif text is None:
                    continue
                elif kind == "s":
                    if strings is None:
                        strings = self.strings
                    value = strings[int(text)]
                elif kind is None or kind == "n":
                    value = _number(text)
                elif kind == "b":
                    value = text == "1"
                else:  # inlineStr, str (formula result), e (error), d (ISO date)
                    value = text
                if column == len(values):
                    values.append(value)
                else:
                    if column > len(values):
                        values.extend([None] * (column - len(values)))
                        values.append(value)
                    else:
                        values[column] = value
            element.clear()
            if values:
                yield expected_row, tuple(values)


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    """Tag without its namespace (transitional and strict OOXML alike)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rpartition("}")[2]
    return name


_COLUMN_INDEXES: dict[str, int] = {}


def _rich_text(element) -> str:
    """Text of a shared or inline string, without phonetic (rPh) runs."""
    if len(element) == 1 and _local(element[0].tag) == "t":
        return element[0].text or ""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            for run in child:
                if _local(run.tag) == "t":
                    parts.append(run.text or "")
    return "".join(parts)


def _column_index(reference: str) -> int:
    index = 0
    for ch in reference:
        if "A" <= ch <= "Z":
            index = index * 26 + ord(ch) - 64
        else:
            break
    return index - 1


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


@dataclass
class _Sheet:
    header_row: int
    columns: list[tuple[Column, int]]  # present columns and their index
    ignored: list[str]
    rows: Any  # iterator of (row number, values) after the header
    estimated_rows: int


def _locate_sheet(book: _StreamingWorkbook) -> _Sheet:
    """The first worksheet whose first six rows hold the header row."""
    wanted = {normalise_label(c) for c in HEADER_REQUIRED}
    by_key = {c.key: c for c in COLUMNS}
    for path in book.sheets:
        rows = book.rows(path)
        for number, row in rows:
            if number > MAX_TITLE_ROWS + 1:
                break
            names = [normalise_label(cell) for cell in row]
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
                last = book.dimension_rows(path)
                estimated = max(0, last - number) if last else 0
                return _Sheet(number, columns, ignored, rows, estimated)
    raise WorkbookRefused(
        "未找到表头：表头行须包含 " + "、".join(HEADER_REQUIRED) + "（表头之上最多 5 行标题）。"
    )


def estimate_data_rows(file) -> int:
    """Data rows a workbook holds, judged from the sheet's recorded
    dimension, or from the file size when the dimension is missing. Used to
    decide between importing at once and in the background."""
    try:
        book = _StreamingWorkbook(file)
    except WorkbookRefused:
        file.seek(0)
        return 0
    try:
        estimate = _locate_sheet(book).estimated_rows
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
class _Areas:
    county_name: str
    townships: dict[str, list[Area]]
    villages: dict[tuple[int, str], list[Area]]
    in_scope: set[int] | None  # None: the whole county (command line without --user)
    scope_name: str


def _load_areas(actor) -> _Areas:
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
    return _Areas(county.name if county else "", townships, villages, in_scope, scope_name)


class _Reader:
    """Turns sheet rows into checked values, recording every refused cell."""

    def __init__(self, sheet: _Sheet, areas: _Areas, report: HouseholdImportReport):
        self.areas = areas
        self.report = report
        self.columns = sheet.columns
        self.member_columns = [c for c, _ in sheet.columns if c.level == "member"]
        self.household_columns = [c for c, _ in sheet.columns if c.level == "household"]
        self._village_cache: dict[tuple[str, str], tuple[int | None, RowError | None]] = {}

    def error(self, row: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(row, column, message))

    def read(self, number: int, row: tuple) -> _Row | None:
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
        return _Row(
            number, (village_id, number_text), member, household,
            id_number if isinstance(id_number, str) else None, relation, not failed,
        )

    def _village(self, number: int, township, village) -> int | None:
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


# ---------------------------------------------------------------- planning
@dataclass
class _Plan:
    new_households: list[Household] = field(default_factory=list)
    changed_households: list[tuple[Household, dict]] = field(default_factory=list)
    new_members: list[Member] = field(default_factory=list)
    changed_members: list[tuple[Member, dict]] = field(default_factory=list)
    # Existing households whose own fields or members change (re-summarised).
    touched: set[int] = field(default_factory=set)
    versions: dict[int, int] = field(default_factory=dict)


MEMBER_DERIVED = ("birth_date", "sex")


def _household_label(village_names: dict[int, str], key: tuple[int, str]) -> str:
    return f"{village_names.get(key[0], '')}户编号 {key[1]}"


class _Planner:
    """Checks households as wholes and against the database, and works out
    what to create and change."""

    def __init__(self, reader: _Reader, actor, report: HouseholdImportReport):
        self.reader = reader
        self.actor = actor
        self.report = report
        self.member_fields = [c.field for c in reader.member_columns]
        self.household_columns = reader.household_columns
        self.plan = _Plan()

    def error(self, row: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(row, column, message))

    def run(self, groups: dict[tuple[int, str], list[_Row]], village_names: dict[int, str]) -> _Plan:
        self.village_names = village_names
        heads = self._check_heads(groups)
        household_values = {key: self._household_values(key, rows, heads.get(key)) for key, rows in groups.items()}
        self._check_file_duplicates(groups)
        existing = self._existing_households(groups)
        members_by_household = self._existing_members(existing)
        self._check_ids_elsewhere(groups, existing)
        for key, rows in groups.items():
            values = household_values[key]
            # Households with a refused row are not planned: their other
            # errors are already reported and nothing will be written.
            if values is None or not all(r.ok for r in rows):
                continue
            household = existing.get(key)
            self._plan_household(key, rows, heads[key], household, values, members_by_household.get(household.pk, []) if household else [])
        return self.plan

    def _check_heads(self, groups) -> dict:
        heads = {}
        for key, rows in groups.items():
            head_rows = [r for r in rows if r.relation == Relation.HEAD]
            label = _household_label(self.village_names, key)
            if not head_rows and all(r.relation is not None for r in rows):
                self.error(rows[0].number, "与户主关系", f"{label} 没有户主：每户须有且只有一名“户主”。")
            elif len(head_rows) > 1:
                numbers = "、".join(str(r.number) for r in head_rows)
                for extra in head_rows[1:]:
                    self.error(extra.number, "与户主关系", f"{label} 有多名户主（第 {numbers} 行），每户只能有一名户主。")
            else:
                heads[key] = head_rows[0]
        return heads

    def _household_values(self, key, rows: list[_Row], head: _Row | None) -> dict | None:
        """Household columns from the 户主 row; other rows may repeat them but not contradict them."""
        if head is None:
            return None
        failed = False
        values = {}
        for index, column in enumerate(self.household_columns):
            value = head.household[index]
            if value is INVALID:
                failed = True
                continue
            if value is BLANK:
                if column.required_on_head:
                    self.error(head.number, column.label, f"户主行的“{column.label}”不能为空。")
                    failed = True
                value = column.blank
            values[column.field] = value
            for row in rows:
                other = row.household[index]
                if row is head or other is BLANK or other is INVALID or other == value:
                    continue
                self.error(
                    row.number, column.label,
                    f"与户主行（第 {head.number} 行）不一致：户主行为“{_display(value)}”，本行为“{_display(other)}”。户级信息以户主行为准。",
                )
                failed = True
        return None if failed else values

    def _check_file_duplicates(self, groups) -> None:
        first_seen: dict[str, _Row] = {}
        for key, rows in groups.items():
            for row in rows:
                if row.id_number is None:
                    continue
                seen = first_seen.get(row.id_number)
                if seen is None:
                    first_seen[row.id_number] = row
                elif seen.key == key:
                    self.error(row.number, "证件号码", f"证件号码 {row.id_number} 与第 {seen.number} 行重复（同一户内同一人只能出现一次）。")
                else:
                    self.error(
                        row.number, "证件号码",
                        f"证件号码 {row.id_number} 同时出现在 {_household_label(self.village_names, key)}（本行）和 "
                        f"{_household_label(self.village_names, seen.key)}（第 {seen.number} 行）：一人只能属于一户。",
                    )

    def _existing_households(self, groups) -> dict[tuple[int, str], Household]:
        village_ids = sorted({key[0] for key in groups})
        found = {}
        for start in range(0, len(village_ids), LOOKUP_CHUNK):
            for household in Household.objects.filter(village_id__in=village_ids[start : start + LOOKUP_CHUNK]):
                key = (household.village_id, household.number)
                if key in groups:
                    found[key] = household
        return found

    def _existing_members(self, existing) -> dict[int, list[Member]]:
        pks = sorted(h.pk for h in existing.values())
        members: dict[int, list[Member]] = {}
        for start in range(0, len(pks), LOOKUP_CHUNK):
            for member in Member.objects.filter(household_id__in=pks[start : start + LOOKUP_CHUNK]).order_by("pk"):
                members.setdefault(member.household_id, []).append(member)
        return members

    def _check_ids_elsewhere(self, groups, existing) -> None:
        """One person, one household: a current member of another household
        in the database holds this ID."""
        wanted: dict[str, _Row] = {}
        for rows in groups.values():
            for row in rows:
                if row.id_number is not None:
                    wanted.setdefault(row.id_number, row)
        ids = sorted(wanted)
        visible = None
        for start in range(0, len(ids), LOOKUP_CHUNK):
            holders = (
                Member.objects.current()
                .filter(id_number__in=ids[start : start + LOOKUP_CHUNK])
                .values_list("id_number", "household_id", "household__village_id", "household__number", "household__village__name", "household__head_name")
            )
            for id_number, household_id, village_id, number, village_name, head_name in holders:
                row = wanted[id_number]
                if (village_id, number) == row.key:
                    continue
                if visible is None:
                    visible = self._visible_household_ids()
                here = _household_label(self.village_names, row.key)
                if visible is True or household_id in visible:
                    there = f"{village_name}{head_name or ''}户（户编号 {number}）"
                    self.error(row.number, "证件号码", f"证件号码 {id_number} 已登记在 {there}，不能再登记到 {here}：一人只能属于一户。")
                else:
                    self.error(
                        row.number, "证件号码",
                        f"证件号码 {id_number} 已登记在其他乡镇或村的户中，不能再登记到 {here}：一人只能属于一户；如需迁入请联系县级管理员。",
                    )

    def _visible_household_ids(self):
        if self.actor is None:
            return True
        if self.actor.area.level == AreaLevel.COUNTY and self.actor.can("view"):
            return True
        return set(restrict(Household, self.actor, "view").values_list("pk", flat=True))

    def _plan_household(self, key, rows, head: _Row, household: Household | None, values: dict, db_members: list[Member]):
        plan = self.plan
        report = self.report
        if household is None:
            household = Household(village_id=key[0], number=key[1])
            self._apply_household(household, values)
            household.status = HouseholdStatus.OUT_WITH_POLICY if household.exit_year else HouseholdStatus.NOT_OUT
            if not self._final_household_ok(household, head, values):
                return
            household.head_name = head.member[self.member_fields.index("name")]
            household.member_count = len(rows)
            plan.new_households.append(household)
            report.households_created += 1
            changed_household = True
        else:
            before = {f: getattr(household, f) for f in _HOUSEHOLD_FIELDS}
            self._apply_household(household, values)
            if not self._final_household_ok(household, head, values):
                return
            changes = {f: (before[f], getattr(household, f)) for f in _HOUSEHOLD_FIELDS if before[f] != getattr(household, f)}
            changed_household = bool(changes)
            if changes:
                plan.changed_households.append((household, changes))
                report.households_updated += 1
            else:
                report.households_unchanged += 1

        by_id: dict[str, Member] = {}
        for member in db_members:
            if member.id_number and (member.id_number not in by_id or by_id[member.id_number].left_date is not None):
                by_id[member.id_number] = member
        in_file = {row.id_number for row in rows}
        members_changed = False
        for row in rows:
            member = by_id.get(row.id_number)
            if member is not None and member.left_date is not None:
                self.error(
                    row.number, "证件号码",
                    f"{member.name}（{row.id_number}）已于 {member.left_date:%Y-%m-%d} 从该户减少（{member.left_reason}），"
                    "导入不能恢复已减少的成员；如确需恢复请在系统中处理。",
                )
                continue
            if member is None:
                member = Member(household=household)
                self._apply_member(member, row)
                if self._final_member_ok(member, row):
                    plan.new_members.append(member)
                    report.members_created += 1
                    members_changed = True
                continue
            before = {f: getattr(member, f) for f in self.member_fields + list(MEMBER_DERIVED)}
            self._apply_member(member, row)
            if not self._final_member_ok(member, row):
                continue
            changes = {f: (value, getattr(member, f)) for f, value in before.items() if value != getattr(member, f)}
            if changes:
                plan.changed_members.append((member, changes))
                report.members_updated += 1
                members_changed = True
            else:
                report.members_unchanged += 1

        current_head = next((m for m in db_members if m.relation == Relation.HEAD and m.left_date is None), None)
        if current_head is not None and current_head.id_number not in in_file and current_head.id_number != head.id_number:
            self.error(
                head.number, "与户主关系",
                f"系统中该户户主为 {current_head.name}，文件中没有列出此人，不能另设户主。"
                "请在文件中列出原户主及其新的与户主关系，或先在系统中变更户主。",
            )
        report.members_absent += sum(
            1 for m in db_members if m.left_date is None and (not m.id_number or m.id_number not in in_file)
        )
        if household.pk is not None and (changed_household or members_changed):
            plan.touched.add(household.pk)
            plan.versions[household.pk] = household.version

    def _apply_household(self, household: Household, values: dict) -> None:
        for column in self.household_columns:
            value = values[column.field]
            if column.field == "other_causes":
                household.other_cause_1, household.other_cause_2 = value
            else:
                setattr(household, column.field, value)

    def _final_household_ok(self, household: Household, head: _Row, values: dict) -> bool:
        """Rules across columns, on the values the household will have (a
        column the file lacks keeps its value from the database)."""
        ok = True
        if household.exit_year is not None and household.identification_year is not None and household.exit_year < household.identification_year:
            column = "脱贫年度" if "exit_year" in values else "识别年度"
            self.error(head.number, column, f"脱贫年度 {household.exit_year} 早于识别年度 {household.identification_year}。")
            ok = False
        others = [c for c in (household.other_cause_1, household.other_cause_2) if c]
        if household.main_cause and household.main_cause in others:
            column = "其他致贫原因" if "other_causes" in values else "主要致贫原因"
            self.error(head.number, column, f"其他致贫原因不能与主要致贫原因“{household.main_cause}”相同。")
            ok = False
        return ok

    def _apply_member(self, member: Member, row: _Row) -> None:
        for name, value in zip(self.member_fields, row.member):
            if name != "sex":
                setattr(member, name, value)
        member.birth_date, member.sex = birth_from_id(row.id_number)

    def _final_member_ok(self, member: Member, row: _Row) -> bool:
        """残疾等级 only with 残疾, also when one of the two columns is
        missing from the file and the other value comes from the database."""
        if member.disability_grade and member.health != Health.DISABLED:
            if "disability_grade" in self.member_fields:
                self.error(
                    row.number, "残疾等级",
                    f"系统中该成员的健康状况为“{member.health}”，不能填写残疾等级（仅“残疾”时填写）；请同时提供“健康状况”列。",
                )
            else:
                self.error(
                    row.number, "健康状况",
                    f"系统中该成员登记了残疾等级“{member.disability_grade}”，健康状况不能改为“{member.health}”；请同时提供“残疾等级”列。",
                )
            return False
        return True


_HOUSEHOLD_FIELDS = [
    "group", "phone", "attribute", "main_cause", "other_cause_1", "other_cause_2", "identification_year",
    "exit_year", "housing_safety", "safe_drinking_water", "declared_income_per_capita",
]


def _display(value) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "、".join(v for v in value if v)
    return str(value)


# ---------------------------------------------------------------- writing
class _Conflict(Exception):
    pass


def _audit_fields(model) -> list:
    names = set(auditlog.get_model_fields(model)["include_fields"])
    return [f for f in model._meta.concrete_fields if f.name in names]


def _audit_value(obj, model_field) -> str:
    value = getattr(obj, model_field.attname)
    if type(value) is str:
        return value
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value, timezone=dt_timezone.utc)
    return smart_str(value)


def _log_entries(actor, plan: _Plan) -> int:
    """One audit entry per created or changed record, as auditlog would have
    written on save, inserted in bulk batches (so memory stays flat); actor,
    address and correlation id come from the same context auditlog uses."""
    try:
        context = auditlog_value.get()
    except LookupError:
        context = {}
    common = {
        "actor": actor, "actor_email": getattr(actor, "email", None) if actor else None,
        "remote_addr": context.get("remote_addr"), "cid": get_cid(), "timestamp": timezone.now(),
    }

    def entries():
        for model, created, changed in (
            (Household, plan.new_households, plan.changed_households),
            (Member, plan.new_members, plan.changed_members),
        ):
            content_type = ContentType.objects.get_for_model(model)
            fields = _audit_fields(model)
            by_name = {f.name: f for f in fields}
            for obj in created:
                changes = {}
                for model_field in fields:
                    new = _audit_value(obj, model_field)
                    if new != "None":
                        changes[model_field.name] = ["None", new]
                yield LogEntry(
                    content_type=content_type, object_pk=str(obj.pk), object_id=obj.pk, object_repr=smart_str(obj),
                    action=LogEntry.Action.CREATE, changes=changes, **common,
                )
            for obj, diff in changed:
                changes = {name: [smart_str(old), _audit_value(obj, by_name[name])] for name, (old, _) in diff.items() if name in by_name}
                if changes:
                    yield LogEntry(
                        content_type=content_type, object_pk=str(obj.pk), object_id=obj.pk, object_repr=smart_str(obj),
                        action=LogEntry.Action.UPDATE, changes=changes, **common,
                    )

    count = 0
    pending = entries()
    while batch := list(islice(pending, BATCH_SIZE)):
        LogEntry.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        count += len(batch)
    return count


def _full_clean(objects, fields: list[str]) -> None:
    """Field checks (lengths, choices) on the fields the import sets; the
    cross-field rules were checked while planning and the database
    constraints back them all."""
    exclude = None
    for obj in objects:
        if exclude is None:
            exclude = [f.name for f in obj._meta.concrete_fields if f.name not in fields]
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _write(actor, plan: _Plan, report: HouseholdImportReport, member_fields: list[str], progress: Callable[[int], None]) -> None:
    now = timezone.now()
    household_fields = sorted({f for _, changes in plan.changed_households for f in changes})
    member_update_fields = sorted({f for _, changes in plan.changed_members for f in changes})
    # The village was found in the importer's scope; checking it again per
    # row would cost a query each.
    _full_clean(plan.new_households, _HOUSEHOLD_FIELDS + ["number", "status"])
    _full_clean([h for h, _ in plan.changed_households], household_fields)
    _full_clean(plan.new_members, member_fields + list(MEMBER_DERIVED))
    _full_clean([m for m, _ in plan.changed_members], member_update_fields)
    with transaction.atomic(), set_actor(actor):
        touched = sorted(plan.touched)
        for start in range(0, len(touched), LOOKUP_CHUNK):
            chunk = touched[start : start + LOOKUP_CHUNK]
            for pk, version in Household.objects.select_for_update().filter(pk__in=chunk).values_list("pk", "version"):
                if plan.versions[pk] != version:
                    raise _Conflict
        Household.objects.bulk_create(plan.new_households, batch_size=BATCH_SIZE)
        progress(len(plan.new_households))
        if household_fields:
            for household, _ in plan.changed_households:
                household.updated_at = now
            Household.objects.bulk_update(
                [h for h, _ in plan.changed_households], household_fields + ["updated_at"], batch_size=BATCH_SIZE
            )
        progress(len(plan.changed_households))
        if member_update_fields:
            # Former 户主 first: one 户主 per household holds after every statement.
            demoted = [m for m, c in plan.changed_members if c.get("relation", (None,))[0] == Relation.HEAD]
            others = [m for m, c in plan.changed_members if c.get("relation", (None,))[0] != Relation.HEAD]
            Member.objects.bulk_update(demoted, member_update_fields, batch_size=BATCH_SIZE)
            Member.objects.bulk_update(others, member_update_fields, batch_size=BATCH_SIZE)
        progress(len(plan.changed_members))
        for member in plan.new_members:
            member.household_id = member.household.pk
        Member.objects.bulk_create(plan.new_members, batch_size=BATCH_SIZE)
        progress(len(plan.new_members))

        summarised = sorted(plan.touched | {h.pk for h in plan.new_households})
        current = Member.objects.filter(household=OuterRef("pk"), left_date__isnull=True).order_by()
        for start in range(0, len(summarised), BATCH_SIZE):
            chunk = summarised[start : start + BATCH_SIZE]
            Household.objects.filter(pk__in=chunk).update(
                head_name=Coalesce(Subquery(current.filter(relation=Relation.HEAD).values("name")[:1]), Value("")),
                member_count=Coalesce(
                    Subquery(current.values("household").annotate(n=Count("pk")).values("n")), Value(0)
                ),
                card_data_changed_at=now,
            )
        for start in range(0, len(touched), BATCH_SIZE):
            Household.objects.filter(pk__in=touched[start : start + BATCH_SIZE]).update(version=F("version") + 1)
        for household in plan.new_households:
            household.card_data_changed_at = now

        report.audit_entries = _log_entries(actor, plan)

        if actor is not None:
            # Everything written must lie inside the importer's area.
            allowed = restrict(Household, actor, "change")
            for start in range(0, len(summarised), LOOKUP_CHUNK):
                chunk = summarised[start : start + LOOKUP_CHUNK]
                if allowed.filter(pk__in=chunk).count() != len(chunk):
                    raise PermissionDenied("导入的户超出您的管辖范围，已撤销本次导入。")


# ---------------------------------------------------------------- service
def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def household_import(*, actor, file, dry_run: bool = False, report_progress: Callable[[int, int | None], None] | None = None) -> HouseholdImportReport:
    """Import the 家庭成员 roster: every rule of the template is checked, and
    a file with any refused row changes nothing (all or nothing). Households
    are matched by village and 户编号, members by ID number within their
    household; re-importing the same file changes nothing. Members missing
    from the file are not deleted. ``actor`` None (command line without a
    user) imports for the whole county."""
    report = HouseholdImportReport(dry_run=dry_run)
    progress = report_progress or (lambda done, total=None: None)
    try:
        book = _StreamingWorkbook(file)
    except WorkbookRefused as exc:
        report.errors.append(RowError(0, "", str(exc)))
        return report
    areas = _load_areas(actor)
    groups: dict[tuple[int, str], list[_Row]] = {}
    try:
        try:
            sheet = _locate_sheet(book)
        except WorkbookRefused as exc:
            report.errors.append(RowError(0, "", str(exc)))
            return report
        report.ignored_columns = [c for c in sheet.ignored if c]
        present = {c.label for c, _ in sheet.columns}
        missing = [c.label for c in REQUIRED_COLUMNS if c.label not in present]
        if missing:
            report.errors.append(RowError(sheet.header_row, "", "缺少必需的列：" + "、".join(missing) + "。"))
            return report
        # Reading is half the work, writing the other half.
        total = max(sheet.estimated_rows, 1) * 2
        progress(0, total)
        reader = _Reader(sheet, areas, report)
        indexes = [index for _, index in sheet.columns]
        for number, row in sheet.rows:
            if not any(_filled(row[i]) for i in indexes if i < len(row)):
                continue
            report.rows += 1
            if report.rows > MAX_ROWS:
                report.errors.append(RowError(number, "", f"数据超过 {MAX_ROWS:,} 行的上限，请分成几个文件导入。"))
                break
            parsed = reader.read(number, row)
            if parsed is not None:
                groups.setdefault(parsed.key, []).append(parsed)
            if report.rows % PROGRESS_EVERY == 0:
                progress(report.rows, max(total, report.rows * 2))
    except WorkbookRefused as exc:
        report.errors.append(RowError(0, "", str(exc)))
        return report
    except (ET.ParseError, zipfile.BadZipFile, EOFError, IndexError, ValueError, KeyError) as exc:
        report.errors.append(RowError(0, "", f"工作簿内容损坏，无法读取：{exc}"))
        return report
    finally:
        book.close()
    total = report.rows * 2
    progress(report.rows, total)
    if report.rows == 0:
        report.errors.append(RowError(0, "", "工作簿中没有成员数据（表头下方没有数据行）。"))
        return report

    township_names = {a.pk: a.name for ts in areas.townships.values() for a in ts}
    village_names = {a.pk: township_names.get(a.parent_id, "") + a.name for vs in areas.villages.values() for a in vs}
    planner = _Planner(reader, actor, report)
    plan = planner.run(groups, village_names)
    report.errors.sort(key=lambda e: (e.row, COLUMN_ORDER.get(e.column, len(COLUMN_ORDER))))
    report.finish()
    if report.errors:
        report.created = report.updated = report.unchanged = 0
        return report
    if dry_run or not report.changed:
        progress(total, total)
        return report

    records = max(1, report.created + report.updated)
    written = [0]

    def step(count: int) -> None:
        written[0] += count
        progress(report.rows + min(report.rows, written[0] * report.rows // records), total)

    try:
        _write(actor, plan, report, planner.member_fields, step)
    except _Conflict:
        report.errors.append(RowError(0, "", "导入期间有户被其他用户修改，为避免覆盖他人的修改，本次未导入任何数据；请重新上传。"))
    except ValidationError as exc:
        report.errors.append(RowError(0, "", "数据未通过校验，未导入任何数据：" + "；".join(exc.messages)))
    except IntegrityError:
        report.errors.append(
            RowError(0, "", "保存时与其他用户同时录入的数据冲突（如同一证件号码），未导入任何数据；请重新上传。")
        )
    except PermissionDenied as exc:
        report.errors.append(RowError(0, "", str(exc)))
    if report.errors:
        report.created = report.updated = report.unchanged = 0
        return report
    progress(total, total)
    return report


@job_runner("household_import")
def household_import_job(job, report_progress):
    """Background import of a stored upload; the stored copy is removed after."""
    path = job.params["path"]
    try:
        with default_storage.open(path, "rb") as handle:
            report = household_import(
                actor=job.user, file=handle, dry_run=job.params.get("dry_run", False), report_progress=report_progress
            )
    finally:
        default_storage.delete(path)
    return None, "", report.as_job_report()
