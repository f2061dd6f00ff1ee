"""Writing rules for funds: every money change goes through here.

Each function takes the acting user first, checks the role (403) and the
area (404 via the selectors, or PermissionDenied here), locks the rows whose
totals it changes with ``select_for_update(of=("self",))`` (only those rows,
never the areas the scope joins; source before allocation, always in that
order, so two writers never deadlock), checks the rule, and
writes. The new running totals are computed in Decimal from the locked
row and written as values (SQLite would add ``F()`` expressions in binary
floating point and drift by fractions of a fen); the database's check
constraints refuse any total that breaks a rule, should a bug ever get
past the checks here.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Iterable

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet, Sum
from django.utils import timezone

from households.models import Measure
from povertyrelief.models import User
from povertyrelief.permissions import assert_in_scope, require, restrict
from villages.models import Area, AreaLevel

from .models import (
    STAGE_ORDER,
    ZERO,
    Allocation,
    AllocationMeasure,
    AllocationStatus,
    AllocationTarget,
    Disbursement,
    DisbursementStatus,
    FundSource,
    Project,
    ProjectStage,
    ProjectStep,
)

CENT = Decimal("0.01")
FIRST_YEAR = 2014
# Entries that still count (a returned or withdrawn one no longer does).
HOLDING = (DisbursementStatus.PENDING, DisbursementStatus.CONFIRMED)
# Who may take a project to each stage: approval and acceptance are the
# county's decisions; the township reports start and completion.
STAGE_ACTION = {
    ProjectStage.APPROVED: "fund_manage",
    ProjectStage.IN_PROGRESS: "fund_record",
    ProjectStage.COMPLETED: "fund_record",
    ProjectStage.ACCEPTED: "fund_manage",
}


def _money(value: Decimal | int | str, field: str = "amount") -> Decimal:
    """A positive amount of whole fen (two decimal places, no rounding)."""
    amount = Decimal(value)
    if amount != amount.quantize(CENT):
        raise ValidationError({field: "金额最多保留两位小数（分）。"})
    if amount <= 0:
        raise ValidationError({field: "金额必须大于零。"})
    return amount.quantize(CENT)


def _not_future(day: date, field: str = "date") -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "日期不能晚于今天。"})


def _get(queryset: QuerySet, actor: User, action: str, **lookup: object) -> Model:
    """One row the actor may do ``action`` on; anything else is refused
    (the views fetch through the selectors first, so this is a 404 there)."""
    try:
        return restrict(queryset, actor, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise PermissionDenied("该记录不在您的管辖范围内。") from None


def common_area(areas: Iterable[Area]) -> Area | None:
    """The lowest area holding all of ``areas`` (the village itself when
    there is one, their township when they share it, else the county)."""
    areas = list(areas)
    if not areas:
        return None
    if len({a.pk for a in areas}) == 1:
        return areas[0]
    parents = {a.parent_id if a.level == AreaLevel.VILLAGE else a.pk for a in areas}
    if len(parents) == 1:
        return Area.objects.get(pk=parents.pop())
    county_code = areas[0].code[:6] + "000000"
    return Area.objects.get(code=county_code)


# --- fund sources ------------------------------------------------------------


def source_save(*, actor: User, source: FundSource) -> FundSource:
    """A fund source is the county administrator's; a new one belongs to the
    actor's area unless an area inside it is given, and an edit can never
    bring the amount under what has already been allocated."""
    require(actor, "fund_manage")
    with transaction.atomic(), set_actor(actor):
        if source.pk is None:
            source.created_by = actor
            if source.area_id is None:
                source.area = actor.area
        else:
            stored = _get(FundSource.objects.select_for_update(of=("self",)), actor, "fund_manage", pk=source.pk)
            source.allocated_total = stored.allocated_total
            if source.amount is not None and source.amount < stored.allocated_total:
                raise ValidationError({"amount": f"已分配 {stored.allocated_total:,.2f} 元，下达金额不能少于已分配金额。"})
        if source.amount is not None:
            source.amount = _money(source.amount)
        if source.issued_date:
            _not_future(source.issued_date, "issued_date")
        source.full_clean()
        source.save()
        assert_in_scope(source, actor, "fund_manage")
    return source


# --- projects ----------------------------------------------------------------


def project_save(
    *, actor: User, project: Project, villages: Iterable[Area], beneficiaries: Iterable | None = None, day: date | None = None
) -> Project:
    """A project enters the library (储备, on ``day``, today by default) with a
    绩效目标 and villages inside the actor's area; it can be edited only
    while it is still in 储备."""
    require(actor, "fund_record")
    villages = list(villages)
    allowed = set(restrict(Area, actor, "fund_record").filter(pk__in=[v.pk for v in villages]).values_list("pk", flat=True))
    if any(v.pk not in allowed for v in villages):
        raise ValidationError({"villages": "所选村不在您的管辖范围内。"})
    if not (project.performance_target or "").strip():
        raise ValidationError({"performance_target": "没有绩效目标的项目不能入库，请填写绩效目标。"})
    with transaction.atomic(), set_actor(actor):
        if project.pk is None:
            project.created_by = actor
            project.stage = ProjectStage.RESERVE
            project.stage_date = day or timezone.localdate()
            _not_future(project.stage_date)
        else:
            stored = _get(Project.objects.select_for_update(of=("self",)), actor, "fund_record", pk=project.pk)
            if stored.stage != ProjectStage.RESERVE:
                raise ValidationError(f"项目已{stored.get_stage_display()}，只有储备阶段的项目可以修改。")
            project.stage, project.stage_date = stored.stage, stored.stage_date
        project.area = common_area(villages) or actor.area
        project.budget = _money(project.budget, "budget")
        project.full_clean()
        created = project.pk is None
        project.save()
        project.villages.set(villages)
        if beneficiaries is not None:
            project.beneficiaries.set(list(beneficiaries))
        if created:
            ProjectStep.objects.create(project=project, stage=ProjectStage.RESERVE, date=project.stage_date, actor=actor, note="入库")
        assert_in_scope(project, actor, "fund_record")
    return project


def project_advance(*, actor: User, project: Project, day: date, note: str = "") -> ProjectStep:
    """Projects move one stage at a time (储备 → 批准 → 实施 → 完工 → 验收),
    never skipping one, each step dated no earlier than the one before and
    not in the future, and taken by a role that may decide it."""
    with transaction.atomic(), set_actor(actor):
        locked = _get(Project.objects.select_for_update(of=("self",)), actor, "view", pk=project.pk)
        following = locked.next_stage
        if following is None:
            raise ValidationError("项目已验收，没有后续环节。")
        require(actor, STAGE_ACTION[following])
        if not restrict(Project, actor, STAGE_ACTION[following]).filter(pk=locked.pk).exists():
            raise PermissionDenied("该项目不在您的管辖范围内。")
        _not_future(day)
        if day < locked.stage_date:
            raise ValidationError(
                {"date": f"{ProjectStage(following).label}日期不能早于{locked.get_stage_display()}日期 {locked.stage_date:%Y-%m-%d}。"}
            )
        step = ProjectStep.objects.create(project=locked, stage=following, date=day, actor=actor, note=note)
        locked.stage, locked.stage_date = following, day
        locked.save(update_fields=["stage", "stage_date"])
        project.stage, project.stage_date = following, day
    return step


# --- allocations -------------------------------------------------------------


def _measure_shares(actor: User, measures: Iterable | dict) -> list[tuple[Measure, Decimal]]:
    """Each measure with the share still unfunded (its amount minus what
    other allocations already give it), locked against a parallel allocation."""
    if isinstance(measures, dict):
        wanted = {getattr(m, "pk", m): Decimal(str(amount)) for m, amount in measures.items()}
    else:
        wanted = {getattr(m, "pk", m): None for m in measures}
    if not wanted:
        raise ValidationError({"measures": "请至少选择一项帮扶措施。"})
    locked = list(
        restrict(Measure, actor, "view").select_for_update(of=("self",)).filter(pk__in=wanted).select_related("household", "household__village")
    )
    if len(locked) != len(wanted):
        raise ValidationError({"measures": "所选措施不存在或不在您的管辖范围内。"})
    funded = dict(
        AllocationMeasure.objects.filter(measure__in=locked, allocation__status=AllocationStatus.ACTIVE).values("measure").annotate(total=Sum("amount")).values_list("measure", "total")
    )
    shares = []
    for measure in sorted(locked, key=lambda m: m.pk):
        if measure.amount is None or measure.amount <= 0:
            raise ValidationError({"measures": f"措施“{measure}”（{measure.household}）未登记金额，不能分配资金。"})
        left = measure.amount - funded.get(measure.pk, ZERO)
        share = wanted[measure.pk] if wanted[measure.pk] is not None else left
        if left <= 0 or share > left:
            raise ValidationError(
                {"measures": f"措施“{measure}”（{measure.household}）金额 {measure.amount:,.2f} 元，尚可分配 {max(left, ZERO):,.2f} 元。"}
            )
        shares.append((measure, _money(share, "measures")))
    return shares


def allocation_create(
    *,
    actor: User,
    source: FundSource,
    target: str,
    day: date,
    amount: Decimal | None = None,
    project: Project | None = None,
    village: Area | None = None,
    measures: Iterable | dict | None = None,
    document_number: str = "",
    purpose: str = "",
) -> Allocation:
    """Allocations from a source never exceed it (checked with the source
    locked); a project must be approved first; measures are funded at most
    up to their amounts, the allocation being the sum of their shares."""
    require(actor, "fund_manage")
    with transaction.atomic(), set_actor(actor):
        locked = _get(FundSource.objects.select_for_update(of=("self",)), actor, "fund_manage", pk=source.pk)
        allocation = Allocation(
            source=locked, target=target, date=day, document_number=document_number, purpose=purpose, created_by=actor
        )
        shares: list[tuple[Measure, Decimal]] = []
        if target == AllocationTarget.PROJECT:
            if project is None:
                raise ValidationError({"project": "请选择项目。"})
            project = _get(Project.objects.all(), actor, "fund_manage", pk=project.pk)
            if STAGE_ORDER.index(project.stage) < STAGE_ORDER.index(ProjectStage.APPROVED):
                raise ValidationError({"project": "项目尚未批准，不能分配资金。"})
            if project.stage == ProjectStage.ACCEPTED:
                raise ValidationError({"project": "项目已验收，不能再分配资金。"})
            allocation.project, allocation.area = project, project.area
        elif target == AllocationTarget.VILLAGE:
            if village is None:
                raise ValidationError({"village": "请选择村。"})
            village = _get(Area.objects.all(), actor, "fund_manage", pk=village.pk, level=AreaLevel.VILLAGE)
            allocation.village, allocation.area = village, village
        elif target == AllocationTarget.MEASURES:
            shares = _measure_shares(actor, measures or [])
            allocation.area = common_area(m.household.village for m, _ in shares)
            amount = sum((share for _, share in shares), ZERO)
        else:
            raise ValidationError({"target": "分配对象无效。"})
        if amount is None:
            raise ValidationError({"amount": "请填写分配金额。"})
        allocation.amount = _money(amount)
        _not_future(day)
        if day < locked.issued_date:
            raise ValidationError({"date": f"分配日期不能早于资金下达日期 {locked.issued_date:%Y-%m-%d}。"})
        if locked.allocated_total + allocation.amount > locked.amount:
            raise ValidationError(
                {"amount": f"超出资金来源可分配余额：下达 {locked.amount:,.2f} 元，已分配 {locked.allocated_total:,.2f} 元，"
                           f"尚可分配 {locked.unallocated:,.2f} 元。"}
            )
        allocation.full_clean()
        allocation.save()
        AllocationMeasure.objects.bulk_create(
            AllocationMeasure(allocation=allocation, measure=measure, village_id=measure.household.village_id, amount=share)
            for measure, share in shares
        )
        FundSource.objects.filter(pk=locked.pk).update(allocated_total=locked.allocated_total + allocation.amount)
        source.allocated_total = locked.allocated_total + allocation.amount
    return allocation


def _locked_source_and_allocation(actor: User, allocation: Allocation) -> tuple[FundSource, Allocation]:
    """The allocation's source and then the allocation, locked in that order
    (the order every writer takes), the allocation inside the actor's area."""
    found = _get(Allocation.objects.all(), actor, "fund_manage", pk=allocation.pk)
    source = FundSource.objects.select_for_update(of=("self",)).get(pk=found.source_id)
    return source, _locked_allocation(actor, found.pk, "fund_manage")


