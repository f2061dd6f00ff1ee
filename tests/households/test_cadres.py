"""帮扶责任人 directory and cadre scope."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from households.models import Assignment, Cadre
from households.services.cadres import assignment_replace
from tests.conftest import make_household

pytestmark = pytest.mark.django_db

CADRE_FORM = {"name": "刘帮扶", "unit": "城关镇农业站", "unit_level": "乡镇", "position": "站长", "phone": "13911112222", "active": "on"}


def cadre(area, name, unit="县财政局", level="县直", **extra):
    return Cadre.objects.create(name=name, unit=unit, unit_level=level, phone="13900000001", area=area, **extra)


def pair(household, who, start=date(2024, 1, 1)):
    return Assignment.objects.create(household=household, cadre=who, start_date=start)


def test_township_user_can_assign_a_county_cadre_but_not_edit_it(client_for, personas, areas, households):
    county_cadre = cadre(areas.county, "陈县直")
    client = client_for(personas.township_a)
    assert client.get(reverse("households:cadre_detail", args=[county_cadre.pk])).status_code == 200
    assert client.get(reverse("households:cadre_update", args=[county_cadre.pk])).status_code == 404
    response = client.post(
        reverse("households:cadre_update", args=[county_cadre.pk]), {**CADRE_FORM, "area": areas.township_a.pk}
    )
    assert response.status_code == 404
    county_cadre.refresh_from_db()
    assert county_cadre.name == "陈县直" and county_cadre.area == areas.county
    response = client.post(
        reverse("households:assignment_create", args=[households.x.pk]), {"cadre": county_cadre.pk, "start_date": "2024-05-01"}
    )
    assert response.status_code == 302
    assert Assignment.objects.get(household=households.x, end_date__isnull=True).cadre == county_cadre


def test_another_townships_cadre_is_invisible_and_cannot_be_assigned(client_for, personas, areas, households):
    foreign = cadre(areas.township_b, "清河干部", level="乡镇")
    client = client_for(personas.township_a)
    assert client.get(reverse("households:cadre_detail", args=[foreign.pk])).status_code == 404
    assert "清河干部" not in client.get(reverse("households:cadre_list")).content.decode()
    response = client.post(
        reverse("households:assignment_create", args=[households.x.pk]), {"cadre": foreign.pk, "start_date": "2024-05-01"}
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not Assignment.objects.exists()


def test_area_dropdown_offers_only_areas_the_user_may_change(client_for, personas):
    page = client_for(personas.township_a).get(reverse("households:cadre_create")).content.decode()
    area_select = page.split('name="area"')[1].split("</select>")[0]
    assert "城关镇" in area_select and "张家沟村" in area_select and "李家湾村" in area_select
    assert "秦川县" not in area_select and "清河镇" not in area_select and "王家坪村" not in area_select


def test_creating_a_cadre_records_who_did_it(client_for, personas, areas):
    response = client_for(personas.township_a).post(reverse("households:cadre_create"), {**CADRE_FORM, "area": areas.township_a.pk})
    assert response.status_code == 302
    created = Cadre.objects.get(name="刘帮扶")
    entry = LogEntry.objects.get_for_object(created).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.township_a


def test_creating_a_cadre_in_another_township_or_with_a_bad_phone_is_refused(client_for, personas, areas):
    client = client_for(personas.township_a)
    page = client.post(reverse("households:cadre_create"), {**CADRE_FORM, "area": areas.township_b.pk}).content.decode()
    assert "选择一个有效的选项" in page
    page = client.post(reverse("households:cadre_create"), {**CADRE_FORM, "area": areas.township_a.pk, "phone": "1234"}).content.decode()
    assert "电话格式不正确" in page
    assert not Cadre.objects.filter(name="刘帮扶").exists()


def test_directory_searches_filters_and_counts_current_households(client_for, personas, areas, households):
    busy = cadre(areas.county, "赵多户", unit="县教育局")
    idle = cadre(areas.township_a, "钱空闲", unit="城关镇政府", level="乡镇", active=False)
    pair(households.x, busy)
    pair(households.y, busy)
    ended = pair(households.z, busy, start=date(2023, 1, 1))
    Assignment.objects.filter(pk=ended.pk).update(end_date=date(2023, 6, 1), end_reason="工作调整")
    client = client_for(personas.county_viewer)
    page = client.get(reverse("households:cadre_list")).content.decode()
    row = page.split("赵多户")[1].split("</tr>")[0]
    assert '<td class="text-end">2</td>' in row  # the ended pairing does not count
    page = client.get(reverse("households:cadre_list"), {"q": "教育"}).content.decode()
    assert "赵多户" in page and "钱空闲" not in page
    page = client.get(reverse("households:cadre_list"), {"active": "0"}).content.decode()
    assert "钱空闲" in page and "赵多户" not in page
    page = client.get(reverse("households:cadre_list"), {"unit_level": "乡镇"}).content.decode()
    assert "钱空闲" in page and "赵多户" not in page
    page = client.get(reverse("households:cadre_list"), {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的帮扶责任人" in page
    assert idle.pk


def test_household_counts_stay_inside_the_viewers_area(client_for, personas, areas, households):
    busy = cadre(areas.county, "赵多户")
    pair(households.x, busy)
    pair(households.z, busy)
    page = client_for(personas.township_a).get(reverse("households:cadre_list")).content.decode()
    assert '<td class="text-end">1</td>' in page.split("赵多户")[1].split("</tr>")[0]
    detail = client_for(personas.township_a).get(reverse("households:cadre_detail", args=[busy.pk])).content.decode()
    assert "张建国" in detail and "王德福" not in detail


def test_directory_sorts_by_household_count(client_for, personas, areas, households):
    few, many = cadre(areas.county, "甲少"), cadre(areas.county, "乙多")
    pair(households.x, many)
    pair(households.y, many)
    pair(households.z, few)
    page = client_for(personas.county_admin).get(reverse("households:cadre_list"), {"sort": "-households"}).content.decode()
    assert page.index("乙多") < page.index("甲少")


def test_directory_and_detail_run_a_constant_number_of_queries(client_for, personas, areas, django_assert_max_num_queries):
    county_cadre = cadre(areas.county, "孙常驻")
    for n in range(12):
        household = make_household(areas.village_x, f"61049910120199{n:02d}", f"户主{n}", _id(n))
        someone = cadre(areas.township_a, f"干部{n}", level="乡镇")
        pair(household, county_cadre if n % 2 else someone)
    client = client_for(personas.township_a)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("households:cadre_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("households:cadre_detail", args=[county_cadre.pk])).status_code == 200


def test_cadre_detail_shows_current_and_past_households(client_for, personas, areas, households):
    helper, successor = cadre(areas.county, "周帮扶"), cadre(areas.county, "吴接任")
    pair(households.x, helper, start=date(2022, 1, 1))
    assignment_replace(actor=personas.township_a, household=households.x, cadre=successor, start_date=date(2024, 3, 1))
    pair(households.y, helper, start=date(2024, 2, 1))
    page = client_for(personas.township_a).get(reverse("households:cadre_detail", args=[helper.pk])).content.decode()
    current, past = page.split("当前帮扶户")[1].split("曾帮扶的户")
    assert "李秀英" in current and "张建国" not in current
    assert "张建国" in past and "2024-03-01" in past and "更换帮扶责任人" in past


def _id(n: int) -> str:
    from povertyrelief.validators import id_check_char

    first17 = f"61049919800101{n:03d}"
    return first17 + id_check_char(first17)


def test_household_page_sections_run_no_query_per_row(client_for, personas, areas, households, work_teams):
    """The income, cadre and visit sections read only what the page prefetched."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from households.models import Income, Visit

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(households.x.get_absolute_url()).status_code == 200
        return len(queries)

    client = client_for(personas.village_x)
    client.get(reverse("home"))  # the first view after login stamps the session (a write the later ones skip)
    first = cadre(areas.county, "甲")
    pair(households.x, first, start=date(2020, 1, 1))
    Income.objects.create(household=households.x, year=2020, household_size=1)
    Visit.objects.create(household=households.x, cadre=first, date=date(2024, 1, 1), content="走访")
    baseline = count()
    for n in range(6):
        Assignment.objects.filter(household=households.x, end_date__isnull=True).update(end_date=date(2020 + n, 6, 1))
        helper = cadre(areas.county, f"干部{n}")
        pair(households.x, helper, start=date(2020 + n, 6, 1))
        Income.objects.create(household=households.x, year=2014 + n, household_size=1)
        Visit.objects.create(household=households.x, cadre=helper, date=date(2024, 2, n + 1), content=f"走访{n}")
    assert count() == baseline
