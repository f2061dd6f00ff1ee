"""Showcase data for the battle map (``seed_demo`` command, DEMO_SHOWCASE):
a few records breaking each quality rule, so the finder has something to
show, and annual targets per township close to what each township achieved
(or plans) each year.

Each app seeds its own rule-breaking records in a ``demo_quality`` module
with a ``seed_quality_examples(*, rng, demo, log)`` function; they run after
every app's own demo data.
"""

from __future__ import annotations

import importlib
import time

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from povertyrelief.dashboard import EXIT_HOUSEHOLDS, EXIT_PEOPLE
from povertyrelief.demo import DEMO_DERIVED, DEMO_SHOWCASE

from .models import AnnualTarget


def seed_quality_examples(*, rng, demo, log) -> None:
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "demo_quality"):
            module = importlib.import_module(f"{config.name}.demo_quality")
            module.seed_quality_examples(rng=rng, demo=demo, log=log)


@transaction.atomic
def seed_targets(*, rng, demo, log) -> int:
    """Targets for the years with exits, and for the current year from the
    households planned to exit in it."""
    from povertyrelief.models import Role, User

    from .selectors import area_map_compute

    admin = User.objects.filter(role=Role.COUNTY_ADMIN, area=demo.county).order_by("pk").first()
    if admin is None:
        return 0
    years = sorted(_years_with_exits(admin, demo))
    targets = []
    for year in years:
        figures = area_map_compute(actor=admin, area=demo.county, year=year)
        for row in figures.rows:
            households = row.values.get(EXIT_HOUSEHOLDS, 0) or row.values.get("planned_households", 0)
            people = row.values.get(EXIT_PEOPLE, 0) or households * 3  # about three people a household
            if not households:
                continue
            factor = rng.uniform(0.92, 1.08)
            households = max(1, round(households * factor))
            targets.append(AnnualTarget(
                township=row.area, year=year, households=households, people=max(households, round(people * factor)),
                villages=rng.randint(0, 2), updated_by=admin,
            ))
    AnnualTarget.objects.bulk_create(targets)
    log(f"年度脱贫目标：{len(targets)} 条（{years[0] if years else ''}–{years[-1] if years else ''} 年）")
    return len(targets)


def _years_with_exits(admin, demo) -> set[int]:
    from .selectors import area_map_compute

    today = timezone.localdate()
    trend = next(
        (b for b in area_map_compute(actor=admin, area=demo.county, year=today.year).breakdowns if b.key == "trend"), None
    )
    years = {int(label[:4]) for label, values in (trend.rows if trend else []) if values.get("exited")}
    return years | {today.year}


def seed_dashboard(*, rng, demo, households: int, log) -> None:
    if households <= 0:
        return
    seed_quality_examples(rng=rng, demo=demo, log=log)
    seed_targets(rng=rng, demo=demo, log=log)


if seed_dashboard not in DEMO_SHOWCASE:
    DEMO_SHOWCASE.append(seed_dashboard)


def precompute_maps(*, demo, log) -> None:
    """The county's and every township's map for this year (the maps people
    open first and the costly ones); a village's map is computed by the
    task worker when first opened, or by ``manage.py refresh_map``."""
    from .selectors import maps_precompute

    started = time.perf_counter()
    year = timezone.localdate().year
    count = maps_precompute(area=demo.county, year=year, villages=False)
    log(f"挂图作战：已统计 {year} 年全县及各乡镇挂图 {count} 个，用时 {time.perf_counter() - started:.0f} 秒")


if precompute_maps not in DEMO_DERIVED:
    DEMO_DERIVED.append(precompute_maps)