def allocation_update(
    *, actor: User, allocation: Allocation, amount: Decimal | None, day: date, document_number: str = "", purpose: str = ""
) -> Allocation:
    """An allocation is corrected in place (amount, date, document, purpose):
    never below what is paid or awaiting confirmation out of it, never past
    its source, dated no later than its first disbursement, and never raised
    once its project is accepted. Its source and what it goes to stay; to
    change those, cancel it and allocate again."""
    require(actor, "fund_manage")
    with transaction.atomic(), set_actor(actor):
        source, locked = _locked_source_and_allocation(actor, allocation)
        if locked.is_cancelled:
            raise ValidationError("该笔资金分配已撤销，不能修改。")
        if amount is None:
            amount = locked.amount
        amount = _money(amount)
        if locked.target == AllocationTarget.MEASURES and amount != locked.amount:
            raise ValidationError({"amount": "到户措施的分配金额是各措施金额之和，不能直接修改；如有错误，请撤销后重新分配。"})
        if locked.target == AllocationTarget.PROJECT and amount > locked.amount and locked.project.stage == ProjectStage.ACCEPTED:
            raise ValidationError({"amount": "项目已验收，不能再增加分配金额。"})
        held = locked.confirmed_total + locked.pending_total
        if amount < held:
            raise ValidationError(
                {"amount": f"已拨付 {locked.confirmed_total:,.2f} 元、待确认 {locked.pending_total:,.2f} 元，"
                           f"分配金额不能少于 {held:,.2f} 元。"}
            )
        allocated = source.allocated_total - locked.amount + amount
        if allocated > source.amount:
            raise ValidationError(
                {"amount": f"超出资金来源可分配余额：下达 {source.amount:,.2f} 元，其他分配合计 {source.allocated_total - locked.amount:,.2f} 元，"
                           f"这笔最多可分配 {source.amount - source.allocated_total + locked.amount:,.2f} 元。"}
            )
        _not_future(day)
        if day < source.issued_date:
            raise ValidationError({"date": f"分配日期不能早于资金下达日期 {source.issued_date:%Y-%m-%d}。"})
        first_paid = locked.disbursements.order_by("date").values_list("date", flat=True).first()
        if first_paid is not None and day > first_paid:
            raise ValidationError({"date": f"分配日期不能晚于第一笔拨付的日期 {first_paid:%Y-%m-%d}。"})
        locked.amount, locked.date = amount, day
        locked.document_number, locked.purpose = document_number.strip(), purpose.strip()
        locked.full_clean()
        locked.save(update_fields=["amount", "date", "document_number", "purpose"])
        FundSource.objects.filter(pk=source.pk).update(allocated_total=allocated)
    return locked


