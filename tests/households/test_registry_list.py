"""The household list: search, filters, sorting, pagination, counts, scope,
constant queries, and the ID-number search that never puts an ID in a URL."""

from datetime import date

import pytest
from django.urls import reverse

from households.filters import ID_QUERY_SESSION_KEY
from households.models import Assignment, Cadre, Household, Member, Monitoring
from households.rules import birth_from_id
from households.selectors.registry import household_list
from povertyrelief.validators import id_check_char
from tests.conftest import IDS, make_household

pytestmark = pytest.mark.django_db

LIST = reverse("households:household_list")


def valid_id(seq: int, birth: str = "19800101") -> str:
    first17 = f"610499{birth}{seq:03d}"
    return first17 + id_check_char(first17)


def many_households(village, count: int, start: int = 100):
    return [
        make_household(village, f"{village.code}{start + i:04d}", f"户主{start + i}", valid_id(start + i), identification_year=2014 + i % 5)
        for i in range(count)
    ]


def add_member(household, name, id_number, relation="之子", **extra):
    birth, sex = birth_from_id(id_number)
    return Member.objects.create(household=household, name=name, id_number=id_number, relation=relation, birth_date=birth, sex=sex, **extra)


def rows(response):
    return [h.number for h in response.context["households"]]


def test_village_cadre_sees_only_its_own_village(client_for, personas, households):
    response = client_for(personas.village_x).get(LIST)
    assert response.status_code == 200
    assert rows(response) == [households.x.number]
    page = response.content.decode()
    assert "张建国" in page and "李秀英" not in page and "王德福" not in page


def test_township_staff_see_their_townships_households_with_counts(client_for, personas, households):
    add_member(households.x, "张小军", IDS[3])
    households.x.member_count = 2
    households.x.save()
    response = client_for(personas.township_a).get(LIST)
    assert rows(response) == [households.x.number, households.y.number]
    assert response.context["totals"] == {"households": 2, "people": 3}
    assert "共 2 户 3 人" in response.content.decode()


def test_search_finds_a_household_by_any_current_members_name(client_for, personas, households):
    add_member(households.y, "李小红", IDS[3])
    add_member(households.x, "张已故", IDS[4], left_date=date(2024, 1, 1), left_reason="死亡")
    client = client_for(personas.county_admin)
    assert rows(client.get(LIST, {"q": "小红"})) == [households.y.number]
    assert rows(client.get(LIST, {"q": "王德"})) == [households.z.number]
    # Someone who left no longer makes the household turn up by name.
    assert rows(client.get(LIST, {"q": "张已故"})) == []


def test_search_by_household_number(client_for, personas, households):
    assert rows(client_for(personas.county_admin).get(LIST, {"q": "1022010001"})) == [households.z.number]


def test_filters_by_status_attribute_cause_and_year(client_for, personas, areas, households):
    make_household(areas.village_x, "6104991012010002", "赵四", IDS[3], status="1", exit_year=2019, attribute="低保贫困户",
                   main_cause="因残", identification_year=2015)
    client = client_for(personas.township_a)
    assert rows(client.get(LIST, {"status": "1"})) == ["6104991012010002"]
    assert rows(client.get(LIST, {"attribute": "低保贫困户"})) == ["6104991012010002"]
    assert rows(client.get(LIST, {"main_cause": "因病"})) == [households.x.number, households.y.number]
    assert rows(client.get(LIST, {"identification_year": "2015"})) == ["6104991012010002"]
    assert rows(client.get(LIST, {"status": "0", "main_cause": "因残"})) == []


def test_filters_by_township_and_village(client_for, personas, areas, households):
    client = client_for(personas.county_admin)
    assert rows(client.get(LIST, {"township": areas.township_b.pk})) == [households.z.number]
    assert rows(client.get(LIST, {"village": areas.village_y.pk})) == [households.y.number]


def test_area_options_are_only_those_in_scope_and_villages_follow_the_township(client_for, personas, areas, households):
    response = client_for(personas.township_a).get(LIST)
    form = response.context["filter"].form
    assert list(form.fields["township"].choices) == [("", "全部乡镇"), (str(areas.township_a.pk), "城关镇")]
    assert list(form.fields["village"].choices) == [
        ("", "全部村"), (str(areas.village_x.pk), "张家沟村"), (str(areas.village_y.pk), "李家湾村"),
    ]

    admin = client_for(personas.county_admin).get(LIST, {"township": areas.township_b.pk})
    assert list(admin.context["filter"].form.fields["village"].choices) == [("", "全部村"), (str(areas.village_z.pk), "王家坪村")]
    page = admin.content.decode()
    assert f'<option value="{areas.township_b.pk}" selected>清河镇</option>' in page
    assert "张家沟村" not in page and f'<option value="{areas.village_z.pk}">王家坪村</option>' in page


