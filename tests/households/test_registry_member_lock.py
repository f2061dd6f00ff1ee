"""Editing a member uses the same optimistic lock as editing a household:
a save based on a stale version is refused in Chinese and changes nothing."""

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from households.services.registry import StaleMemberEditError, member_leave, member_save
from tests.conftest import IDS
from tests.households.test_registry_members import add_member, member_form

pytestmark = pytest.mark.django_db


def url(member):
    return reverse("households:member_update", args=[member.pk])


def test_a_save_bumps_the_version(client_for, personas, households):
    member = add_member(households.x, "张小军", IDS[3])
    assert member.version == 1
    form = client_for(personas.village_x).get(url(member)).context["form"]
    assert form["version"].value() == 1
    assert client_for(personas.village_x).post(url(member), member_form(health="长期慢性病", version=1)).status_code == 302
    member.refresh_from_db()
    assert (member.health, member.version) == ("长期慢性病", 2)


def test_a_second_save_from_an_older_page_is_refused_and_overwrites_nothing(client_for, personas, households):
    member = add_member(households.x, "张小军", IDS[3])
    first = client_for(personas.village_x)
    second = Client()
    second.force_login(personas.township_a, backend="django.contrib.auth.backends.ModelBackend")
    version = first.get(url(member)).context["form"]["version"].value()
    assert second.get(url(member)).context["form"]["version"].value() == version

    assert first.post(url(member), member_form(health="长期慢性病", version=version)).status_code == 302
    response = second.post(url(member), member_form(health="患有大病", name="张小君", version=version))
    assert response.status_code == 200
    page = response.content.decode()
    assert "该成员信息已被他人修改" in page and "重新打开编辑页" in page
    member.refresh_from_db()
    assert (member.health, member.name, member.version) == ("长期慢性病", "张小军", 2)
    assert LogEntry.objects.get_for_object(member).filter(action=LogEntry.Action.UPDATE).count() == 1

    fresh = second.get(url(member)).context["form"]["version"].value()
    assert second.post(url(member), member_form(health="患有大病", version=fresh)).status_code == 302
    member.refresh_from_db()
    assert (member.health, member.version) == ("患有大病", 3)


def test_a_post_without_a_version_is_refused(client_for, personas, households):
    member = add_member(households.x, "张小军", IDS[3])
    data = member_form(health="长期慢性病")
    response = client_for(personas.village_x).post(url(member), data)
    assert response.status_code == 200
    assert "请重新打开编辑页" in response.content.decode()
    member.refresh_from_db()
    assert member.health == "健康" and member.version == 1


def test_leaving_makes_an_open_edit_form_stale(client_for, personas, households):
    from datetime import date

    member = add_member(households.x, "张小军", IDS[3])
    member_leave(actor=personas.village_x, member=member, left_date=date(2024, 5, 1), reason="迁出")
    response = client_for(personas.village_x).post(url(member), member_form(name="改名", version=1))
    assert "该成员信息已被他人修改" in response.content.decode()
    member.refresh_from_db()
    assert member.name == "张小军" and member.version == 2


def test_the_service_refuses_a_stale_version(personas, households):
    member = add_member(households.x, "张小军", IDS[3])
    member.health = "长期慢性病"
    member_save(actor=personas.village_x, member=member, expected_version=1)
    member.health = "患有大病"
    with pytest.raises(StaleMemberEditError, match="该成员信息已被他人修改"):
        member_save(actor=personas.village_x, member=member, expected_version=1)
    member.refresh_from_db()
    assert (member.health, member.version) == ("长期慢性病", 2)


def test_lock_counters_are_not_audited(personas, households):
    member = add_member(households.x, "张小军", IDS[3])
    member.health = "长期慢性病"
    member_save(actor=personas.village_x, member=member, expected_version=1)
    entry = LogEntry.objects.get_for_object(member).get(action=LogEntry.Action.UPDATE)
    assert entry.changes_dict == {"health": ["健康", "长期慢性病"]}