def allocation_cancel(*, actor: User, allocation: Allocation, reason: str) -> Allocation:
    """An allocation is never deleted. While nothing is paid out of it or
    awaiting confirmation, it is cancelled with a reason: it stays on record
    as 已撤销, gives its amount back to the source and counts in no total."""
    require(actor, "fund_manage")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请说明撤销原因。"})
    with transaction.atomic(), set_actor(actor):
        source, locked = _locked_source_and_allocation(actor, allocation)
        if locked.is_cancelled:
            raise ValidationError("该笔资金分配已撤销。")
        if locked.confirmed_total or locked.disbursements.filter(status=DisbursementStatus.PENDING).exists():
            raise ValidationError(
                f"已拨付 {locked.confirmed_total:,.2f} 元、待确认 {locked.pending_total:,.2f} 元：只有没有拨付（含待确认）的分配可以撤销；"
                "已确认的拨付请先冲销，待确认的请退回或撤回。"
            )
        locked.status = AllocationStatus.CANCELLED
        locked.cancelled_by, locked.cancelled_at, locked.cancel_reason = actor, timezone.now(), reason.strip()
        locked.full_clean()
        locked.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
        FundSource.objects.filter(pk=source.pk).update(allocated_total=source.allocated_total - locked.amount)
    return locked


