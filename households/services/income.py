"""Writing incomes (收入测算) and the per-year lines (年度标准).

家庭纯收入 = 总收入 − 生产经营性支出 (entered, or estimated from the year's
coefficients); 人均纯收入 = 家庭纯收入 ÷ 家庭人口, to 0.01 元, Decimal only.
The arithmetic itself is ``Income.compute``; these services decide which
standard and household size it uses and keep stored totals in step.
"""

from __future__ import annotations

from datetime import date

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction

from povertyrelief.models import User
from povertyrelief.permissions import assert_in_scope, require

from ..models import INCOME_GROUPS, PRODUCTION_COST_RATES, AnnualStandard, Income
from ..selectors.income import county_province, standard_for
from .printing import card_data_changed

ITEM_FIELDS = [name for names in INCOME_GROUPS.values() for name in names]
COMPUTED_FIELDS = ["total_income", "production_cost_used", "net_income", "net_income_per_capita"]
RATE_FIELDS = list(PRODUCTION_COST_RATES.values())
EARLIEST_YEAR = 2013


def _check_amounts(income: Income) -> None:
    errors = {}
    for name in [*ITEM_FIELDS, "production_cost"]:
        value = getattr(income, name)
        if value is not None and value < 0:
            errors[name] = f"{Income._meta.get_field(name).verbose_name}不能为负数。"
    if errors:
        raise ValidationError(errors)


def income_save(*, actor: User, income: Income) -> Income:
    """Compute and save one household's 收入测算 for a year: one per household
    and year, not for a future year, amounts not negative, household size
    defaulting to the household's current 家庭人口; the production cost, when
    not entered, is estimated with that year's coefficients."""
    today = date.today()
    if income.year is None or not EARLIEST_YEAR <= income.year <= today.year:
        raise ValidationError({"year": f"年度应在{EARLIEST_YEAR}年至{today.year}年之间。"})
    _check_amounts(income)
    if not income.household_size:
        income.household_size = income.household.member_count
    if not income.household_size:
        raise ValidationError({"household_size": "该户当前没有在册成员，请填写家庭人口。"})
    duplicate = Income.objects.filter(household_id=income.household_id, year=income.year).exclude(pk=income.pk)
    if duplicate.exists():
        raise ValidationError({"year": f"该户{income.year}年已有收入测算，请编辑原记录。"})
    standard = standard_for(year=income.year)
    if standard is None and income.production_cost is None and any(getattr(income, f) for f in PRODUCTION_COST_RATES):
        raise ValidationError(
            {"production_cost": f"{income.year}年尚未设置生产成本系数，无法估算生产经营性支出：请填写支出，或请县级管理员先设置年度标准。"}
        )
    with transaction.atomic(), set_actor(actor):
        income.compute(standard)
        income.full_clean()
        income.save()
        assert_in_scope(income, actor, "change")
    return income


def _recompute_year(*, actor: User, standard: AnnualStandard) -> int:
    """Re-estimate the stored incomes of the standard's year whose production
    cost was estimated (not entered), so stored totals follow the coefficients.

    Done in bulk, with one audit entry per changed income, because a county
    has tens of thousands of incomes a year and per-row saves would time out."""
    if standard.province != county_province():
        return 0
    changed = []
    audit = []
    content_type = ContentType.objects.get_for_model(Income)
    incomes = Income.objects.filter(year=standard.year, production_cost__isnull=True).select_related("household")
    for income in incomes.iterator(chunk_size=2000):
        before = {f: getattr(income, f) for f in COMPUTED_FIELDS}
        income.compute(standard)
        diff = {f: [str(before[f]), str(getattr(income, f))] for f in COMPUTED_FIELDS if before[f] != getattr(income, f)}
        if diff:
            changed.append(income)
            audit.append(
                LogEntry(
                    content_type=content_type, object_pk=str(income.pk), object_id=income.pk,
                    object_repr=str(income)[:200], action=LogEntry.Action.UPDATE, changes=diff,
                    changes_text="按修改后的生产成本系数重算", actor=actor,
                )
            )
    Income.objects.bulk_update(changed, COMPUTED_FIELDS, batch_size=2000)
    LogEntry.objects.bulk_create(audit, batch_size=2000)
    # bulk_update sends no post_save, so mark the printed 明白卡 stale here.
    card_data_changed(household_ids={income.household_id for income in changed})
    return len(changed)


def standard_save(*, actor: User, standard: AnnualStandard) -> int:
    """Create or edit a year's lines and coefficients (county administrators
    only): poverty line above 0, monitoring line not below it, coefficients
    from 0 to 1 (the model's constraints). When coefficients change, the
    year's incomes with an estimated production cost are recomputed; returns
    how many changed."""
    require(actor, "manage")
    previous = AnnualStandard.objects.filter(pk=standard.pk).first() if standard.pk else None
    if previous is not None and (previous.year, previous.province) != (standard.year, standard.province):
        # Incomes are tied to a year's line; moving the line would silently
        # re-judge them all. A new year gets its own row instead.
        raise ValidationError({"year": "已保存的年度标准不能更改年度或省份，请新增该年度的标准。"})
    with transaction.atomic(), set_actor(actor):
        standard.full_clean()
        standard.save()
        if previous is not None and any(getattr(previous, f) != getattr(standard, f) for f in RATE_FIELDS):
            return _recompute_year(actor=actor, standard=standard)
    return 0
