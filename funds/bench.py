"""The fund ledger at city scale (``manage.py bench --only funds_ledger``):
the ledger page for the county and for one township, and check_ledger over
all the books. Not imported by anything that runs in production."""

from __future__ import annotations

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def bench_funds_ledger(ctx) -> None:
    from povertyrelief.bench import BenchError, Timing, busiest_township, county_admin
    from povertyrelief.models import Role, User

    from .models import Allocation, Disbursement, Project
    from .selectors import ledger_mismatches

    projects, disbursements = Project.objects.count(), Disbursement.objects.count()
    if not projects:
        raise BenchError("数据库中没有资金项目：请用 seed_demo 重新生成基准数据库。")
    township = busiest_township()
    staff = User.objects.filter(role=Role.TOWNSHIP, area=township, is_active=True).order_by("pk").first()
    if staff is None:
        staff = User.objects.create_user("bench_township", role=Role.TOWNSHIP, area=township, last_name="测", first_name="试")
    ctx.out(f"（{projects} 个项目，{Allocation.objects.count()} 笔分配，{disbursements} 笔拨付）")
    for by, label in (("source", "按资金来源"), ("project", "按项目"), ("area", "按村")):
        url = reverse("funds:ledger") + f"?by={by}"
        ctx.page(f"资金台账 {label}（全县）", county_admin(), url)
        ctx.page(f"资金台账 {label}（{township.name}）", staff, url)
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            problems = ledger_mismatches()
        seconds.append(time.perf_counter() - started)
    if problems:
        raise BenchError(f"check_ledger 发现 {len(problems)} 处不一致：{problems[0]}")
    ctx.report(Timing("check_ledger（全部账目）", seconds, len(captured)))
