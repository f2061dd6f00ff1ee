"""The benchmarks ``python -m bench`` runs, in this order, and the run:
seed the city if the database is empty, then print one table per
benchmark. Add a benchmark as a module with a ``measure(ctx)`` function and
a line in ``BENCHMARKS``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings

from households.models import Household, Member

from . import BenchError, battle_map, cards_pdf, export_members, funds_ledger, household_detail, household_import, household_list
from .context import BenchContext
from .data import ensure_demo_data

DEFAULT_HOUSEHOLDS = 150_000
DEFAULT_REPEAT = 30
DEFAULT_WARMUP = 3
DEFAULT_SEED = 2020


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    measure: Callable[[BenchContext], None]


BENCHMARKS: list[Benchmark] = [
    Benchmark("household_list", "贫困户列表与查找（身份证号、姓名、户编号），与 Django admin 对照", household_list.measure),
    Benchmark("household_detail", "贫困户详情页", household_detail.measure),
    Benchmark("export_members", "家庭成员明细导出与裸写入对照", export_members.measure),
    Benchmark("cards_pdf", "明白卡批量打印与纯 WeasyPrint 对照", cards_pdf.measure),
    Benchmark("household_import", "家庭成员导入（15000 户、50000 人，全部校验，测完回滚）", household_import.measure),
    Benchmark("funds_ledger", "资金台账（全县、一个乡镇）与 check_ledger", funds_ledger.measure),
    Benchmark("battle_map", "挂图作战（全县、一个乡镇、一个村）与数据质量计数", battle_map.measure),
]


def run(*, households: int = DEFAULT_HOUSEHOLDS, repeat: int = DEFAULT_REPEAT, warmup: int = DEFAULT_WARMUP,
        only: list[str] | None = None, seed: int = DEFAULT_SEED, out: Callable[[str], None] = print) -> BenchContext:
    """Seed if needed, then run the chosen benchmarks (all by default) and print a table."""
    unknown = set(only or []) - {b.name for b in BENCHMARKS}
    if unknown:
        raise BenchError(f"没有这些基准测试：{'、'.join(sorted(unknown))}；可选：{'、'.join(b.name for b in BENCHMARKS)}")
    ensure_demo_data(households=households, seed=seed, log=out)
    ctx = BenchContext(repeat=repeat, warmup=warmup, out=out)
    database = settings.DATABASES["default"]
    out(
        f"数据库：{connection.vendor} {database.get('NAME')}；贫困户 {Household.objects.count()} 户，"
        f"现有成员 {Member.objects.current().count()} 人；每项 {repeat} 次（先预热 {warmup} 次）"
    )
    # As in production: no query log kept in memory, and the test client's host accepted.
    with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for benchmark in BENCHMARKS:
            if only and benchmark.name not in only:
                continue
            ctx.section(f"== {benchmark.name}：{benchmark.title}")
            benchmark.measure(ctx)
    return ctx
