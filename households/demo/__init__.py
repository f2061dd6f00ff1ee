"""Demo registry for the demo county: households, members, cadres and
assignments, incomes 2019–2025, measures, visits and monitoring.

Deterministic per seed: every choice comes from the ``rng`` handed in by
``seed_demo`` and the reference day is derived from the seeded annual
standards, not the clock. Rows are written in bulk, a chunk of households per
transaction and up to a thousand rows per INSERT (no per-row saves, so no
audit entries and no signals): 150,000 households take a few minutes on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import time

from povertyrelief.demo import DEMO_SEEDERS

from ..models import Assignment, Cadre, Household, Income, Measure, Member, Monitoring, Visit
from .cadres import CadrePicker, build_assignments, build_cadres
from .data import CHUNK_HOUSEHOLDS
from .household import build_household, build_incomes
from .measures import build_measures, build_monitoring, build_visits
from .reference import Reference, allocate
from .rows import BulkWriter, Plan, flush, refresh_statistics

__all__ = ["seed_households"]


def seed_households(*, rng, demo, households: int, log) -> None:
    """Fill the registry of the demo county with ``households`` households,
    spread over the villages by rural population; deterministic per ``rng``."""
    if households <= 0 or not demo.villages:
        return
    ref = Reference()
    per_village = allocate(households, [v.rural_population or 0 for v in demo.villages])
    township_of = {v.pk: v.parent_id for v in demo.villages}
    townships = {t.pk: t for t in demo.townships}
    per_township: dict[int, int] = {}
    for village, count in zip(demo.villages, per_village):
        village.parent = townships[village.parent_id]
        per_township[village.parent_id] = per_township.get(village.parent_id, 0) + count
    pools = build_cadres(rng, demo, per_township)
    log(f"帮扶责任人：{sum(len(a) + len(d) for a, d in pools.values())} 名")
    picker = CadrePicker(pools, per_township)
    writers = {model: BulkWriter(model, returning=model in (Household, Member))
               for model in (Household, Member, Assignment, Income, Measure, Visit, Monitoring)}
    plans: list[Plan] = []
    done = members_total = 0
    started = time.monotonic()
    for village, count in zip(demo.villages, per_village):
        groups = rng.randint(4, 12)
        for sequence in range(1, count + 1):
            household, members, returned_in = build_household(rng, ref, village, f"{village.code}{sequence:04d}", groups)
            plan = Plan(household, members)
            plan.assignments = build_assignments(rng, ref, household, township_of[village.pk], picker)
            plan.rest.extend(build_incomes(rng, ref, household, members, returned_in))
            plan.measures = build_measures(rng, ref, household, members, plan.assignments)
            plan.rest.extend(build_visits(rng, ref, household, plan.assignments))
            # About 3% of households are monitored, all of them out of poverty by now.
            if household.status in ("1", "4") and rng.random() < 0.031:
                plan.rest.extend(build_monitoring(rng, ref, household, members))
            plans.append(plan)
            done += 1
            members_total += household.member_count
            if len(plans) >= CHUNK_HOUSEHOLDS:
                flush(plans, writers)
                plans = []
                if done % (CHUNK_HOUSEHOLDS * 4) == 0:
                    log(f"贫困户：已写入 {done}/{households} 户，用时 {time.monotonic() - started:.0f} 秒")
    if plans:
        flush(plans, writers)
    refresh_statistics([Cadre, *writers])
    log(f"贫困户：共 {done} 户，现有成员 {members_total} 人，用时 {time.monotonic() - started:.0f} 秒")


if seed_households not in DEMO_SEEDERS:
    DEMO_SEEDERS.append(seed_households)
