"""Registering (建档) and editing households: the importer's validation
rules, scope, audit, and optimistic locking between two people editing."""

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from households.models import Household, Member
from tests.conftest import IDS

pytestmark = pytest.mark.django_db

CREATE = reverse("households:household_create")
THIS_YEAR = timezone.localdate().year


def create_form(village, **overrides):
    data = {
        "head_name": "刘德厚",
        "head_id_number": IDS[3],
        "head_disability_cert_number": "",
        "village": village.pk,
        "number": "6104991012010077",
        "group": "二组",
        "address": "张家沟村二组5号",
        "phone": "13912345678",
        "bank_name": "",
        "bank_account": "",
        "identification_standard": "national",
        "identification_year": "2016",
        "attribute": "一般贫困户",
        "main_cause": "因病",
        "other_cause_1": "",
        "other_cause_2": "",
        "status": "0",
        "exit_year": "",
        "planned_exit_year": "",
        "declared_income_per_capita": "",
        "housing_safety": "安全",
        "safe_drinking_water": "true",
        "has_electricity": "true",
        "road_to_home": "unknown",
        "farmland_mu": "3.5",
        "forest_mu": "",
        "returned_farmland_mu": "",
    }
    data.update(overrides)
    return data


def edit_form(household, **overrides):
    data = create_form(household.village, number=household.number, version=household.version)
    for name in ("head_name", "head_id_number", "head_disability_cert_number"):
        data.pop(name)
    data.update(overrides)
    return data


def errors_of(response):
    form = response.context["form"]
    return {name: " ".join(messages) for name, messages in form.errors.items()}


