"""``python -m bench``: seeds an empty database, then prints a table of
timings with units and query counts. Timings themselves are not asserted."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from bench import BenchError
from bench.runner import BENCHMARKS, run
from households.models import Household
from povertyrelief.models import Role, User
from tests.conftest import make_household, make_user

pytestmark = pytest.mark.django_db

TIMING = r"\d+\.\d ms +\d+\.\d ms +\d+ 条"


def run_bench(**options) -> str:
    lines = []
    run(out=lines.append, **{"households": 200, "repeat": 2, "warmup": 1, **options})
    return "\n".join(lines)


def bench_command(*args: str, database: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"}, capture_output=True, text=True,
    )


def test_bench_seeds_an_empty_database_and_prints_timings_with_units():
    # The export and PDF benchmarks run in their own processes on the bench
    # database, so the test database only exercises the page timings.
    text = run_bench(only=["household_list", "household_detail"])
    assert "数据库为空，生成演示县：200 户" in text
    assert Household.objects.count() == 200
    assert re.search(r"贫困户列表 第\d页（乡镇，识别年度倒序） +" + TIMING, text), text
    assert re.search(r"贫困户列表 末页（第\d+页）（乡镇，识别年度倒序） +" + TIMING, text), text
    assert re.search(r"Django admin 列表 第\d页 +" + TIMING, text), text
    assert re.search(r"列表 / admin（中位数、P95） +\d+\.\d\d 倍 +\d+\.\d\d 倍", text), text
    assert re.search(r"按身份证号查找（POST 与跳转后的列表） +" + TIMING, text), text
    assert re.search(r"Django admin 按身份证号搜索 +" + TIMING, text), text
    assert re.search(r"查找 / admin（1 户；admin 1 户） +\d+\.\d\d 倍", text), text
    for label in ("按姓名查找（3 个字）", "按姓名查找（2 个字）", "按户编号查找（完整）", "Django admin 按姓名搜索（3 个字）"):
        assert re.search(re.escape(label) + " +" + TIMING, text), text
    assert re.search(r"贫困户详情页（\d+ 人，\d+ 条措施，7 年收入） +" + TIMING, text), text
    assert "每项 2 次（先预热 1 次）" in text
    # The admin's reference user exists only in the bench database it made.
    assert User.objects.filter(username="bench_superuser", is_superuser=True).exists()


def test_bench_reuses_a_database_that_already_holds_enough_households():
    run_bench(only=["household_detail"])
    text = run_bench(households=150, only=["household_detail"])
    assert "沿用数据库中已有的 200 户" in text
    assert "贫困户详情页" in text and "贫困户列表" not in text
    assert Household.objects.count() == 200


def test_bench_refuses_a_database_with_too_few_households(areas):
    make_household(areas.village_x, "6104991012010001", "张建国", "610499196505120011")
    with pytest.raises(BenchError, match="只有 1 户，少于 200 户"):
        run_bench()
    assert Household.objects.count() == 1


def test_admin_changelist_is_the_benchmarks_reference_and_superuser_only(client, areas, households):
    staff = make_user("staff1", Role.COUNTY_ADMIN, areas.county, is_staff=True)
    root = make_user("root1", Role.COUNTY_ADMIN, areas.county, is_staff=True, is_superuser=True)
    url = reverse("admin:households_household_changelist") + f"?village__parent__id__exact={areas.township_a.pk}&o=-7"
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(url).status_code == 403
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(url)
    assert page.status_code == 200
    rows = page.context["cl"].result_list
    assert {h.number for h in rows} == {households.x.number, households.y.number}  # township A only
    assert page.context["cl"].get_ordering_field_columns() == {7: "desc"}  # 识别年度, newest first


def test_the_command_lists_every_benchmark_and_refuses_an_unknown_one(tmp_path):
    database = tmp_path / "bench.sqlite3"
    shown = bench_command("--help", database=database)
    assert shown.returncode == 0, shown.stderr
    assert "python -m bench" in shown.stdout and "--only NAME" in shown.stdout
    assert all(b.name in shown.stdout.replace("\n", "").replace(" ", "") for b in BENCHMARKS)
    refused = bench_command("--only", "nothing", "--households", "10", database=database)
    assert refused.returncode == 2 and "nothing" in refused.stderr
    assert not database.exists()  # options are checked before the database is touched
