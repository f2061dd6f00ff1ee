"""A township user's map and finder show only their township; opening a
map or the finder of another area is a 404."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_township_users_home_is_its_townships_map_of_its_own_villages(county, areas, client_for, personas):
    response = client_for(personas.township_a).get(reverse("home"))
    page = response.content.decode()
    assert response.status_code == 200 and "城关镇 挂图作战" in page
    assert [row.area for row in response.context["data"].rows] == [areas.village_x, areas.village_y]
    assert "张家沟村" in page and "李家湾村" in page
    assert "王家坪村" not in page and "清河镇" not in page


def test_the_county_map_links_to_every_township(county, areas, client_for, personas):
    page = client_for(personas.county_admin).get(reverse("home")).content.decode()
    for township in (areas.township_a, areas.township_b):
        assert reverse("dashboard:map", args=[township.code]) in page


@pytest.mark.parametrize(
    "persona, area, status",
    [
        ("township_a", "village_x", 200),
        ("township_a", "township_b", 404),
        ("township_a", "village_z", 404),
        ("township_a", "county", 404),
        ("village_x", "village_y", 404),
        ("village_x", "township_a", 404),
        ("county_viewer", "village_z", 200),
    ],
)
def test_drilling_outside_ones_area_is_404(county, areas, client_for, personas, persona, area, status):
    code = getattr(areas, area).code
    client = client_for(getattr(personas, persona))
    assert client.get(reverse("dashboard:map", args=[code])).status_code == status
    assert client.get(reverse("dashboard:map_xlsx", args=[code])).status_code == status
    assert client.get(reverse("dashboard:quality") + f"?area={code}").status_code == status


def test_an_unknown_area_code_is_404(areas, client_for, personas):
    assert client_for(personas.county_admin).get(reverse("dashboard:map", args=["610499999000"])).status_code == 404


def test_the_breadcrumbs_stop_at_the_users_own_area(county, areas, client_for, personas):
    response = client_for(personas.township_a).get(reverse("dashboard:map", args=[areas.village_x.code]))
    assert response.context["breadcrumbs"] == [areas.township_a]
    response = client_for(personas.county_admin).get(reverse("dashboard:map", args=[areas.village_x.code]))
    assert response.context["breadcrumbs"] == [areas.county, areas.township_a]


def test_the_finder_lists_only_records_of_the_users_township(county, areas, client_for, personas):
    client = client_for(personas.township_a)
    response = client.get(reverse("dashboard:quality") + "?rule=no_current_cadre")
    records = list(response.context["page_obj"])
    assert records and {r.village_id for r in records} <= {areas.village_x.pk, areas.village_y.pk}
    counts = dict((rule.code, n) for rule, n in response.context["summary"])
    county_counts = dict(
        (rule.code, n)
        for rule, n in client_for(personas.county_admin).get(reverse("dashboard:quality")).context["summary"]
    )
    assert counts["no_current_cadre"] < county_counts["no_current_cadre"]
    options = {a.code for a in response.context["areas"]}
    assert areas.township_b.code not in options and areas.village_z.code not in options


def test_an_unknown_rule_is_404(areas, client_for, personas):
    assert client_for(personas.county_admin).get(reverse("dashboard:quality") + "?rule=nonsense").status_code == 404


def test_the_auditor_keeps_the_plain_home_page(areas, client_for, personas):
    page = client_for(personas.auditor).get(reverse("home")).content.decode()
    assert "审计员只能查阅审计日志" in page and "挂图作战 <" not in page
