"""The 家庭成员 template's columns and the rule each cell must follow
(import-template.md §2): one parser per column, turning a cell into the
value stored or raising ``CellError`` with the message shown to the user."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.utils import timezone

from povertyrelief.validators import normalise_id_number, validate_id_number, validate_phone
from povertyrelief.xlsx import normalise_header

from ...models import (
    DisabilityGrade,
    Education,
    Health,
    HouseholdAttribute,
    HousingSafety,
    LabourSkill,
    PovertyCause,
    Relation,
    SchoolStatus,
    Sex,
    WorkStatus,
)

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
    def parse(raw: Any, text: str) -> str:
        if len(text) > max_length:
            raise CellError(f"不能超过 {max_length} 个字（当前 {len(text)} 个）。")
        return text

    return parse


def _choice(choices: type[TextChoices]) -> Callable[[Any, str], str]:
    values = list(choices.values)

    def parse(raw: Any, text: str) -> str:
        value = text.replace(" ", "")
        if value not in values:
            raise CellError(f"“{text}”不是可选值，应为：{'、'.join(values)}。")
        return value

    return parse


def _name(raw: Any, text: str) -> str:
    # Two-character names are often padded to line up with three-character
    # ones ("张  三"); the padding is not part of the name.
    squeezed = re.sub(r"\s+", "", text)
    if all("\u4e00" <= ch <= "\u9fff" or ch in "·•" for ch in squeezed):
        text = squeezed
    if len(text) > 30:
        raise CellError(f"姓名不能超过 30 个字（当前 {len(text)} 个）。")
    return text


def _id_number(raw: Any, text: str) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise CellError(NUMBER_ID_MESSAGE)
    value = normalise_id_number(unicodedata.normalize("NFKC", text))
    try:
        validate_id_number(value, today=timezone.localdate())
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None
    return value


def _household_number(raw: Any, text: str) -> str:
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


def _sex(raw: Any, text: str) -> str:
    value = {"男性": "男", "女性": "女"}.get(text, text)
    if value not in Sex.values:
        raise CellError(f"“{text}”不是有效性别，应为 男 或 女。")
    return value


def _yes_no(raw: Any, text: str) -> bool:
    if text == "是":
        return True
    if text == "否":
        return False
    raise CellError(f"“{text}”无效，应填 是 或 否。")


def _whole_number(raw: Any, text: str) -> int:
    if isinstance(raw, bool):
        raise CellError(f"“{text}”不是整数。")
    if isinstance(raw, (int, float)):
        if not float(raw).is_integer():
            raise CellError(f"“{raw}”不是整数。")
        return int(raw)
    if not re.fullmatch(r"\d+", text):
        raise CellError(f"“{text}”不是整数。")
    return int(text)


def _year(raw: Any, text: str) -> int:
    text = text.removesuffix("年").strip()
    try:
        year = _whole_number(raw if not isinstance(raw, str) else text, text)
    except CellError:
        raise CellError(f"“{text}”不是有效年份，应为四位数字，如 2016。") from None
    this_year = timezone.localdate().year
    if not 2013 <= year <= this_year:
        raise CellError(f"{year} 不在 2013 至 {this_year} 年之间。")
    return year


def _months(raw: Any, text: str) -> int:
    try:
        months = _whole_number(raw, text)
    except CellError:
        raise CellError(f"“{text}”不是整数：务工时间按整月填写，0 到 12。") from None
    if not 0 <= months <= 12:
        raise CellError(f"{months} 超出范围：务工时间为 0 到 12 个月。")
    return months


def _money(raw: Any, text: str) -> Decimal:
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


def _phone(raw: Any, text: str) -> str:
    try:
        validate_phone(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None
    return text.replace(" ", "")


def _other_causes(raw: Any, text: str) -> tuple[str, str]:
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


def _choices(enum: type[TextChoices]) -> tuple[str, ...]:
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


def normalise_label(value: object) -> str:
    """Header text as compared: no spaces or line breaks, half-width brackets."""
    return re.sub(r"\s+", "", normalise_header(value))

