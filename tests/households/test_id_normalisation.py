"""ID numbers as typed with a Chinese input method (full-width digits, Ｘ,
lower-case x, spaces) are stored normalised in every form; anything else
that is not a valid ID is a Chinese form error, never a crash. One person,
one household holds in the database itself, on SQLite and PostgreSQL."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from households.forms.registry import IdSearchForm
from households.models import Household, Member
from households.rules import birth_from_id
from households.services.registry import member_save
from tests.conftest import IDS
from tests.households.test_registry_households import CREATE, create_form
from tests.households.test_registry_members import add_member, member_form

pytestmark = pytest.mark.django_db


def full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in value)


TYPED = [
    pytest.param(full_width(IDS[4]), id="full-width digits and Ｘ"),
    pytest.param(IDS[4].lower(), id="lower-case x"),
    pytest.param(full_width(IDS[4]).replace("Ｘ", "ｘ"), id="full-width x"),
    pytest.param(f" {IDS[4][:6]}\u3000{IDS[4][6:14]} {IDS[4][14:]} ", id="spaces"),
]
HOSTILE = [
    pytest.param(IDS[3][:17], "身份证号应为18位", id="17 digits"),
    pytest.param(IDS[3][:17] + "2", "校验位不正确", id="bad checksum"),
    pytest.param("61049920100607ABCD", "前17位须为数字", id="letters"),
    pytest.param("610499201006070😀", "应为18位", id="emoji"),
    pytest.param("6104992010060700" + "😀😀", "前17位须为数字", id="emoji at the end"),
    pytest.param("6" * 100, "身份证号应为18位，当前为100位", id="100 characters"),
    pytest.param(IDS[3][:15] + "\U00010a40" + IDS[3][16:], "前17位须为数字", id="a digit of another script"),
    pytest.param("６１０４９９٢٠١٠٠٦٠٧٠٠٤١", "前17位须为数字", id="arabic-indic digits"),
]


def errors_of(response):
    return {name: " ".join(messages) for name, messages in response.context["form"].errors.items()}


@pytest.mark.parametrize("typed", TYPED)
def test_member_form_stores_the_normalised_id(client_for, personas, households, typed):
    response = client_for(personas.village_x).post(reverse("households:member_create", args=[households.x.pk]), member_form(id_number=typed, name="李四"))
    assert response.status_code == 302
    assert households.x.members.get(name="李四").id_number == IDS[4]


@pytest.mark.parametrize("typed", TYPED)
def test_member_edit_form_stores_the_normalised_id(client_for, personas, households, typed):
    member = add_member(households.x, "张小军", IDS[3])
    url = reverse("households:member_update", args=[member.pk])
    assert client_for(personas.village_x).post(url, member_form(id_number=typed, version=member.version)).status_code == 302
    member.refresh_from_db()
    assert member.id_number == IDS[4]


@pytest.mark.parametrize("typed", TYPED)
def test_household_form_stores_the_heads_normalised_id(client_for, personas, areas, typed):
    assert client_for(personas.village_x).post(CREATE, create_form(areas.village_x, head_id_number=typed)).status_code == 302
    assert Household.objects.get().members.get().id_number == IDS[4]


@pytest.mark.parametrize("typed", TYPED)
def test_id_search_takes_what_was_typed(typed):
    form = IdSearchForm({"id_number": typed})
    assert form.is_valid() and form.cleaned_data["id_number"] == IDS[4]


@pytest.mark.parametrize(("typed", "message"), HOSTILE)
def test_member_form_refuses_a_hostile_id_in_chinese(client_for, personas, households, typed, message):
    response = client_for(personas.village_x).post(reverse("households:member_create", args=[households.x.pk]), member_form(id_number=typed, name="李四"))
    assert response.status_code == 200
    assert message in errors_of(response)["id_number"]
    assert not households.x.members.filter(name="李四").exists()


@pytest.mark.parametrize(("typed", "message"), HOSTILE)
def test_member_edit_form_refuses_a_hostile_id_in_chinese(client_for, personas, households, typed, message):
    member = add_member(households.x, "张小军", IDS[3])
    response = client_for(personas.village_x).post(
        reverse("households:member_update", args=[member.pk]), member_form(id_number=typed, version=member.version)
    )
    assert response.status_code == 200
    assert message in errors_of(response)["id_number"]
    member.refresh_from_db()
    assert member.id_number == IDS[3]


@pytest.mark.parametrize(("typed", "message"), HOSTILE)
def test_household_form_refuses_a_hostile_head_id_in_chinese(client_for, personas, areas, typed, message):
    response = client_for(personas.village_x).post(CREATE, create_form(areas.village_x, head_id_number=typed))
    assert response.status_code == 200
    assert message in errors_of(response)["head_id_number"]
    assert not Household.objects.exists()


@pytest.mark.parametrize(("typed", "message"), HOSTILE)
def test_id_search_refuses_a_hostile_id_in_chinese(client_for, personas, households, typed, message):
    form = IdSearchForm({"id_number": typed})
    assert not form.is_valid() and "身份证号格式或校验位不正确" in form.errors["id_number"][0]
    response = client_for(personas.village_x).post(reverse("households:household_search_id"), {"id_number": typed}, follow=True)
    assert response.status_code == 200 and "身份证号格式或校验位不正确" in response.content.decode()


def test_a_full_width_copy_of_a_current_members_id_is_refused(client_for, personas, households):
    response = client_for(personas.township_a).post(
        reverse("households:member_create", args=[households.x.pk]), member_form(id_number=full_width(IDS[1]))
    )
    assert "已登记在 李家湾村 李秀英户" in errors_of(response)["id_number"]


def _member(household, id_number, **extra):
    birth, sex = birth_from_id(id_number)
    return Member(household=household, name="某人", id_number=id_number, relation="之子", birth_date=birth, sex=sex, **extra)


class TestOnePersonOneHouseholdInTheDatabase:
    """The partial unique index on the (normalised) ID among current members,
    checked below every form and service: runs on SQLite and on PostgreSQL."""

    def test_a_second_current_member_with_the_same_id_is_refused(self, households):
        with pytest.raises(IntegrityError), transaction.atomic():
            _member(households.y, IDS[0]).save()
        assert Member.objects.filter(id_number=IDS[0]).count() == 1

    def test_someone_who_left_does_not_hold_the_id(self, households):
        _member(households.y, IDS[3], left_date="2024-01-01", left_reason="婚出").save()
        _member(households.x, IDS[3]).save()  # the same person, now in household X
        assert Member.objects.filter(id_number=IDS[3]).count() == 2
        with pytest.raises(IntegrityError), transaction.atomic():
            _member(households.z, IDS[3]).save()

    def test_leaving_frees_the_id_and_rejoining_takes_it_again(self, households):
        head_y = _member(households.y, IDS[3])
        head_y.save()
        Member.objects.filter(pk=head_y.pk).update(left_date="2024-01-01", left_reason="迁出")
        _member(households.x, IDS[3]).save()
        with pytest.raises(IntegrityError), transaction.atomic():
            Member.objects.filter(pk=head_y.pk).update(left_date=None, left_reason="")

    def test_the_service_stores_every_typing_in_the_indexed_form(self, personas, households):
        with pytest.raises(ValidationError, match="一人只能属于一户"):
            member_save(actor=personas.county_admin, member=_member(households.y, full_width(IDS[0]).replace("1", "１")))
        assert Member.objects.filter(id_number__in=[IDS[0], full_width(IDS[0])]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_households_racing_for_one_person_on_postgresql(personas, households):
    """Two connections add the same person to two households at once: the
    index makes exactly one of them win, the other gets a Chinese refusal."""
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(2)
    outcomes = []

    def add(household):
        from django.db import connections

        try:
            with transaction.atomic():
                member = _member(household, IDS[3])
                barrier.wait(timeout=10)
                member_save(actor=personas.county_admin, member=member)
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(h,)) for h in (households.x, households.y)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("saved") == 1, outcomes
    refusal = next(o for o in outcomes if o != "saved")
    assert "证件号码" in refusal
    assert Member.objects.filter(id_number=IDS[3], left_date__isnull=True).count() == 1
