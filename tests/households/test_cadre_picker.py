"""The 帮扶责任人 picker: forms send only the chosen cadre and a few
suggestions, the search finds the others, both within the user's area."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.models import Assignment, Cadre, Measure, Visit

pytestmark = pytest.mark.django_db

OPTIONS = reverse("households:cadre_options")


def make_cadres(area, count, prefix="乡干部", start=0):
    return Cadre.objects.bulk_create(
        Cadre(name=f"{prefix}{i:03d}", unit=f"{area.name}人民政府", unit_level="乡镇", position="干部",
              phone=f"1390000{i:04d}", area=area)
        for i in range(start, start + count)
    )


def cadre_select(page: str) -> str:
    return re.search(r'<select name="cadre".*?</select>', page, re.S).group(0)


def visit_url(household):
    return reverse("households:visit_create", args=[household.pk])


@pytest.fixture
def township(areas, households):
    """50 cadres of township A, one pairing of household X, and a cadre of township B."""
    cadres = make_cadres(areas.township_a, 50)
    Assignment.objects.create(household=households.x, cadre=cadres[0], start_date=date(2024, 1, 1))
    other = Cadre.objects.create(name="乡干部外镇", unit="清河镇人民政府", unit_level="乡镇", phone="13911112222", area=areas.township_b)
    return type("Township", (), dict(cadres=cadres, other=other))


def test_the_visit_form_sends_a_few_options_not_the_whole_township(client_for, personas, households, township):
    select = cadre_select(client_for(personas.township_a).get(visit_url(households.x)).content.decode())
    assert select.count("<option") < 10
    assert f'<option value="{township.cadres[0].pk}" selected>乡干部000（城关镇人民政府，干部）</option>' in select
    assert f'data-cadre-search="{OPTIONS}"' in select


@pytest.mark.parametrize("name", ["assignment_create", "measure_create", "assignment_bulk", "measure_bulk_add"])
def test_every_cadre_drop_down_is_a_search_picker(client_for, personas, households, township, name):
    url = reverse(f"households:{name}", args=[households.x.pk] if name.endswith("create") else [])
    page = client_for(personas.township_a).get(url).content.decode()
    select = cadre_select(page)
    assert "data-cadre-search" in select and select.count("<option") < 10
    assert "js/cadre_search.js" in page


def test_any_cadre_of_the_township_can_be_chosen_though_not_listed(client_for, personas, households, township):
    client = client_for(personas.township_a)
    unlisted = township.cadres[-1]
    assert f'value="{unlisted.pk}"' not in client.get(visit_url(households.x)).content.decode()
    data = {"date": "2024-10-08", "cadre": unlisted.pk, "content": "了解务工情况"}
    assert client.post(visit_url(households.x), data).status_code == 302
    assert Visit.objects.get().cadre == unlisted


def test_another_townships_cadre_is_refused_with_a_form_error(client_for, personas, households, township):
    client = client_for(personas.township_a)
    for value in (township.other.pk, "abc"):
        response = client.post(visit_url(households.x), {"date": "2024-10-08", "cadre": value, "content": "走访"})
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
    measure = {"year": 2024, "content": "产业奖补", "status": "planned", "cadre": township.other.pk}
    response = client.post(reverse("households:measure_bulk_add"), {**measure, "numbers": households.x.number})
    assert "选择一个有效的选项" in response.content.decode()
    assert not Visit.objects.exists() and not Measure.objects.exists()


def test_search_matches_name_unit_or_phone_at_most_twenty(client_for, personas, township, areas):
    Cadre.objects.create(name="马帮扶", unit="县农业农村局", unit_level="县直", phone="13800001234", area=areas.county)
    client = client_for(personas.township_a)
    by_name = client.get(OPTIONS, {"q": "乡干部01"}).json()
    assert [c["label"] for c in by_name["results"]] == [f"乡干部01{i}（城关镇人民政府，干部）" for i in range(10)]
    assert by_name["more"] is False
    assert [c["label"] for c in client.get(OPTIONS, {"q": "农业农村"}).json()["results"]] == ["马帮扶（县农业农村局）"]
    assert [c["label"] for c in client.get(OPTIONS, {"q": "0001234"}).json()["results"]] == ["马帮扶（县农业农村局）"]
    many = client.get(OPTIONS, {"q": "城关镇"}).json()
    assert len(many["results"]) == 20 and many["more"] is True
    assert client.get(OPTIONS, {"q": "没有这个人"}).json() == {"results": [], "more": False}


def test_search_stays_inside_the_users_area(client_for, personas, township, areas):
    make_cadres(areas.township_b, 5, prefix="乡干部外")
    found = client_for(personas.township_a).get(OPTIONS, {"q": "乡干部外"}).json()["results"]
    assert found == []
    outsider = client_for(personas.outsider).get(OPTIONS, {"q": "乡干部"}).json()["results"]
    assert {c["id"] for c in outsider} == set(Cadre.objects.filter(area=areas.township_b).values_list("pk", flat=True))


def test_search_leaves_out_cadres_no_longer_in_post(client_for, personas, township):
    Cadre.objects.filter(pk=township.cadres[1].pk).update(active=False)
    found = client_for(personas.township_a).get(OPTIONS, {"q": "乡干部00"}).json()["results"]
    assert township.cadres[1].pk not in {c["id"] for c in found} and len(found) == 9


def count_queries(client, url, params=None) -> int:
    client.get(url, params)  # warm the session up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_number_of_cadres(client_for, personas, households, township, areas):
    client = client_for(personas.township_a)
    measure_url = reverse("households:measure_create", args=[households.x.pk])
    before = [count_queries(client, url) for url in (visit_url(households.x), measure_url)]
    search_before = count_queries(client, OPTIONS, {"q": "乡干部"})
    make_cadres(areas.township_a, 100, start=100)
    for household in (households.x, households.y):
        for cadre in Cadre.objects.filter(name__startswith="乡干部1")[:5]:
            Assignment.objects.create(household=household, cadre=cadre, start_date=date(2020, 1, 1), end_date=date(2020, 6, 1))
    assert [count_queries(client, url) for url in (visit_url(households.x), measure_url)] == before
    assert count_queries(client, OPTIONS, {"q": "乡干部"}) == search_before
