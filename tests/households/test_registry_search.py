"""Finding a person: by ID number (members who left included, full-width
input, lower-case x), by 户编号, by any current member's name; always within
the user's area, with the header's counts, in a fixed number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from households.models import Household
from households.selectors.registry import household_list, household_page, household_totals
from households.tables import HOUSEHOLD_TABLE
from households.views.registry import PAGE_SIZE
from tests.conftest import IDS, make_household
from tests.households.test_registry_list import add_member, rows, valid_id

pytestmark = pytest.mark.django_db

LIST = reverse("households:household_list")
SEARCH_ID = reverse("households:household_search_id")


def fullwidth(text: str) -> str:
    """What a Chinese input method in full-width mode types: ０–９, ｘ, Ｘ."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def search_id(client, id_number: str):
    response = client.post(SEARCH_ID, {"id_number": id_number})
    assert response.status_code == 302
    return client.get(response["Location"])


@pytest.fixture
def city(areas, households):
    """The three standard households plus: a member who left Y and now lives
    in Z, a 4-character name, and a household in each township sharing a
    name fragment."""
    mover = IDS[3]  # 2010-born
    add_member(households.y, "李小红", mover, relation="之女", left_date=date(2023, 5, 1), left_reason="婚出")
    add_member(households.z, "李小红", mover, relation="之儿媳")
    add_member(households.x, "欧阳建华", valid_id(501), relation="之女婿")
    add_member(households.x, "张已故", valid_id(502, "19400101"), relation="之父", left_date=date(2022, 1, 1), left_reason="死亡")
    make_household(areas.village_y, "6104991012020002", "赵建国", valid_id(503))
    make_household(areas.village_z, "6104991022010002", "钱建国", valid_id(504))
    return households


class TestIdSearchResults:
    def test_the_heads_id_finds_the_household_and_the_header_counts_it(self, client_for, personas, city):
        listing = search_id(client_for(personas.county_admin), IDS[0])
        assert rows(listing) == [city.x.number]
        assert listing.context["totals"] == {"households": 1, "people": 1}
        assert "共 1 户 1 人" in listing.content.decode()

    def test_a_member_who_left_still_finds_the_household_they_left_and_the_one_they_joined(self, client_for, personas, city):
        listing = search_id(client_for(personas.county_admin), IDS[3])
        assert rows(listing) == [city.y.number, city.z.number]

    def test_a_member_who_left_finds_the_household_when_it_is_their_only_one(self, client_for, personas, city):
        assert rows(search_id(client_for(personas.county_admin), valid_id(502, "19400101"))) == [city.x.number]

    def test_full_width_digits_find_the_same_household(self, client_for, personas, city):
        client = client_for(personas.county_admin)
        assert rows(search_id(client, fullwidth(IDS[1]))) == [city.y.number]
        assert rows(search_id(client, fullwidth(f" {IDS[2]} "))) == [city.z.number]

    @pytest.mark.parametrize("check", ["x", "ｘ", "Ｘ", "X"])
    def test_the_check_character_x_in_any_case_and_width(self, client_for, personas, areas, city, check):
        make_household(areas.village_x, "6104991012010009", "孙五", IDS[4])
        listing = search_id(client_for(personas.village_x), IDS[4][:17] + check)
        assert rows(listing) == ["6104991012010009"]

    def test_out_of_area_people_are_not_found(self, client_for, personas, city):
        township_a = client_for(personas.township_a)
        assert rows(search_id(township_a, IDS[2])) == []
        # The mover left Y (township A) and lives in Z (township B): township A still sees Y only.
        assert rows(search_id(township_a, IDS[3])) == [city.y.number]

    def test_an_unknown_number_finds_nothing(self, client_for, personas, city):
        listing = search_id(client_for(personas.county_admin), valid_id(999))
        assert rows(listing) == []
        assert listing.context["totals"] == {"households": 0, "people": 0}

    def test_filters_apply_on_top_of_the_id(self, client_for, personas, city):
        client = client_for(personas.county_admin)
        location = client.post(SEARCH_ID, {"id_number": IDS[3]})["Location"]
        assert rows(client.get(f"{location}&village={city.z.village_id}")) == [city.z.number]
        assert rows(client.get(f"{location}&status=1")) == []

    def test_the_id_search_takes_a_fixed_number_of_queries(self, client_for, personas, areas, city, django_assert_max_num_queries):
        client = client_for(personas.county_admin)
        location = client.post(SEARCH_ID, {"id_number": IDS[3]})["Location"]
        with django_assert_max_num_queries(12) as first:
            client.get(location)
        for i in range(10):
            household = make_household(areas.village_x, f"61049910120199{i:02d}", f"户主{i}", valid_id(600 + i))
            add_member(household, f"成员{i}", valid_id(700 + i))
        with django_assert_max_num_queries(len(first.captured_queries)):
            client.get(location)


