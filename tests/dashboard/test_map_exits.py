"""The exit procedure on the map: the year's reviews by stage, reviews in
progress by area, and villages announced out of poverty set against the
townships' village targets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment.models import ExitReview, VillageExit
from dashboard.models import AnnualTarget
from dashboard.selectors import area_map_compute

pytestmark = pytest.mark.django_db


def review(target, year, stage, actor):
    day = timezone.localdate() - timedelta(days=30)
    extra = {"county_approved_on": day, "announced_on": day} if stage == "announced" else {}
    return ExitReview.objects.create(household=target, year=year, stage=stage, stage_date=day, proposed_on=day,
                                     created_by=actor, **extra)


@pytest.fixture
def reviews(county, areas, personas, year):
    actor = personas.county_admin
    review(county.x_poor, year, "proposed", actor)
    review(county.y_planned, year, "publicity", actor)
    review(county.z_poor, year, "proposed", actor)
    review(county.x_out, year, "announced", actor)
    review(county.x_returned, year - 1, "proposed", actor)  # last year's: not counted
    announced = timezone.localdate() - timedelta(days=3)
    VillageExit.objects.create(
        village=areas.village_y, year=year, stage="announced", stage_date=announced, proposed_on=announced,
        proposed_by=personas.township_a, poor_people=0, rural_population=900, incidence_rate=Decimal("0.00"),
        rate_limit=Decimal("3.00"), households_short=0, publicity_start=announced - timedelta(days=10), announced_on=announced,
    )


def test_reviews_by_stage_count_each_household_once_with_its_people(reviews, county, areas, personas, year):
    data = area_map_compute(actor=personas.county_admin, area=areas.county, year=year)
    stages = dict(next(b for b in data.breakdowns if b.key == "exit_stages").rows)
    assert stages["民主评议"] == {"households": 2, "people": 3 + 6}
    assert stages["村内公示中"] == {"households": 1, "people": 2}
    assert stages["公告销号"] == {"households": 1, "people": 4}
    assert sum(values["households"] for values in stages.values()) == ExitReview.objects.filter(year=year).count()
    rows = {row.label: row.values for row in data.rows}
    assert rows["城关镇"]["exit_reviews_open"] == 2 and rows["清河镇"]["exit_reviews_open"] == 1


def test_villages_announced_count_against_the_village_target(reviews, areas, personas, year):
    AnnualTarget.objects.create(township=areas.township_a, year=year, households=1, people=1, villages=2)
    data = area_map_compute(actor=personas.county_admin, area=areas.county, year=year)
    a = next(row for row in data.targets if row.township == areas.township_a)
    assert a.villages == 1 and a.villages_percent == 50
    assert data.villages_done_label == "已退出"
    township = area_map_compute(actor=personas.township_a, area=areas.township_a, year=year)
    assert {row.label: row.values["exit_villages"] for row in township.rows} == {"张家沟村": 0, "李家湾村": 1}


def test_a_village_map_counts_only_its_own_reviews(reviews, areas, personas, year):
    data = area_map_compute(actor=personas.village_x, area=areas.village_x, year=year)
    stages = dict(next(b for b in data.breakdowns if b.key == "exit_stages").rows)
    assert stages["民主评议"]["households"] == 1 and stages["公告销号"]["households"] == 1
