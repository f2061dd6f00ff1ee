"""The fund ledger at city scale: the ledger page for the county and for
one township, by source, project and village, and check_ledger over all the
books."""

from __future__ import annotations

from django.urls import reverse

from funds.models import Allocation, Disbursement, Project
from funds.selectors import ledger_mismatches
from povertyrelief.models import Role

from . import BenchError
from .context import BenchContext
from .data import area_user, busiest_township, county_admin


def _check_ledger() -> None:
    problems = ledger_mismatches()
    if problems:
        raise BenchError(f"check_ledger 发现 {len(problems)} 处不一致：{problems[0]}")


def measure(ctx: BenchContext) -> None:
    projects, disbursements = Project.objects.count(), Disbursement.objects.count()
    if not projects:
        raise BenchError("数据库中没有资金项目：请用 seed_demo 重新生成基准数据库。")
    township = busiest_township()
    staff = area_user(Role.TOWNSHIP, township, "bench_township")
    ctx.out(f"（{projects} 个项目，{Allocation.objects.count()} 笔分配，{disbursements} 笔拨付）")
    for by, label in (("source", "按资金来源"), ("project", "按项目"), ("area", "按村")):
        url = reverse("funds:ledger") + f"?by={by}"
        ctx.page(f"资金台账 {label}（全县）", county_admin(), url)
        ctx.page(f"资金台账 {label}（{township.name}）", staff, url)
    ctx.cold("check_ledger（全部账目）", _check_ledger)
