"""``python -m bench --only battle_map`` times the map of the county, a
township and a village, the computation behind them and the finder."""

import re

import pytest

from tests.test_bench import run_bench

pytestmark = pytest.mark.django_db
TIMING = r"\d+\.\d ms +\d+\.\d ms +\d+ 条"


def test_the_battle_map_benchmark_reports_each_level_with_units():
    text = run_bench(households=200, only=["battle_map"])
    assert re.search(r"挂图作战 全县（页面，读快照） +" + TIMING, text), text
    assert re.search(r"挂图作战 城关镇（页面，读快照） +" + TIMING, text), text
    assert re.search(r"挂图作战 \S+村（页面，读快照） +" + TIMING, text), text
    assert re.search(r"挂图作战 全县（重新统计，后台任务所做） +" + TIMING, text), text
    assert re.search(r"数据质量 全县（各规则实时计数） +" + TIMING, text), text
