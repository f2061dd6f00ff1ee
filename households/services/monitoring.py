"""Writing rules for 防返贫监测 (monitoring against return to poverty).

Any rural household may be flagged: a 建档立卡 household (poor or exited)
or one that never was (边缘易致贫户, 突发严重困难户). A case opens with its
first risk signal (农户申报, 干部排查, 部门预警) and is identified step by
step: 入户核查 → 民主评议 → 村级公示 (at least the year's days) → 乡镇审核 →
县级审定, each step dated, never before the one before it, and taken by
the level it belongs to (村, 乡镇, 县). The decision is due within the
year's deadline (15 days) of the first signal; a later one is overdue.
A household has at most one open case.

The risk is eliminated only when income over the last 12 months is above
the monitoring line (from the income records of the years those months fall
in), has been stably so for the year's number of months, and 三保障 and 饮水
are in place; a household without labour capacity stays monitored after it
is taken into social protection (兜底保障).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from povertyrelief.models import User
from povertyrelief.permissions import assert_in_scope, require, restrict

from ..models import (
    AnnualStandard,
    Household,
    HouseholdStatus,
    Income,
    Member,
    Monitoring,
    MonitoringStage,
    MonitoringType,
)
from ..rules import guarantee_checks
from ..selectors.income import county_province, standard_in_force

CENT = Decimal("0.01")
Stage = MonitoringStage
# Which level takes each step (povertyrelief.models.ROLE_ACTIONS).
STEP_ACTION = {
    Stage.CHECKED: "village_review",
    Stage.REVIEWED: "village_review",
    Stage.PUBLICITY: "village_review",
    Stage.PUBLICIZED: "village_review",
    Stage.TOWNSHIP_APPROVED: "township_review",
    Stage.IDENTIFIED: "county_review",
}
# The date each step writes, cleared again when the step is returned.
STEP_DATE_FIELD = {
    Stage.CHECKED: "checked_on",
    Stage.REVIEWED: "reviewed_on",
    Stage.PUBLICITY: "publicity_start",
    Stage.PUBLICIZED: "publicity_end",
    Stage.TOWNSHIP_APPROVED: "township_approved_on",
}


@dataclass(frozen=True)
class Condition:
    label: str
    ok: bool
    reason: str


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), kept inside short months (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _window_years(start: date, end: date) -> dict[int, int]:
    """Days of [start, end) falling in each calendar year."""
    days = {}
    for year in range(start.year, end.year + 1):
        first, after = max(start, date(year, 1, 1)), min(end, date(year + 1, 1, 1))
        if after > first:
            days[year] = (after - first).days
    return days


def _income_condition(monitoring: Monitoring, on_date: date) -> Condition:
    """Per-capita net income over the 12 months before ``on_date`` against the
    monitoring line of the same months: each year's 收入测算 and line count
    for the share of the window falling in that year."""
    label = "近12个月人均纯收入高于监测标准"
    start = add_months(on_date, -12)
    window = _window_years(start, on_date)
    period = f"近12个月（{start:%Y-%m-%d} 至 {on_date - timedelta(days=1):%Y-%m-%d}）"
    incomes = {i.year: i for i in Income.objects.filter(household_id=monitoring.household_id, year__in=list(window))}
    lines = {
        s.year: s.monitoring_line
        for s in AnnualStandard.objects.filter(year__in=list(window), province=county_province())
    }
    missing = [year for year in window if year not in incomes]
    if missing:
        years = "、".join(f"{y}年" for y in missing)
        return Condition(label, False, f"{period}落在{years}的月份没有收入测算，须先登记{years}收入测算，才能按这12个月判断收入。")
    unset = [year for year in window if lines.get(year) is None]
    if unset:
        years = "、".join(f"{y}年" for y in unset)
        return Condition(label, False, f"{years}未设置监测标准，无法判断收入是否高于监测线；请县级管理员在年度标准中补充。")
    income = sum((incomes[y].net_income_per_capita * days / _days_in_year(y) for y, days in window.items()), Decimal(0))
    line = sum((lines[y] * days / _days_in_year(y) for y, days in window.items()), Decimal(0))
    income, line = income.quantize(CENT, ROUND_HALF_UP), line.quantize(CENT, ROUND_HALF_UP)
    basis = "、".join(f"{y}年{days}天按{y}年测算 {incomes[y].net_income_per_capita:,.2f} 元" for y, days in window.items())
    if income > line:
        return Condition(label, True, f"{period}人均纯收入折合 {income:,.2f} 元，高于同期监测标准 {line:,.2f} 元（{basis}）。")
    return Condition(label, False, f"{period}人均纯收入折合 {income:,.2f} 元，未高于同期监测标准 {line:,.2f} 元（{basis}）。")


def _stability_condition(monitoring: Monitoring, on_date: date) -> Condition:
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
    the reason shown to people: identified by the county, labour capacity,
    income of the last 12 months against the monitoring line, the year's
    months of stability, 三保障 and 饮水."""
    conditions = []
    if monitoring.stage != Stage.IDENTIFIED:
        conditions.append(Condition(
            "已经县级审定纳入监测", False,
            f"该户尚未完成识别（当前环节：{monitoring.get_stage_display()}），经县级审定纳入监测后才能消除风险。",
        ))
    if monitoring.no_labour_capacity:
        conditions.append(Condition(
            "有劳动能力", False,
            "该户无劳动能力：纳入兜底保障后仍须持续监测，不能标注风险消除。",
        ))
    conditions.append(_income_condition(monitoring, on_date))
    conditions.append(_stability_condition(monitoring, on_date))
    members = list(Member.objects.filter(household_id=monitoring.household_id))
    for check in guarantee_checks(monitoring.household, members, on_date):
        if check.ok is True:
            conditions.append(Condition(check.label, True, check.reason))
        else:
            conditions.append(Condition(check.label, False, f"{check.label}未满足：{check.reason}。"))
    return conditions


