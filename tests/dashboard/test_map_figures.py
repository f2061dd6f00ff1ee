"""The map's figures equal the same counts taken another way: row by row
in Python over the records themselves, for the county, a township and a
village, and the same in the page and its workbook."""

from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import area_map_compute
from households.models import Household, Measure, Monitoring
from povertyrelief.dashboard import ratio

pytestmark = pytest.mark.django_db
FIGURES = (
    "poor_households", "poor_people", "exit_households", "exit_people", "planned_households", "no_cadre",
    "monitoring_open", "monitoring_overdue", "cards_todo",
)


def counted_by_village(year: int) -> dict[int, Counter]:
    """Each figure of each village, one household at a time."""
    today = timezone.localdate()
    found: dict[int, Counter] = defaultdict(Counter)
    for h in Household.objects.all():
        village = found[h.village_id]
        people = h.members.filter(left_date__isnull=True).count()
        if h.status in ("0", "3"):
            village["poor_households"] += 1
            village["poor_people"] += people
            village["no_cadre"] += not h.assignments.filter(end_date__isnull=True).exists()
            village["planned_households"] += h.planned_exit_year == year
        if h.status in ("1", "4") and h.exit_year == year:
            village["exit_households"] += 1
            village["exit_people"] += people
        latest = h.card_prints.filter(year=year).order_by("-printed_at").first()
        village["cards_todo"] += latest is None or latest.printed_at < h.card_data_changed_at
    for case in Monitoring.objects.select_related("household"):
        found[case.household.village_id]["monitoring_open"] += case.is_open
        found[case.household.village_id]["monitoring_overdue"] += case.overdue_on(today)
    return found


def summed(counts: dict[int, Counter], villages) -> Counter:
    total = Counter()
    for village in villages:
        total.update(counts[village.pk])
    return total


def test_the_county_map_adds_up_its_townships_villages(county, areas, personas, year):
    data = area_map_compute(actor=personas.county_admin, area=areas.county, year=year)
    counts = counted_by_village(year)
    rows = {row.area.pk: row.values for row in data.rows}
    assert set(rows) == {areas.township_a.pk, areas.township_b.pk}
    expected_a = summed(counts, [areas.village_x, areas.village_y])
    expected_b = summed(counts, [areas.village_z])
    for key in FIGURES:
        assert rows[areas.township_a.pk][key] == expected_a[key], key
        assert rows[areas.township_b.pk][key] == expected_b[key], key
        assert data.total[key] == expected_a[key] + expected_b[key], key
    # Not a trivial county: every figure is non-zero somewhere.
    assert all(data.total[key] for key in FIGURES)
    population = areas.village_x.rural_population + areas.village_y.rural_population
    assert rows[areas.township_a.pk]["rural_population"] == population
    assert rows[areas.township_a.pk]["incidence"] == ratio(expected_a["poor_people"], population)


def test_a_township_map_has_a_row_per_village_and_a_village_map_its_own_figures(county, areas, personas, year):
    counts = counted_by_village(year)
    township = area_map_compute(actor=personas.township_a, area=areas.township_a, year=year)
    assert [row.area for row in township.rows] == [areas.village_x, areas.village_y]
    for row in township.rows:
        for key in FIGURES:
            assert row.values[key] == counts[row.area.pk][key], (row.label, key)
    village = area_map_compute(actor=personas.village_x, area=areas.village_x, year=year)
    assert village.rows == []
    for key in FIGURES:
        assert village.total[key] == counts[areas.village_x.pk][key], key


def test_exits_of_an_earlier_year_follow_the_year_asked_for(county, areas, personas):
    data = area_map_compute(actor=personas.county_admin, area=areas.county, year=2019)
    expected = Household.objects.filter(exit_year=2019, status__in=["1", "4"])
    assert data.total["exit_households"] == expected.count() == 1  # 返贫 of 2019 is not an exit now
    assert data.total["exit_people"] == sum(h.members.count() for h in expected)


def test_measures_by_category_and_the_trend_match_the_records(county, areas, personas, year):
    data = area_map_compute(actor=personas.county_admin, area=areas.county, year=year)
    breakdowns = {b.key: b for b in data.breakdowns}
    measures = dict(breakdowns["measures"].rows)
    for group in ("产业扶贫", "健康扶贫"):
        rows = Measure.objects.filter(year=year, category__group=group)
        assert measures[group]["total"] == rows.count()
        assert measures[group]["done"] == rows.filter(status="done").count()
        assert measures[group]["planned"] == rows.filter(status="planned").count()
        assert measures[group]["amount"] == sum((m.amount or Decimal(0) for m in rows), Decimal("0.00"))
    assert measures["产业扶贫"]["rate"] == ratio(2, 3)
    trend = dict(breakdowns["trend"].rows)
    for label, values in trend.items():
        y = int(label[:4])
        assert values["identified"] == Household.objects.filter(identification_year=y).count()
        assert values["exited"] == Household.objects.filter(exit_year=y).count()
        still_poor = Household.objects.filter(identification_year__lte=y).exclude(exit_year__lte=y).count()
        assert values["poor"] == still_poor, label


def test_the_page_shows_the_figures_and_links_each_township_to_its_map(county, areas, client_for, personas, year):
    page = client_for(personas.county_viewer).get(reverse("dashboard:map", args=[areas.county.code])).content.decode()
    data = area_map_compute(actor=personas.county_viewer, area=areas.county, year=year)
    row_a = data.rows[0].values
    assert f'href="{reverse("dashboard:map", args=[areas.township_a.code])}?year={year}"' in page
    assert f'<tr data-area="{areas.township_a.code}">' in page
    assert f'data-figure="poor_people">{row_a["poor_people"]}</td>' in page
    assert f'data-figure="no_cadre">{row_a["no_cadre"]}</td>' in page
    assert "贫困人口条形图" in page and 'data-chart="chart-area"' in page
