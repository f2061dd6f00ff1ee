"""The funds benchmark prints ledger timings with query counts and check_ledger."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_funds_benchmark_times_the_ledger_and_check_ledger():
    out = StringIO()
    call_command("bench", stdout=out, households=300, repeat=2, warmup=1, only=["funds_ledger"])
    text = out.getvalue()
    assert re.search(r"资金台账 按资金来源（全县） +\d+\.\d ms +\d+\.\d ms +\d+ 条", text), text
    assert re.search(r"资金台账 按项目（\S+镇） +\d+\.\d ms", text), text
    assert re.search(r"check_ledger（全部账目） +\d+\.\d ms +\d+\.\d ms +\d+ 条", text), text