class TestCreate:
    def test_it_registers_the_household_with_its_head(self, client_for, personas, areas):
        response = client_for(personas.village_x).post(CREATE, create_form(areas.village_x))
        household = Household.objects.get(number="6104991012010077")
        assert response.status_code == 302 and response["Location"] == household.get_absolute_url()
        head = household.members.get()
        assert (head.name, head.relation, head.sex, head.birth_date.isoformat()) == ("刘德厚", "户主", "女", "2010-06-07")
        assert (household.head_name, household.member_count) == ("刘德厚", 1)
        assert household.farmland_mu == pytest.approx(3.5)

    def test_the_change_is_audited_with_the_user(self, client_for, personas, areas):
        client_for(personas.village_x).post(CREATE, create_form(areas.village_x))
        household = Household.objects.get(number="6104991012010077")
        entry = LogEntry.objects.get_for_object(household).get()
        assert entry.actor == personas.village_x and entry.action == LogEntry.Action.CREATE
        assert LogEntry.objects.get_for_object(household.members.get()).get().actor == personas.village_x

    def test_a_wrong_id_check_character_is_refused_naming_the_field(self, client_for, personas, areas):
        response = client_for(personas.village_x).post(CREATE, create_form(areas.village_x, head_id_number="610499201006070042"))
        assert response.status_code == 200
        assert "校验位不正确" in errors_of(response)["head_id_number"]
        assert not Household.objects.exists()

    def test_an_impossible_birth_date_is_refused(self, client_for, personas, areas):
        response = client_for(personas.village_x).post(CREATE, create_form(areas.village_x, head_id_number="610499201002300048"))
        assert "出生日期 20100230 不存在" in errors_of(response)["head_id_number"]

    def test_head_needs_an_id_or_a_disability_certificate(self, client_for, personas, areas):
        client = client_for(personas.village_x)
        response = client.post(CREATE, create_form(areas.village_x, head_id_number=""))
        assert "身份证号" in errors_of(response)["head_id_number"]
        response = client.post(CREATE, create_form(areas.village_x, head_id_number="", head_disability_cert_number="61049919700101001X41"))
        assert response.status_code == 302
        head = Household.objects.get().members.get()
        assert head.id_number is None and head.disability_cert_number == "61049919700101001X41"

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"identification_year": "2012"}, "identification_year", "识别年度应在2013年"),
            ({"identification_year": str(THIS_YEAR + 1)}, "identification_year", "识别年度应在2013年"),
            ({"exit_year": "2015", "status": "1"}, "exit_year", "不能早于识别年度"),
            ({"exit_year": str(THIS_YEAR + 1), "status": "1"}, "exit_year", "不能晚于今年"),
            ({"phone": "1391234"}, "phone", "电话格式不正确"),
            ({"other_cause_1": "因病"}, "other_cause_1", "不能与主要致贫原因相同"),
            ({"other_cause_1": "缺技术", "other_cause_2": "缺技术"}, "other_cause_2", "另一项其他原因相同"),
            ({"declared_income_per_capita": "-1.00"}, "declared_income_per_capita", "人均纯收入(元)不能为负数"),
        ],
    )
    def test_importer_rules_are_refused_in_chinese_naming_the_field(self, client_for, personas, areas, overrides, field, message):
        # Only county administrators set 脱贫状态 and 脱贫年度 directly.
        persona = personas.county_admin if "exit_year" in overrides else personas.village_x
        response = client_for(persona).post(CREATE, create_form(areas.village_x, **overrides))
        assert response.status_code == 200
        assert message in errors_of(response)[field]
        assert not Household.objects.exists() and not Member.objects.exists()

    def test_a_single_second_cause_moves_up(self, client_for, personas, areas):
        client_for(personas.village_x).post(CREATE, create_form(areas.village_x, other_cause_2="缺资金"))
        household = Household.objects.get()
        assert (household.other_cause_1, household.other_cause_2) == ("缺资金", "")

    def test_a_number_already_used_in_the_village_is_refused(self, client_for, personas, areas, households):
        response = client_for(personas.village_x).post(CREATE, create_form(areas.village_x, number=households.x.number))
        assert "户编号" in str(response.context["form"].errors)
        assert Household.objects.filter(number=households.x.number).count() == 1

    def test_head_already_in_another_visible_household_names_it(self, client_for, personas, areas, households):
        response = client_for(personas.township_a).post(CREATE, create_form(areas.village_x, head_id_number=IDS[1]))
        assert "李家湾村 李秀英户" in errors_of(response)["head_id_number"]
        assert Household.objects.count() == 3

    def test_head_already_in_an_invisible_household_is_not_named(self, client_for, personas, areas, households):
        response = client_for(personas.village_x).post(CREATE, create_form(areas.village_x, head_id_number=IDS[2]))
        message = errors_of(response)["head_id_number"]
        assert "其他乡镇或村" in message and "王德福" not in message and "王家坪" not in message

    def test_village_choices_are_only_in_scope(self, client_for, personas, areas):
        form = client_for(personas.township_a).get(CREATE).context["form"]
        assert list(form.fields["village"].queryset) == [areas.village_x, areas.village_y]

    def test_creating_in_another_township_is_refused(self, client_for, personas, areas):
        response = client_for(personas.township_a).post(CREATE, create_form(areas.village_z))
        assert "village" in response.context["form"].errors
        assert not Household.objects.exists()

    def test_village_can_be_preset_from_the_link(self, client_for, personas, areas):
        client = client_for(personas.township_a)
        assert client.get(CREATE, {"village": areas.village_y.pk}).context["form"].initial["village"] == areas.village_y.pk
        assert "village" not in client.get(CREATE, {"village": areas.village_z.pk}).context["form"].initial

    def test_viewer_may_not_create(self, client_for, personas, areas):
        assert client_for(personas.county_viewer).post(CREATE, create_form(areas.village_x)).status_code == 403
        assert not Household.objects.exists()


