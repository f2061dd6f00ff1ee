"""A household measure shows where its money came from, on the household
page and on the 明白卡, read in one query for all the measures shown."""

from datetime import date

import pytest

from funds import services
from tests.funds.conftest import make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded_measure(personas, households):
    from households.models import Measure, MeasureCategory

    category = MeasureCategory.objects.get(group="教育扶贫", name="雨露计划")
    measure = Measure.objects.create(household=households.x, year=2024, category=category, content="雨露计划补助", amount=3000)
    central = make_source(personas.county_admin, "2000.00", name="中央衔接资金")
    donation = make_source(personas.county_admin, "5000.00", level="donation", name="爱心企业捐赠")
    services.allocation_create(actor=personas.county_admin, source=central, target="measures", measures={measure: "2000.00"}, day=date(2024, 5, 1))
    services.allocation_create(actor=personas.county_admin, source=donation, target="measures", measures=[measure], day=date(2024, 5, 2))
    return measure


def test_the_card_prints_each_measures_sources_and_amounts(households, funded_measure, django_assert_max_num_queries):
    from households.models import Household
    from households.rendering import cards_html
    from households.selectors.printing import card_households, cards_build

    cards = cards_build(card_households(Household.objects.filter(pk=households.x.pk), year=2024), year=2024)
    # One query for the measures' sources, one for the year's exit reviews (the ticks).
    with django_assert_max_num_queries(2):
        html = cards_html(cards)
    assert "中央衔接资金（中央财政专项）2,000.00 元；爱心企业捐赠（社会捐赠）1,000.00 元" in html


def test_a_measure_without_funds_shows_a_dash_on_the_household_page(client_for, personas, households):
    from households.models import Measure, MeasureCategory

    category = MeasureCategory.objects.get(group="就业扶贫", name="公益岗位")
    Measure.objects.create(household=households.x, year=2024, category=category, content="村保洁员", amount=6000)
    page = client_for(personas.village_x).get(households.x.get_absolute_url()).content.decode()
    assert "<th>资金来源</th>" in page


def test_the_allocation_form_lists_the_villages_measures_to_tick(client_for, personas, households):
    from django.urls import reverse

    from households.models import Measure, MeasureCategory

    category = MeasureCategory.objects.get(group="教育扶贫", name="雨露计划")
    Measure.objects.create(household=households.x, year=2024, category=category, content="雨露计划补助", amount=3000)
    url = reverse("funds:allocation_create") + f"?village={households.x.village_id}&year=2024"
    page = client_for(personas.county_admin).get(url).content.decode()
    assert f"{households.x.head_name}户（{households.x.number}）雨露计划：雨露计划补助，3,000.00 元" in page
