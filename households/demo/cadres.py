"""Cadres (帮扶责任人) and their pairings with households."""

from __future__ import annotations

import math
from datetime import date, timedelta

from povertyrelief.demo import UNITS, mobile, person_name

from ..models import Assignment, Cadre, Household, UnitLevel
from .data import BATCH_SIZE, COUNTY_POSITIONS, REPLACE_REASONS, TOWNSHIP_POSITIONS
from .reference import Reference, day_in
from .rows import new


def build_cadres(rng, demo, per_township: dict[int, int]) -> dict[int, tuple[list[Cadre], list[Cadre]]]:
    """About one cadre per 5–8 households: county units (registered at the
    county) and township cadres. Returns per township (active, departed)."""
    pools: dict[int, tuple[list[Cadre], list[Cadre]]] = {}
    every = []
    for township in demo.townships:
        count = per_township.get(township.pk, 0)
        if count == 0:
            continue
        cadres = []
        for _ in range(max(1, round(count / rng.uniform(5, 8)))):
            if rng.random() < 0.6:
                unit = rng.choice(UNITS)
                level = UnitLevel.PROVINCE if unit.startswith("省") else UnitLevel.CITY if unit.startswith("市") else UnitLevel.COUNTY
                cadre = Cadre(name=person_name(rng), unit=unit, unit_level=level, position=rng.choice(COUNTY_POSITIONS),
                              phone=mobile(rng), area=demo.county)
            else:
                cadre = Cadre(name=person_name(rng), unit=f"{township.name}人民政府", unit_level=UnitLevel.TOWNSHIP,
                              position=rng.choice(TOWNSHIP_POSITIONS), phone=mobile(rng), area=township)
            # A few have retired or moved on: they appear only in past pairings.
            cadre.active = rng.random() >= 0.05
            cadres.append(cadre)
        if not any(c.active for c in cadres):
            cadres[0].active = True
        rng.shuffle(cadres)
        pools[township.pk] = ([c for c in cadres if c.active], [c for c in cadres if not c.active])
        every.extend(cadres)
    Cadre.objects.bulk_create(every, batch_size=BATCH_SIZE)
    return pools


class CadrePicker:
    """Hands each active cadre of a township a run of consecutive households,
    so a cadre's 5–8 households mostly lie in one village, as in practice."""

    def __init__(self, pools, per_township: dict[int, int]):
        self.pools = pools
        self.run_length = {t: max(1, math.ceil(per_township[t] / len(active))) for t, (active, _) in pools.items()}
        self.turn: dict[int, int] = {}

    def next(self, township_id: int) -> Cadre:
        active = self.pools[township_id][0]
        position = self.turn.get(township_id, 0)
        self.turn[township_id] = position + 1
        return active[(position // self.run_length[township_id]) % len(active)]

    def departed(self, rng, township_id: int) -> Cadre:
        """The cadre of a pairing that has ended: often one who has since left."""
        departed = self.pools[township_id][1]
        return rng.choice(departed) if departed and rng.random() < 0.6 else self.next(township_id)


def build_assignments(rng, ref: Reference, household: Household, township_id: int, picker: CadrePicker) -> list[Assignment]:
    """A pairing from identification on; some cadres replaced; 不再享受政策 households released."""
    start = date(household.identification_year, rng.randint(3, 12), rng.randint(1, 28))
    assignments = []
    if rng.random() < 0.2:
        first = picker.departed(rng, township_id)
        end = day_in(rng, start + timedelta(days=365), date(2023, 12, 31))
        assignments.append(new(Assignment, cadre_id=first.pk, start_date=start, end_date=end,
                               end_reason=rng.choice(REPLACE_REASONS)))
        start = end + timedelta(days=1)
    current = new(Assignment, cadre_id=picker.next(township_id).pk, start_date=start)
    if household.status == "4":
        current.end_date = day_in(rng, max(start, date(household.exit_year + 1, 1, 1)), date(2024, 12, 31))
        current.end_reason = "脱贫稳定，不再享受帮扶政策，解除结对"
    assignments.append(current)
    return assignments


def cadre_on(assignments: list[Assignment], day: date) -> int:
    """The cadre paired with the household that day (the last one after release)."""
    for assignment in assignments:
        if assignment.start_date <= day and (assignment.end_date is None or day <= assignment.end_date):
            return assignment.cadre_id
    return assignments[-1].cadre_id
