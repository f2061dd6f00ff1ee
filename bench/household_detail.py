"""The household page (一户一档) of the largest household in the busiest township."""

from __future__ import annotations

from households.models import Household

from . import BenchError
from .context import BenchContext
from .data import busiest_township, county_admin


def measure(ctx: BenchContext) -> None:
    household = Household.objects.filter(village__parent=busiest_township()).order_by("-member_count", "pk").first()
    if household is None:
        raise BenchError("数据库中没有贫困户。")
    counts = f"{household.member_count} 人，{household.measures.count()} 条措施，{household.incomes.count()} 年收入"
    ctx.page(f"贫困户详情页（{counts}）", county_admin(), household.get_absolute_url())
