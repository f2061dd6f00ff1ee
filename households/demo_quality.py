"""Showcase for the data-quality finder: in the demo county (seed_demo
command only), a few records of the first two townships are made to break
each registry rule, the way real data goes wrong (typos, a cadre's pairing
ended without a successor, a 公示 cut short). Written with queryset updates
and bulk inserts, like the rest of the demo: no audit entries.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from povertyrelief.validators import id_check_char

from .models import AnnualStandard, Assignment, Household, Income, Measure, Member, Monitoring
from .quality import years_before
from .selectors.income import standard_in_force

PER_RULE = 3


def _pick(rng, queryset, count: int = PER_RULE) -> list:
    """A deterministic handful of rows (the first 200 by pk, shuffled by the seed)."""
    rows = list(queryset.order_by("pk")[:200])
    rng.shuffle(rows)
    return rows[:count]


def _new_id(birth: date, sex: str, taken) -> str:
    """A valid ID for ``birth`` and ``sex`` no member carries yet."""
    for sequence in range(991 if sex == "男" else 990, 0, -2):
        first17 = f"610499{birth:%Y%m%d}{sequence:03d}"
        number = first17 + id_check_char(first17)
        if not taken(number):
            return number
    raise RuntimeError("no free ID sequence")


@transaction.atomic
def seed_quality_examples(*, rng, demo, log) -> None:
    today = timezone.localdate()
    villages = [v.pk for v in demo.villages if v.parent_id in {t.pk for t in demo.townships[:2]}]
    households = Household.objects.filter(village_id__in=villages)
    members = Member.objects.filter(household__village_id__in=villages, left_date__isnull=True)
    poor = households.filter(status__in=["0", "3"])
    exited = households.filter(status__in=["1", "4"], exit_year__isnull=False)
    made = 0

    # 一超过 not met in the exit year: the migrant work income was overstated.
    measured = Income.objects.filter(household=OuterRef("pk"), year=OuterRef("exit_year"))
    for household in _pick(rng, exited.filter(Exists(measured))):
        income = Income.objects.filter(household=household, year=household.exit_year).first()
        if income is None:
            continue
        line = standard_in_force(year=income.year).poverty_line
        income.wage_migrant_work = Decimal("0.00")
        income.compute(AnnualStandard.objects.filter(year=income.year).first())
        while income.net_income_per_capita > line:
            biggest = max(("prod_grain", "prod_cash_crop", "prod_livestock", "trans_other"), key=lambda f: getattr(income, f))
            setattr(income, biggest, (getattr(income, biggest) / 2).quantize(Decimal("0.01")))
            income.compute(AnnualStandard.objects.filter(year=income.year).first())
            if getattr(income, biggest) < 1:
                break
        fields = ["wage_migrant_work", "prod_grain", "prod_cash_crop", "prod_livestock", "trans_other",
                  "total_income", "production_cost_used", "net_income", "net_income_per_capita"]
        Income.objects.filter(pk=income.pk).update(**{f: getattr(income, f) for f in fields})
        made += 1
    # Exited without a 脱贫年度 (an import that lost the column).
    made += Household.objects.filter(pk__in=[h.pk for h in _pick(rng, exited.filter(status="1").exclude(Exists(measured)))]).update(
        exit_year=None
    )
    # A cadre's pairing ended with no successor.
    for household in _pick(rng, poor):
        made += Assignment.objects.filter(household=household, end_date__isnull=True).update(
            end_date=today - timedelta(days=40), end_reason="工作调动"
        )
    # A house graded D with no 危房改造 or 搬迁 planned.
    remedied = Measure.objects.filter(household=OuterRef("pk"), category__group__in=["危房改造", "易地扶贫搬迁"])
    made += households.filter(pk__in=[h.pk for h in _pick(rng, poor.filter(~Exists(remedied), relocated=False))]).update(
        housing_safety="D级危房"
    )
    made += _members(rng, today, members, poor)
    made += _monitoring(rng, households)
    log(f"数据质量示例（建档立卡）：{made} 条记录")


def _members(rng, today: date, members, poor) -> int:
    made = 0
    taken = lambda number: Member.objects.filter(id_number=number).exists()  # noqa: E731
    school_age = members.filter(birth_date__lte=years_before(today, 6), birth_date__gt=years_before(today, 16))
    made += Member.objects.filter(pk__in=[m.pk for m in _pick(rng, school_age)]).update(school_status="")
    # Not insured, in a household due to exit this year.
    for member in _pick(rng, members.filter(household__in=poor)):
        Household.objects.filter(pk=member.household_id).update(planned_exit_year=today.year)
        made += Member.objects.filter(pk=member.pk).update(medical_insurance=False)
    # Typing errors: a birth year of 1919 (ID typed to match), a head born ten years ago.
    for member, birth in (
        *((m, m.birth_date.replace(year=1919)) for m in _pick(rng, members.filter(birth_date__lte=years_before(today, 70)), 2)),
        *((m, years_before(today, 10)) for m in _pick(rng, members.filter(relation="户主"), 2)),
    ):
        made += Member.objects.filter(pk=member.pk).update(birth_date=birth, id_number=_new_id(birth, member.sex, taken))
    # The record's sex and birth date disagree with the ID.
    for member in _pick(rng, members.filter(birth_date__isnull=False, sex__in=["男", "女"])):
        made += Member.objects.filter(pk=member.pk).update(
            sex="女" if member.sex == "男" else "男", birth_date=member.birth_date + timedelta(days=31)
        )
    # A person recorded as dead in one household, alive in another.
    for member in _pick(rng, members.exclude(relation="户主"), 2):
        other = poor.exclude(pk=member.household_id).order_by("pk").first()
        if other is None:
            continue
        Member.objects.bulk_create([Member(
            household=other, name=member.name, id_number=member.id_number, relation="其他", sex=member.sex,
            birth_date=member.birth_date, left_date=date(2019, 5, 1), left_reason="死亡", left_note="户籍注销",
        )])
        made += 1
    return made


def _monitoring(rng, households) -> int:
    made = 0
    cases = Monitoring.objects.filter(household__in=households, checked_on__isnull=False, reviewed_on__isnull=False)
    for case in _pick(rng, cases, 2):
        made += Monitoring.objects.filter(pk=case.pk).update(reviewed_on=case.checked_on - timedelta(days=2))
    publicized = Monitoring.objects.filter(household__in=households, publicity_start__isnull=False, publicity_end__isnull=False)
    for case in _pick(rng, publicized, 2):
        made += Monitoring.objects.filter(pk=case.pk).update(publicity_end=case.publicity_start + timedelta(days=2))
    return made