def test_another_townships_village_in_the_url_shows_nothing_of_it(client_for, personas, areas, households):
    response = client_for(personas.township_a).get(LIST, {"village": areas.village_z.pk})
    assert households.z.number not in rows(response)
    assert "王德福" not in response.content.decode()
    response = client_for(personas.township_a).get(LIST, {"township": areas.township_b.pk})
    assert households.z.number not in rows(response)


def test_a_village_outside_the_chosen_township_is_not_applied(client_for, personas, areas, households):
    client = client_for(personas.county_admin)
    response = client.get(LIST, {"township": areas.township_a.pk, "village": areas.village_z.pk})
    assert rows(response) == [households.x.number, households.y.number]


def test_filter_by_open_monitoring_type(client_for, personas, households):
    Monitoring.objects.create(household=households.x, object_type="边缘易致贫户", risk_description="因病支出大", risk_identified_date=date(2024, 3, 1))
    Monitoring.objects.create(
        household=households.y, object_type="边缘易致贫户", risk_description="旧案", risk_identified_date=date(2022, 3, 1),
        risk_eliminated=True, risk_eliminated_date=date(2023, 3, 1),
    )
    client = client_for(personas.county_admin)
    assert rows(client.get(LIST, {"monitoring_type": "边缘易致贫户"})) == [households.x.number]
    assert rows(client.get(LIST, {"monitoring_type": "突发严重困难户"})) == []


def test_filter_households_without_a_current_cadre(client_for, personas, areas, households):
    cadre = Cadre.objects.create(name="周干部", unit="县财政局", unit_level="县直", phone="13800000009", area=areas.county)
    Assignment.objects.create(household=households.x, cadre=cadre, start_date=date(2023, 1, 1))
    Assignment.objects.create(household=households.y, cadre=cadre, start_date=date(2022, 1, 1), end_date=date(2023, 1, 1))
    response = client_for(personas.county_admin).get(LIST, {"no_cadre": "on"})
    assert rows(response) == [households.y.number, households.z.number]


def test_sorting_by_whitelisted_columns_and_ignoring_others(client_for, personas, areas, households):
    client = client_for(personas.county_admin)
    by_head = rows(client.get(LIST, {"sort": "head"}))
    assert sorted(by_head) == sorted([households.x.number, households.y.number, households.z.number])
    assert rows(client.get(LIST, {"sort": "-head"})) == by_head[::-1]  # order of names follows the database collation
    assert rows(client.get(LIST, {"sort": "-number"})) == [households.z.number, households.y.number, households.x.number]
    households.y.identification_year = 2020
    households.y.save()
    assert rows(client.get(LIST, {"sort": "-year"}))[0] == households.y.number
    # Not a sortable column: the default order, no error, no hidden column.
    response = client.get(LIST, {"sort": "bank_account"})
    assert response.status_code == 200
    assert rows(response) == [households.x.number, households.y.number, households.z.number]


def test_sort_links_keep_the_filters_and_reset_the_page(client_for, personas, households):
    page = client_for(personas.county_admin).get(LIST, {"status": "0", "page": "1"}).content.decode()
    assert 'href="?status=0&amp;sort=number"' in page


def test_pagination_shows_fifty_per_page(client_for, personas, areas, households):
    many_households(areas.village_x, 55)
    client = client_for(personas.village_x)
    first = client.get(LIST)
    assert len(first.context["households"]) == 50
    assert first.context["page_obj"].paginator.count == 56
    second = client.get(LIST, {"page": 2})
    assert len(second.context["households"]) == 6
    assert "第 2 / 2 页" in second.content.decode()


def test_list_queries_do_not_grow_with_the_rows(client_for, personas, areas, households, django_assert_max_num_queries):
    client = client_for(personas.county_admin)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST, {"status": "0"})
    many_households(areas.village_x, 15)
    many_households(areas.village_z, 15, start=300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"status": "0"})
    assert len(response.context["households"]) == 33


def test_household_list_selector_is_a_pure_function_of_actor_and_filters(personas, areas, households):
    numbers = [h.number for h in household_list(actor=personas.township_a, filters={"village": str(areas.village_y.pk)})]
    assert numbers == [households.y.number]
    assert list(household_list(actor=personas.auditor, filters={})) == []


