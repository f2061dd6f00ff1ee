"""The battle map at city scale: the map page of the county, of one
township and of one village as people open it (from its snapshot), the
computation behind it (what the task worker does after a change), and the
quality finder's live counts."""

from __future__ import annotations

import statistics

from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import area_map, area_map_compute, quality_scope, quality_summary
from povertyrelief.models import Role
from villages.models import Area

from . import BenchError
from .context import BenchContext
from .data import area_user, busiest_township, county, county_admin


def measure(ctx: BenchContext) -> None:
    township = busiest_township()
    village = Area.objects.filter(parent=township).order_by("code").first()
    if village is None:
        raise BenchError("数据库中没有区划：请用 seed_demo 重新生成基准数据库。")
    whole, admin = county(), county_admin()
    levels = (
        ("全县", admin, whole),
        (township.name, area_user(Role.TOWNSHIP, township, "bench_township"), township),
        (village.name, area_user(Role.VILLAGE, village, "bench_village"), village),
    )
    ctx.out(f"（{township.name} {township.children.count()} 个村；{village.name}）")
    year = timezone.localdate().year
    for label, user, area in levels:
        area_map(actor=user, area=area, year=year)  # the snapshot the page reads (as refresh_map stores it)
    for label, user, area in levels:
        ctx.page(f"挂图作战 {label}（页面，读快照）", user, reverse("dashboard:map", args=[area.code]))
    for label, user, area in levels:
        ctx.cold(f"挂图作战 {label}（重新统计，后台任务所做）", lambda: area_map_compute(actor=user, area=area, year=year))
    ctx.cold("数据质量 全县（各规则实时计数）", lambda: quality_summary(scope=quality_scope(actor=admin, area=whole)))
    medians = [t.median_ms for label, t in ctx.results.items() if "读快照" in label]
    if medians:
        ctx.out(f"（页面中位数最大 {max(medians):.1f} ms，{statistics.mean(medians):.1f} ms 平均）")