# --- disbursements -----------------------------------------------------------


def _locked_allocation(actor: User, allocation_id: int, action: str) -> Allocation:
    """The allocation, in the actor's area, locked for writing. Disbursements
    never change the source's total, so its row is left unlocked."""
    return _get(Allocation.objects.select_for_update(of=("self",)), actor, action, pk=allocation_id)


def disbursement_record(
    *,
    actor: User,
    allocation: Allocation,
    amount: Decimal,
    day: date,
    payee: str,
    voucher_number: str,
    note: str = "",
    measure: Measure | None = None,
    token: uuid.UUID | None = None,
) -> tuple[Disbursement, bool]:
    """Record a disbursement awaiting confirmation. Confirmed plus pending
    never exceed the allocation (checked with it locked). A second call with
    the same form token returns the first disbursement instead of paying
    twice; the flag says whether this call created it."""
    require(actor, "fund_record")
    with transaction.atomic(), set_actor(actor):
        locked = _locked_allocation(actor, allocation.pk, "fund_record")
        if locked.is_cancelled:
            raise ValidationError("该笔资金分配已撤销，不能再拨付。")
        if token is not None:
            existing = Disbursement.objects.filter(submission_token=token).first()
            if existing is not None:
                if existing.recorded_by_id != actor.pk or existing.allocation_id != locked.pk:
                    raise ValidationError("该表单已被使用，请重新打开拨付页面。")
                return existing, False
        amount = _money(amount)
        _not_future(day)
        if day < locked.date:
            raise ValidationError({"date": f"拨付日期不能早于资金分配日期 {locked.date:%Y-%m-%d}。"})
        if measure is not None:
            if not locked.measure_shares.filter(measure=measure).exists():
                raise ValidationError({"measure": "所选措施不在这笔资金分配之内。"})
        elif locked.target == AllocationTarget.MEASURES and locked.measure_shares.count() == 1:
            measure = locked.measure_shares.get().measure
        if amount > locked.available:
            raise ValidationError(
                {"amount": f"超出分配余额：分配 {locked.amount:,.2f} 元，已拨付 {locked.confirmed_total:,.2f} 元，"
                           f"待确认 {locked.pending_total:,.2f} 元，尚可拨付 {locked.available:,.2f} 元。"}
            )
        disbursement = Disbursement(
            allocation=locked, measure=measure, amount=amount, date=day, payee=payee.strip(), voucher_number=voucher_number.strip(),
            note=note, recorded_by=actor, submission_token=token,
        )
        disbursement.full_clean()
        disbursement.save()
        Allocation.objects.filter(pk=locked.pk).update(pending_total=locked.pending_total + amount)
    return disbursement, True


