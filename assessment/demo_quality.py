"""Showcase for the data-quality finder (seed_demo command only): a few
exit reviews and a village exit breaking the exit procedure's rules — a
公示 cut short, dates entered out of order, a household under review with
an uninsured member. Bulk inserts and queryset updates: no audit entries.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from households.models import Household, Member
from povertyrelief.models import Role, User

from .models import ExitReview, ExitStage, VillageExit, VillageExitStage


@transaction.atomic
def seed_quality_examples(*, rng, demo, log) -> None:
    today = timezone.localdate()
    township = demo.townships[0]
    admin = User.objects.filter(role=Role.COUNTY_ADMIN).order_by("pk").first()
    staff = User.objects.filter(role=Role.TOWNSHIP, area=township).order_by("pk").first() or admin
    if admin is None:
        return
    candidates = list(
        Household.objects.filter(status__in=["0", "3"]).exclude(exit_reviews__year=today.year)
        .order_by("pk")[:40]
    )
    rng.shuffle(candidates)
    if len(candidates) < 3:
        return
    start = today - timedelta(days=20)
    short, inverted, uninsured = candidates[:3]
    ExitReview.objects.bulk_create([
        # A 公示 of three days, declared 期满.
        ExitReview(household=short, year=today.year, stage=ExitStage.PUBLICIZED, stage_date=start + timedelta(days=2),
                   proposed_on=start - timedelta(days=6), verified_on=start - timedelta(days=4), food_secure=True,
                   clothing_secure=True, consented_on=start - timedelta(days=3), publicity_start=start,
                   publicity_end=start + timedelta(days=2), votes_for=28, created_by=staff),
        # 户主认可 entered before the home visit.
        ExitReview(household=inverted, year=today.year, stage=ExitStage.CONSENTED, stage_date=start,
                   proposed_on=start - timedelta(days=5), verified_on=start, food_secure=True, clothing_secure=True,
                   consented_on=start - timedelta(days=3), votes_for=31, created_by=staff),
        ExitReview(household=uninsured, year=today.year, stage=ExitStage.PROPOSED, stage_date=start, proposed_on=start,
                   votes_for=25, created_by=staff),
    ])
    made = 3
    made += Member.objects.filter(
        pk__in=Member.objects.filter(household=uninsured, left_date__isnull=True).order_by("pk").values("pk")[:1]
    ).update(medical_insurance=False)
    taken = set(VillageExit.objects.filter(year=today.year).values_list("village_id", flat=True))
    village = next((v for v in demo.villages if v.rural_population and v.pk not in taken), None)
    if village is not None:
        announced = today - timedelta(days=5)
        VillageExit.objects.bulk_create([VillageExit(
            village=village, year=today.year, stage=VillageExitStage.ANNOUNCED, stage_date=announced,
            proposed_on=announced - timedelta(days=30), proposed_by=staff, poor_people=5,
            rural_population=village.rural_population, incidence_rate=Decimal("0.40"), rate_limit=Decimal("3.00"),
            households_short=0, approved_on=announced - timedelta(days=10), publicity_start=announced - timedelta(days=2),
            announced_on=announced,
        )])
        made += 1
    log(f"数据质量示例（脱贫退出）：{made} 条记录")
