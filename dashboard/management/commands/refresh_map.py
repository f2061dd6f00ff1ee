"""python manage.py refresh_map [--area CODE] [--year Y]

Computes and stores the battle maps (挂图作战) of the county, or of the area
given, and of every township and village below it, for the year (default:
this year), so the first person to open a map reads it at once. Run it after
importing areas or households, or after seeding."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboard.selectors import maps_precompute
from dashboard.views import year_choices
from villages.management.arguments import area_or_county
from villages.models import Area, AreaLevel


class Command(BaseCommand):
    help = "预先统计挂图作战数据（全县或指定区划及其下各乡镇、村），页面打开即可读取。"

    def add_arguments(self, parser):
        parser.add_argument("--area", help="区划代码（12位）；默认全县")
        parser.add_argument("--year", type=int, help="年度；默认今年")

    def handle(self, *args, area: str | None = None, year: int | None = None, **options):
        year = year or timezone.localdate().year
        if year not in year_choices():
            raise CommandError(f"年度 {year} 不在挂图可选年度内（{min(year_choices())}–{max(year_choices())}）。")
        found = area_or_county(area)
        verbosity = options.get("verbosity", 1)

        def progress(each: Area, seconds: float) -> None:
            if verbosity > 1 or each.level != AreaLevel.VILLAGE:
                self.stdout.write(f"{each.code} {each.name}：{seconds:.1f} 秒")

        started = time.perf_counter()
        count = maps_precompute(area=found, year=year, progress=progress if verbosity else None)
        self.stdout.write(self.style.SUCCESS(
            f"已统计 {found.name} {year}年挂图 {count} 个区划，用时 {time.perf_counter() - started:.1f} 秒。"
        ))
