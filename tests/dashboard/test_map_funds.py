"""Funds on the map: allocated against confirmed disbursed by area, the
execution rate after summing, county-level funds as 本级, and the same sums
as the fund ledger's."""

from decimal import Decimal

import pytest

from dashboard.selectors import area_map_compute
from funds import selectors as fund_selectors
from funds import services
from tests.funds.conftest import funds, make_allocation, make_project, make_source, record, second_admin  # noqa: F401

pytestmark = pytest.mark.django_db
YEAR = 2024  # the year of the fixtures' fund source


@pytest.fixture
def paid(funds, personas, areas, second_admin):  # noqa: F811
    admin = personas.county_admin
    services.disbursement_confirm(actor=second_admin, disbursement=record(admin, funds.allocation_x, "1000.00"))
    record(admin, funds.allocation_z, "500.00", voucher_number="记-0002")
    both = make_project(admin, [areas.village_x, areas.village_z], name="跨乡镇产业路")
    make_allocation(admin, make_source(admin, "1000.00", name="县级财政衔接资金"), both, "200.00")
    return funds


def test_allocations_and_disbursements_by_township_with_the_rate_after_summing(paid, areas, personas):
    data = area_map_compute(actor=personas.county_admin, area=areas.county, year=YEAR)
    rows = {row.label: row.values for row in data.rows}
    assert rows["城关镇"]["funds_allocated"] == Decimal("50000.00")
    assert rows["城关镇"]["funds_disbursed"] == Decimal("1000.00")
    assert rows["城关镇"]["funds_rate"] == Decimal("2.00")
    assert rows["清河镇"]["funds_pending"] == Decimal("500.00") and rows["清河镇"]["funds_rate"] == Decimal("0.00")
    # A project of two townships belongs to the county: 本级.
    assert rows["秦川县本级"]["funds_allocated"] == Decimal("200.00")
    ledger = fund_selectors.allocation_totals(fund_selectors.allocation_list(actor=personas.county_admin, filters={"year": YEAR}))
    assert data.total["funds_allocated"] == ledger["allocated"] == Decimal("100200.00")
    assert data.total["funds_disbursed"] == ledger["disbursed"]
    assert data.total["funds_rate"] == (ledger["disbursed"] * 100 / ledger["allocated"]).quantize(Decimal("0.01"))


def test_a_township_sees_only_its_own_funds_and_other_years_none(paid, areas, personas):
    township = area_map_compute(actor=personas.township_a, area=areas.township_a, year=YEAR)
    assert township.total["funds_allocated"] == Decimal("50000.00")
    assert [row.label for row in township.rows] == ["张家沟村", "李家湾村"]
    other_year = area_map_compute(actor=personas.county_admin, area=areas.county, year=YEAR + 1)
    assert other_year.total["funds_allocated"] == 0 and other_year.total["funds_rate"] is None


def test_breakdowns_by_fund_level_and_project_stage(paid, areas, personas):
    data = area_map_compute(actor=personas.county_admin, area=areas.county, year=YEAR)
    breakdowns = {b.key: dict(b.rows) for b in data.breakdowns}
    assert breakdowns["funds_by_level"]["中央财政专项"]["allocated"] == Decimal("100200.00")  # both sources central
    assert breakdowns["projects"]["批准"]["projects"] == 3
