"""``python -m bench`` (``make bench``): migrate the bench database, seed
the demo city into it when it is empty (150,000 households by default) and
print the timings. The database is ``var/bench.sqlite3`` unless
DATABASE_URL names another one (PostgreSQL for figures that count)."""

from __future__ import annotations

import argparse
import functools
import sys

from . import BenchError, setup


def build_parser(names: list[str]) -> argparse.ArgumentParser:
    from .runner import DEFAULT_HOUSEHOLDS, DEFAULT_REPEAT, DEFAULT_SEED, DEFAULT_WARMUP

    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "性能基准：数据库为空时先生成演示县（默认 150000 户），然后运行各项基准测试，打印耗时（中位数、P95）和查询数。"
            "默认使用单独的基准数据库 var/bench.sqlite3，DATABASE_URL 可指定其他数据库（如 PostgreSQL）。"
        ),
    )
    parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS, help="贫困户数量（默认 150000）")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="每项计时次数（默认 30）")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="计时前的预热次数（默认 3）")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="生成演示数据的随机种子")
    parser.add_argument(
        "--only", action="append", metavar="NAME", choices=names,
        help="只运行指定的基准测试（可重复）：" + "、".join(names),
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    setup()
    from django.core.management import call_command

    from .runner import BENCHMARKS, run

    parser = build_parser([b.name for b in BENCHMARKS])
    options = parser.parse_args(argv)
    if options.households < 1 or options.repeat < 1 or options.warmup < 0:
        parser.error("--households 和 --repeat 须为正整数，--warmup 不能为负数。")
    call_command("migrate", interactive=False, verbosity=0)
    try:
        run(
            households=options.households, repeat=options.repeat, warmup=options.warmup, only=options.only,
            seed=options.seed, out=functools.partial(print, flush=True),
        )
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
