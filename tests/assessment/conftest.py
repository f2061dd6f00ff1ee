"""An exit review's world: household X (village X, township A) meeting every
criterion for this year, and helpers walking a review to any stage with the
right user for each step (village X cadre, township A staff, county admin)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import services
from households.models import AnnualStandard, Income

TODAY = timezone.localdate()
# Every step a day apart, 公示 seven days, ending today at the latest.
START = TODAY - timedelta(days=30)
YEAR = START.year
LINE = Decimal("4600.00")


def ensure_standard(year: int = YEAR) -> AnnualStandard:
    standard, _ = AnnualStandard.objects.get_or_create(
        year=year, province="陕西省", defaults={"poverty_line": LINE, "monitoring_line": Decimal("7500.00")}
    )
    return standard


def add_income(household, per_capita, year: int = YEAR) -> Income:
    return Income.objects.update_or_create(
        household=household, year=year, defaults={"household_size": 1, "net_income_per_capita": Decimal(per_capita)},
    )[0]


@pytest.fixture
def ready(households):
    """Household X, above this year's line by 1,000 元, every 保障 in place."""
    standard = ensure_standard()
    add_income(households.x, standard.poverty_line + 1000)
    return households.x


def day(n: int):
    return START + timedelta(days=n)


STEPS = ["proposed", "verified", "consented", "publicity", "publicized", "township_approved", "county_approved", "announced"]


def walk(personas, household, to: str = "announced", year: int = YEAR):
    """Take a review of ``household`` through the stages up to ``to``, each
    step by its level: 村 (X), 乡镇 (A), 县."""
    village, township, county = personas.village_x, personas.township_a, personas.county_admin
    review = services.review_propose(actor=village, household=household, year=year, day=day(0), votes_for=31, votes_against=2, votes_abstain=1)
    plan = [
        ("verified", lambda r: services.review_verify(actor=village, review=r, day=day(1), food_secure=True, clothing_secure=True)),
        ("consented", lambda r: services.review_consent(actor=village, review=r, day=day(2))),
        ("publicity", lambda r: services.review_publicity_start(actor=village, review=r, day=day(3))),
        ("publicized", lambda r: services.review_publicity_end(actor=village, review=r, day=day(9))),
        ("township_approved", lambda r: services.review_township(actor=township, review=r, day=day(10), approve=True)),
        ("county_approved", lambda r: services.review_county(actor=county, review=r, day=day(11), approve=True)),
        ("announced", lambda r: services.review_announce(actor=county, review=r, day=day(12))),
    ]
    for stage, step in plan:
        if STEPS.index(stage) > STEPS.index(to):
            break
        review = step(review)
    return review
