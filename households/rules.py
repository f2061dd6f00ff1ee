"""Rules computed from the record: ages, 两不愁三保障 and 饮水 checks.

Each check returns a ``Check`` with the reason shown to people, so the same
function serves the household page, 明白卡, monitoring and exit review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .models import HousingSafety, Member


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    ok: bool | None  # None: cannot be computed from the record
    reason: str


def birth_from_id(id_number: str) -> tuple[date, str]:
    """Birth date and sex (17th digit odd = 男) from a valid 18-character ID."""
    birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return birth, "男" if int(id_number[16]) % 2 else "女"


def _out_of_school_reason(member: Member, age: int) -> str:
    return f"{member.name}（{age}岁，在校生状况为空，无免学缓学说明）"


def compulsory_education_check(members: list[Member], on: date) -> Check:
    """义务教育有保障: nobody aged 6–15 on ``on`` out of school without a
    recorded exemption (a child turning 16 that day has left compulsory age)."""
    out_of_school = [
        _out_of_school_reason(m, age)
        for m in members
        if m.is_current and (age := m.age_on(on)) is not None and 6 <= age <= 15
        and not m.school_status and not m.school_exemption
    ]
    if out_of_school:
        return Check("education", "义务教育有保障", False, "适龄未在校：" + "、".join(out_of_school))
    return Check("education", "义务教育有保障", True, "无义务教育阶段失学辍学")


def medical_check(members: list[Member]) -> Check:
    """基本医疗有保障: every current member in 城乡居民基本医疗保险 and 大病保险."""
    missing = [m.name for m in members if m.is_current and not (m.medical_insurance and m.serious_illness_insurance)]
    if missing:
        return Check("medical", "基本医疗有保障", False, "未参加基本医保或大病保险：" + "、".join(missing))
    return Check("medical", "基本医疗有保障", True, "全员参加基本医保和大病保险")


def housing_check(household, on: date | None = None) -> Check:
    """住房安全有保障: 安全 or 已搬迁; a 易地扶贫搬迁 household that has moved
    in (by ``on``) lives in its new home, whatever its old house was graded."""
    moved_in = household.relocated and household.relocation_date is not None and (on is None or household.relocation_date <= on)
    if moved_in:
        old = f"，原住房{household.housing_safety}" if household.housing_safety not in ("", HousingSafety.SAFE, HousingSafety.RELOCATED) else ""
        return Check("housing", "住房安全有保障", True, f"易地扶贫搬迁，{household.relocation_date:%Y-%m-%d} 入住安置房{old}")
    if not household.housing_safety:
        return Check("housing", "住房安全有保障", None, "住房安全情况未登记")
    ok = household.housing_safety in (HousingSafety.SAFE, HousingSafety.RELOCATED)
    return Check("housing", "住房安全有保障", ok, f"住房：{household.housing_safety}")


def water_check(household) -> Check:
    if household.safe_drinking_water is None:
        return Check("water", "饮水安全有保障", None, "饮水安全情况未登记")
    return Check("water", "饮水安全有保障", household.safe_drinking_water, "饮水安全" if household.safe_drinking_water else "饮水不安全")


def guarantee_checks(household, members: list[Member], on: date) -> list[Check]:
    """三保障 and 饮水, in the order forms and cards print them."""
    return [
        compulsory_education_check(members, on),
        medical_check(members),
        housing_check(household, on),
        water_check(household),
    ]