class TestNameAndNumberSearch:
    def search(self, client, q, **extra):
        return rows(client.get(LIST, {"q": q, **extra}))

    def test_three_characters_of_a_heads_name(self, client_for, personas, city):
        assert self.search(client_for(personas.county_admin), "张建国") == [city.x.number]

    def test_two_characters_anywhere_in_a_name(self, client_for, personas, city):
        client = client_for(personas.county_admin)
        assert self.search(client, "建国") == [city.x.number, "6104991012020002", "6104991022010002"]
        assert self.search(client, "秀英") == [city.y.number]  # the end of a head's name
        assert self.search(client, "阳建") == [city.x.number]  # the middle of a four-character name

    def test_a_current_members_name_finds_the_household(self, client_for, personas, city):
        client = client_for(personas.county_admin)
        assert self.search(client, "欧阳建华") == [city.x.number]
        assert self.search(client, "小红") == [city.z.number]  # she left Y and lives in Z

    def test_a_member_who_left_is_not_found_by_name(self, client_for, personas, city):
        assert self.search(client_for(personas.county_admin), "张已故") == []

    def test_one_character(self, client_for, personas, city):
        client = client_for(personas.county_admin)
        assert self.search(client, "钱") == ["6104991022010002"]
        assert self.search(client, "李") == [city.y.number, city.z.number]

    def test_household_number_exact_and_part(self, client_for, personas, city):
        client = client_for(personas.county_admin)
        assert self.search(client, city.z.number) == [city.z.number]
        assert self.search(client, "1022010001") == [city.z.number]
        assert self.search(client, "10120") == [city.x.number, city.y.number, "6104991012020002"]

    def test_spaces_around_the_search_are_ignored(self, client_for, personas, city):
        assert self.search(client_for(personas.county_admin), "  王德福 ") == [city.z.number]

    def test_wildcard_characters_are_taken_literally(self, client_for, personas, city):
        client = client_for(personas.county_admin)
        assert self.search(client, "%") == []
        assert self.search(client, "_") == []
        assert self.search(client, "张%国") == []

    def test_out_of_area_households_are_not_found(self, client_for, personas, city):
        assert self.search(client_for(personas.township_a), "建国") == [city.x.number, "6104991012020002"]
        assert self.search(client_for(personas.village_x), "建国") == [city.x.number]
        assert self.search(client_for(personas.township_a), "王德福") == []

    def test_search_with_filters_sorting_and_counts(self, client_for, personas, city):
        Household.objects.filter(number="6104991012020002").update(status="1", exit_year=2020, identification_year=2018)
        client = client_for(personas.county_admin)
        assert self.search(client, "建国", status="0") == [city.x.number, "6104991022010002"]
        assert self.search(client, "建国", sort="-year") == ["6104991012020002", "6104991022010002", city.x.number]
        response = client.get(LIST, {"q": "建国"})
        assert response.context["totals"] == {"households": 3, "people": 3}
        assert "共 3 户 3 人" in response.content.decode()

    def test_no_match_says_so(self, client_for, personas, city):
        response = client_for(personas.county_admin).get(LIST, {"q": "没有这个人"})
        assert rows(response) == []
        assert response.context["totals"] == {"households": 0, "people": 0}

    @pytest.mark.parametrize("q", ["张建国", "建国", "李", "1022010001"])
    def test_search_takes_a_fixed_number_of_queries(self, client_for, personas, areas, city, q, django_assert_max_num_queries):
        client = client_for(personas.county_admin)
        with django_assert_max_num_queries(12) as first:
            client.get(LIST, {"q": q})
        for i in range(10):
            household = make_household(areas.village_x, f"61049910120199{i:02d}", f"李建国{i}", valid_id(600 + i))
            add_member(household, f"张建国{i}", valid_id(700 + i))
        with django_assert_max_num_queries(len(first.captured_queries)):
            client.get(LIST, {"q": q})


def test_export_and_list_agree_on_a_search(personas, city):
    """The roster export and batch printing read the same selector."""
    found = household_list(actor=personas.county_admin, filters={"q": "建国"})
    assert [h.number for h in found] == [city.x.number, "6104991012020002", "6104991022010002"]
    assert household_totals(found) == {"households": 3, "people": 3}
    assert [h.number for h in household_list(actor=personas.county_admin, filters={"id_number": IDS[3]})] == [
        city.y.number, city.z.number,
    ]


