"""年度标准: county administrators keep the lines and coefficients; stored
incomes follow a change of coefficients."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from households.models import AnnualStandard, Household, Income
from households.services.income import income_save

pytestmark = pytest.mark.django_db


def standard_form(standard, **changes):
    data = {
        "year": standard.year, "province": standard.province, "poverty_line": standard.poverty_line,
        "monitoring_line": standard.monitoring_line or "", "grain_cost_rate": standard.grain_cost_rate,
        "cash_crop_cost_rate": standard.cash_crop_cost_rate, "livestock_cost_rate": standard.livestock_cost_rate,
        "forestry_fruit_cost_rate": standard.forestry_fruit_cost_rate, "other_cost_rate": standard.other_cost_rate,
        "monitoring_stable_months": standard.monitoring_stable_months,
        "monitoring_deadline_days": standard.monitoring_deadline_days,
        "exit_publicity_days": standard.exit_publicity_days,
        "monitoring_publicity_days": standard.monitoring_publicity_days,
    }
    data.update(changes)
    return data


def test_list_shows_the_seeded_lines(client_for, personas):
    page = client_for(personas.county_admin).get(reverse("households:standard_list")).content.decode()
    assert "4000.00" in page and "6000.00" in page


def test_changing_a_coefficient_recomputes_that_years_estimated_incomes(client_for, personas, households):
    estimated = income_save(
        actor=personas.village_x, income=Income(household=households.x, year=2020, prod_grain=Decimal("10000"), household_size=2)
    )
    entered = income_save(
        actor=personas.township_a,
        income=Income(household=households.y, year=2020, prod_grain=Decimal("10000"), production_cost=Decimal("1000"), household_size=2),
    )
    other_year = income_save(
        actor=personas.village_x, income=Income(household=households.x, year=2019, prod_grain=Decimal("10000"), household_size=2)
    )
    assert estimated.net_income_per_capita == Decimal("3000.00")  # (10000 − 4000) ÷ 2
    Household.objects.update(card_data_changed_at=None)  # as if every card had just been printed
    standard = AnnualStandard.objects.get(year=2020)
    response = client_for(personas.county_admin).post(
        reverse("households:standard_update", args=[standard.pk]), standard_form(standard, grain_cost_rate="0.30"), follow=True
    )
    assert "已按新的生产成本系数重算 1 条2020年收入测算" in response.content.decode()
    estimated.refresh_from_db(), entered.refresh_from_db(), other_year.refresh_from_db()
    assert estimated.production_cost_used == Decimal("3000.00")
    households.x.refresh_from_db(), households.y.refresh_from_db()
    assert households.x.card_data_changed_at is not None and households.y.card_data_changed_at is None  # x's card is stale
    assert estimated.net_income_per_capita == Decimal("3500.00")
    assert entered.net_income_per_capita == Decimal("4500.00")
    assert other_year.net_income_per_capita == Decimal("3000.00")
    recomputed = LogEntry.objects.get_for_object(estimated).filter(action=LogEntry.Action.UPDATE).get()
    assert recomputed.actor == personas.county_admin
    assert recomputed.changes["net_income_per_capita"] == ["3000.00", "3500.00"]
    assert LogEntry.objects.get_for_object(standard).filter(action=LogEntry.Action.UPDATE, actor=personas.county_admin).exists()


def test_bad_values_are_refused_naming_the_field(client_for, personas):
    standard = AnnualStandard.objects.get(year=2021)
    client = client_for(personas.county_admin)
    page = client.post(
        reverse("households:standard_update", args=[standard.pk]), standard_form(standard, grain_cost_rate="1.20")
    ).content.decode()
    assert "粮食生产成本系数应在0到1之间" in page
    page = client.post(
        reverse("households:standard_update", args=[standard.pk]), standard_form(standard, monitoring_line="3000")
    ).content.decode()
    assert "监测标准不应低于同年度扶贫标准" in page
    standard.refresh_from_db()
    assert standard.grain_cost_rate == Decimal("0.40") and standard.monitoring_line == Decimal("6000.00")


def test_a_year_cannot_be_entered_twice(client_for, personas):
    standard = AnnualStandard.objects.get(year=2020)
    page = client_for(personas.county_admin).post(reverse("households:standard_create"), standard_form(standard)).content.decode()
    assert "该省份该年度的标准已存在" in page
    assert AnnualStandard.objects.filter(year=2020).count() == 1


def test_a_new_year_is_created(client_for, personas):
    standard = AnnualStandard.objects.get(year=2026)
    response = client_for(personas.county_admin).post(
        reverse("households:standard_create"), standard_form(standard, year=2027, poverty_line="4700", monitoring_line="7800")
    )
    assert response.status_code == 302
    assert AnnualStandard.objects.get(year=2027).poverty_line == Decimal("4700.00")


def test_township_staff_cannot_change_the_lines(client_for, personas):
    standard = AnnualStandard.objects.get(year=2020)
    response = client_for(personas.township_a).post(
        reverse("households:standard_update", args=[standard.pk]), standard_form(standard, poverty_line="1")
    )
    assert response.status_code == 403
    standard.refresh_from_db()
    assert standard.poverty_line == Decimal("4000.00")
