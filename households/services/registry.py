"""Writing rules for households and members (一户一档).

Every function takes the acting user, checks scope, validates with
``full_clean()`` (database constraints carry the same rules) and writes in
one transaction. The audit trail records each change with its actor.
"""

from __future__ import annotations

from datetime import date

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from povertyrelief.models import User
from povertyrelief.permissions import assert_in_scope, restrict
from povertyrelief.validators import normalise_id_number, validate_id_number, validate_phone

from ..models import Household, HouseholdStatus, LeaveReason, Member, Relation
from ..rules import birth_from_id

FIRST_IDENTIFICATION_YEAR = 2013
# Status changes belong to the exit procedure (民主评议 … 公告); outside it
# only a county administrator sets them directly, e.g. after a data-entry error.
STATUS_FIELDS = ("status", "exit_year")
STATUS_REFUSED = "只有县级管理员可以直接设置脱贫状态和脱贫年度。"
REGISTERED_REFUSED = "只有县级管理员可以更改是否为建档立卡户。"
POVERTY_RECORD = {"identification_year": "识别年度", "attribute": "贫困户属性", "main_cause": "主要致贫原因"}


class StaleEditError(Exception):
    """Someone else saved the household after this form was opened."""

    message = "该户信息已被他人修改。为避免覆盖他人的修改，本次保存未生效；请刷新页面查看最新内容后重新填写。"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class StaleMemberEditError(StaleEditError):
    """Someone else saved the member after this form was opened."""

    message = "该成员信息已被他人修改。为避免覆盖他人的修改，本次保存未生效；请刷新页面查看最新内容后重新填写。"


def may_set_status(actor: User) -> bool:
    """Whether the actor sets 脱贫状态 and 脱贫年度 directly (county administrators)."""
    return actor.can("manage")


def id_owner_message(*, actor: User, id_number: str, exclude_member_pk: int | None = None) -> str | None:
    """Chinese refusal if the ID already belongs to a current member of another
    household; names that household only if the actor may see it."""
    other = (
        Member.objects.current()
        .filter(id_number=id_number)
        .exclude(pk=exclude_member_pk)
        .select_related("household", "household__village")
        .first()
    )
    if other is None:
        return None
    visible = restrict(Household, actor).filter(pk=other.household_id).exists()
    if visible:
        return f"证件号码 {id_number} 已登记在 {other.household.village.name} {other.household}，一人只能属于一户。"
    return f"证件号码 {id_number} 已登记在其他乡镇或村的户中，一人只能属于一户；如需迁入请联系县级管理员。"


