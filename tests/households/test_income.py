"""收入测算: the arithmetic with real numbers, the form, and the household page section."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from households.models import INCOME_GROUPS, Household, Income
from households.selectors.income import income_rows, standards_by_year
from households.services.income import income_save

pytestmark = pytest.mark.django_db

ITEMS = [name for names in INCOME_GROUPS.values() for name in names]
THIS_YEAR = date.today().year


def form_data(**values):
    data = {name: "0" for name in ITEMS}
    data.update({"year": "2020", "production_cost": "", "household_size": ""})
    data.update({k: str(v) for k, v in values.items()})
    return data


def set_size(household, size):
    Household.objects.filter(pk=household.pk).update(member_count=size)
    household.refresh_from_db()


def test_estimated_cost_uses_the_years_coefficients_and_size_defaults_to_members(client_for, personas, households):
    set_size(households.x, 3)
    response = client_for(personas.village_x).post(
        reverse("households:income_create", args=[households.x.pk]),
        form_data(
            wage_migrant_work="18000", wage_public_post="6000",
            prod_grain="5000", prod_cash_crop="4000", prod_livestock="3000", prod_forestry_fruit="1000",
            prop_dividend="500", trans_dibao="3600", trans_pension="1200",
        ),
    )
    assert response.status_code == 302
    income = Income.objects.get(household=households.x, year=2020)
    # 2020 coefficients (seeded): 粮食 0.40, 经济作物 0.45, 畜禽 0.40, 林果 0.15.
    # 5000×0.40 + 4000×0.45 + 3000×0.40 + 1000×0.15 = 5150.00
    assert income.production_cost_used == Decimal("5150.00")
    assert income.total_income == Decimal("42300.00")
    assert income.net_income == Decimal("37150.00")
    assert income.household_size == 3
    # 37150 ÷ 3 = 12383.333… → 12383.33
    assert income.net_income_per_capita == Decimal("12383.33")
    assert isinstance(income.net_income_per_capita, Decimal)


def test_entered_cost_wins_over_the_estimate(personas, households):
    income = income_save(
        actor=personas.village_x,
        income=Income(household=households.x, year=2020, prod_grain=Decimal("5000"), production_cost=Decimal("800.00"), household_size=2),
    )
    assert income.production_cost_used == Decimal("800.00")
    assert income.net_income_per_capita == Decimal("2100.00")


def test_cost_estimate_and_per_capita_round_half_up_to_the_cent(personas, households):
    # 1234.57 × 0.40 = 493.828 → 493.83; (10000 + 1234.57 − 493.83) ÷ 3 = 3580.2466… → 3580.25
    income = income_save(
        actor=personas.village_x,
        income=Income(household=households.x, year=2020, wage_migrant_work=Decimal("10000"), prod_grain=Decimal("1234.57"), household_size=3),
    )
    assert income.production_cost_used == Decimal("493.83")
    assert income.net_income == Decimal("10740.74")
    assert income.net_income_per_capita == Decimal("3580.25")
    # 10000.01 ÷ 2 = 5000.005 → 5000.01 (half up, not banker's rounding)
    income.wage_migrant_work, income.prod_grain, income.household_size = Decimal("10000.01"), Decimal("0"), 2
    income_save(actor=personas.village_x, income=income)
    income.refresh_from_db()
    assert income.net_income_per_capita == Decimal("5000.01")


def test_a_year_without_coefficients_cannot_estimate_the_cost(personas, households):
    with pytest.raises(ValidationError) as caught:
        income_save(actor=personas.village_x, income=Income(household=households.x, year=2013, prod_grain=Decimal("100"), household_size=1))
    assert "2013年尚未设置生产成本系数" in caught.value.message_dict["production_cost"][0]
    assert not Income.objects.exists()


def test_negative_amount_is_refused_naming_the_item(client_for, personas, households):
    response = client_for(personas.village_x).post(
        reverse("households:income_create", args=[households.x.pk]), form_data(wage_migrant_work="-5")
    )
    assert response.status_code == 200
    assert "金额不能为负数" in response.content.decode()
    assert not Income.objects.exists()


def test_future_year_is_refused(personas, households):
    with pytest.raises(ValidationError) as caught:
        income_save(actor=personas.village_x, income=Income(household=households.x, year=THIS_YEAR + 1, household_size=1))
    assert "year" in caught.value.message_dict


def test_second_calculation_for_a_year_is_refused_and_create_link_opens_the_existing_one(client_for, personas, households):
    existing = income_save(actor=personas.village_x, income=Income(household=households.x, year=2020, household_size=1))
    client = client_for(personas.village_x)
    response = client.post(reverse("households:income_create", args=[households.x.pk]), form_data(wage_migrant_work="100"))
    assert "该户2020年已有收入测算" in response.content.decode()
    assert Income.objects.count() == 1
    response = client.get(reverse("households:income_create", args=[households.x.pk]) + "?year=2020")
    assert response["Location"] == reverse("households:income_update", args=[existing.pk])


def test_create_page_preselects_the_year_and_groups_the_items(client_for, personas, households):
    page = client_for(personas.village_x).get(reverse("households:income_create", args=[households.x.pk]) + "?year=2019").content.decode()
    assert 'name="year" value="2019"' in page
    for group in ["工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出"]:
        assert f">{group}</legend>" in page
    assert "粮食 40%" in page  # the 2019 coefficient shown beside the cost


def test_edit_recomputes_and_is_audited_with_the_actor(client_for, personas, households):
    income = income_save(actor=personas.village_x, income=Income(household=households.x, year=2020, wage_migrant_work=Decimal("3000"), household_size=1))
    response = client_for(personas.township_a).post(
        reverse("households:income_update", args=[income.pk]), form_data(wage_migrant_work="5000", household_size="1")
    )
    assert response.status_code == 302
    income.refresh_from_db()
    assert income.net_income_per_capita == Decimal("5000.00")
    update = LogEntry.objects.get_for_object(income).filter(action=LogEntry.Action.UPDATE).get()
    assert update.actor == personas.township_a
    assert update.changes_dict["net_income_per_capita"] == ["3000.00", "5000.00"]


def test_success_message_compares_with_the_poverty_line(client_for, personas, households):
    client = client_for(personas.village_x)
    response = client.post(
        reverse("households:income_create", args=[households.x.pk]), form_data(wage_migrant_work="3999.99", household_size="1"), follow=True
    )
    assert "人均纯收入 3999.99 元，未高于扶贫标准 4000.00 元" in response.content.decode()


def render_section(household, incomes, can_change=True):
    standards = standards_by_year()
    return render_to_string(
        "households/sections/income.html",
        {
            "household": household, "incomes": income_rows(incomes=incomes, standards=standards), "standards": standards,
            "can_change": can_change, "today": date.today(),
        },
    )


def test_section_shows_group_totals_and_green_or_red_against_each_years_lines(personas, households):
    above = income_save(
        actor=personas.village_x,
        income=Income(household=households.x, year=2021, wage_migrant_work=Decimal("7000"), trans_dibao=Decimal("500"), household_size=1),
    )
    below = income_save(
        actor=personas.village_x, income=Income(household=households.x, year=2020, wage_public_post=Decimal("3500"), household_size=1)
    )
    html = render_section(households.x, [above, below])
    # 2021: 7500 against the 4100 poverty line and the 6000 monitoring line.
    assert '<span class="text-success fw-semibold">▲ 高于扶贫标准 4100.00 元</span>' in html
    assert "（高出 3400.00 元）" in html
    assert "高于监测标准 6000.00 元" in html
    # 2020: 3500 under the 4000 line, shown in red with the gap.
    assert '<span class="text-danger fw-semibold">▼ 低于扶贫标准 4000.00 元</span>' in html
    assert "（差 500.00 元）" in html
    assert '工资性收入</dt><dd class="text-body mb-1">7,000.00</dd>' in html
    assert '转移性收入</dt><dd class="text-body mb-1">500.00</dd>' in html
    # 2021 comes before 2020 (newest first), and this year's calculation is offered.
    assert html.index(">2021年") < html.index(">2020年")
    assert f"添加{THIS_YEAR}年收入测算" in html


def test_section_hides_buttons_from_readers_and_says_when_there_is_nothing(households):
    html = render_section(households.x, [], can_change=False)
    assert "尚无收入测算" in html
    assert "income/new" not in html


def test_household_page_shows_the_income_section(client_for, personas, households):
    income_save(actor=personas.village_x, income=Income(household=households.x, year=2020, wage_migrant_work=Decimal("4500"), household_size=1))
    page = client_for(personas.county_viewer).get(households.x.get_absolute_url()).content.decode()
    assert 'id="income"' in page
    assert "高于扶贫标准 4000.00 元" in page
    assert "/income/" not in page  # readers get neither the add nor the edit button
