"""Demo exits for seed_demo: this year's household exit reviews at every
stage (objections, returns and an ended attempt included) in the villages
that have village accounts, and villages at each stage of village exit.

Rows are written directly (the seeder builds a past that happened), but
consistently with the procedure: each step by its level's demo account,
dated in order; households at 核实 or later meet every criterion on the day
and carry the snapshot; announced ones are 已脱贫 with this year as 脱贫年度.
Deterministic per ``rng``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.db import transaction

from households.models import AnnualStandard, Household, HouseholdStatus, Income, Member
from households.selectors.income import county_province
from povertyrelief.demo import DEMO_SEEDERS
from povertyrelief.models import Role, User

from . import criteria
from .models import (
    STAGE_DATE_FIELDS,
    ExitObjection,
    ExitReview,
    ExitStage,
    ExitStep,
    VillageChecklistItem,
    VillageChecklistResult,
    VillageExit,
)

STAGES = [s for s in ExitStage.values if s != ExitStage.ENDED]
VILLAGE_STAGES = ["proposed", "approved", "publicity", "announced", "returned"]
OBJECTIONS = ["反映该户家中有经营性货车，收入可能未计全", "反映该户子女在外务工收入较高", "反映该户新建住房，资金来源不明"]


def _actors(village) -> dict[str, User | None]:
    users = {u.role: u for u in User.objects.filter(area=village, role=Role.VILLAGE)[:1]}
    users.update({u.role: u for u in User.objects.filter(area_id=village.parent_id, role=Role.TOWNSHIP)[:1]})
    users.update({u.role: u for u in User.objects.filter(role=Role.COUNTY_ADMIN).order_by("pk")[:1]})
    return {"village": users.get(Role.VILLAGE), "township": users.get(Role.TOWNSHIP), "county": users.get(Role.COUNTY_ADMIN)}


def _make_eligible(household: Household, year: int, line: Decimal, rng) -> list[Member]:
    """The record as the year's verification found it: 保障 in place and the
    year's income above the line."""
    Household.objects.filter(pk=household.pk).update(housing_safety="安全", safe_drinking_water=True)
    household.housing_safety, household.safe_drinking_water = "安全", True
    Member.objects.filter(household=household, left_date__isnull=True).update(medical_insurance=True, serious_illness_insurance=True)
    members = list(Member.objects.filter(household=household).order_by("pk"))
    for member in members:
        if member.left_date is None:
            member.medical_insurance = member.serious_illness_insurance = True
            if not member.school_status and member.birth_date and 6 <= member.age_on(date.today()) <= 15:
                member.school_status = "初中" if member.age_on(date.today()) >= 12 else "小学"
                member.save(update_fields=["school_status"])
    per_capita = (line * Decimal(str(rng.uniform(1.15, 1.6)))).quantize(Decimal("0.01"))
    size = max(household.member_count, 1)
    Income.objects.update_or_create(
        household=household, year=year,
        defaults={"household_size": size, "wage_migrant_work": per_capita * size, "total_income": per_capita * size,
                  "net_income": per_capita * size, "net_income_per_capita": per_capita},
    )
    return members


def _review(rng, household, stage: str, year: int, start: date, actors, standard) -> ExitReview:
    members = _make_eligible(household, year, standard.poverty_line, rng)
    income = Income.objects.get(household=household, year=year)
    review = ExitReview(household=household, year=year, stage=ExitStage.PROPOSED, stage_date=start, proposed_on=start,
                        votes_for=rng.randint(25, 40), votes_against=rng.randint(0, 3), votes_abstain=rng.randint(0, 2),
                        created_by=actors["village"])
    steps = [(ExitStage.PROPOSED, start, actors["village"], "村民代表大会评议")]
    offsets = {ExitStage.VERIFIED: 2, ExitStage.CONSENTED: 4, ExitStage.PUBLICITY: 5, ExitStage.PUBLICIZED: 11,
               ExitStage.TOWNSHIP_APPROVED: 14, ExitStage.COUNTY_APPROVED: 20, ExitStage.ANNOUNCED: 25}
    level = {ExitStage.TOWNSHIP_APPROVED: "township", ExitStage.COUNTY_APPROVED: "county", ExitStage.ANNOUNCED: "county"}
    for reached in STAGES[1:STAGES.index(stage) + 1]:
        day = start + timedelta(days=offsets[reached])
        setattr(review, STAGE_DATE_FIELDS[reached], day)
        review.stage, review.stage_date = reached, day
        steps.append((reached, day, actors[level.get(reached, "village")], ""))
        if reached == ExitStage.VERIFIED:
            checks = criteria.household_criteria(household=household, members=members, year=year, on=day, income=income,
                                                  standard=standard, food_secure=True, clothing_secure=True, attested_on=day)
            review.food_secure = review.clothing_secure = True
            review.criteria = criteria.snapshot(checks)
    review.save()
    ExitStep.objects.bulk_create(ExitStep(review=review, stage=s, date=d, actor=a, note=n) for s, d, a, n in steps)
    if stage == ExitStage.ANNOUNCED:
        Household.objects.filter(pk=household.pk).update(status=HouseholdStatus.OUT_WITH_POLICY, exit_year=year)
    return review


