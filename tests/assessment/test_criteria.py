"""The seven exit criteria, each with its reason, on the edge cases the
county checks most: a child's age on the review date, income exactly at the
line, a relocated household whose old house is graded D."""

from datetime import date
from decimal import Decimal

import pytest

from assessment import criteria
from households.models import AnnualStandard, Income, Member
from tests.conftest import make_household

pytestmark = pytest.mark.django_db

REVIEW_DAY = date(2020, 9, 1)


@pytest.fixture
def household(areas):
    return make_household(areas.village_x, "6104991012010101", "张大伟", "610499198003150011")


def child(household, born: date, name="张小明", **extra):
    return Member.objects.create(
        household=household, name=name, disability_cert_number="残证-" + name, relation="之子", birth_date=born,
        medical_insurance=True, serious_illness_insurance=True, **extra,
    )


def judge(household, on=REVIEW_DAY, per_capita="4500.00", year=2020, **attested):
    standard = AnnualStandard.objects.get(year=year, province="陕西省")  # 2020 line: 4,000 元
    income = Income(household=household, year=year, household_size=1, net_income_per_capita=Decimal(per_capita)) if per_capita else None
    checks = criteria.household_criteria(
        household=household, members=list(household.members.all()), year=year, on=on, income=income, standard=standard,
        **({"food_secure": True, "clothing_secure": True} | attested),
    )
    return {check.key: check for check in checks}


def test_there_are_seven_criteria_in_the_printed_order(household):
    checks = judge(household)
    assert list(checks) == ["income", "food", "clothing", "education", "medical", "housing", "water"]
    assert criteria.all_met(checks.values())


def test_a_child_of_15_on_the_review_date_must_be_in_school(household):
    child(household, born=date(2005, 9, 2))  # 14 on 2020-09-01, 15 the next day
    assert judge(household).get("education").ok is False
    child_15 = judge(household, on=date(2020, 9, 2))["education"]
    assert child_15.ok is False
    assert child_15.reason == "适龄未在校：张小明（15岁，在校生状况为空，无免学缓学说明）"


def test_a_child_turning_16_on_the_review_date_is_past_compulsory_age(household):
    child(household, born=date(2004, 9, 1))
    assert judge(household, on=date(2020, 8, 31))["education"].ok is False  # still 15
    assert judge(household, on=date(2020, 9, 1))["education"].ok is True  # 16 that day


def test_a_child_in_school_or_exempted_passes(household):
    child(household, born=date(2007, 3, 1), name="张小明", school_status="初中")
    child(household, born=date(2009, 3, 1), name="张小红", school_exemption="重度残疾，送教上门")
    assert judge(household)["education"].ok is True


def test_income_exactly_at_the_line_is_not_above_it(household):
    at_line = judge(household, per_capita="4000.00")["income"]
    assert at_line.ok is False
    assert at_line.reason == "2020 年人均纯收入 4,000.00 元，等于当年扶贫标准 4,000.00 元，须高于标准"
    one_fen_above = judge(household, per_capita="4000.01")["income"]
    assert one_fen_above.ok is True
    below = judge(household, per_capita="3812.40")["income"]
    assert below.reason == "2020 年人均纯收入 3,812.40 元，低于当年扶贫标准 4,000.00 元"


def test_without_the_years_income_the_income_criterion_cannot_be_judged(household):
    check = judge(household, per_capita=None)["income"]
    assert check.ok is None and "尚无 2020 年收入测算" in check.reason


def test_a_relocated_household_with_a_d_grade_old_house_has_safe_housing(household):
    household.housing_safety = "D级危房"
    household.relocated = True
    household.relocation_date = date(2019, 6, 1)
    check = judge(household)["housing"]
    assert check.ok is True
    assert check.reason == "易地扶贫搬迁，2019-06-01 入住安置房，原住房D级危房"


def test_a_d_grade_house_without_moving_in_fails(household):
    household.housing_safety = "D级危房"
    household.relocated = True
    household.relocation_date = date(2020, 12, 1)  # not yet moved in on the review date
    check = judge(household)["housing"]
    assert check.ok is False and check.reason == "住房：D级危房"


def test_food_and_clothing_wait_for_the_home_visit(household):
    checks = judge(household, food_secure=None, clothing_secure=None)
    assert checks["food"].ok is None and checks["food"].reason == "待入户核实"
    assert not criteria.all_met(checks.values())
    assert criteria.unmet_reasons(checks.values()) == ["不愁吃：待入户核实", "不愁穿：待入户核实"]


def test_medical_insurance_and_water(household):
    Member.objects.filter(household=household).update(serious_illness_insurance=False)
    household.safe_drinking_water = False
    checks = judge(household)
    assert checks["medical"].ok is False and "张大伟" in checks["medical"].reason
    assert checks["water"].ok is False and checks["water"].reason == "饮水不安全"


def test_a_snapshot_reads_back_the_same(household):
    checks = list(judge(household).values())
    assert criteria.from_snapshot(criteria.snapshot(checks)) == checks