def _due_date(signal_date: date) -> date:
    return signal_date + timedelta(days=standard_in_force(year=signal_date.year).monitoring_deadline_days)


def monitoring_save(*, actor: User, monitoring: Monitoring) -> Monitoring:
    """Open a case with its first risk signal, or edit one: one open case per
    household, dates not in the future, 脱贫不稳定户 only for exited 建档立卡
    households, the signal fixed once identification is under way, and a
    case whose risk is eliminated closed to edits."""
    require(actor, "change")
    with transaction.atomic(), set_actor(actor):
        household = restrict(Household, actor, "change").filter(pk=monitoring.household_id).first()
        if household is None:
            raise PermissionDenied("该户不在您的管辖范围内。")
        stored = None
        if monitoring.pk is not None:
            stored = Monitoring.objects.select_for_update().get(pk=monitoring.pk)
            if stored.risk_eliminated:
                raise ValidationError("该监测记录的风险已于消除后归档，不能修改；如风险再次出现，请新建监测记录。")
            if stored.stage != Stage.SIGNALLED:
                monitoring.signal_kind, monitoring.signal_date = stored.signal_kind, stored.signal_date
            monitoring.stage, monitoring.stage_date = stored.stage, stored.stage_date
        today = timezone.localdate()
        errors = {}
        if monitoring.signal_date and monitoring.signal_date > today:
            errors["signal_date"] = "首次风险信号日期不能晚于今天。"
        if monitoring.object_type == MonitoringType.UNSTABLE and not (
            household.registered and household.status in (HouseholdStatus.OUT_WITH_POLICY, HouseholdStatus.OUT_NO_POLICY)
        ):
            errors["object_type"] = "脱贫不稳定户须为已脱贫的建档立卡户；其他农户请选择“边缘易致贫户”或“突发严重困难户”。"
        since = monitoring.income_stable_since
        if since and since > today:
            errors["income_stable_since"] = "收入稳定超过监测线起始日不能晚于今天。"
        elif since and monitoring.risk_identified_date and since < monitoring.risk_identified_date:
            errors["income_stable_since"] = "收入稳定超过监测线起始日不能早于风险识别时间。"
        if errors:
            raise ValidationError(errors)
        if monitoring.signal_date:
            if stored is None or stored.signal_date != monitoring.signal_date:
                monitoring.due_date = _due_date(monitoring.signal_date)
            if stored is None:
                monitoring.stage, monitoring.stage_date = Stage.SIGNALLED, monitoring.signal_date
            elif monitoring.stage == Stage.SIGNALLED:
                monitoring.stage_date = monitoring.signal_date
        monitoring.full_clean()
        try:
            with transaction.atomic():
                monitoring.save()
        except IntegrityError:
            # Someone opened a case for this household in the meantime.
            raise ValidationError("该户已有未消除风险的监测记录。") from None
        assert_in_scope(monitoring, actor, "change")
    return monitoring


def _check_publicity(locked: Monitoring, day: date) -> None:
    minimum = standard_in_force(year=locked.publicity_start.year).monitoring_publicity_days
    days = (day - locked.publicity_start).days + 1
    if days < minimum:
        earliest = locked.publicity_start + timedelta(days=minimum - 1)
        raise ValidationError(
            {"date": f"村级公示自 {locked.publicity_start:%Y-%m-%d} 起至少 {minimum} 天，最早于 {earliest:%Y-%m-%d} 期满（现为第 {days} 天）。"}
        )


