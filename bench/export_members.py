"""The 家庭成员明细 export against a bare XlsxWriter loop.

Target: exporting 500,000 member rows takes at most 1.2× the time a bare
streaming writer (same library, constant-memory mode, the same rows already
in memory, no formats, no database) needs, with peak memory (RSS) at most
150 MB. Each side runs in its own process so peak RSS is the export's own.
Wall and CPU time are both reported; the verdict uses CPU time, since on a
shared machine wall time mostly measures the neighbours (the database is
SQLite, inside the exporting process, so its work is counted).

``python -m bench --only export_members`` exports the whole bench city (at
most 500,000 rows). On its own, on the bench database or ``DATABASE_URL``::

    python -m bench.export_members --grow 500000  # copies households until there are enough members
    python -m bench.export_members --rows 500000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from . import setup
from .process import peak_rss_mb, run_module

RATIO_LIMIT = 1.2
RSS_LIMIT_MB = 150
ROWS = 500_000
MODULE = "bench.export_members"


def _ledger(rows: int):
    from households.exports import MemberLedger

    class FirstRows(MemberLedger):
        def queryset(self, actor, filters):
            return super().queryset(actor, filters)[:rows]

    return FirstRows()


def _actor():
    from households.management.commands.export_ledger import system_actor

    from .data import county

    return system_actor(county())


def _measured(written: int, started: float, cpu_started: float, out: str) -> dict:
    return {
        "rows": written, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu_started,
        "peak_rss_mb": peak_rss_mb(), "bytes": Path(out).stat().st_size,
    }


def run_exporter(rows: int, out: str) -> dict:
    """The real export: database → rows → formatted, typed, streamed workbook."""
    setup()
    ledger, actor = _ledger(rows), _actor()
    started, cpu_started = time.perf_counter(), time.process_time()
    written = ledger.write(out, actor=actor, filters={}, reveal=True)
    return _measured(written, started, cpu_started, out)


def run_bare(rows: int, out: str) -> dict:
    """The same rows, read into memory first (not timed), then written with
    XlsxWriter's plain typed calls and no formats."""
    import xlsxwriter

    setup()
    from povertyrelief.exports import EXCEL_EPOCH

    def plain(value):
        # Dates as Excel serial numbers, so the bare loop needs only two calls.
        return value.toordinal() - EXCEL_EPOCH if hasattr(value, "toordinal") else value

    ledger, actor = _ledger(rows), _actor()
    data = [tuple(plain(value) for value in row) for row in ledger.rows(actor, {}, reveal=True)]
    started, cpu_started = time.perf_counter(), time.process_time()
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    write_string, write_number = sheet.write_string, sheet.write_number
    for row_index, row in enumerate(data):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if value.__class__ is str:
                write_string(row_index, col, value)
            else:
                write_number(row_index, col, value)
    workbook.close()
    return _measured(len(data), started, cpu_started, out)


def grow_registry(members: int, log=print) -> int:
    """Copy the demo households (new 户编号, members with new valid IDs)
    until the registry holds ``members`` current members; seeding the demo
    county at full size takes much longer than copying it."""
    setup()
    from django.db import transaction

    from households.models import Household, Member
    from povertyrelief.validators import id_check_char

    current = Member.objects.current().count()
    originals = list(Household.objects.filter(number__regex=r"^[0-9]{16}$").values_list("pk", flat=True))
    copy = 0
    while current < members and originals:
        copy += 1
        for start in range(0, len(originals), 2000):
            chunk = originals[start:start + 2000]
            with transaction.atomic():
                households = {h.pk: h for h in Household.objects.filter(pk__in=chunk)}
                people = list(Member.objects.current().filter(household_id__in=chunk))
                for household in households.values():
                    household.pk, household.id = None, None
                    household.number = f"{household.number}{copy:02d}"
                old_ids = list(households)
                Household.objects.bulk_create(households.values(), batch_size=1000)
                new_pk = {old: households[old].pk for old in old_ids}
                for person in people:
                    person.pk, person.id = None, None
                    person.household_id = new_pk[person.household_id]
                    if person.id_number:
                        # An even step keeps the 17th digit's parity: the sex stays right.
                        sequence = (int(person.id_number[14:17]) + 40 * copy) % 1000
                        body = f"{person.id_number[:14]}{sequence:03d}"
                        person.id_number = body + id_check_char(body)
                Member.objects.bulk_create(people, batch_size=1000, ignore_conflicts=True)
            current = Member.objects.current().count()
            log(f"第 {copy} 份拷贝：现有成员 {current} 人")
            if current >= members:
                break
    return current