def _locked_disbursement(actor: User, disbursement: Disbursement, action: str) -> tuple[Disbursement, Allocation]:
    found = _get(Disbursement.objects.all(), actor, action, pk=disbursement.pk)
    allocation = _locked_allocation(actor, found.allocation_id, action)
    return Disbursement.objects.select_for_update(of=("self",)).get(pk=found.pk), allocation


def _check(locked: Disbursement, actor: User, verb: str) -> None:
    if locked.status != DisbursementStatus.PENDING:
        raise ValidationError(f"该笔拨付{locked.get_status_display()}，不能再{verb}。")
    if locked.recorded_by_id == actor.pk:
        raise ValidationError(f"不能{verb}自己录入的拨付：须由另一名县级管理员{verb}。")


def disbursement_confirm(*, actor: User, disbursement: Disbursement) -> Disbursement:
    """Maker-checker: a pending disbursement is confirmed by a county
    administrator other than the one who recorded it; it then counts as paid."""
    require(actor, "fund_manage")
    with transaction.atomic(), set_actor(actor):
        locked, allocation = _locked_disbursement(actor, disbursement, "fund_manage")
        _check(locked, actor, "确认")
        locked.status = DisbursementStatus.CONFIRMED
        locked.checked_by, locked.checked_at = actor, timezone.now()
        locked.save(update_fields=["status", "checked_by", "checked_at"])
        pending_change = ZERO if locked.is_reversal else locked.amount
        Allocation.objects.filter(pk=allocation.pk).update(
            confirmed_total=allocation.confirmed_total + locked.amount, pending_total=allocation.pending_total - pending_change
        )
    return locked