class TestUpdate:
    def url(self, household):
        return reverse("households:household_update", args=[household.pk])

    def test_it_saves_and_records_before_and_after(self, client_for, personas, households):
        response = client_for(personas.village_x).post(self.url(households.x), edit_form(households.x, address="新住址8号"))
        assert response.status_code == 302
        households.x.refresh_from_db()
        assert households.x.address == "新住址8号" and households.x.version == 2
        entry = LogEntry.objects.get_for_object(households.x).filter(action=LogEntry.Action.UPDATE).get()
        assert entry.actor == personas.village_x
        assert entry.changes_dict["address"] == ["", "新住址8号"]

    def test_second_save_from_an_older_page_is_refused_and_overwrites_nothing(self, client_for, personas, households):
        first = client_for(personas.village_x)
        second = Client()
        second.force_login(personas.township_a, backend="django.contrib.auth.backends.ModelBackend")
        # Both open the form at the same version.
        version = first.get(self.url(households.x)).context["form"]["version"].value()
        assert second.get(self.url(households.x)).context["form"]["version"].value() == version

        assert first.post(self.url(households.x), edit_form(households.x, address="甲填写的住址")).status_code == 302
        response = second.post(self.url(households.x), edit_form(households.x, address="乙填写的住址", phone="13800001111"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "该户信息已被他人修改" in page and "重新打开编辑页" in page
        households.x.refresh_from_db()
        assert households.x.address == "甲填写的住址" and households.x.phone == "13912345678"
        # Reloading picks up the new version and then saves.
        fresh = second.get(self.url(households.x)).context["form"]["version"].value()
        assert second.post(self.url(households.x), edit_form(households.x, address="乙填写的住址", version=fresh)).status_code == 302

    def test_a_member_change_also_makes_an_open_form_stale(self, client_for, personas, households):
        client = client_for(personas.village_x)
        version = households.x.version
        client.post(
            reverse("households:member_create", args=[households.x.pk]),
            {"name": "张二", "id_number": IDS[3], "relation": "之子", "health": "健康", "ethnicity": "汉族"},
        )
        response = client.post(self.url(households.x), edit_form(households.x, version=version, address="旧表单"))
        assert "该户信息已被他人修改" in response.content.decode()

    def test_status_is_left_to_the_exit_procedure_except_for_county_admins(self, client_for, personas, households):
        form = client_for(personas.township_a).get(self.url(households.x)).context["form"]
        assert "status" not in form.fields and "exit_year" not in form.fields
        client_for(personas.township_a).post(self.url(households.x), edit_form(households.x, status="1", exit_year="2020"))
        households.x.refresh_from_db()
        assert households.x.status == "0" and households.x.exit_year is None

        admin = client_for(personas.county_admin)
        assert "status" in admin.get(self.url(households.x)).context["form"].fields
        admin.post(self.url(households.x), edit_form(households.x, status="1", exit_year="2020"))
        households.x.refresh_from_db()
        assert households.x.status == "1" and households.x.exit_year == 2020

    def test_moving_a_household_out_of_scope_is_refused(self, client_for, personas, areas, households):
        response = client_for(personas.village_x).post(self.url(households.x), edit_form(households.x, village=areas.village_y.pk))
        assert "village" in response.context["form"].errors
        households.x.refresh_from_db()
        assert households.x.village == areas.village_x

    def test_out_of_scope_edit_is_404(self, client_for, personas, households):
        assert client_for(personas.village_x).get(self.url(households.y)).status_code == 404
        assert client_for(personas.village_x).post(self.url(households.y), edit_form(households.y)).status_code == 404

    def test_there_is_no_way_to_delete_a_household(self, client_for, personas, households):
        from django.urls import NoReverseMatch

        with pytest.raises(NoReverseMatch):
            reverse("households:household_delete", args=[households.x.pk])
        assert client_for(personas.county_admin).post(f"/households/{households.x.pk}/delete/").status_code == 404
        assert Household.objects.filter(pk=households.x.pk).exists()


def test_forms_speak_chinese_even_in_empty_choices(client_for, personas, households):
    client = client_for(personas.county_admin)
    for url in (CREATE, reverse("households:household_update", args=[households.x.pk]),
                reverse("households:member_create", args=[households.x.pk])):
        page = client.get(url).content.decode()
        assert "Select an option" not in page and "---------" not in page, url
        assert "—— 请选择 ——" in page
