"""Every data-quality rule, with one record that breaks it and one that
does not. A rule registered without a case here fails the last test."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment.models import ExitReview, VillageExit
from funds.models import ProjectStage, ProjectStep
from households.models import Assignment, Cadre, Household, Income, Measure, MeasureCategory, Member, Monitoring
from households.quality import years_before
from households.selectors.income import standard_in_force
from povertyrelief.dashboard import MapScope, quality_rule_get, quality_rules
from povertyrelief.models import User
from tests.dashboard.conftest import household, monitoring_case, new_id
from tests.funds.conftest import make_allocation, make_project, make_source, record

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def member(target, birth: date, **extra):
    values = dict(household=target, name="王小明", id_number=new_id(birth), relation="之子", sex="男", birth_date=birth,
                  medical_insurance=True, serious_illness_insurance=True)
    values.update(extra)
    return Member.objects.create(**values)


def _income_at(ctx, per_capita_above_line: str):
    target = household(ctx.areas.village_x, f"61049910120199{len(ctx.made):02d}", status="1", exit_year=2020)
    ctx.made.append(target)
    line = standard_in_force(year=2020).poverty_line
    return Income.objects.create(
        household=target, year=2020, household_size=1, net_income_per_capita=line + Decimal(per_capita_above_line)
    )


def exit_income(ctx):
    return _income_at(ctx, "0.00"), _income_at(ctx, "0.01")  # at the line; one fen above


def years(ctx):
    return (household(ctx.areas.village_x, "6104991012019001", status="1", exit_year=None),
            household(ctx.areas.village_x, "6104991012019002", status="1", exit_year=2020))


def cadre(ctx):
    good = household(ctx.areas.village_x, "6104991012019003")
    person = Cadre.objects.create(name="周干部", unit="县财政局", unit_level="县直", phone="13900000000", area=ctx.areas.county)
    Assignment.objects.create(household=good, cadre=person, start_date=date(2020, 1, 1))
    return ctx.households.x, good


def housing(ctx):
    bad = household(ctx.areas.village_x, "6104991012019004", housing_safety="D级危房")
    good = household(ctx.areas.village_x, "6104991012019005", housing_safety="C级危房")
    Measure.objects.create(household=good, year=TODAY.year, category=MeasureCategory.objects.filter(group="危房改造").first(),
                           content="C级危房加固")
    return bad, good


def school(ctx):
    ten = years_before(TODAY, 10)
    return (member(ctx.households.x, ten),
            member(ctx.households.y, ten, school_exemption="重度残疾，送教上门"))


def school_leaving_age(ctx):
    return member(ctx.households.x, years_before(TODAY, 16) + timedelta(days=1)), member(ctx.households.y, years_before(TODAY, 16))


def review(target, stage="proposed", **dates):
    start = dates.pop("proposed_on", TODAY - timedelta(days=20))
    return ExitReview.objects.create(household=target, year=TODAY.year, stage=stage, stage_date=start, proposed_on=start,
                                     created_by=User.objects.get(username="admin1"), **dates)


def insurance(ctx):
    under_review = household(ctx.areas.village_x, "6104991012019006")
    announced = household(ctx.areas.village_x, "6104991012019007")
    review(under_review)
    review(announced, stage="announced", county_approved_on=TODAY - timedelta(days=2), announced_on=TODAY - timedelta(days=1))
    return member(under_review, date(1990, 1, 1), medical_insurance=False), member(announced, date(1990, 1, 1), medical_insurance=False)


def review_order(ctx):
    verified = dict(food_secure=True, clothing_secure=True)
    bad = review(ctx.households.x, "consented", verified_on=TODAY - timedelta(days=10), consented_on=TODAY - timedelta(days=12), **verified)
    good = review(ctx.households.y, "consented", verified_on=TODAY - timedelta(days=10), consented_on=TODAY - timedelta(days=10), **verified)
    return bad, good


def review_publicity(ctx):
    start = TODAY - timedelta(days=12)
    days = standard_in_force(year=start.year).exit_publicity_days
    bad = review(ctx.households.x, "publicized", publicity_start=start, publicity_end=start + timedelta(days=days - 2))
    good = review(ctx.households.y, "publicized", publicity_start=start, publicity_end=start + timedelta(days=days - 1))
    return bad, good


def village_exit(ctx, village, publicity_days: int):
    announced = TODAY - timedelta(days=1)
    return VillageExit.objects.create(
        village=village, year=TODAY.year, stage="announced", stage_date=announced, proposed_on=announced - timedelta(days=30),
        proposed_by=ctx.personas.township_a, poor_people=1, rural_population=village.rural_population,
        incidence_rate=Decimal("0.10"), rate_limit=Decimal("3.00"), households_short=0,
        publicity_start=announced - timedelta(days=publicity_days - 1), announced_on=announced,
    )


def village_publicity(ctx):
    days = standard_in_force(year=TODAY.year).exit_publicity_days
    return village_exit(ctx, ctx.areas.village_x, days - 1), village_exit(ctx, ctx.areas.village_y, days)


def over_100(ctx):
    return member(ctx.households.x, years_before(TODAY, 101)), member(ctx.households.y, years_before(TODAY, 100))


def head_age(ctx):
    young = household(ctx.areas.village_x, "6104991012019008")
    grown = household(ctx.areas.village_x, "6104991012019009")
    Member.objects.filter(household__in=[young, grown]).delete()
    return (member(young, years_before(TODAY, 15), relation="户主"),
            member(grown, years_before(TODAY, 16), relation="户主"))


def id_record(ctx):
    birth = date(1988, 11, 23)
    return member(ctx.households.x, birth, sex="女"), member(ctx.households.y, birth, sex="男")


def id_birth(ctx):
    birth = date(1988, 11, 23)
    wrong = member(ctx.households.x, birth)
    Member.objects.filter(pk=wrong.pk).update(birth_date=date(1988, 11, 24))
    return wrong, member(ctx.households.y, birth)


def same_id(ctx):
    dead = member(ctx.households.x, date(1980, 1, 1))
    moved = member(ctx.households.x, date(1981, 1, 1))
    reappeared = Member.objects.create(household=ctx.households.z, name="王小明", id_number=dead.id_number, relation="其他",
                                       left_date=date(2019, 5, 1), left_reason="死亡")
    moved_out = Member.objects.create(household=ctx.households.z, name="王小明", id_number=moved.id_number, relation="其他",
                                      left_date=date(2019, 5, 1), left_reason="迁出")
    return reappeared, moved_out


def monitoring_order(ctx):
    bad = monitoring_case(ctx.households.x, days_ago=30, checked_on=TODAY - timedelta(days=25),
                          reviewed_on=TODAY - timedelta(days=28), stage="reviewed")
    good = monitoring_case(ctx.households.y, days_ago=30, checked_on=TODAY - timedelta(days=25),
                           reviewed_on=TODAY - timedelta(days=25), stage="reviewed")
    return bad, good


def publicity(ctx):
    start = TODAY - timedelta(days=20)
    days = standard_in_force(year=start.year).monitoring_publicity_days
    bad = monitoring_case(ctx.households.x, days_ago=30, publicity_start=start, publicity_end=start + timedelta(days=days - 2),
                          stage="publicized")
    good = monitoring_case(ctx.households.y, days_ago=30, publicity_start=start, publicity_end=start + timedelta(days=days - 1),
                           stage="publicized")
    return bad, good


def disbursement(ctx):
    admin = ctx.personas.county_admin
    allocation = make_allocation(admin, make_source(admin), make_project(admin, [ctx.areas.village_x]))
    bad = record(admin, allocation, day=TODAY - timedelta(days=31), voucher_number="记-0031")
    good = record(admin, allocation, day=TODAY - timedelta(days=29), voucher_number="记-0029")
    return bad, good


def project_late(ctx):
    admin = ctx.personas.county_admin
    late = make_project(admin, [ctx.areas.village_x], stage=ProjectStage.IN_PROGRESS)
    current = make_project(admin, [ctx.areas.village_x], stage=ProjectStage.IN_PROGRESS, name="今年的项目")
    type(current).objects.filter(pk=current.pk).update(year=TODAY.year)
    return late, current


def project_steps(ctx):
    admin = ctx.personas.county_admin
    bad = make_project(admin, [ctx.areas.village_x])
    good = make_project(admin, [ctx.areas.village_x], name="顺序正确的项目")
    reserve = ProjectStep.objects.get(project=bad, stage=ProjectStage.RESERVE)
    ProjectStep.objects.filter(project=bad, stage=ProjectStage.APPROVED).update(date=reserve.date - timedelta(days=5))
    return bad, good


CASES = {
    "exit_income_at_or_below_line": [exit_income],
    "years_inconsistent": [years],
    "no_current_cadre": [cadre],
    "unsafe_housing_without_measure": [housing],
    "school_age_out_of_school": [school, school_leaving_age],
    "member_over_100": [over_100],
    "head_under_16": [head_age],
    "id_disagrees_with_record": [id_record, id_birth],
    "same_id_in_two_households": [same_id],
    "monitoring_steps_out_of_order": [monitoring_order],
    "monitoring_publicity_too_short": [publicity],
    "disbursement_unconfirmed": [disbursement],
    "project_overdue_in_progress": [project_late],
    "project_steps_out_of_order": [project_steps],
    "review_member_without_medical_insurance": [insurance],
    "exit_review_steps_out_of_order": [review_order],
    "exit_publicity_too_short": [review_publicity],
    "village_exit_publicity_too_short": [village_publicity],
}


@pytest.fixture
def ctx(areas, personas, households):
    Household.objects.filter(pk__in=[households.y.pk, households.z.pk]).update(status="0")
    return type("Ctx", (), dict(areas=areas, personas=personas, households=households, made=[]))


@pytest.mark.parametrize("code, build", [(code, build) for code, builds in CASES.items() for build in builds])
def test_the_rule_flags_the_breaking_record_and_not_the_other(ctx, code, build):
    bad, good = build(ctx)
    rule = quality_rule_get(code)
    scope = MapScope(actor=ctx.personas.county_admin, area=ctx.areas.county, year=TODAY.year, today=TODAY)
    flagged = set(rule.flagged(scope).values_list("pk", flat=True))
    assert bad.pk in flagged and good.pk not in flagged, (bad, good, flagged)
    record = rule.records(scope).get(pk=bad.pk)
    assert rule.detail(record) and rule.label(record)
    assert record.get_absolute_url()


def test_every_registered_rule_is_tested_here():
    assert set(CASES) == {rule.code for rule in quality_rules()}