def disbursement_reject(*, actor: User, disbursement: Disbursement, reason: str) -> Disbursement:
    """A checker returns a pending entry with a reason; it stays on record
    (never deleted) and no longer holds any of the allocation."""
    require(actor, "fund_manage")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请说明退回原因。"})
    with transaction.atomic(), set_actor(actor):
        locked, allocation = _locked_disbursement(actor, disbursement, "fund_manage")
        _check(locked, actor, "退回")
        locked.status = DisbursementStatus.REJECTED
        locked.checked_by, locked.checked_at = actor, timezone.now()
        locked.reason = reason.strip() if not locked.is_reversal else f"{locked.reason}；退回：{reason.strip()}"[:200]
        locked.save(update_fields=["status", "checked_by", "checked_at", "reason"])
        if not locked.is_reversal:
            Allocation.objects.filter(pk=allocation.pk).update(pending_total=allocation.pending_total - locked.amount)
    return locked


def disbursement_withdraw(*, actor: User, disbursement: Disbursement, reason: str = "") -> Disbursement:
    """The one who recorded an entry may withdraw it (撤回) while it awaits
    confirmation; it stays on record as 已撤回 and no longer holds any of
    the allocation."""
    require(actor, "fund_record")
    with transaction.atomic(), set_actor(actor):
        locked, allocation = _locked_disbursement(actor, disbursement, "fund_record")
        if locked.recorded_by_id != actor.pk:
            raise PermissionDenied("只能撤回自己录入的拨付。")
        if locked.status != DisbursementStatus.PENDING:
            raise ValidationError(f"该笔拨付{locked.get_status_display()}，不能再撤回。")
        locked.status, locked.withdrawn_at = DisbursementStatus.WITHDRAWN, timezone.now()
        reason = (reason or "").strip()
        if reason:
            locked.reason = f"{locked.reason}；撤回：{reason}"[:200] if locked.is_reversal else reason
        locked.save(update_fields=["status", "withdrawn_at", "reason"])
        if not locked.is_reversal:
            Allocation.objects.filter(pk=allocation.pk).update(pending_total=allocation.pending_total - locked.amount)
    return locked


def disbursement_reverse(*, actor: User, disbursement: Disbursement, reason: str, day: date | None = None) -> Disbursement:
    """A confirmed disbursement is never edited or deleted: it is corrected
    by a negative entry of the same amount pointing to it, with a reason,
    which a second user confirms like any other entry. Each is reversed once."""
    require(actor, "fund_record")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请说明冲销原因。"})
    day = day or timezone.localdate()
    with transaction.atomic(), set_actor(actor):
        original, allocation = _locked_disbursement(actor, disbursement, "fund_record")
        if original.is_reversal:
            raise ValidationError("冲销记录不能再冲销。")
        if original.status != DisbursementStatus.CONFIRMED:
            raise ValidationError("只有已确认的拨付需要冲销；待确认的拨付请由审核人退回。")
        if original.reversals.filter(status__in=HOLDING).exists():
            raise ValidationError("该笔拨付已冲销（或冲销待确认），不能重复冲销。")
        _not_future(day)
        if day < original.date:
            raise ValidationError({"date": f"冲销日期不能早于原拨付日期 {original.date:%Y-%m-%d}。"})
        reversal = Disbursement(
            allocation=allocation, measure=original.measure, amount=-original.amount, date=day, payee=original.payee,
            voucher_number=original.voucher_number, note=f"冲销 {original.date:%Y-%m-%d} 凭证 {original.voucher_number}",
            reversal_of=original, reason=reason.strip(), recorded_by=actor,
        )
        reversal.full_clean()
        reversal.save()
    return reversal
