"""python manage.py check_ledger

Recomputes every running total of the fund ledger from its entries (each
source's allocations, each allocation's confirmed and pending
disbursements, each measure allocation's shares, each reversal against
what it reverses). Prints each row that disagrees and exits 1; prints a
one-line all-clear and exits 0 otherwise.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from funds.models import Allocation, Disbursement, FundSource
from funds.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "核对资金台账：按明细重算每个资金来源和资金分配的合计，列出不一致的记录（有则退出码 1）。"

    def handle(self, *args, **options):
        started = time.perf_counter()
        problems = ledger_mismatches()
        seconds = time.perf_counter() - started
        for line in problems:
            self.stdout.write(line)
        counts = f"资金来源 {FundSource.objects.count()} 个，资金分配 {Allocation.objects.count()} 笔，拨付 {Disbursement.objects.count()} 笔"
        if problems:
            self.stderr.write(f"资金台账不一致：{len(problems)} 条（{counts}，用时 {seconds:.1f} 秒）。")
            raise SystemExit(1)
        self.stdout.write(f"资金台账一致：{counts}，用时 {seconds:.1f} 秒。")
