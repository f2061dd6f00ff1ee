"""Writing the annual targets (county administrators only)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from povertyrelief.models import User
from povertyrelief.permissions import assert_in_scope, require, restrict
from villages.models import Area, AreaLevel

from .models import AnnualTarget


def annual_targets_save(*, actor: User, year: int, targets: dict[Area, tuple[int, int, int]]) -> int:
    """Set the townships' targets for ``year``; a township without a target
    and all zeros stays without one. Each change is audited. Returns how many
    targets were written."""
    require(actor, "manage")
    townships = {a.pk for a in restrict(Area, actor, "manage").filter(level=AreaLevel.TOWNSHIP, pk__in=[t.pk for t in targets])}
    existing = {
        t.township_id: t
        for t in AnnualTarget.objects.select_for_update().filter(year=year, township_id__in=townships)
    }
    written = 0
    for township, (households, people, villages) in targets.items():
        if township.pk not in townships:
            raise ValidationError(f"{township.name}不在您的管辖范围内。")
        target = existing.get(township.pk)
        if target is None and not (households or people or villages):
            continue
        if target is None:
            target = AnnualTarget(township=township, year=year)
        elif (target.households, target.people, target.villages) == (households, people, villages):
            continue
        target.households, target.people, target.villages = households, people, villages
        target.updated_by = actor
        try:
            target.full_clean()
        except ValidationError as exc:
            raise ValidationError(f"{township.name}：" + "；".join(exc.messages)) from None
        target.save()
        assert_in_scope(target, actor, "manage")
        written += 1
    return written
