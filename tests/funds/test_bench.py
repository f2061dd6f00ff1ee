"""The funds benchmark prints ledger timings with query counts and check_ledger."""

import re

import pytest

from tests.test_bench import run_bench

pytestmark = pytest.mark.django_db


def test_the_funds_benchmark_times_the_ledger_and_check_ledger():
    text = run_bench(households=300, only=["funds_ledger"])
    assert re.search(r"资金台账 按资金来源（全县） +\d+\.\d ms +\d+\.\d ms +\d+ 条", text), text
    assert re.search(r"资金台账 按项目（\S+镇） +\d+\.\d ms", text), text
    assert re.search(r"check_ledger（全部账目） +\d+\.\d ms +\d+\.\d ms +\d+ 条", text), text
