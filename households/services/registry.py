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

from povertyrelief.permissions import assert_in_scope, restrict
from povertyrelief.validators import normalise_id_number, validate_id_number

from .models import Household, Member, Relation
from .rules import birth_from_id


class StaleEditError(Exception):
    """Someone else saved the household after this form was opened."""

    message = "该户信息已被他人修改。为避免覆盖他人的修改，本次保存未生效；请刷新页面查看最新内容后重新填写。"


def id_owner_message(*, actor, id_number: str, exclude_member_pk=None) -> str | None:
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
    """Normalise the ID and derive birth date and sex from it."""
    if member.id_number:
        member.id_number = normalise_id_number(member.id_number)
        validate_id_number(member.id_number)
        member.birth_date, member.sex = birth_from_id(member.id_number)
    else:
        member.id_number = None


def household_refresh_summary(household: Household) -> None:
    """Recompute the denormalised 户主姓名 and 家庭人口 from current members."""
    current = Member.objects.filter(household=household, left_date__isnull=True)
    head = current.filter(relation=Relation.HEAD).values_list("name", flat=True).first()
    Household.objects.filter(pk=household.pk).update(head_name=head or "", member_count=current.count())
    household.head_name, household.member_count = head or "", current.count()


def _ensure_one_head(household: Household) -> None:
    heads = Member.objects.filter(household=household, left_date__isnull=True, relation=Relation.HEAD).count()
    if heads != 1:
        raise ValidationError({"relation": "每户必须有且只有一名户主。"})


@transaction.atomic
def household_create(*, actor, household: Household, head: Member) -> Household:
    """Register a household together with its 户主 (a household never exists without one)."""
    with set_actor(actor):
        household.full_clean()
        household.save()
        assert_in_scope(household, actor, "change")
        head.household = household
        head.relation = Relation.HEAD
        member_save(actor=actor, member=head, check_head=False)
        household_refresh_summary(household)
    return household


@transaction.atomic
def household_update(*, actor, household: Household, expected_version: int) -> Household:
    """Save edits unless someone else saved since ``expected_version`` was read."""
    locked = Household.objects.select_for_update().filter(pk=household.pk).values_list("version", flat=True).first()
    if locked is None:
        raise PermissionDenied
    if locked != expected_version:
        raise StaleEditError(StaleEditError.message)
    with set_actor(actor):
        household.full_clean()
        household.version = expected_version + 1
        household.save()
        assert_in_scope(household, actor, "change")
    return household


def member_save(*, actor, member: Member, check_head: bool = True) -> Member:
    """Add or edit a member: valid ID, one person one household, one 户主."""
    with transaction.atomic(), set_actor(actor):
        member_prepare(member)
        if member.id_number:
            message = id_owner_message(actor=actor, id_number=member.id_number, exclude_member_pk=member.pk)
            if message:
                raise ValidationError({"id_number": message})
        member.full_clean(validate_constraints=False)
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


def member_leave(*, actor, member: Member, left_date: date, reason: str, note: str = "") -> Member:
    """Record that a member left (死亡, 婚出, 迁出, 其他): members are never deleted.
    The 户主 can leave only after another member has become 户主."""
    if member.left_date is not None:
        raise ValidationError("该成员已减少。")
    if member.relation == Relation.HEAD:
        raise ValidationError("户主不能直接减少：请先将其他成员设为户主。")
    if left_date > date.today():
        raise ValidationError({"left_date": "减少日期不能晚于今天。"})
    member.left_date, member.left_reason, member.left_note = left_date, reason, note
    return member_save(actor=actor, member=member)


@transaction.atomic
def member_make_head(*, actor, member: Member, old_head_relation: str) -> Member:
    """Make a member the 户主; the previous 户主 takes ``old_head_relation``."""
    with set_actor(actor):
        previous = Member.objects.select_for_update().filter(
            household=member.household, relation=Relation.HEAD, left_date__isnull=True
        ).first()
        if previous and previous.pk != member.pk:
            previous.relation = old_head_relation
            previous.save()
        member.relation = Relation.HEAD
        member_save(actor=actor, member=member)
    return member
