"""The 家庭成员 import: 15,000 households / 50,000 people.

Target: a first import with full validation (and one audit entry per
record) within 60 s and 400 MB peak resident memory. Also times a dry run,
the re-import of the same file (no change) and a re-import with 1 % of the
rows changed. The roster uses its own household numbers and ID area code,
so it never collides with the demo county already in a database.

``python -m bench --only household_import`` runs it in its own process (so
the peak memory is the import's own) and rolls everything back. On its own,
on the bench database or ``DATABASE_URL`` (builds the demo areas if there
are none)::

    python -m bench.household_import                     # writes the households
    python -m bench.household_import --rollback --json   # leaves the database as it was
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from . import BenchError, setup
from .process import peak_rss_mb, run_module

TIME_LIMIT_S = 60
RSS_LIMIT_MB = 400
NUMBER_PREFIX = "BI"
ID_AREA = "610498"
MODULE = "bench.household_import"
RELATIONS_AFTER_HEAD = ["配偶", "之子", "之女", "之父", "之母", "之孙子", "之孙女", "之儿媳", "之兄弟姐妹"]


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def generate_roster(path: Path, *, villages, households: int, members: int, seed: int = 1, change_every: int = 0) -> int:
    """Write a realistic roster (national-export style: title row, household
    columns repeated on every member row, inline strings) in streaming mode;
    returns the number of data rows."""
    from openpyxl import Workbook

    from households.models import Education, HouseholdAttribute, HousingSafety, LabourSkill, PovertyCause
    from households.services.imports import COLUMNS
    from povertyrelief.demo import mobile, person_name
    from povertyrelief.validators import id_check_char

    rng = random.Random(seed)
    header = [c.label for c in COLUMNS if not c.extra]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("家庭成员")
    sheet.append(["秦川县建档立卡贫困人口花名册"])
    sheet.append(header)
    sizes = [1] * households
    for _ in range(members - households):
        sizes[rng.randrange(households)] += 1
    used: set[str] = set()

    def new_id(birth_year: int, male: bool) -> str:
        while True:
            first17 = (
                f"{ID_AREA}{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                f"{rng.randint(0, 99):02d}{rng.choice('13579' if male else '02468')}"
            )
            if first17 not in used:
                used.add(first17)
                return first17 + id_check_char(first17)

    rows = 0
    for index, size in enumerate(sizes):
        village = villages[index % len(villages)]
        number = f"{NUMBER_PREFIX}{village.code}{index // len(villages) + 1:04d}"
        identified = rng.choice([2014, 2015, 2016, 2017])
        household = {
            "贫困户属性": rng.choice(HouseholdAttribute.values),
            "主要致贫原因": rng.choice(PovertyCause.values),
            "识别年度": identified,
            "脱贫年度": rng.choice([None, identified + 2, 2019, 2020]),
            "联系电话": mobile(rng),
            "住房安全": rng.choice(HousingSafety.values),
            "饮水安全": rng.choice(["是", "是", "否"]),
            "人均纯收入(元)": f"{rng.uniform(2500, 12000):.2f}",
            "村民小组": f"{rng.randint(1, 9)}组",
        }
        for position in range(size):
            male = rng.random() < 0.5
            relation = "户主" if position == 0 else rng.choice(RELATIONS_AFTER_HEAD)
            year = rng.randint(1940, 2005) if position == 0 else rng.randint(1935, 2020)
            health = rng.choice(["健康", "健康", "健康", "长期慢性病", "患有大病", "残疾"])
            row = {
                "县": village.parent.parent.name, "乡镇": village.parent.name, "行政村": village.name, "户编号": number,
                "姓名": person_name(rng), "证件号码": new_id(year, male), "与户主关系": relation,
                "性别": "男" if male else "女", "民族": "汉族", "文化程度": rng.choice(Education.values),
                "在校生状况": "", "健康状况": health,
                "残疾等级": rng.choice(["一级", "二级", "三级", "四级"]) if health == "残疾" else "",
                "劳动技能": rng.choice(LabourSkill.values), "务工状况": rng.choice(["", "县内务工", "省外务工"]),
                "务工时间(月)": rng.randint(0, 12),
                "参加城乡居民基本医疗保险": "是", "参加大病保险": rng.choice(["是", "否"]),
                "参加城乡居民基本养老保险": rng.choice(["是", "否"]),
                **household,
            }
            rows += 1
            if change_every and rows % change_every == 0:
                row["民族"] = "回族"
            sheet.append([row.get(name) for name in header])
    book.save(path)
    return rows


def time_import(*, households: int = 15000, members: int = 50000, rollback: bool = False, log=print) -> dict:
    """Time and memory of the import at county scale, on the configured
    database; with ``rollback`` nothing it writes is kept."""
    from django.db import connection, transaction

    from households.models import Household
    from households.services.imports import household_import
    from povertyrelief.demo import build_areas
    from povertyrelief.models import Role, User
    from villages.models import Area, AreaLevel

    results: dict = {"database": connection.vendor, "households": households, "members": members}
    with transaction.atomic():
        if not Area.objects.exists():
            build_areas(random.Random(1))
        if Household.objects.filter(number__startswith=NUMBER_PREFIX).exists():
            raise RuntimeError(f"数据库中已有户编号以 {NUMBER_PREFIX} 开头的户（上次未回滚的基准数据），请换一个数据库。")
        county = Area.objects.get(level=AreaLevel.COUNTY)
        actor, _ = User.objects.get_or_create(username="bench_import", defaults={"role": Role.COUNTY_ADMIN, "area": county})
        villages = list(Area.objects.filter(level=AreaLevel.VILLAGE).select_related("parent", "parent__parent").order_by("code"))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "花名册.xlsx"
            changed = Path(folder) / "花名册-修改.xlsx"
            start = time.perf_counter()
            rows = generate_roster(path, villages=villages, households=households, members=members)
            generate_roster(changed, villages=villages, households=households, members=members, change_every=100)
            results["generate_s"] = round(time.perf_counter() - start, 1)
            results["file_mb"] = round(path.stat().st_size / 1024 / 1024, 1)
            results["rss_before_mb"] = round(_current_rss_mb())
            log(f"生成 {rows} 行（{results['file_mb']} MB），用时 {results['generate_s']} s；当前内存 {results['rss_before_mb']} MB")

            for label, file, dry_run in (
                ("dry_run", path, True), ("first_import", path, False), ("reimport_unchanged", path, False),
                ("reimport_1pct_changed", changed, False),
            ):
                start, cpu = time.perf_counter(), time.process_time()
                with open(file, "rb") as handle:
                    report = household_import(actor=actor, file=handle, dry_run=dry_run)
                seconds = round(time.perf_counter() - start, 1)
                cpu = round(time.process_time() - cpu, 1)
                if not report.ok:
                    raise RuntimeError(f"{label}: {report.summary()} {[str(e) for e in report.errors[:5]]}")
                results[label] = {
                    "seconds": seconds, "cpu_s": cpu, "peak_rss_mb": round(peak_rss_mb()), "summary": report.summary(),
                    "audit_entries": report.audit_entries,
                }
                log(f"{label}: {seconds} s（本进程 CPU {cpu} s），峰值内存 {peak_rss_mb():.0f} MB — {report.summary()}")
        first = results["first_import"]
        results["ok"] = first["seconds"] <= TIME_LIMIT_S and first["peak_rss_mb"] <= RSS_LIMIT_MB
        if rollback:
            transaction.set_rollback(True)
    return results


def measure(ctx) -> None:
    """The import in a process of its own, rolled back afterwards."""
    started = time.perf_counter()
    try:
        result = run_module(MODULE, "--rollback", "--json")
    except BenchError as exc:
        ctx.out(str(exc))
        return
    ctx.out(
        f"{result['households']} 户、{result['members']} 人（{result['file_mb']} MB），数据库 {result['database']}，"
        f"全部回滚；共用时 {time.perf_counter() - started:.0f} s"
    )
    labels = {
        "dry_run": "试导入（只校验）", "first_import": "首次导入（新增全部）",
        "reimport_unchanged": "重复导入同一文件（无变化）", "reimport_1pct_changed": "重复导入（1% 的行有修改）",
    }
    for key, label in labels.items():
        run = result[key]
        ctx.out(f"  {label}：{run['seconds']} s（CPU {run['cpu_s']} s），峰值内存 {run['peak_rss_mb']} MB")
    ctx.out(
        f"  目标：首次导入 ≤ {TIME_LIMIT_S} s、≤ {RSS_LIMIT_MB} MB，" + ("达标" if result["ok"] else "未达标")
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description="家庭成员导入基准测试")
    parser.add_argument("--households", type=int, default=15000)
    parser.add_argument("--members", type=int, default=50000)
    parser.add_argument("--rollback", action="store_true", help="测完回滚，不保留导入的数据")
    parser.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")
    options = parser.parse_args(argv)
    setup()
    from django.conf import settings

    # As in production: no query log kept in memory.
    settings.DEBUG = False
    log = (lambda line: print(line, file=sys.stderr)) if options.json else print
    result = time_import(
        households=options.households, members=options.members, rollback=options.rollback, log=log
    )
    print(json.dumps(result, ensure_ascii=False) if options.json else result)


if __name__ == "__main__":
    main()
