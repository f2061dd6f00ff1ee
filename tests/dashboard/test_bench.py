"""``manage.py bench --only battle_map`` times the map of the county, a
township and a village, the computation behind them and the finder."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db
TIMING = r"\d+\.\d ms +\d+\.\d ms +\d+ 条"


def test_the_battle_map_benchmark_reports_each_level_with_units():
    out = StringIO()
    call_command("bench", stdout=out, households=200, repeat=2, warmup=1, only=["battle_map"])
    text = out.getvalue()
    assert re.search(r"挂图作战 全县（页面，读快照） +" + TIMING, text), text
    assert re.search(r"挂图作战 城关镇（页面，读快照） +" + TIMING, text), text
    assert re.search(r"挂图作战 \S+村（页面，读快照） +" + TIMING, text), text
    assert re.search(r"挂图作战 全县（重新统计，后台任务所做） +" + TIMING, text), text
    assert re.search(r"数据质量 全县（各规则实时计数） +" + TIMING, text), text
