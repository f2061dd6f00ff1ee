"""The battle map at city scale (``manage.py bench --only battle_map``): the
map page of the county, of one township and of one village as people open
it (from its snapshot), the computation behind it (what the task worker
does after a change), and the quality finder's live counts. Not imported by
anything that runs in production."""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

COLD_RUNS = 3


def _user(role: str, area, username: str):
    from povertyrelief.models import User

    user = User.objects.filter(role=role, area=area, is_active=True, must_change_password=False).order_by("pk").first()
    if user is None:
        user = User.objects.create_user(username, role=role, area=area, last_name="测", first_name="试")
    return user


def _cold(ctx, label: str, action) -> None:
    """A few runs of something too slow to repeat ``ctx.repeat`` times."""
    from povertyrelief.bench import Timing

    seconds = []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            action()
        seconds.append(time.perf_counter() - started)
    ctx.report(Timing(label, seconds, len(captured)))


def bench_battle_map(ctx) -> None:
    from povertyrelief.bench import BenchError, busiest_township, county_admin
    from povertyrelief.models import Role
    from villages.models import Area, AreaLevel

    from .selectors import area_map_compute, quality_scope, quality_summary

    county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    township = busiest_township()
    village = Area.objects.filter(parent=township).order_by("code").first()
    if county is None or village is None:
        raise BenchError("数据库中没有区划：请用 seed_demo 重新生成基准数据库。")
    admin = county_admin()
    staff = _user(Role.TOWNSHIP, township, "bench_township")
    cadre = _user(Role.VILLAGE, village, "bench_village")
    ctx.out(f"（{township.name} {township.children.count()} 个村；{village.name}）")
    for label, user, area in (("全县", admin, county), (township.name, staff, township), (village.name, cadre, village)):
        ctx.page(f"挂图作战 {label}（页面，读快照）", user, reverse("dashboard:map", args=[area.code]))
    for label, user, area in (("全县", admin, county), (township.name, staff, township), (village.name, cadre, village)):
        _cold(ctx, f"挂图作战 {label}（重新统计，后台任务所做）", lambda: area_map_compute(actor=user, area=area, year=_year()))
    _cold(ctx, "数据质量 全县（各规则实时计数）", lambda: quality_summary(scope=quality_scope(actor=admin, area=county)))
    medians = [t.median_ms for label, t in ctx.results.items() if "读快照" in label]
    if medians:
        ctx.out(f"（页面中位数最大 {max(medians):.1f} ms，{statistics.mean(medians):.1f} ms 平均）")


def _year() -> int:
    from django.utils import timezone

    return timezone.localdate().year