def _return(locked: Monitoring, day: date, reason: str) -> None:
    """Back one stage: the step before this level's is taken again."""
    previous = locked.stage
    field = STEP_DATE_FIELD.get(previous)
    if field:
        setattr(locked, field, None)
    order = list(STEP_DATE_FIELD)
    index = order.index(previous)
    locked.stage = order[index - 1] if index > 0 else Stage.SIGNALLED
    locked.stage_date = day
    locked.return_reason = reason.strip()[:200]


def _decide(actor: User, locked: Monitoring, day: date, decision: str, reason: str, returned_to_poverty: bool) -> None:
    """县级审定: identify (the risk is on record from ``day``), refuse, and
    only here an exited household may be found 返贫."""
    locked.decided_on = day
    locked.return_reason = ""
    if decision == "reject":
        locked.stage = Stage.NOT_IDENTIFIED
        locked.return_reason = reason.strip()[:200]
        return
    locked.stage = Stage.IDENTIFIED
    locked.risk_identified_date = day
    if returned_to_poverty:
        household = Household.objects.select_for_update().get(pk=locked.household_id)
        if not household.registered or household.status not in (HouseholdStatus.OUT_WITH_POLICY, HouseholdStatus.OUT_NO_POLICY):
            raise ValidationError({"returned_to_poverty": "只有已脱贫的建档立卡户才能认定返贫。"})
        household.status = HouseholdStatus.RETURNED
        household.version = F("version") + 1
        household.save(update_fields=["status", "version", "updated_at"])
        locked.returned_to_poverty = True


def monitoring_advance(
    *, actor: User, monitoring: Monitoring, day: date, decision: str = "approve", reason: str = "", returned_to_poverty: bool = False
) -> Monitoring:
    """Take the case's next identification step on ``day``: the right level
    (村: 核查, 评议, 公示; 乡镇: 审核; 县: 审定), in order, dated neither in
    the future nor before the step before; 村级公示 lasts at least the year's
    days; 乡镇 and 县 may return the case one step with a reason, and the
    county may refuse it (不予纳入)."""
    with transaction.atomic(), set_actor(actor):
        locked = restrict(Monitoring.objects.select_for_update(of=("self",)), actor, "view").filter(pk=monitoring.pk).first()
        if locked is None:
            raise PermissionDenied("该监测记录不在您的管辖范围内。")
        following = locked.next_stage
        if following is None or locked.risk_eliminated:
            raise ValidationError(f"该户识别程序已结束（{locked.get_stage_display()}）。")
        action = STEP_ACTION[following]
        require(actor, action)
        if not restrict(Monitoring, actor, action).filter(pk=locked.pk).exists():
            raise PermissionDenied("该监测记录不在您的管辖范围内。")
        if day > timezone.localdate():
            raise ValidationError({"date": "日期不能晚于今天。"})
        if day < locked.stage_date:
            raise ValidationError({"date": f"{Stage(following).label}日期不能早于上一环节（{locked.get_stage_display()}）日期 {locked.stage_date:%Y-%m-%d}。"})
        if decision in ("return", "reject") and not (reason or "").strip():
            raise ValidationError({"reason": "退回或不予纳入须说明原因。"})
        if decision == "return" and following in (Stage.TOWNSHIP_APPROVED, Stage.IDENTIFIED):
            _return(locked, day, reason)
        elif following == Stage.IDENTIFIED:
            _decide(actor, locked, day, decision, reason, returned_to_poverty)
        else:
            if following == Stage.PUBLICIZED:
                _check_publicity(locked, day)
            setattr(locked, STEP_DATE_FIELD[following], day)
            locked.stage, locked.stage_date, locked.return_reason = following, day, ""
        locked.full_clean()
        locked.save()
    monitoring.refresh_from_db()
    return monitoring


def monitoring_eliminate_risk(*, actor: User, monitoring: Monitoring, on_date: date) -> Monitoring:
    """Mark the risk eliminated on ``on_date`` only if every condition of
    ``monitoring_elimination_conditions`` holds; otherwise refuse, listing each
    unmet one."""
    require(actor, "change")
    with transaction.atomic(), set_actor(actor):
        locked = (
            restrict(Monitoring.objects.select_for_update(of=("self",)), actor, "change")
            .select_related("household").filter(pk=monitoring.pk).first()
        )
        if locked is None:
            raise PermissionDenied("该监测记录不在您的管辖范围内。")
        if locked.risk_eliminated:
            raise ValidationError(f"该户风险已于 {locked.risk_eliminated_date:%Y-%m-%d} 消除。")
        problems = []
        if on_date > timezone.localdate():
            problems.append("风险消除时间不能晚于今天。")
        if locked.risk_identified_date and on_date < locked.risk_identified_date:
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
