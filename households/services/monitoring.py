"""Writing rules for 防返贫监测 (monitoring against return to poverty).

Any household (poor, exited or ordinary) may be flagged; it has at most one
open case. The risk is eliminated only when per-capita income is above that
year's monitoring line, has been stably so for at least 6 months, and 三保障
and 饮水 are in place; a household without labour capacity stays monitored
after it is taken into social protection (兜底保障).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from povertyrelief.permissions import assert_in_scope

from ..models import AnnualStandard, Income, Member, Monitoring
from ..rules import guarantee_checks
from ..selectors.income import county_province

@dataclass(frozen=True)
class Condition:
    label: str
    ok: bool
    reason: str


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, kept inside short months (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _income_condition(monitoring: Monitoring) -> Condition:
    label = "人均纯收入高于监测标准"
    income = Income.objects.filter(household_id=monitoring.household_id).order_by("-year").first()
    if income is None:
        return Condition(label, False, "该户尚无收入测算，无法判断人均纯收入是否高于监测标准。")
    standard = AnnualStandard.objects.filter(year=income.year, province=county_province()).first()
    if standard is None or standard.monitoring_line is None:
        return Condition(
            label, False, f"{income.year}年未设置监测标准，无法判断收入是否高于监测线；请县级管理员在年度标准中补充。"
        )
    per_capita, line = income.net_income_per_capita, standard.monitoring_line
    if per_capita > line:
        return Condition(label, True, f"{income.year}年人均纯收入 {per_capita} 元，高于监测标准 {line} 元。")
    return Condition(label, False, f"{income.year}年人均纯收入 {per_capita} 元，未高于监测标准 {line} 元。")


def _stability_condition(monitoring: Monitoring, on_date: date) -> Condition:
    from ..selectors.income import standard_in_force

    # The period is a per-year setting (年度标准), 6 months unless changed.
    months = standard_in_force(year=on_date.year).monitoring_stable_months
    label = f"收入稳定高于监测线满{months}个月"
    since = monitoring.income_stable_since
    if since is None:
        return Condition(label, False, "未登记“收入稳定超过监测线起始日”，请先编辑监测记录补充。")
    earliest = add_months(since, months)
    if earliest > on_date:
        return Condition(
            label, False,
            f"收入自 {since:%Y-%m-%d} 起稳定高于监测线，到 {on_date:%Y-%m-%d} 不足{months}个月，"
            f"最早可于 {earliest:%Y-%m-%d} 消除风险。",
        )
    return Condition(label, True, f"收入自 {since:%Y-%m-%d} 起稳定高于监测线，已满{months}个月。")


def monitoring_elimination_conditions(*, monitoring: Monitoring, on_date: date) -> list[Condition]:
    """Every condition for eliminating the risk on ``on_date``, met or not, with
    the reason shown to people: labour capacity, income against the monitoring
    line of the latest income year, 6 months' stability, 三保障 and 饮水."""
    conditions = []
    if monitoring.no_labour_capacity:
        conditions.append(Condition(
            "有劳动能力", False,
            "该户无劳动能力：纳入兜底保障后仍须持续监测，不能标注风险消除。",
        ))
    conditions.append(_income_condition(monitoring))
    conditions.append(_stability_condition(monitoring, on_date))
    members = list(Member.objects.filter(household_id=monitoring.household_id))
    for check in guarantee_checks(monitoring.household, members, on_date):
        if check.ok is True:
            conditions.append(Condition(check.label, True, check.reason))
        else:
            conditions.append(Condition(check.label, False, f"{check.label}未满足：{check.reason}。"))
    return conditions


def monitoring_save(*, actor, monitoring: Monitoring) -> Monitoring:
    """Open or edit a monitoring case: one open case per household, dates not in
    the future, and a case whose risk is eliminated is closed to edits."""
    with transaction.atomic(), set_actor(actor):
        if monitoring.pk is not None:
            closed = Monitoring.objects.select_for_update().filter(pk=monitoring.pk, risk_eliminated=True).exists()
            if closed:
                raise ValidationError("该监测记录的风险已消除并归档，不能修改；如风险再次出现，请新建监测记录。")
        today = timezone.localdate()
        errors = {}
        if monitoring.risk_identified_date and monitoring.risk_identified_date > today:
            errors["risk_identified_date"] = "风险识别时间不能晚于今天。"
        since = monitoring.income_stable_since
        if since and since > today:
            errors["income_stable_since"] = "收入稳定超过监测线起始日不能晚于今天。"
        elif since and monitoring.risk_identified_date and since < monitoring.risk_identified_date:
            errors["income_stable_since"] = "收入稳定超过监测线起始日不能早于风险识别时间。"
        if errors:
            raise ValidationError(errors)
        monitoring.full_clean()
        try:
            with transaction.atomic():
                monitoring.save()
        except IntegrityError:
            # Someone opened a case for this household in the meantime.
            raise ValidationError("该户已有未消除风险的监测记录。") from None
        assert_in_scope(monitoring, actor, "change")
    return monitoring


def monitoring_eliminate_risk(*, actor, monitoring: Monitoring, on_date: date) -> Monitoring:
    """Mark the risk eliminated on ``on_date`` only if every condition of
    ``monitoring_elimination_conditions`` holds; otherwise refuse, listing each
    unmet one."""
    with transaction.atomic(), set_actor(actor):
        locked = Monitoring.objects.select_for_update().select_related("household").get(pk=monitoring.pk)
        if locked.risk_eliminated:
            raise ValidationError(f"该户风险已于 {locked.risk_eliminated_date:%Y-%m-%d} 消除。")
        problems = []
        if on_date > timezone.localdate():
            problems.append("风险消除时间不能晚于今天。")
        if on_date < locked.risk_identified_date:
            problems.append(f"风险消除时间不能早于风险识别时间（{locked.risk_identified_date:%Y-%m-%d}）。")
        problems += [c.reason for c in monitoring_elimination_conditions(monitoring=locked, on_date=on_date) if not c.ok]
        if problems:
            raise ValidationError(problems)
        locked.risk_eliminated = True
        locked.risk_eliminated_date = on_date
        locked.full_clean()
        locked.save()
        assert_in_scope(locked, actor, "change")
    monitoring.refresh_from_db()
    return monitoring
