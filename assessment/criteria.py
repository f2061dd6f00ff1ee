"""The exit criteria (一超过、两不愁、三保障 and 饮水) of a household for a
year, each with the plain Chinese reason people read on the review, the
household page and the 明白卡.

1. 收入: 人均纯收入 of the year above that year's poverty line (equal is not above).
2. 不愁吃, 3. 不愁穿: attested at the verification visit (入户核实).
4.–7. 义务教育, 基本医疗, 住房安全, 饮水安全: households.rules, on the day.

The functions here read nothing themselves: callers hand in the members,
the year's income and standard and the attestation, so a page of cards or a
batch of reviews costs the same queries as one.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Iterable

from households import rules
from households.models import AnnualStandard, Income, Member
from households.rules import Check

LABELS = {
    "income": "收入超过扶贫标准",
    "food": "不愁吃",
    "clothing": "不愁穿",
}
KEYS = ["income", "food", "clothing", "education", "medical", "housing", "water"]


def income_check(*, year: int, income: Income | None, standard: AnnualStandard | None) -> Check:
    """人均纯收入 of ``year`` strictly above that year's poverty line."""
    label = LABELS["income"]
    if standard is None:
        return Check("income", label, None, f"{year} 年扶贫标准未设置")
    line = standard.poverty_line
    if income is None:
        return Check("income", label, None, f"尚无 {year} 年收入测算（当年扶贫标准 {line:,.2f} 元）")
    per_capita = income.net_income_per_capita
    if per_capita > line:
        return Check("income", label, True, f"{year} 年人均纯收入 {per_capita:,.2f} 元，高于当年扶贫标准 {line:,.2f} 元")
    if per_capita == line:
        return Check("income", label, False, f"{year} 年人均纯收入 {per_capita:,.2f} 元，等于当年扶贫标准 {line:,.2f} 元，须高于标准")
    return Check("income", label, False, f"{year} 年人均纯收入 {per_capita:,.2f} 元，低于当年扶贫标准 {line:,.2f} 元")


def attested_check(key: str, value: bool | None, on: date | None = None) -> Check:
    """不愁吃 / 不愁穿 as attested at the verification visit."""
    label = LABELS[key]
    if value is None:
        return Check(key, label, None, "待入户核实")
    when = f"{on:%Y-%m-%d} " if on else ""
    return Check(key, label, value, f"{when}入户核实{'确认' if value else '认定未达到'}{label}")


def household_criteria(
    *,
    household,
    members: Iterable[Member],
    year: int,
    on: date,
    income: Income | None,
    standard: AnnualStandard | None,
    food_secure: bool | None = None,
    clothing_secure: bool | None = None,
    attested_on: date | None = None,
) -> list[Check]:
    """The seven criteria of ``household`` for ``year`` judged on ``on``
    (ages, move-in dates), in the order forms and cards print them. A check
    whose ``ok`` is None cannot be judged from the record yet."""
    members = [m for m in members if m.is_current or (m.left_date and m.left_date > on)]
    return [
        income_check(year=year, income=income, standard=standard),
        attested_check("food", food_secure, attested_on),
        attested_check("clothing", clothing_secure, attested_on),
        *rules.guarantee_checks(household, members, on),
    ]


def all_met(checks: Iterable[Check]) -> bool:
    return all(check.ok is True for check in checks)


def unmet_reasons(checks: Iterable[Check]) -> list[str]:
    """Each unmet (or not yet known) criterion, as a refusal names it."""
    return [f"{check.label}：{check.reason}" for check in checks if check.ok is not True]


def snapshot(checks: Iterable[Check]) -> list[dict]:
    """The criteria as stored with the verification (evidence)."""
    return [asdict(check) for check in checks]


def from_snapshot(rows: list[dict]) -> list[Check]:
    return [Check(**row) for row in rows]