class TestPagesAndCounts:
    """The list's page and header counts: one query when the answer fits on
    the first page, two otherwise, whichever page; a page past the middle is
    read backwards and must hold exactly the rows reading forwards would."""

    def page(self, actor, filters, page=None):
        households = HOUSEHOLD_TABLE.page_rows(household_list(actor=actor, filters=filters))
        page_obj, totals = household_page(households, page=page, per_page=PAGE_SIZE)
        return [h.number for h in page_obj.object_list], page_obj, totals

    def test_a_search_that_fits_one_page_takes_one_query(self, personas, city, django_assert_num_queries):
        with django_assert_num_queries(1):
            numbers, page_obj, totals = self.page(personas.county_admin, {"q": "建国"})
        assert numbers == [city.x.number, "6104991012020002", "6104991022010002"]
        assert totals == {"households": 3, "people": 3}
        assert (page_obj.number, page_obj.paginator.num_pages, page_obj.paginator.count) == (1, 1, 3)
        with django_assert_num_queries(1):
            assert self.page(personas.county_admin, {"id_number": IDS[3]})[0] == [city.y.number, city.z.number]
        # A 户编号 (ASCII) search reads the matching numbers first, then the page.
        with django_assert_num_queries(2):
            assert self.page(personas.county_admin, {"q": "1022010001"})[0] == [city.z.number]

    def test_a_number_matching_much_of_the_county_is_still_exact(self, personas, areas, city, monkeypatch):
        monkeypatch.setattr("households.filters.BROAD_NUMBER_SEARCH", 2)
        numbers, _, totals = self.page(personas.county_admin, {"q": "10120"})
        assert numbers == [city.x.number, city.y.number, "6104991012020002"]
        assert totals["households"] == 3

    @pytest.mark.parametrize("sort", ["", "number", "-number", "head", "-head", "size", "-year", "status"])
    def test_every_page_holds_the_rows_of_the_whole_list_in_order(self, personas, areas, city, sort, django_assert_num_queries):
        for i in range(120):
            household = make_household(
                areas.village_x if i % 3 else areas.village_z, f"61049910120188{i:02d}" if i < 100 else f"6104991012017{i:03d}",
                f"{'李王张'[i % 3]}户{i % 7}", valid_id(100 + i), identification_year=2014 + i % 4, status="0" if i % 5 else "1",
                exit_year=None if i % 5 else 2020,
            )
            Household.objects.filter(pk=household.pk).update(member_count=1 + i % 4)
        filters = {"sort": sort} if sort else {}
        everything = [h.number for h in household_list(actor=personas.county_admin, filters=filters)]
        assert len(everything) == 125
        pages = []
        for number in (1, 2, 3):
            with django_assert_num_queries(2):
                numbers, page_obj, totals = self.page(personas.county_admin, filters, page=number)
            assert page_obj.number == number and totals["households"] == 125
            pages += numbers
        assert pages == everything
        # Out of range or not a number: as Paginator.get_page.
        assert self.page(personas.county_admin, filters, page=99)[1].number == 3
        assert self.page(personas.county_admin, filters, page="x")[0] == everything[:PAGE_SIZE]


@pytest.mark.postgres
class TestIndexesServeTheSearches:
    """On PostgreSQL each search can be answered from its index (with
    sequential scans off, as a table of a few rows would never pick one)."""

    def plan(self, queryset, *, sort: bool = True) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"SET LOCAL enable_sort = {'on' if sort else 'off'}")
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def test_id_number(self, personas, city):
        plan = self.plan(household_list(actor=personas.county_admin, filters={"id_number": IDS[3]}))
        assert "member_id_number" in plan

    def test_three_characters_use_trigrams(self, personas, city):
        plan = self.plan(household_list(actor=personas.county_admin, filters={"q": "张建国"}))
        assert "member_name_trgm" in plan and "household_head_name_trgm" in plan and "household_number_trgm" in plan

    @pytest.mark.parametrize("q", ["建国", "李"])
    def test_one_or_two_characters_use_the_short_grams(self, personas, city, q):
        plan = self.plan(household_list(actor=personas.county_admin, filters={"q": q}))
        assert "member_name_short_grams" in plan and "household_head_name_short_grams" in plan
        assert "household_number_short_grams" in plan

    def test_a_township_page_reads_its_index_in_order(self, personas, areas, city):
        households = household_list(actor=personas.county_admin, filters={"township": str(areas.township_a.pk), "sort": "-year"})
        # Sorting off: a plan without a Sort node reads the rows in the index's order.
        plan = self.plan(HOUSEHOLD_TABLE.page_rows(households)[50:100], sort=False)
        assert "household_township_year" in plan and "Sort" not in plan
        assert "household_township_year" in self.plan(households.order_by().values("pk")[:1])
