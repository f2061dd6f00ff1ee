"""Members: adding, editing, leaving by a dated change, changing the 户主,
and one person, one household."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import NoReverseMatch, reverse

from households.models import Household, Member
from households.rules import birth_from_id
from tests.conftest import IDS

pytestmark = pytest.mark.django_db


def member_form(**overrides):
    data = {
        "name": "张小军",
        "id_number": IDS[3],
        "disability_cert_number": "",
        "sex": "",
        "birth_date": "",
        "relation": "之子",
        "ethnicity": "汉族",
        "education": "",
        "school_status": "初中",
        "school_exemption": "",
        "health": "健康",
        "disability_grade": "",
        "labour_skill": "",
        "work_status": "",
        "work_months": "",
        "medical_insurance": "on",
        "serious_illness_insurance": "on",
    }
    data.update(overrides)
    return data


def add_member(household, name, id_number, relation="之子", **extra):
    birth, sex = birth_from_id(id_number)
    return Member.objects.create(household=household, name=name, id_number=id_number, relation=relation, birth_date=birth, sex=sex, **extra)


def create_url(household):
    return reverse("households:member_create", args=[household.pk])


def errors_of(response):
    return {name: " ".join(messages) for name, messages in response.context["form"].errors.items()}


class TestAdd:
    def test_it_adds_a_member_with_birth_date_and_sex_from_the_id(self, client_for, personas, households):
        response = client_for(personas.village_x).post(create_url(households.x), member_form())
        assert response.status_code == 302
        assert response["Location"] == households.x.get_absolute_url() + "#members"
        member = households.x.members.get(name="张小军")
        assert (member.birth_date, member.sex) == (date(2010, 6, 7), "女")
        households.x.refresh_from_db()
        assert households.x.member_count == 2
        assert LogEntry.objects.get_for_object(member).get().actor == personas.village_x

    def test_a_bad_id_is_refused_in_chinese_and_nothing_is_saved(self, client_for, personas, households):
        response = client_for(personas.village_x).post(create_url(households.x), member_form(id_number="61049920100607004"))
        assert response.status_code == 200
        assert "身份证号应为18位" in errors_of(response)["id_number"]
        assert households.x.members.count() == 1

    def test_lowercase_x_is_stored_upper_case(self, client_for, personas, households):
        client_for(personas.village_x).post(create_url(households.x), member_form(id_number=IDS[4].lower()))
        assert households.x.members.filter(id_number=IDS[4]).exists()

    def test_the_relation_list_has_no_second_head(self, client_for, personas, households):
        form = client_for(personas.village_x).get(create_url(households.x)).context["form"]
        assert "户主" not in [value for value, _ in form.fields["relation"].choices]
        response = client_for(personas.village_x).post(create_url(households.x), member_form(relation="户主"))
        assert "relation" in response.context["form"].errors
        assert households.x.members.count() == 1

    def test_disability_grade_needs_disability(self, client_for, personas, households):
        response = client_for(personas.village_x).post(create_url(households.x), member_form(disability_grade="二级"))
        assert "只有健康状况为“残疾”" in errors_of(response)["disability_grade"]

    def test_work_months_are_at_most_twelve(self, client_for, personas, households):
        response = client_for(personas.village_x).post(create_url(households.x), member_form(work_months="13"))
        assert "0到12个月" in errors_of(response)["work_months"]

    def test_adding_to_an_out_of_scope_household_is_404(self, client_for, personas, households):
        response = client_for(personas.village_x).post(create_url(households.y), member_form())
        assert response.status_code == 404
        assert households.y.members.count() == 1


class TestOnePersonOneHousehold:
    def test_the_other_household_is_named_when_the_user_may_see_it(self, client_for, personas, households):
        response = client_for(personas.township_a).post(create_url(households.x), member_form(id_number=IDS[1]))
        message = errors_of(response)["id_number"]
        assert "李家湾村 李秀英户（6104991012020001）" in message and "一人只能属于一户" in message
        assert not households.x.members.filter(id_number=IDS[1]).exists()

    def test_the_other_household_stays_hidden_when_it_is_out_of_scope(self, client_for, personas, households):
        response = client_for(personas.village_x).post(create_url(households.x), member_form(id_number=IDS[1]))
        message = errors_of(response)["id_number"]
        assert "其他乡镇或村" in message
        assert "李秀英" not in message and "李家湾村" not in message and "6104991012020001" not in message
        assert "李秀英" not in response.content.decode()

    def test_someone_who_left_another_household_may_join(self, client_for, personas, households):
        mover = add_member(households.y, "李出嫁", IDS[3], relation="之女")
        mover.left_date, mover.left_reason = date(2024, 1, 1), "婚出"
        mover.save()
        response = client_for(personas.village_x).post(create_url(households.x), member_form(name="李出嫁", id_number=IDS[3], relation="之儿媳"))
        assert response.status_code == 302
        assert households.x.members.filter(id_number=IDS[3]).exists()


class TestEdit:
    def url(self, member):
        return reverse("households:member_update", args=[member.pk])

    def test_it_saves_and_audits_before_and_after(self, client_for, personas, households):
        member = add_member(households.x, "张小军", IDS[3])
        response = client_for(personas.village_x).post(self.url(member), member_form(health="残疾", disability_grade="二级", version=member.version))
        assert response.status_code == 302
        member.refresh_from_db()
        assert (member.health, member.disability_grade) == ("残疾", "二级")
        entry = LogEntry.objects.get_for_object(member).get(action=LogEntry.Action.UPDATE)
        assert entry.changes_dict["health"] == ["健康", "残疾"] and entry.actor == personas.village_x

    def test_the_heads_relation_cannot_be_changed_here(self, client_for, personas, households):
        head = households.x.members.get()
        data = member_form(name="张建国", id_number=IDS[0], relation="之子", version=head.version)
        response = client_for(personas.village_x).post(self.url(head), data)
        assert response.status_code == 302
        head.refresh_from_db()
        assert head.relation == "户主"

    def test_renaming_the_head_updates_the_household_list_name(self, client_for, personas, households):
        head = households.x.members.get()
        client_for(personas.village_x).post(self.url(head), member_form(name="张建华", id_number=IDS[0], relation="户主", version=head.version))
        households.x.refresh_from_db()
        assert households.x.head_name == "张建华"

    def test_out_of_scope_member_is_404(self, client_for, personas, households):
        assert client_for(personas.village_x).get(self.url(households.y.members.get())).status_code == 404


class TestLeave:
    def url(self, member):
        return reverse("households:member_leave", args=[member.pk])

    def test_it_asks_for_confirmation_first(self, client_for, personas, households):
        member = add_member(households.x, "张小军", IDS[3])
        page = client_for(personas.village_x).get(self.url(member)).content.decode()
        assert "确认减少" in page and "不会删除" in page
        member.refresh_from_db()
        assert member.left_date is None

    def test_it_records_the_dated_change_and_keeps_the_member(self, client_for, personas, households):
        member = add_member(households.x, "张老三", IDS[4], relation="之父")
        households.x.member_count = 2
        households.x.save()
        response = client_for(personas.village_x).post(self.url(member), {"left_date": "2024-08-15", "reason": "死亡", "note": ""})
        assert response.status_code == 302
        member.refresh_from_db()
        assert (member.left_date, member.left_reason) == (date(2024, 8, 15), "死亡")
        households.x.refresh_from_db()
        assert households.x.member_count == 1
        entry = LogEntry.objects.get_for_object(member).get(action=LogEntry.Action.UPDATE)
        assert entry.changes_dict["left_reason"] == ["", "死亡"] and entry.actor == personas.village_x

    def test_a_future_date_is_refused(self, client_for, personas, households):
        member = add_member(households.x, "张小军", IDS[3])
        tomorrow = (date.today() + timedelta(days=2)).isoformat()
        response = client_for(personas.village_x).post(self.url(member), {"left_date": tomorrow, "reason": "迁出"})
        assert "不能晚于今天" in errors_of(response)["left_date"]
        member.refresh_from_db()
        assert member.left_date is None

    def test_other_needs_an_explanation(self, client_for, personas, households):
        member = add_member(households.x, "张小军", IDS[3])
        response = client_for(personas.village_x).post(self.url(member), {"left_date": "2024-01-01", "reason": "其他", "note": ""})
        assert "请填写说明" in errors_of(response)["note"]

    def test_the_head_cannot_leave_before_someone_else_is_head(self, client_for, personas, households):
        head = households.x.members.get()
        client = client_for(personas.village_x)
        assert "请先在成员列表中把另一名成员" in client.get(self.url(head)).content.decode()
        response = client.post(self.url(head), {"left_date": "2024-01-01", "reason": "死亡"})
        assert "户主不能直接减少" in response.content.decode()
        head.refresh_from_db()
        assert head.left_date is None

    def test_members_are_never_deleted(self):
        with pytest.raises(NoReverseMatch):
            reverse("households:member_delete", args=[1])


class TestMakeHead:
    def url(self, member):
        return reverse("households:member_make_head", args=[member.pk])

    def test_it_swaps_the_head_and_renames_the_household(self, client_for, personas, households):
        son = add_member(households.x, "张小军", IDS[3])
        client = client_for(personas.village_x)
        page = client.get(self.url(son)).content.decode()
        assert "现户主 <strong>张建国</strong>" in page
        response = client.post(self.url(son), {"old_head_relation": "之父"})
        assert response.status_code == 302
        son.refresh_from_db()
        old = households.x.members.get(name="张建国")
        assert (son.relation, old.relation) == ("户主", "之父")
        households.x.refresh_from_db()
        assert households.x.head_name == "张小军" and str(households.x).startswith("张小军户")
        assert LogEntry.objects.get_for_object(old).get(action=LogEntry.Action.UPDATE).changes_dict["relation"] == ["户主", "之父"]

    def test_the_old_head_needs_a_relation(self, client_for, personas, households):
        son = add_member(households.x, "张小军", IDS[3])
        response = client_for(personas.village_x).post(self.url(son), {"old_head_relation": ""})
        assert "old_head_relation" in response.context["form"].errors
        son.refresh_from_db()
        assert son.relation == "之子"

    def test_a_member_who_left_cannot_become_head(self, client_for, personas, households):
        gone = add_member(households.x, "张已故", IDS[3], left_date=date(2023, 1, 1), left_reason="死亡")
        response = client_for(personas.village_x).post(self.url(gone), {"old_head_relation": "之父"})
        assert response.status_code == 200
        gone.refresh_from_db()
        assert gone.relation == "之子"
        assert Household.objects.get(pk=households.x.pk).head_name == "张建国"

    def test_out_of_scope_is_404(self, client_for, personas, households):
        other = add_member(households.z, "王小", IDS[3])
        assert client_for(personas.township_a).post(self.url(other), {"old_head_relation": "之父"}).status_code == 404
        other.refresh_from_db()
        assert other.relation == "之子"
