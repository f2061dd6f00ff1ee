"""帮扶措施 (一户一策) and the measure catalogue: who may change what, the
member and date rules, the list with its filters and totals."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.models import Cadre, Measure, MeasureCategory, Member
from households.services.measures import measure_save
from tests.conftest import IDS

pytestmark = pytest.mark.django_db


def category(name="公益岗位", group="就业扶贫"):
    return MeasureCategory.objects.get(group=group, name=name)


def measure_form(**overrides):
    data = {
        "year": "2026", "category": category().pk, "member": "", "content": "村道保洁公益岗位", "amount": "6000.00",
        "planned_date": "2026-03-01", "done_date": "", "status": "planned", "cadre": "",
    }
    data.update({k: ("" if v is None else v) for k, v in overrides.items()})
    return data


def add_member(household, name, id_number, **extra):
    return Member.objects.create(household=household, name=name, id_number=id_number, relation="之子", **extra)


def make_measure(household, **extra):
    values = dict(year=2026, category=category(), content="公益岗位", amount=Decimal("6000.00"))
    values.update(extra)
    return Measure.objects.create(household=household, **values)


# ---------------------------------------------------------------- catalogue


def test_only_county_administrators_open_the_catalogue(client_for, personas):
    for persona in (personas.township_a, personas.village_x, personas.county_viewer, personas.auditor):
        client = client_for(persona)
        assert client.get(reverse("households:category_list")).status_code == 403
        response = client.post(reverse("households:category_create"), {"group": "其他", "name": "新措施", "sort_order": 5})
        assert response.status_code == 403
    assert not MeasureCategory.objects.filter(name="新措施").exists()

    response = client_for(personas.county_admin).get(reverse("households:category_list"))
    assert response.status_code == 200
    assert "公益岗位" in response.content.decode()


def test_county_administrator_adds_a_catalogue_entry_and_it_is_audited(client_for, personas):
    client = client_for(personas.county_admin)
    response = client.post(
        reverse("households:category_create"), {"group": "产业扶贫", "name": "光伏收益", "sort_order": 65, "active": "on"}
    )
    assert response.status_code == 302
    created = MeasureCategory.objects.get(name="光伏收益")
    assert created.group == "产业扶贫" and created.active
    entry = LogEntry.objects.get_for_object(created).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.county_admin


def test_a_name_already_in_the_group_is_refused_in_chinese(client_for, personas):
    response = client_for(personas.county_admin).post(
        reverse("households:category_create"), {"group": "就业扶贫", "name": "公益岗位", "sort_order": 1, "active": "on"}
    )
    assert response.status_code == 200
    assert "该类别下已有同名措施" in response.content.decode()
    assert MeasureCategory.objects.filter(group="就业扶贫", name="公益岗位").count() == 1


def test_a_deactivated_entry_is_not_offered_for_new_measures_but_old_measures_keep_it(client_for, personas, households):
    retired = category("贴息", "金融扶贫")
    old = make_measure(households.x, category=retired, content="扶贫小额信贷贴息")
    admin = client_for(personas.county_admin)
    response = admin.post(
        reverse("households:category_update", args=[retired.pk]),
        {"group": retired.group, "name": retired.name, "sort_order": retired.sort_order},
    )
    assert response.status_code == 302
    retired.refresh_from_db()
    assert not retired.active

    client = client_for(personas.village_x)
    form_page = client.get(reverse("households:measure_create", args=[households.x.pk])).content.decode()
    assert f'value="{retired.pk}"' not in form_page
    response = client.post(reverse("households:measure_create", args=[households.x.pk]), measure_form(category=retired.pk))
    assert response.status_code == 200
    assert Measure.objects.filter(household=households.x).count() == 1

    edit = client.post(
        reverse("households:measure_update", args=[old.pk]),
        measure_form(category=retired.pk, content="扶贫小额信贷贴息（已核实）"),
    )
    assert edit.status_code == 302
    old.refresh_from_db()
    assert old.content == "扶贫小额信贷贴息（已核实）" and old.category == retired


# ----------------------------------------------------------------- measures


def test_the_category_drop_down_is_grouped_by_the_six_batches(client_for, personas, households):
    page = client_for(personas.village_x).get(reverse("households:measure_create", args=[households.x.pk])).content.decode()
    assert '<optgroup label="就业扶贫">' in page
    assert '<optgroup label="健康扶贫">' in page


def test_village_cadre_adds_a_measure_for_a_member_and_it_is_audited(client_for, personas, households):
    son = add_member(households.x, "张小军", IDS[3])
    client = client_for(personas.village_x)
    response = client.post(
        reverse("households:measure_create", args=[households.x.pk]),
        measure_form(category=category("雨露计划", "教育扶贫").pk, member=son.pk, content="中职雨露计划补助", amount="3000"),
    )
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("households:household_detail", args=[households.x.pk]) + "#measures")
    measure = Measure.objects.get(household=households.x)
    assert measure.member == son and measure.amount == Decimal("3000.00") and measure.status == "planned"
    entry = LogEntry.objects.get_for_object(measure).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.village_x


def test_the_member_must_belong_to_the_household(client_for, personas, households):
    stranger = Member.objects.get(household=households.y)
    client = client_for(personas.township_a)
    response = client.post(reverse("households:measure_create", args=[households.x.pk]), measure_form(member=stranger.pk))
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Measure.objects.exists()

    # The service holds the rule on its own, whatever form calls it.
    measure = Measure(household=households.x, member=stranger, year=2026, category=category(), content="公益岗位")
    with pytest.raises(ValidationError) as refused:
        measure_save(actor=personas.township_a, measure=measure)
    assert "受益成员必须是本户的家庭成员" in str(refused.value)
    assert not Measure.objects.exists()


def test_a_member_who_has_left_is_not_offered_but_an_old_measure_keeps_them(client_for, personas, households):
    left = add_member(households.x, "张小红", IDS[4], left_date=date(2025, 6, 1), left_reason="婚出")
    client = client_for(personas.village_x)
    response = client.post(reverse("households:measure_create", args=[households.x.pk]), measure_form(member=left.pk))
    assert response.status_code == 200
    assert not Measure.objects.exists()

    old = make_measure(households.x, member=left, year=2025)
    response = client.post(reverse("households:measure_update", args=[old.pk]), measure_form(year="2025", member=left.pk, amount="5000"))
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.member == left and old.amount == Decimal("5000.00")


def test_done_needs_a_done_date_and_the_form_says_so_in_chinese(client_for, personas, households):
    client = client_for(personas.village_x)
    response = client.post(reverse("households:measure_create", args=[households.x.pk]), measure_form(status="done"))
    assert response.status_code == 200
    assert "已落实的措施须填写落实日期。" in response.content.decode()
    assert not Measure.objects.exists()

    response = client.post(
        reverse("households:measure_create", args=[households.x.pk]), measure_form(status="done", done_date="2026-04-15")
    )
    assert response.status_code == 302
    assert Measure.objects.get().done_date == date(2026, 4, 15)


def test_a_negative_amount_is_refused(client_for, personas, households):
    response = client_for(personas.village_x).post(
        reverse("households:measure_create", args=[households.x.pk]), measure_form(amount="-100")
    )
    assert response.status_code == 200
    assert not Measure.objects.exists()


def test_only_cadres_in_reach_can_be_made_responsible(client_for, personas, households, areas):
    own = Cadre.objects.create(name="刘帮扶", unit="城关镇政府", unit_level="乡镇", phone="13900000001", area=areas.township_a)
    other = Cadre.objects.create(name="陈帮扶", unit="清河镇政府", unit_level="乡镇", phone="13900000002", area=areas.township_b)
    client = client_for(personas.village_x)
    found = client.get(reverse("households:cadre_options"), {"q": "帮扶"}).json()["results"]
    assert [cadre["id"] for cadre in found] == [own.pk]
    response = client.post(reverse("households:measure_create", args=[households.x.pk]), measure_form(cadre=other.pk))
    assert response.status_code == 200 and not Measure.objects.exists()
    assert "选择一个有效的选项" in response.content.decode()
    response = client.post(reverse("households:measure_create", args=[households.x.pk]), measure_form(cadre=own.pk))
    assert response.status_code == 302 and Measure.objects.get().cadre == own


def test_it_refuses_out_of_scope_add_and_edit(client_for, personas, households):
    measure = make_measure(households.x)
    outsider = client_for(personas.outsider)
    assert outsider.post(reverse("households:measure_create", args=[households.x.pk]), measure_form()).status_code == 404
    assert outsider.post(reverse("households:measure_update", args=[measure.pk]), measure_form(amount="1")).status_code == 404
    neighbour = client_for(personas.village_x)
    assert neighbour.post(reverse("households:measure_create", args=[households.y.pk]), measure_form()).status_code == 404
    measure.refresh_from_db()
    assert measure.amount == Decimal("6000.00")
    assert Measure.objects.count() == 1


def test_viewers_cannot_add_measures(client_for, personas, households):
    response = client_for(personas.county_viewer).post(reverse("households:measure_create", args=[households.x.pk]), measure_form())
    assert response.status_code == 403
    assert not Measure.objects.exists()


# ------------------------------------------------------------------- list


@pytest.fixture
def spread(households):
    """Measures in village X, village Y (both township A) and village Z (township B)."""
    return dict(
        x_done=make_measure(households.x, status="done", done_date=date(2026, 5, 1), amount=Decimal("6000.00")),
        x_plan=make_measure(households.x, category=category("家庭医生签约", "健康扶贫"), amount=None, content="签约服务"),
        y_2025=make_measure(households.y, year=2025, amount=Decimal("1500.50")),
        z=make_measure(households.z, amount=Decimal("9999.00")),
    )


def test_the_list_shows_only_measures_in_reach_with_their_totals(client_for, personas, spread):
    response = client_for(personas.township_a).get(reverse("households:measure_list"))
    assert response.status_code == 200
    shown = {m.pk for m in response.context["page_obj"]}
    assert shown == {spread["x_done"].pk, spread["x_plan"].pk, spread["y_2025"].pk}
    totals = response.context["totals"]
    assert totals["count"] == 3 and totals["households"] == 2
    assert totals["total_amount"] == Decimal("7500.50")
    assert totals["done"] == 1 and totals["done_amount"] == Decimal("6000.00")
    assert "9999" not in response.content.decode()


def test_the_list_filters_by_year_group_category_status_and_village(client_for, personas, areas, spread):
    client = client_for(personas.county_admin)

    def shown(**params):
        return {m.pk for m in client.get(reverse("households:measure_list"), params).context["page_obj"]}

    assert shown(year=2025) == {spread["y_2025"].pk}
    assert shown(group="健康扶贫") == {spread["x_plan"].pk}
    assert shown(category=category().pk, year=2026) == {spread["x_done"].pk, spread["z"].pk}
    assert shown(status="done") == {spread["x_done"].pk}
    assert shown(village=areas.village_x.pk) == {spread["x_done"].pk, spread["x_plan"].pk}
    assert shown(township=areas.township_b.pk) == {spread["z"].pk}
    assert shown(q="李秀英") == {spread["y_2025"].pk}


def test_a_village_cannot_filter_its_way_into_another_township(client_for, personas, areas, spread):
    response = client_for(personas.village_x).get(reverse("households:measure_list"), {"village": areas.village_z.pk})
    # A village outside reach is not a valid choice: the filter is dropped, the scope stays.
    assert {m.pk for m in response.context["page_obj"]} == {spread["x_done"].pk, spread["x_plan"].pk}
    assert response.context["totals"]["count"] == 2
    assert "王德福" not in response.content.decode()


def test_the_list_costs_the_same_queries_for_few_or_many_rows(client_for, personas, households, django_assert_max_num_queries):
    client = client_for(personas.county_admin)
    make_measure(households.x)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("households:measure_list"))
    son = add_member(households.x, "张小军", IDS[3])
    cadre = Cadre.objects.create(name="刘帮扶", unit="城关镇政府", unit_level="乡镇", phone="13900000001", area=households.x.village)
    for household in (households.x, households.y, households.z):
        for year in (2024, 2025, 2026):
            make_measure(household, year=year, member=son if household == households.x else None, cadre=cadre)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("households:measure_list"))
    assert response.context["totals"]["count"] == 10


def test_the_list_offers_the_ledger_export_with_the_same_filters(client_for, personas, spread):
    page = client_for(personas.county_viewer).get(reverse("households:measure_list"), {"year": 2025}).content.decode()
    assert reverse("exports:measures") + "?year=2025" in page
    assert reverse("households:measure_bulk_add") not in page  # viewers change nothing