def test_empty_list_says_so_and_offers_to_clear_filters(client_for, personas, households):
    page = client_for(personas.village_x).get(LIST, {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的户" in page and "清除筛选条件" in page


class TestIdSearch:
    def search(self, client, id_number):
        return client.post(reverse("households:household_search_id"), {"id_number": id_number})

    def test_it_finds_the_household_by_id_without_putting_the_id_in_any_url(self, client_for, personas, households):
        client = client_for(personas.county_admin)
        target = IDS[1]
        response = self.search(client, f" {target} ")
        assert response.status_code == 302
        location = response["Location"]
        assert target not in location and target[-8:] not in location
        assert location.startswith(LIST + "?idq=")

        listing = client.get(location)
        assert rows(listing) == [households.y.number]
        page = listing.content.decode()
        assert target not in page  # the page shows it masked only
        assert "610499********0020" in page
        links = [part.split('"')[0] for part in page.split('href="')[1:]]
        assert links and all(target not in link for link in links)

    def test_lowercase_x_matches(self, client_for, personas, areas, households):
        make_household(areas.village_x, "6104991012010009", "孙五", IDS[4])
        client = client_for(personas.village_x)
        listing = client.get(self.search(client, IDS[4].lower())["Location"])
        assert rows(listing) == ["6104991012010009"]

    def test_it_stays_in_scope(self, client_for, personas, households):
        client = client_for(personas.village_x)
        assert rows(client.get(self.search(client, IDS[2])["Location"])) == []

    def test_a_malformed_id_is_refused_in_chinese_without_echoing_it(self, client_for, personas, households):
        client = client_for(personas.village_x)
        response = self.search(client, "610499196505120012")
        assert response["Location"] == LIST
        page = client.get(LIST).content.decode()
        assert "校验位不正确" in page
        assert "610499196505120012" not in page and "19650512" not in page

    def test_someone_elses_token_finds_nothing(self, client_for, personas, households):
        from django.test import Client

        other = Client()
        other.force_login(personas.county_admin, backend="django.contrib.auth.backends.ModelBackend")
        location = self.search(other, IDS[0])["Location"]
        mine = client_for(personas.county_admin)
        response = mine.get(location)
        assert rows(response) == []
        assert "查询已失效" in response.content.decode()

    def test_the_number_waits_in_the_session_under_the_token(self, client_for, personas, households):
        client = client_for(personas.county_admin)
        token = self.search(client, IDS[0])["Location"].split("idq=")[1]
        assert client.session[ID_QUERY_SESSION_KEY][token] == IDS[0]

    def test_get_is_not_allowed(self, client_for, personas):
        assert client_for(personas.county_admin).get(reverse("households:household_search_id")).status_code == 405


def test_the_filter_bar_escapes_area_names_and_keeps_the_choice(client_for, personas, areas, households):
    from villages.models import Area

    Area.objects.filter(pk=areas.village_y.pk).update(name='李家湾"<b>村')
    page = client_for(personas.county_admin).get(LIST, {"village": areas.village_y.pk, "status": "0"}).content.decode()
    assert f'<option value="{areas.village_y.pk}" selected>李家湾&quot;&lt;b&gt;村</option>' in page
    assert '<option value="0" selected>0 未脱贫</option>' in page
    assert "<b>村" not in page


def test_rows_show_area_link_size_and_status_including_households_outside_the_registry(
    client_for, personas, areas, households, django_assert_max_num_queries
):
    make_household(
        areas.village_x, "6104991012010050", "周边缘", valid_id(50), registered=False, status="", identification_year=None,
        attribute="", main_cause="",
    )
    Household.objects.filter(pk=households.y.pk).update(status="1", exit_year=2020, member_count=4)
    client = client_for(personas.township_a)
    with django_assert_max_num_queries(12):
        page = client.get(LIST).content.decode()
    row = page.split(households.y.number)[0].rsplit("<tr>", 1)[1] + page.split(households.y.number)[1].split("</tr>")[0]
    assert "城关镇" in row and "李家湾村" in row and f'href="/households/{households.y.pk}/"' in row
    assert '<td class="text-end">4</td>' in row and '<span class="badge text-bg-success">已脱贫(享受政策)</span>' in row
    outside = page.split("6104991012010050")[1].split("</tr>")[0]
    assert '<span class="badge text-bg-secondary">非建档立卡户</span>' in outside
    assert '<span class="badge text-bg-warning">未脱贫</span>' in page.split(households.x.number)[1].split("</tr>")[0]
