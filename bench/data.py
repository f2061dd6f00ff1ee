"""The bench database's city and the users the benchmarks act as, created
there when missing."""

from __future__ import annotations

import time
from typing import Callable

from django.db.models import Max

from households.models import Household, Measure
from povertyrelief.demo import seed_demo
from povertyrelief.models import Role, User
from villages.models import Area, AreaLevel

from . import BenchError


def ensure_demo_data(*, households: int, seed: int, log: Callable[[str], None]) -> None:
    """Seed the demo county into an empty database; reuse one that already
    holds at least ``households`` households; refuse anything in between."""
    existing = Household.objects.count()
    if existing >= households:
        log(f"沿用数据库中已有的 {existing} 户。")
        return
    if Area.objects.exists():
        raise BenchError(
            f"数据库已有数据但只有 {existing} 户，少于 {households} 户：请换一个空数据库（或删除基准数据库文件）后重新运行。"
        )
    log(f"数据库为空，生成演示县：{households} 户……")
    started = time.perf_counter()
    seed_demo(households=households, seed=seed, log=log)
    log(f"演示数据生成用时 {time.perf_counter() - started:.0f} s")


def county() -> Area:
    area = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    if area is None:
        raise BenchError("数据库中没有县级区划：请先运行 seed_demo。")
    return area


def busiest_township() -> Area | None:
    """The first township by code: with the demo data it holds about a tenth of the county."""
    return Area.objects.filter(level=AreaLevel.TOWNSHIP).order_by("code").first()


def area_user(role: str, area: Area, username: str) -> User:
    """An active user of ``role`` in ``area`` who can open pages right away
    (no password change due), created as ``username`` if there is none."""
    user = (
        User.objects.filter(role=role, area=area, is_active=True, must_change_password=False).order_by("pk").first()
    )
    if user is None:
        user = User.objects.create_user(username, role=role, area=area, last_name="测", first_name="试")
    return user


def county_admin() -> User:
    return area_user(Role.COUNTY_ADMIN, Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first(), "bench_county_admin")


def superuser() -> User:
    """The admin's reference user, created in the bench database if missing."""
    user = User.objects.filter(is_superuser=True, is_active=True, is_staff=True, must_change_password=False).order_by("pk").first()
    if user is None:
        user = User.objects.create_superuser(
            "bench_superuser", email="", password=None, role=Role.COUNTY_ADMIN,
            area=Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first(), last_name="测", first_name="试",
        )
    return user


def latest_measure_year() -> int:
    """The newest year with a measure (明白卡 show one year)."""
    return Measure.objects.aggregate(latest=Max("year"))["latest"] or 2025
