"""County administrators set each township's annual targets; the map sets
the year's exits against them, with the days left in the year."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from dashboard.models import AnnualTarget
from dashboard.selectors import area_map_compute

pytestmark = pytest.mark.django_db


def post_targets(client, areas, year, a=("2", "5", "1"), b=("", "", "")):
    data = {}
    for township, values in ((areas.township_a, a), (areas.township_b, b)):
        for key, value in zip(("households", "people", "villages"), values):
            data[f"{key}_{township.pk}"] = value
    return client.post(reverse("dashboard:target_edit") + f"?year={year}", data)


def test_a_county_administrator_sets_targets_and_each_change_is_audited(areas, client_for, personas, year):
    client = client_for(personas.county_admin)
    response = post_targets(client, areas, year)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:target_edit") + f"?year={year}"
    target = AnnualTarget.objects.get(township=areas.township_a, year=year)
    assert (target.households, target.people, target.villages, target.updated_by) == (2, 5, 1, personas.county_admin)
    assert not AnnualTarget.objects.filter(township=areas.township_b).exists()  # left blank: no target
    entry = LogEntry.objects.get_for_object(target).get()
    assert entry.actor == personas.county_admin
    post_targets(client, areas, year, a=("3", "5", "1"))
    target.refresh_from_db()
    assert target.households == 3 and LogEntry.objects.get_for_object(target).count() == 2
    page = client.get(reverse("dashboard:target_edit") + f"?year={year}").content.decode()
    assert f'name="households_{areas.township_a.pk}" value="3"' in page


def test_fewer_people_than_households_is_refused_in_chinese(areas, client_for, personas, year):
    response = post_targets(client_for(personas.county_admin), areas, year, a=("5", "2", "0"))
    assert response.status_code == 200
    assert "城关镇：脱贫人数目标不能少于脱贫户数目标" in response.content.decode()
    assert not AnnualTarget.objects.exists()


def test_township_staff_may_not_set_targets(areas, client_for, personas, year):
    assert post_targets(client_for(personas.township_a), areas, year).status_code == 403
    assert not AnnualTarget.objects.exists()


def test_the_map_shows_each_townships_progress_against_its_target(county, areas, client_for, personas, year):
    AnnualTarget.objects.create(township=areas.township_a, year=year, households=4, people=12, villages=1)
    data = area_map_compute(actor=personas.county_admin, area=areas.county, year=year)
    rows = {row.township: row for row in data.targets}
    a, b = rows[areas.township_a], rows[areas.township_b]
    assert (a.households, a.people) == (2, 9)  # x_out (4 people) and y_out (5) exited this year
    assert a.households_percent == 50 and a.people_percent == 75
    assert b.target is None and b.households == 1
    assert data.target_total.households == 2 and data.target_total.target.households == 4
    page = client_for(personas.county_admin).get(reverse("home")).content.decode()
    assert 'data-target="households">2 / 4</td>' in page and "width: 50%" in page
    assert f"距 {year} 年底还有" in page


def test_a_township_map_shows_its_own_target_and_a_past_year_has_no_days_left(county, areas, personas, year):
    AnnualTarget.objects.create(township=areas.township_a, year=year - 1, households=1, people=1)
    data = area_map_compute(actor=personas.township_a, area=areas.township_a, year=year - 1)
    assert [row.township for row in data.targets] == [areas.township_a]
    assert data.targets[0].target.households == 1
    assert data.days_left is None
    assert area_map_compute(actor=personas.village_x, area=areas.village_x, year=year).targets == []