def member_prepare(member: Member) -> None:
    """Normalise name and ID and derive birth date and sex from the ID."""
    member.name = (member.name or "").strip()
    member.disability_cert_number = (member.disability_cert_number or "").strip()
    if member.id_number and member.id_number.strip():
        member.id_number = normalise_id_number(member.id_number)
        try:
            validate_id_number(member.id_number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
        member.birth_date, member.sex = birth_from_id(member.id_number)
    else:
        member.id_number = None


def household_validate(household: Household) -> None:
    """Rules the importer applies too, beyond the database constraints:
    识别年度 2013..this year, 脱贫年度 between 识别年度 and this year, a
    valid phone, 主要 + at most two different 其他致贫原因, no negative
    income or land."""
    this_year = timezone.localdate().year
    errors: dict[str, str] = {}
    for name in ("number", "group", "address", "phone", "bank_name", "bank_account"):
        setattr(household, name, (getattr(household, name) or "").strip())
    # The poverty record belongs to 建档立卡 households; another rural
    # household (a monitoring object) has neither it nor a 脱贫状态.
    if household.registered:
        for name, label in POVERTY_RECORD.items():
            if getattr(household, name) in (None, ""):
                errors[name] = f"建档立卡户须填写{label}。"
        household.status = household.status or HouseholdStatus.NOT_OUT
    else:
        household.status, household.exit_year = "", None
    if household.identification_year is not None and not (
        FIRST_IDENTIFICATION_YEAR <= household.identification_year <= this_year
    ):
        errors["identification_year"] = f"识别年度应在{FIRST_IDENTIFICATION_YEAR}年至{this_year}年之间。"
    if household.exit_year is not None:
        if household.exit_year > this_year:
            errors["exit_year"] = f"脱贫年度不能晚于今年（{this_year}年）。"
        elif household.identification_year and household.exit_year < household.identification_year:
            errors["exit_year"] = "脱贫年度不能早于识别年度。"
    if household.planned_exit_year is not None and household.identification_year and (
        household.planned_exit_year < household.identification_year
    ):
        errors["planned_exit_year"] = "计划脱贫年度不能早于识别年度。"
    if household.phone:
        try:
            validate_phone(household.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    # A lone second cause moves up, so "其他致贫原因一" is never blank before two.
    if not household.other_cause_1 and household.other_cause_2:
        household.other_cause_1, household.other_cause_2 = household.other_cause_2, ""
    if household.other_cause_1 and household.other_cause_1 == household.main_cause:
        errors["other_cause_1"] = "其他致贫原因不能与主要致贫原因相同。"
    if household.other_cause_2 and household.other_cause_2 in (household.main_cause, household.other_cause_1):
        errors["other_cause_2"] = "其他致贫原因不能与主要致贫原因或另一项其他原因相同。"
    for name in ("declared_income_per_capita", "farmland_mu", "forest_mu", "returned_farmland_mu"):
        value = getattr(household, name)
        if value is not None and value < 0:
            errors[name] = f"{Household._meta.get_field(name).verbose_name}不能为负数。"
    if household.relocation_date and not household.relocated:
        errors["relocation_date"] = "只有易地扶贫搬迁户才填写搬迁入住日期。"
    if errors:
        raise ValidationError(errors)


def household_refresh_summary(household: Household) -> None:
    """Recompute the denormalised 户主姓名 and 家庭人口 from current members."""
    current = Member.objects.filter(household=household, left_date__isnull=True)
    head = current.filter(relation=Relation.HEAD).values_list("name", flat=True).first()
    count = current.count()
    Household.objects.filter(pk=household.pk).update(head_name=head or "", member_count=count)
    household.head_name, household.member_count = head or "", count


def _ensure_one_head(household: Household) -> None:
    heads = Member.objects.filter(household=household, left_date__isnull=True, relation=Relation.HEAD).count()
    if heads != 1:
        raise ValidationError({"relation": "每户必须有且只有一名户主。"})


@transaction.atomic
def household_create(*, actor: User, household: Household, head: Member) -> Household:
    """Register a household together with its 户主 (a household never exists without one)."""
    if not may_set_status(actor) and (household.status != HouseholdStatus.NOT_OUT or household.exit_year is not None):
        raise PermissionDenied(STATUS_REFUSED)
    with set_actor(actor):
        household_validate(household)
        household.full_clean()
        household.save()
        assert_in_scope(household, actor, "change")
        head.household = household
        head.relation = Relation.HEAD
        member_save(actor=actor, member=head, check_head=False)
        household_refresh_summary(household)
    return household


@transaction.atomic
def household_update(*, actor: User, household: Household, expected_version: int) -> Household:
    """Save edits unless someone else saved since ``expected_version`` was read."""
    locked = Household.objects.select_for_update().filter(pk=household.pk).values_list("version", "registered", *STATUS_FIELDS).first()
    if locked is None:
        raise PermissionDenied
    version, registered, *status = locked
    if version != expected_version:
        raise StaleEditError()
    if not may_set_status(actor) and household.registered != registered:
        raise PermissionDenied(REGISTERED_REFUSED)
    if not may_set_status(actor) and [getattr(household, name) for name in STATUS_FIELDS] != status:
        raise PermissionDenied(STATUS_REFUSED)
    with set_actor(actor):
        household_validate(household)
        household.full_clean()
        household.version = expected_version + 1
        household.save()
        assert_in_scope(household, actor, "change")
    return household


def _member_lock(member: Member, expected_version: int | None) -> None:
    """Lock an existing member's row and move it to the next version; refuse
    when it changed since ``expected_version`` was read (None: no check, for
    changes made on the spot such as 减少 or 设为户主)."""
    locked = Member.objects.select_for_update().filter(pk=member.pk).values_list("version", flat=True).first()
    if locked is None:
        raise PermissionDenied
    if expected_version is not None and locked != expected_version:
        raise StaleMemberEditError()
    member.version = locked + 1


def member_save(*, actor: User, member: Member, check_head: bool = True, expected_version: int | None = None) -> Member:
    """Add or edit a member: valid ID, one person one household, one 户主.
    An edit bumps the member's ``version``; with ``expected_version`` it is
    refused when someone else saved the member since the form was opened."""
    with transaction.atomic(), set_actor(actor):
        if member.pk is not None:
            _member_lock(member, expected_version)
        member_prepare(member)
        # Only current members hold their ID exclusively: someone who left
        # may since have joined (or founded) another household.
        if member.id_number and member.left_date is None:
            message = id_owner_message(actor=actor, id_number=member.id_number, exclude_member_pk=member.pk)
            if message:
                raise ValidationError({"id_number": message})
        member.full_clean()
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError:
            # A concurrent save won the race for this ID or for 户主.
            raise ValidationError({"id_number": "证件号码或户主与其他记录冲突，请刷新后重试。"}) from None
        assert_in_scope(member, actor, "change")
        if check_head:
            _ensure_one_head(member.household)
        Household.objects.filter(pk=member.household_id).update(version=F("version") + 1)
        household_refresh_summary(member.household)
    return member


def member_leave(*, actor: User, member: Member, left_date: date, reason: str, note: str = "") -> Member:
    """Record that a member left (死亡, 婚出, 迁出, 其他): members are never deleted.
    The 户主 can leave only after another member has become 户主."""
    if member.left_date is not None:
        raise ValidationError(f"{member.name} 已于 {member.left_date:%Y-%m-%d} 减少。")
    if member.relation == Relation.HEAD:
        raise ValidationError("户主不能直接减少：请先将其他成员设为户主。")
    if reason not in LeaveReason.values:
        raise ValidationError({"reason": "请选择减少原因：死亡、婚出、迁出或其他。"})
    if left_date is None:
        raise ValidationError({"left_date": "请填写减少日期。"})
    if left_date > timezone.localdate():
        raise ValidationError({"left_date": "减少日期不能晚于今天。"})
    if member.birth_date and left_date < member.birth_date:
        raise ValidationError({"left_date": "减少日期不能早于出生日期。"})
    if reason == LeaveReason.OTHER and not note.strip():
        raise ValidationError({"note": "减少原因为“其他”时请填写说明。"})
    member.left_date, member.left_reason, member.left_note = left_date, reason, note.strip()
    return member_save(actor=actor, member=member)


@transaction.atomic
def member_make_head(*, actor: User, member: Member, old_head_relation: str = "") -> Member:
    """Make a current member the 户主; the previous 户主 stays in the
    household with ``old_head_relation`` (never 户主: one per household)."""
    if member.left_date is not None:
        raise ValidationError(f"{member.name} 已减少，不能设为户主。")
    if member.relation == Relation.HEAD:
        raise ValidationError(f"{member.name} 已是户主。")
    with set_actor(actor):
        previous = Member.objects.select_for_update().filter(
            household=member.household, relation=Relation.HEAD, left_date__isnull=True
        ).first()
        if previous and (old_head_relation not in Relation.values or old_head_relation == Relation.HEAD):
            raise ValidationError({"old_head_relation": "请选择原户主与新户主的关系（不能是户主）。"})
        if previous:
            previous.relation = old_head_relation
            previous.version += 1
            previous.save()
            assert_in_scope(previous, actor, "change")
        member.relation = Relation.HEAD
        member_save(actor=actor, member=member)
    return member
