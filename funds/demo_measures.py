"""Demo 到户产业奖补 for seed_demo: in every township a handful of
allocations of a source to household measures (种植, 养殖, 入股分红 …),
each measure paid to the household through its 一卡通 by a disbursement
naming the measure, recorded by the township and confirmed by the county;
last year's allocations are paid out, this year's in part. Each township
also has one payment awaiting confirmation and, before it, the same payment
withdrawn by the township for a wrong voucher number, so the measure
ledger, the household pages' 资金来源 and the confirmation queue all have
something to show.

Built as unsaved rows for funds.demo's bulk writer; deterministic per ``rng``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from households.models import Measure, MeasureGroup
from povertyrelief.models import User

from .models import Allocation, Disbursement, FundSource

# Measures the 到户产业奖补 pays for, read per village and year.
CANDIDATES_PER_VILLAGE = 40
PURPOSES = ["到户产业奖补", "产业到户扶持资金", "到户产业发展奖补"]


@dataclass
class MeasureAllocation:
    """An allocation to measures with its shares (measure, amount, household head)."""

    allocation: Allocation
    township_id: int
    shares: list[tuple[int, Decimal, str]] = field(default_factory=list)


def _day(rng, start: date, end: date) -> date:
    # funds.demo imports this module: its helper is looked up when first used.
    from .demo import _day as day_between

    return day_between(rng, start, end)


def _candidates(village_id: int, year: int, funded: set[int]) -> list[tuple[int, Decimal, str]]:
    rows = (
        Measure.objects.filter(household__village_id=village_id, year=year, amount__gt=0, category__group=MeasureGroup.INDUSTRY)
        .exclude(status="planned")
        .order_by("pk")
        .values_list("pk", "amount", "household__head_name")[:CANDIDATES_PER_VILLAGE]
    )
    return [row for row in rows if row[0] not in funded]


def measure_allocations(rng, *, townships, villages, years: list[int], sources: dict[int, list[FundSource]],
                        per_township: int, admin: User) -> list[MeasureAllocation]:
    """A handful of allocations per township, each to 3–10 measures of one
    village and year that no other allocation funds, for their full amounts."""
    made: list[MeasureAllocation] = []
    funded: set[int] = set()
    for township in townships:
        own = [v for v in villages if v.parent_id == township.pk]
        for _ in range(rng.randint(per_township, per_township + 2)):
            village, year = rng.choice(own), rng.choice(years)
            rows = _candidates(village.pk, year, funded)[: rng.randint(3, 10)]
            if not rows:
                continue
            funded.update(pk for pk, _, _ in rows)
            source = rng.choice(sources[year])
            allocation = Allocation(
                source=source, target="measures", area=village, amount=sum((a for _, a, _ in rows), Decimal("0")),
                date=_day(rng, source.issued_date, date(year, 6, 30)), purpose=rng.choice(PURPOSES),
                document_number=f"{township.name[:2]}政发〔{year}〕{rng.randint(10, 60)}号", created_by=admin,
            )
            made.append(MeasureAllocation(allocation, township.pk, rows))
    return made


def _entry(rng, allocation: Allocation, measure_id: int, amount: Decimal, head: str, day: date, maker: User) -> Disbursement:
    return Disbursement(
        allocation=allocation, measure_id=measure_id, amount=amount, date=day, payee=f"{head}（一卡通）",
        voucher_number=f"记-{day:%Y%m}-{rng.randint(1, 999):03d}", note=allocation.purpose, recorded_by=maker,
    )


def measure_payments(rng, made: list[MeasureAllocation], *, maker_of, checker: User) -> list[Disbursement]:
    """Confirmed payments, one per measure: every share of an earlier year's
    allocation, about two in three of this year's. In each township the
    newest allocation keeps one share unpaid: withdrawn once (wrong voucher
    number), then recorded again and awaiting confirmation."""
    entries: list[Disbursement] = []
    today = date.today()
    newest: dict[int, MeasureAllocation] = {}
    for item in made:
        if item.township_id not in newest or item.allocation.date >= newest[item.township_id].allocation.date:
            newest[item.township_id] = item
    for item in made:
        allocation, maker = item.allocation, maker_of(item.township_id)
        if maker == checker:
            continue
        shares = item.shares[:-1] if newest[item.township_id] is item else item.shares
        for measure_id, amount, head in shares:
            if allocation.date.year == today.year and rng.random() < 0.35:
                continue
            day = _day(rng, allocation.date + timedelta(days=10), allocation.date + timedelta(days=90))
            entry = _entry(rng, allocation, measure_id, amount, head, day, maker)
            entry.status, entry.checked_by = "confirmed", checker
            entries.append(entry)
    for township_id, item in sorted(newest.items()):
        measure_id, amount, head = item.shares[-1]
        maker = maker_of(township_id)
        if maker == checker:
            continue
        recorded = _day(rng, max(item.allocation.date, today - timedelta(days=12)), today)
        withdrawn = _entry(rng, item.allocation, measure_id, amount, head, recorded, maker)
        withdrawn.status, withdrawn.reason = "withdrawn", "凭证号填写有误，撤回后重新录入"
        withdrawn.withdrawn_at = timezone.make_aware(datetime.combine(recorded, time(16, rng.randint(0, 59))))
        again = _entry(rng, item.allocation, measure_id, amount, head, _day(rng, recorded, today), maker)
        again.status = "pending"
        entries += [withdrawn, again]
    return entries
