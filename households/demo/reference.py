"""What the demo seeder looks up once, and the date and count helpers every
builder shares."""

from __future__ import annotations

import math
from datetime import date, timedelta

from povertyrelief.validators import id_check_char

from ..models import PRODUCTION_COST_RATES, AnnualStandard, MeasureCategory
from .data import AREA_PREFIX, PROVINCE


class Reference:
    """Everything the seeder looks up once: the reference day, the annual
    standards, the measure catalogue and the ID sequences already used."""

    def __init__(self):
        standards = {s.year: s for s in AnnualStandard.objects.filter(province=PROVINCE)}
        latest = max(standards, default=2026)
        # Mid-year of the latest standard year; capped at the real date so an
        # ID never carries a birth date the validator would call future.
        self.as_of = min(date(latest, 6, 30), date.today())
        self.standards = standards
        self.lines = {year: float(s.poverty_line) for year, s in standards.items()}
        self.cost_rates = {
            year: {item: float(getattr(s, rate)) for item, rate in PRODUCTION_COST_RATES.items()}
            for year, s in standards.items()
        }
        self.categories = {c.name: c for c in MeasureCategory.objects.order_by("sort_order", "pk")}
        self.used_sequences: dict[tuple[date, int], set[int]] = {}

    def id_number(self, rng, birth: date, sex: str) -> tuple[str, date]:
        """A unique 18-character ID (area, birth date, sequence with odd = 男,
        check character) and the birth date it carries."""
        parity = 1 if sex == "男" else 0
        used = self.used_sequences.setdefault((birth, parity), set())
        # Half of a day's 500 sequences for that sex taken: use the day before.
        while len(used) >= 250:
            birth -= timedelta(days=1)
            used = self.used_sequences.setdefault((birth, parity), set())
        while True:
            sequence = rng.randrange(0, 500) * 2 + parity
            if sequence not in used:
                used.add(sequence)
                break
        first17 = f"{AREA_PREFIX}{birth:%Y%m%d}{sequence:03d}"
        return first17 + id_check_char(first17), birth

    def birth(self, rng, age: int) -> date:
        """A birth date that makes the person ``age`` on the reference day."""
        return self.as_of - timedelta(days=int(age * 365.2425) + rng.randint(1, 364))

    def age(self, birth: date) -> int:
        return self.as_of.year - birth.year - ((self.as_of.month, self.as_of.day) < (birth.month, birth.day))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights`` proportionally (largest remainder)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    counts = [math.floor(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (exact[i] - counts[i], -i), reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def day_in(rng, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))
