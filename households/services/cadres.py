"""Writing pairings of cadres with households (帮扶结对) and visits (走访记录).

一户一名干部: a household has at most one current cadre (the database
enforces it too). Replacing a cadre closes the old pairing on the day the
new one starts, so the history stays whole.
"""

from __future__ import annotations

import uuid
from datetime import date

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction

from povertyrelief.models import User
from povertyrelief.permissions import assert_in_scope, restrict

from ..models import Assignment, Cadre, Household, Visit
from ..selectors.cadres import cadre_choices

REPLACED_REASON = "更换帮扶责任人"
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# Judged by the file's first bytes, never by its name or the browser's word.
PHOTO_SIGNATURES = {b"\xff\xd8\xff": ("image/jpeg", ".jpg"), b"\x89PNG": ("image/png", ".png")}


def photo_kind(file: File) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG or PNG by its signature, else None."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    for signature, kind in PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def photo_check(file: File) -> tuple[str, str]:
    """A visit photo must be a JPEG or PNG of at most 10 MB."""
    if file.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": f"照片不能超过10 MB（当前约 {file.size / 1024 / 1024:.1f} MB）。"})
    kind = photo_kind(file)
    if kind is None:
        raise ValidationError({"photo": "照片只能是 JPEG 或 PNG 图片（按文件内容判断，改扩展名无效）。"})
    return kind


def _check_cadre(*, actor: User, cadre: Cadre, keep: Cadre | None = None) -> None:
    if not cadre_choices(actor=actor, include=keep).filter(pk=cadre.pk).exists():
        raise ValidationError({"cadre": f"{cadre.name}不在您可选的帮扶责任人范围内，或已不在岗。"})


def _check_not_future(day: date, field: str, label: str) -> None:
    if day > date.today():
        raise ValidationError({field: f"{label}不能晚于今天。"})


def _lock_household(*, actor: User, household: Household) -> Household:
    locked = (
        restrict(Household, actor, "change").select_for_update(of=("self",)).filter(pk=household.pk).first()
    )
    if locked is None:
        raise PermissionDenied("该户不在您的管辖范围内。")
    return locked


def assignment_replace(*, actor: User, household: Household, cadre: Cadre, start_date: date) -> Assignment:
    """Pair a cadre with a household from ``start_date``. A current cadre is
    replaced: its pairing ends that day with reason 更换帮扶责任人. The cadre
    must be one the actor may see and in post; the date not in the future nor
    before the previous pairing's start or end."""
    _check_not_future(start_date, "start_date", "结对日期")
    _check_cadre(actor=actor, cadre=cadre)
    try:
        with transaction.atomic(), set_actor(actor):
            _lock_household(actor=actor, household=household)
            pairings = Assignment.objects.select_for_update().filter(household=household).select_related("cadre")
            current = pairings.filter(end_date__isnull=True).first()
            if current is not None:
                if current.cadre_id == cadre.pk:
                    raise ValidationError({"cadre": f"{cadre.name}已是该户的帮扶责任人。"})
                if start_date < current.start_date:
                    raise ValidationError(
                        {"start_date": f"结对日期不能早于现帮扶责任人{current.cadre.name}的结对日期 {current.start_date:%Y-%m-%d}。"}
                    )
                current.end_date, current.end_reason = start_date, REPLACED_REASON
                current.full_clean()
                current.save()
            else:
                last = pairings.filter(end_date__isnull=False).order_by("-end_date").first()
                if last is not None and start_date < last.end_date:
                    raise ValidationError(
                        {"start_date": f"结对日期不能早于上一任帮扶责任人{last.cadre.name}的解除日期 {last.end_date:%Y-%m-%d}。"}
                    )
            assignment = Assignment(household=household, cadre=cadre, start_date=start_date)
            assignment.full_clean()
            assignment.save()
            assert_in_scope(assignment, actor, "change")
    except IntegrityError:
        # Someone else paired the household in the same moment.
        raise ValidationError({"cadre": "该户的帮扶责任人刚被他人修改，请刷新后重试。"}) from None
    return assignment


def assignment_bulk(*, actor: User, cadre: Cadre, households: list[Household], start_date: date) -> list[Assignment]:
    """Pair one cadre with many households at once, all or nothing: the first
    household that cannot be paired stops the whole batch, and the error
    names it."""
    if not households:
        raise ValidationError({"households": "请至少选择一户。"})
    created = []
    with transaction.atomic():
        for household in households:
            try:
                created.append(assignment_replace(actor=actor, household=household, cadre=cadre, start_date=start_date))
            except ValidationError as exc:
                raise ValidationError(f"{household}：{'；'.join(exc.messages)}（本次全部未保存）") from None
            except PermissionDenied:
                raise ValidationError(f"{household}：不在您的管辖范围内（本次全部未保存）") from None
    return created


def assignment_end(*, actor: User, assignment: Assignment, end_date: date, reason: str) -> Assignment:
    """End a current pairing without a successor (e.g. the household exited
    or the cadre left), with a date not in the future nor before its start,
    and a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"end_reason": "请填写解除原因。"})
    _check_not_future(end_date, "end_date", "解除日期")
    with transaction.atomic(), set_actor(actor):
        locked = restrict(Assignment, actor, "change").select_for_update(of=("self",)).filter(pk=assignment.pk).first()
        if locked is None:
            raise PermissionDenied("该帮扶结对不在您的管辖范围内。")
        if locked.end_date is not None:
            raise ValidationError(f"该帮扶结对已于 {locked.end_date:%Y-%m-%d} 解除。")
        if end_date < locked.start_date:
            raise ValidationError({"end_date": f"解除日期不能早于结对日期 {locked.start_date:%Y-%m-%d}。"})
        locked.end_date, locked.end_reason = end_date, reason
        locked.full_clean()
        locked.save()
        assert_in_scope(locked, actor, "change")
    return locked


def visit_create(*, actor: User, visit: Visit) -> Visit:
    """Record a visit: date not in the future, a cadre the actor may see (the
    household's current cadre always qualifies), an optional JPEG or PNG photo
    of at most 10 MB stored under a random name."""
    _check_not_future(visit.date, "date", "走访日期")
    current = (
        Assignment.objects.filter(household_id=visit.household_id, end_date__isnull=True).select_related("cadre").first()
    )
    _check_cadre(actor=actor, cadre=visit.cadre, keep=current.cadre if current else None)
    if visit.photo:
        _, extension = photo_check(visit.photo)
        # The uploaded name may carry a person's name; it is not kept.
        visit.photo.name = uuid.uuid4().hex + extension
    try:
        with transaction.atomic(), set_actor(actor):
            visit.full_clean()
            visit.save()
            assert_in_scope(visit, actor, "change")
    except Exception:
        # The file is written before the row commits; do not leave it behind.
        if visit.photo and visit.photo.storage.exists(visit.photo.name):
            visit.photo.storage.delete(visit.photo.name)
        raise
    return visit