def _objection(rng, review, actor, upheld: bool | None) -> None:
    received = review.publicity_start + timedelta(days=2)
    objection = ExitObjection(review=review, received_on=received, content=rng.choice(OBJECTIONS), recorded_by=actor)
    if upheld is not None:
        objection.decision = "upheld" if upheld else "rejected"
        objection.decided_on = received + timedelta(days=2)
        objection.decision_note = "经村两委和驻村工作队核实，情况属实，该户收入测算未计入该项收入" if upheld else "经入户核实，反映情况与事实不符"
    objection.save()
    if upheld:
        ExitReview.objects.filter(pk=review.pk).update(stage=ExitStage.ENDED, stage_date=objection.decided_on,
                                                       end_reason=f"公示异议成立：{objection.decision_note}")
        ExitStep.objects.create(review=review, stage=ExitStage.ENDED, action="ended", date=objection.decided_on, actor=actor,
                                note=objection.decision_note)


# Where each seeded review stands, in turn: every stage, an attempt ended by
# an upheld objection, one returned by the township, objections decided either way.
CYCLE = [*STAGES, "ended", "returned", "objected"]


def seed_household_exits(rng, demo, year: int, standard) -> int:
    villages = [v for v in demo.villages if User.objects.filter(area=v, role=Role.VILLAGE).exists()]
    today = date.today()
    chosen = []
    for village in villages:
        poor = Household.objects.filter(
            village=village, registered=True, status__in=[HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED]
        ).order_by("number")
        chosen.extend((village, household) for household in poor[:3])
    actors_of = {}
    for count, (village, household) in enumerate(chosen):
        actors = actors_of.setdefault(village.pk, _actors(village))
        kind = CYCLE[count % len(CYCLE)]
        stage = kind if kind in STAGES else ExitStage.PUBLICITY
        review = _review(rng, household, stage, year, today - timedelta(days=rng.randint(30, 60)), actors, standard)
        if kind == "ended":
            _objection(rng, review, actors["village"], upheld=True)
        elif kind == "objected":
            _objection(rng, review, actors["village"], upheld=None if rng.random() < 0.5 else False)
        elif kind == "returned":
            # Returned once by the township: the 公示 has to close again.
            day = review.publicity_start + timedelta(days=7)
            reason = "公示照片和评议记录缺少村民代表签字，请补齐后重新确认公示期满"
            ExitReview.objects.filter(pk=review.pk).update(return_reason=reason, stage_date=day)
            ExitStep.objects.create(review=review, stage=ExitStage.TOWNSHIP_APPROVED, action="returned", date=day,
                                    actor=actors["township"], note=reason)
    return len(chosen)


def seed_village_exits(rng, demo, year: int) -> int:
    """Villages at each stage of exit, among those whose incidence is under the limit."""
    from .selectors import guarantee_failure, incidence_rate

    standard_limit = AnnualStandard.objects.filter(year=year, province=county_province()).values_list("village_exit_max_rate", flat=True).first() or Decimal("3.00")
    items = list(VillageChecklistItem.objects.filter(active=True))
    today = date.today()
    made = 0
    for village in demo.villages:
        if made >= len(VILLAGE_STAGES) * 2:
            break
        households = Household.objects.filter(village=village, registered=True)
        poor = sum(households.filter(status__in=["0", "3"]).values_list("member_count", flat=True))
        rate = incidence_rate(poor, village.rural_population)
        if rate is None or rate >= standard_limit or households.filter(guarantee_failure(today)).exists():
            continue
        township = User.objects.filter(area_id=village.parent_id, role=Role.TOWNSHIP).first()
        stage = VILLAGE_STAGES[made % len(VILLAGE_STAGES)]
        start = today - timedelta(days=rng.randint(20, 40))
        record = VillageExit(village=village, year=year, stage=stage, stage_date=start, proposed_on=start, proposed_by=township,
                             poor_people=poor, rural_population=village.rural_population, incidence_rate=rate,
                             rate_limit=standard_limit, households_short=0)
        if stage in ("approved", "publicity", "announced"):
            record.approved_on = record.stage_date = start + timedelta(days=3)
        if stage in ("publicity", "announced"):
            record.publicity_start = record.stage_date = start + timedelta(days=5)
        if stage == "announced":
            record.announced_on = record.stage_date = start + timedelta(days=14)
        if stage == "returned":
            record.stage_date = start + timedelta(days=3)
            record.return_reason = "村集体经济收入账目未附乡镇经管站审核意见"
        record.save()
        VillageChecklistResult.objects.bulk_create(
            VillageChecklistResult(village_exit=record, item=item, met=True, note="已达到") for item in items
        )
        made += 1
    return made


def seed_exits(*, rng, demo, households: int, log) -> None:
    if households <= 0:
        return
    year = date.today().year
    standard = AnnualStandard.objects.filter(year=year, province=county_province()).first()
    if standard is None:
        return
    # Seeded history, like the other seeders' bulk rows: not an audited change.
    with transaction.atomic(), disable_auditlog():
        reviews = seed_household_exits(rng, demo, year, standard)
        villages = seed_village_exits(rng, demo, year)
    log(f"脱贫退出：{year}年退出评议 {reviews} 户（各环节），贫困村退出 {villages} 个")


if seed_exits not in DEMO_SEEDERS:
    DEMO_SEEDERS.append(seed_exits)
