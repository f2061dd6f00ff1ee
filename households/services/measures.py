"""Writing rules for 帮扶措施 (一户一策) and the measure catalogue.

A measure belongs to one household and year, optionally to one of its
current members; 已落实 needs a 落实日期 (the database says so too). Bulk
adds are all or nothing: one unknown or out-of-area 户编号 stops the lot.
"""

from __future__ import annotations

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from povertyrelief.models import User
from povertyrelief.permissions import assert_in_scope, restrict

from ..models import Cadre, Household, Measure, MeasureCategory
from ..selectors.measures import bulk_household_selection

FIRST_YEAR = 2014  # the registry's first national identification year


class BulkSelectionChanged(Exception):
    """The households a confirmed bulk add would reach differ from the preview."""


def _stored(measure: Measure) -> dict | None:
    if measure.pk is None:
        return None
    return Measure.objects.filter(pk=measure.pk).values("member_id", "category_id", "cadre_id").first()


def _measure_errors(*, actor: User, measure: Measure, stored: dict | None) -> dict[str, str]:
    """Rules a bare model cannot state: whose member, which category, which cadre.
    An edit may keep what it had (a member who has since left, a retired
    category) so old records stay editable; a new choice must be valid today."""
    errors: dict[str, str] = {}
    unchanged = stored or {}
    if measure.member_id:
        member = measure.member
        if member.household_id != measure.household_id:
            errors["member"] = "受益成员必须是本户的家庭成员。"
        elif not member.is_current and unchanged.get("member_id") != member.pk:
            errors["member"] = f"{member.name} 已于 {member.left_date:%Y-%m-%d} 减少，不能作为受益成员。"
    if measure.category_id and not measure.category.active and unchanged.get("category_id") != measure.category_id:
        errors["category"] = f"措施类别“{measure.category}”已停用，请选择其他类别。"
    if (
        measure.cadre_id
        and unchanged.get("cadre_id") != measure.cadre_id
        and not restrict(Cadre, actor, "view").filter(pk=measure.cadre_id).exists()
    ):
        errors["cadre"] = "所选责任人不在您的管辖范围内。"
    today = timezone.localdate()
    if measure.done_date and measure.done_date > today:
        errors["done_date"] = "落实日期不能晚于今天。"
    if measure.year and not FIRST_YEAR <= measure.year <= today.year + 5:
        errors["year"] = f"年度应在 {FIRST_YEAR} 年至 {today.year + 5} 年之间。"
    return errors


def measure_save(*, actor: User, measure: Measure) -> Measure:
    """Add or edit one household's measure: the member must be a current member
    of that household, the category active, the responsible cadre one the actor
    may see, and 已落实 needs a 落实日期; the measure must stay in the actor's area."""
    with transaction.atomic(), set_actor(actor):
        errors = _measure_errors(actor=actor, measure=measure, stored=_stored(measure))
        if errors:
            raise ValidationError(errors)
        measure.full_clean()
        measure.save()
        assert_in_scope(measure, actor, "change")
    return measure


def _unknown_numbers_message(unknown: list[str], ambiguous: list[str]) -> list[str]:
    messages = []
    if unknown:
        messages.append(f"以下 {len(unknown)} 个户编号不存在或不在您的管辖范围内：" + "、".join(unknown))
    if ambiguous:
        messages.append("以下户编号在多个村中重复，请按村筛选后再添加：" + "、".join(ambiguous))
    return messages


def measure_bulk_households(*, actor: User, numbers: list[str], filters: dict | None) -> list[Household]:
    """The households a bulk add reaches; refuses, naming every 户编号 that is
    unknown, outside the actor's area or ambiguous, and refuses an empty selection."""
    selection = bulk_household_selection(actor=actor, numbers=numbers, filters=filters)
    problems = _unknown_numbers_message(selection.unknown, selection.ambiguous)
    if problems:
        raise ValidationError({"numbers": problems})
    if not selection.households:
        raise ValidationError("没有选中任何户：请粘贴户编号，或调整筛选条件。")
    return selection.households


def measure_bulk_add(
    *, actor: User, template: Measure, numbers: list[str], filters: dict | None, expected_count: int | None = None
) -> list[Measure]:
    """Give the same measure (category, year, content, amount, status, dates,
    cadre; no member) to many households in one transaction, all or nothing:
    every 户编号 must name a household the actor may change, and when the
    preview showed ``expected_count`` households the selection must still
    be that size. Each measure is saved (and audited) on its own."""
    with transaction.atomic(), set_actor(actor):
        households = measure_bulk_households(actor=actor, numbers=numbers, filters=filters)
        if expected_count is not None and len(households) != expected_count:
            raise BulkSelectionChanged(
                f"确认时选中的户数（{len(households)} 户）与预览时（{expected_count} 户）不一致，请重新核对。"
            )
        template.household = households[0]
        template.member = None
        errors = _measure_errors(actor=actor, measure=template, stored=None)
        if errors:
            raise ValidationError(errors)
        # One validation covers them all: only the household differs.
        template.full_clean(validate_unique=False)
        created = []
        for household in households:
            measure = Measure(
                household=household, year=template.year, category=template.category, content=template.content,
                amount=template.amount, planned_date=template.planned_date, done_date=template.done_date,
                status=template.status, cadre=template.cadre,
            )
            measure.save()
            created.append(measure)
        in_scope = restrict(Measure, actor, "change").filter(pk__in=[m.pk for m in created]).count()
        if in_scope != len(created):
            raise PermissionDenied("部分措施将超出您的管辖范围，已撤销本次批量添加。")
    return created


def category_save(*, actor: User, category: MeasureCategory) -> MeasureCategory:
    """Add or edit a catalogue entry (county administrators); names are unique
    within a 类别. Deactivating keeps existing measures but hides the entry
    from new ones."""
    with transaction.atomic(), set_actor(actor):
        category.full_clean()
        category.save()
    return category
