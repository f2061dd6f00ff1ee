import pytest
from django.urls import reverse

from villages.models import Area, WorkTeam

pytestmark = pytest.mark.django_db

FORM = {
    "dispatching_unit": "县交通运输局",
    "leader_name": "黄队长",
    "leader_phone": "13812345678",
    "first_secretary_name": "林书记",
    "first_secretary_unit": "县交通运输局",
    "first_secretary_phone": "13812345679",
    "members": "",
    "start_date": "2024-05-01",
    "end_date": "",
}


def test_village_dropdown_lists_only_villages_in_the_users_area(client_for, personas, areas):
    page = client_for(personas.township_a).get(reverse("villages:workteam_create")).content.decode()
    village_select = page.split("<select")[1].split("</select>")[0]
    assert "城关镇 张家沟村" in village_select and "城关镇 李家湾村" in village_select
    assert "王家坪村" not in page and f'value="{areas.township_a.pk}"' not in village_select


def test_creating_a_team_in_another_township_is_refused(client_for, personas, areas):
    response = client_for(personas.township_a).post(reverse("villages:workteam_create"), {**FORM, "village": areas.village_z.pk})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not WorkTeam.objects.filter(leader_name="黄队长").exists()


def test_moving_a_team_out_of_scope_is_rolled_back(personas, areas, work_teams, rf):
    """Even if a drop-down let a foreign village through, the save is undone."""
    from django.contrib.messages.storage.fallback import FallbackStorage

    from villages.forms import WorkTeamForm
    from villages.views import WorkTeamUpdateView

    class LeakyForm(WorkTeamForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # simulates a drop-down that offers every village
            self.fields["village"].queryset = Area.objects.filter(level="village")

    request = rf.post("/", {**FORM, "village": areas.village_z.pk})
    request.user = personas.village_x
    request.session = {}
    request._messages = FallbackStorage(request)
    response = WorkTeamUpdateView.as_view(form_class=LeakyForm)(request, pk=work_teams.x.pk)
    assert response.status_code == 200
    assert "超出您的管辖范围" in response.rendered_content
    work_teams.x.refresh_from_db()
    assert work_teams.x.village == areas.village_x and work_teams.x.leader_name == "赵队长"


def test_end_date_before_start_is_refused_in_chinese(client_for, personas, areas):
    response = client_for(personas.village_x).post(
        reverse("villages:workteam_create"), {**FORM, "village": areas.village_x.pk, "end_date": "2024-01-01"}
    )
    assert "撤离日期不能早于派驻日期" in response.content.decode()


def test_bad_phone_is_refused_naming_the_field(client_for, personas, areas):
    response = client_for(personas.village_x).post(
        reverse("villages:workteam_create"), {**FORM, "village": areas.village_x.pk, "leader_phone": "12345"}
    )
    page = response.content.decode()
    assert "电话格式不正确" in page
    assert not WorkTeam.objects.filter(leader_name="黄队长").exists()


def test_delete_asks_for_confirmation_first(client_for, personas, work_teams):
    client = client_for(personas.township_a)
    page = client.get(reverse("villages:workteam_delete", args=[work_teams.x.pk])).content.decode()
    assert "确认删除" in page
    assert WorkTeam.objects.filter(pk=work_teams.x.pk).exists()


def test_workteam_list_searches_and_filters(client_for, personas, work_teams):
    work_teams.y.end_date = work_teams.y.start_date.replace(year=2025)
    work_teams.y.save()
    client = client_for(personas.county_viewer)
    page = client.get(reverse("villages:workteam_list"), {"status": "current"}).content.decode()
    assert "县财政局" in page and "县水利局" in page and "县教育局" not in page
    page = client.get(reverse("villages:workteam_list"), {"q": "王家坪"}).content.decode()
    assert "县水利局" in page and "县财政局" not in page


def test_area_tree_shows_only_the_township(client_for, personas):
    page = client_for(personas.township_a).get(reverse("villages:area_list")).content.decode()
    assert "张家沟村" in page and "李家湾村" in page and "王家坪村" not in page


def test_area_pages_run_a_constant_number_of_queries(client_for, personas, work_teams, django_assert_max_num_queries):
    client = client_for(personas.county_admin)
    with django_assert_max_num_queries(12):
        client.get(reverse("villages:area_list"))
    with django_assert_max_num_queries(12):
        client.get(reverse("villages:workteam_list"))
    # The home page is the battle map now: tests/dashboard/test_map_queries.py pins it.