def compare(rows: int = ROWS) -> dict:
    """Run both sides, each in a fresh process, and judge them. Wall time
    and CPU time are both reported: on a shared machine the CPU time (the
    database is SQLite, inside the exporting process) is the steadier one."""
    with tempfile.TemporaryDirectory() as folder:
        bare = run_module(MODULE, "--side", "bare", "--rows", str(rows), "--out", str(Path(folder) / "bare.xlsx"))
        exporter = run_module(MODULE, "--side", "exporter", "--rows", str(rows), "--out", str(Path(folder) / "ledger.xlsx"))
    ratio = exporter["seconds"] / bare["seconds"]
    cpu_ratio = exporter["cpu"] / bare["cpu"]
    return {
        "name": "export_members",
        "rows": exporter["rows"],
        "exporter_seconds": round(exporter["seconds"], 2),
        "bare_seconds": round(bare["seconds"], 2),
        "ratio": round(ratio, 3),
        "exporter_cpu_seconds": round(exporter["cpu"], 2),
        "bare_cpu_seconds": round(bare["cpu"], 2),
        "cpu_ratio": round(cpu_ratio, 3),
        "exporter_peak_rss_mb": round(exporter["peak_rss_mb"], 1),
        "bare_peak_rss_mb": round(bare["peak_rss_mb"], 1),
        "exporter_file_mb": round(exporter["bytes"] / 1024 / 1024, 1),
        "ok": cpu_ratio <= RATIO_LIMIT
        and exporter["peak_rss_mb"] <= RSS_LIMIT_MB
        and exporter["rows"] == bare["rows"],
    }


def measure(ctx) -> None:
    """The member ledger of the whole bench city, at most 500,000 rows."""
    from households.models import Member

    rows = min(ROWS, Member.objects.current().count())
    if rows == 0:
        ctx.out("数据库中没有家庭成员，跳过。")
        return
    result = compare(rows)
    ctx.out(f"家庭成员明细 {result['rows']} 行（{result['exporter_file_mb']} MB）")
    ctx.out(
        f"  导出器 {result['exporter_seconds']} s（CPU {result['exporter_cpu_seconds']} s），"
        f"峰值内存 {result['exporter_peak_rss_mb']} MB（上限 {RSS_LIMIT_MB} MB）"
    )
    ctx.out(f"  裸写入 {result['bare_seconds']} s（CPU {result['bare_cpu_seconds']} s）")
    ctx.out(
        f"  导出器 / 裸写入：{result['ratio']:.2f} 倍（CPU {result['cpu_ratio']:.2f} 倍，上限 {RATIO_LIMIT} 倍）"
        + ("，达标" if result["ok"] else "，未达标")
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description="家庭成员明细导出基准测试")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--side", choices=["exporter", "bare"])
    parser.add_argument("--out")
    parser.add_argument("--grow", type=int, help="先复制演示户，直到有这么多名成员")
    options = parser.parse_args(argv)
    if options.grow:
        grow_registry(options.grow)
        return
    if options.side == "exporter":
        print(json.dumps(run_exporter(options.rows, options.out)))
    elif options.side == "bare":
        print(json.dumps(run_bare(options.rows, options.out)))
    else:
        print(json.dumps(compare(options.rows), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
