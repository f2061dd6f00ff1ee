"""The household page (一户一档): what it shows, in how many queries, and the
logged reveal of a member's full ID number."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from households.models import Assignment, Cadre, Income, Measure, MeasureCategory, Member, Monitoring, Visit
from households.rules import birth_from_id
from households.selectors.registry import household_page_context
from households.services.registry import member_leave, member_save
from povertyrelief.models import PersonalDataAccess
from povertyrelief.validators import id_check_char
from tests.conftest import IDS

pytestmark = pytest.mark.django_db


def detail(household):
    return reverse("households:household_detail", args=[household.pk])


def valid_id(seq: int, birth: str = "20120301") -> str:
    first17 = f"610499{birth}{seq:03d}"
    return first17 + id_check_char(first17)


def add_member(household, name, id_number, relation="之子", **extra):
    birth, sex = birth_from_id(id_number)
    return Member.objects.create(household=household, name=name, id_number=id_number, relation=relation, birth_date=birth, sex=sex, **extra)


def fill(household, areas, count: int, offset: int = 0):
    """``count`` rows of every kind the page shows."""
    cadre = Cadre.objects.create(name=f"干部{offset}", unit="县财政局", unit_level="县直", phone="13800000009", area=areas.county)
    category = MeasureCategory.objects.first()
    for i in range(count):
        member = add_member(household, f"成员{offset + i}", valid_id(offset + i), school_status="小学")
        Income.objects.create(household=household, year=2014 + offset + i, household_size=2, net_income_per_capita=Decimal("5000.00"))
        Assignment.objects.create(
            household=household, cadre=cadre, start_date=date(2015 + offset + i, 1, 1), end_date=date(2015 + offset + i, 6, 1)
        )
        Visit.objects.create(household=household, cadre=cadre, date=date(2024, 1, 1 + offset + i), content="走访了解情况")
        Measure.objects.create(household=household, member=member, cadre=cadre, category=category, year=2024, content="产业帮扶")
        Monitoring.objects.create(
            household=household, object_type="边缘易致贫户", risk_description="风险", risk_identified_date=date(2021, 1, 1 + offset + i),
            risk_eliminated=True, risk_eliminated_date=date(2022, 1, 1),
        )


def test_page_shows_the_record_and_its_sections(client_for, personas, households):
    households.x.address = "张家沟村三组12号"
    households.x.phone = "13912345678"
    households.x.group = "三组"
    households.x.other_cause_1 = "缺技术"
    households.x.save()
    response = client_for(personas.village_x).get(detail(households.x))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("张建国户", "张家沟村三组12号", "13912345678", "三组", "一般贫困户", "因病", "缺技术", "未脱贫", "住房安全"):
        assert text in page, text
    for anchor in ('id="members"', 'id="income"', 'id="cadres"', 'id="visits"', 'id="measures"', 'id="monitoring"', 'id="attachments"'):
        assert anchor in page, anchor
    # Sections come in the contract's order, then the history.
    positions = [page.index(f'id="{a}"') for a in ("members", "income", "cadres", "visits", "measures", "monitoring", "attachments", "history")]
    assert positions == sorted(positions)


def test_members_show_age_masked_id_and_insurance(client_for, personas, households):
    child = add_member(households.x, "张小花", IDS[3], relation="之女")
    response = client_for(personas.county_viewer).get(detail(households.x))
    page = response.content.decode()
    assert IDS[3] not in page and IDS[0] not in page
    assert child.masked_id in page
    age = response.context["today"].year - 2010 - ((response.context["today"].month, response.context["today"].day) < (6, 7))
    row = page.split(f'id="member-{child.pk}"')[1].split("</tr>")[0]
    assert f">{age}<" in row
    assert "之女" in row and "✘" in row  # no medical insurance recorded


def test_members_who_left_are_listed_apart_with_date_and_reason(client_for, personas, households):
    member = add_member(households.x, "张远嫁", IDS[3], relation="之女")
    member_leave(actor=personas.village_x, member=member, left_date=date(2024, 5, 1), reason="婚出", note="嫁至邻县")
    response = client_for(personas.village_x).get(detail(households.x))
    assert [m.name for m in response.context["current_members"]] == ["张建国"]
    assert [m.name for m in response.context["members"]] == ["张建国", "张远嫁"]
    page = response.content.decode()
    left_part = page.split("已减少的成员")[1]
    assert "张远嫁" in left_part and "2024-05-01" in left_part and "婚出" in left_part and "嫁至邻县" in left_part


def test_guarantee_checks_are_shown_with_reasons(client_for, personas, households):
    add_member(households.x, "张辍学", valid_id(1), school_status="", medical_insurance=True, serious_illness_insurance=True)
    households.x.housing_safety = "D级危房"
    households.x.save()
    page = client_for(personas.village_x).get(detail(households.x)).content.decode()
    assert "适龄未在校：张辍学" in page
    assert "住房：D级危房" in page
    assert "未达标" in page


def test_actions_are_offered_only_to_those_who_may_change(client_for, personas, households):
    edit = reverse("households:household_update", args=[households.x.pk])
    assert edit in client_for(personas.village_x).get(detail(households.x)).content.decode()
    viewer_page = client_for(personas.county_viewer).get(detail(households.x)).content.decode()
    assert edit not in viewer_page
    assert reverse("households:member_create", args=[households.x.pk]) not in viewer_page
    assert "查看完整身份证号" not in viewer_page


def test_page_has_a_print_button_driven_by_a_static_script(client_for, personas, households):
    page = client_for(personas.village_x).get(detail(households.x)).content.decode()
    assert "data-print" in page and "/static/js/households.js" in page
    assert "<script>" not in page.replace(" ", "")  # CSP: no inline scripts


def test_out_of_scope_household_is_404(client_for, personas, households):
    assert client_for(personas.village_x).get(detail(households.y)).status_code == 404
    assert client_for(personas.outsider).get(detail(households.x)).status_code == 404


def test_page_queries_do_not_grow_with_what_the_household_holds(client_for, personas, areas, households, django_assert_max_num_queries):
    client = client_for(personas.village_x)
    fill(households.x, areas, 1)
    with django_assert_max_num_queries(30) as few:
        client.get(detail(households.x))
    fill(households.x, areas, 6, offset=10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(detail(households.x))
    assert len(response.context["members"]) == 8


def test_context_follows_the_section_contract(personas, areas, households):
    fill(households.x, areas, 2)
    Assignment.objects.create(household=households.x, cadre=Cadre.objects.first(), start_date=date(2024, 1, 1))
    context = household_page_context(actor=personas.village_x, household=households.x)
    assert context["household"] == households.x
    assert [i.year for i in context["incomes"]] == sorted((i.year for i in context["incomes"]), reverse=True)
    assert context["current_assignment"].end_date is None
    assert context["assignments"][0] == context["current_assignment"]
    assert context["visit_count"] == 2 and len(context["visits"]) == 2
    assert context["standards"][2020].poverty_line == Decimal("4000.00")
    keys = [(-m.year, m.pk) for m in context["measures"]]
    assert len(keys) == 2 and keys == sorted(keys)
    assert context["can_change"] is True and context["can_reveal"] is True
    assert len(context["guarantee_checks"]) == 4
    viewer = household_page_context(actor=personas.county_viewer, household=households.x)
    assert viewer["can_change"] is False and viewer["can_reveal"] is False


def test_history_names_the_member_and_masks_the_id(client_for, personas, households):
    member = Member(household=households.x, name="张新丁", id_number=IDS[3], relation="之子")
    member_save(actor=personas.village_x, member=member)
    response = client_for(personas.county_viewer).get(detail(households.x))
    page = response.content.decode()
    history = page.split('id="history"')[1]
    assert "张新丁·姓名" in history
    assert IDS[3] not in page
    assert "610499********0041" in history
    assert "测试cun_x" in history  # who did it


class TestRevealId:
    def reveal(self, client, member, **extra):
        return client.post(reverse("households:member_reveal_id", args=[member.pk]), **extra)

    def test_it_shows_the_full_id_and_logs_the_reveal(self, client_for, personas, households):
        head = households.x.members.get()
        response = self.reveal(client_for(personas.village_x), head)
        assert response.status_code == 200
        assert IDS[0] in response.content.decode()
        assert "no-store" in response["Cache-Control"]
        record = PersonalDataAccess.objects.get()
        assert (record.user, record.kind, record.what) == (personas.village_x, "reveal", "身份证号")
        assert "张建国" in record.object_repr

    def test_htmx_gets_only_the_fragment(self, client_for, personas, households):
        head = households.x.members.get()
        response = self.reveal(client_for(personas.township_a), head, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert body.startswith(f'<span id="member-id-{head.pk}"') and IDS[0] in body
        assert "<html" not in body

    def test_county_viewer_is_refused_and_nothing_is_logged(self, client_for, personas, households):
        response = self.reveal(client_for(personas.county_viewer), households.x.members.get())
        assert response.status_code == 403
        assert IDS[0] not in response.content.decode()
        assert not PersonalDataAccess.objects.exists()

    def test_out_of_scope_member_is_404(self, client_for, personas, households):
        assert self.reveal(client_for(personas.village_x), households.z.members.get()).status_code == 404
        assert not PersonalDataAccess.objects.exists()

    def test_get_does_not_reveal(self, client_for, personas, households):
        response = client_for(personas.village_x).get(reverse("households:member_reveal_id", args=[households.x.members.get().pk]))
        assert response.status_code == 405
        assert not PersonalDataAccess.objects.exists()
