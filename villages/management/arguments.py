"""Command-line arguments naming an area."""

from __future__ import annotations

from django.core.management.base import CommandError

from villages.models import Area, AreaLevel


def area_or_county(code: str | None) -> Area:
    """The area ``--area CODE`` names (with its parents), or the county when
    none is given; a Chinese CommandError when there is no such area."""
    if code:
        found = Area.objects.filter(code=code).select_related("parent", "parent__parent").first()
        if found is None:
            raise CommandError(f"区划代码 {code} 不存在。")
        return found
    found = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    if found is None:
        raise CommandError("尚无县级区划，请先导入区划。")
    return found
