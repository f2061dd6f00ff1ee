"""帮扶结对: one current cadre per household, replacement keeps history, bulk
pairing is all or nothing, and the list of households still without one."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from households.models import Assignment, Cadre, Household
from households.services.cadres import assignment_replace
from tests.conftest import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadres(areas):
    def make(name, area, unit):
        return Cadre.objects.create(name=name, unit=unit, unit_level="县直", position="科员", phone="13900000002", area=area)

    return type(
        "Cadres", (),
        dict(old=make("老帮扶", areas.county, "县财政局"), new=make("新帮扶", areas.county, "县水利局"), local=make("村干部", areas.village_x, "张家沟村委会")),
    )


def current_of(household):
    return Assignment.objects.filter(household=household, end_date__isnull=True)


def test_replacing_a_cadre_closes_the_old_pairing_and_keeps_history(client_for, personas, households, cadres):
    client = client_for(personas.village_x)
    client.post(reverse("households:assignment_create", args=[households.x.pk]), {"cadre": cadres.old.pk, "start_date": "2023-02-01"})
    response = client.post(
        reverse("households:assignment_create", args=[households.x.pk]), {"cadre": cadres.new.pk, "start_date": "2024-07-15"}
    )
    assert response.status_code == 302
    old, new = Assignment.objects.filter(household=households.x).order_by("start_date")
    assert (old.cadre, old.start_date, old.end_date, old.end_reason) == (cadres.old, date(2023, 2, 1), date(2024, 7, 15), "更换帮扶责任人")
    assert (new.cadre, new.start_date, new.end_date) == (cadres.new, date(2024, 7, 15), None)
    assert list(current_of(households.x)) == [new]


def test_the_database_refuses_a_second_current_cadre(households, cadres):
    Assignment.objects.create(household=households.x, cadre=cadres.old, start_date=date(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(household=households.x, cadre=cadres.new, start_date=date(2024, 2, 1))


def test_replacement_cannot_start_before_the_current_pairing(personas, households, cadres):
    assignment_replace(actor=personas.village_x, household=households.x, cadre=cadres.old, start_date=date(2024, 5, 1))
    with pytest.raises(ValidationError) as caught:
        assignment_replace(actor=personas.village_x, household=households.x, cadre=cadres.new, start_date=date(2024, 4, 1))
    assert "不能早于现帮扶责任人老帮扶的结对日期 2024-05-01" in caught.value.message_dict["start_date"][0]
    assert current_of(households.x).get().cadre == cadres.old


def test_the_same_cadre_again_and_a_future_date_are_refused(personas, households, cadres):
    assignment_replace(actor=personas.village_x, household=households.x, cadre=cadres.old, start_date=date(2024, 5, 1))
    with pytest.raises(ValidationError, match="老帮扶已是该户的帮扶责任人"):
        assignment_replace(actor=personas.village_x, household=households.x, cadre=cadres.old, start_date=date(2024, 6, 1))
    with pytest.raises(ValidationError, match="结对日期不能晚于今天"):
        assignment_replace(actor=personas.village_x, household=households.x, cadre=cadres.new, start_date=date.today() + timedelta(days=1))


def test_inactive_cadres_are_not_offered(client_for, personas, households, cadres):
    Assignment.objects.create(household=households.x, cadre=cadres.old, start_date=date(2023, 1, 1), end_date=date(2023, 6, 1))
    Assignment.objects.create(household=households.x, cadre=cadres.new, start_date=date(2023, 6, 1), end_date=date(2024, 1, 1))
    Cadre.objects.filter(pk=cadres.old.pk).update(active=False)
    client = client_for(personas.village_x)
    # The household's earlier cadres are suggested, the one no longer in post is not.
    page = client.get(reverse("households:assignment_create", args=[households.x.pk])).content.decode()
    assert "新帮扶" in page and "老帮扶" not in page
    found = client.get(reverse("households:cadre_options"), {"q": "帮扶"}).json()["results"]
    assert [cadre["label"] for cadre in found] == ["新帮扶（县水利局，科员）"]


def test_pairing_is_audited_with_the_actor(personas, households, cadres):
    first = assignment_replace(actor=personas.township_a, household=households.x, cadre=cadres.old, start_date=date(2024, 1, 1))
    assignment_replace(actor=personas.village_x, household=households.x, cadre=cadres.new, start_date=date(2024, 3, 1))
    created = LogEntry.objects.get_for_object(first).get(action=LogEntry.Action.CREATE)
    closed = LogEntry.objects.get_for_object(first).get(action=LogEntry.Action.UPDATE)
    assert created.actor == personas.township_a
    assert closed.actor == personas.village_x and closed.changes_dict["end_reason"][1] == "更换帮扶责任人"


def test_bulk_pairing_by_ticking_and_pasting_numbers(client_for, personas, households, cadres):
    response = client_for(personas.township_a).post(
        reverse("households:assignment_bulk"),
        {"cadre": cadres.new.pk, "start_date": "2024-09-01", "households": [households.x.pk], "numbers": f" {households.y.number}，"},
    )
    assert response.status_code == 302
    assert current_of(households.x).get().cadre == cadres.new
    assert current_of(households.y).get().cadre == cadres.new


def test_bulk_pairing_is_all_or_nothing_and_names_the_failing_household(client_for, personas, households, cadres):
    Assignment.objects.create(household=households.y, cadre=cadres.new, start_date=date(2024, 1, 1))
    response = client_for(personas.township_a).post(
        reverse("households:assignment_bulk"),
        {"cadre": cadres.new.pk, "start_date": "2024-09-01", "households": [households.x.pk, households.y.pk]},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "李秀英户（6104991012020001）：新帮扶已是该户的帮扶责任人" in page
    assert "本次全部未保存" in page
    assert not current_of(households.x).exists()


def test_bulk_pairing_refuses_numbers_outside_the_area(client_for, personas, households, cadres):
    response = client_for(personas.township_a).post(
        reverse("households:assignment_bulk"),
        {"cadre": cadres.new.pk, "start_date": "2024-09-01", "households": [households.x.pk], "numbers": households.z.number},
    )
    assert f"以下户编号不存在或不在您的管辖范围内：{households.z.number}" in response.content.decode()
    assert not Assignment.objects.exists()


def test_bulk_page_lists_households_without_a_cadre_by_default(client_for, personas, households, cadres):
    Assignment.objects.create(household=households.y, cadre=cadres.new, start_date=date(2024, 1, 1))
    client = client_for(personas.township_a)
    page = client.get(reverse("households:assignment_bulk")).content.decode()
    assert f'id="h{households.x.pk}"' in page and f'id="h{households.y.pk}"' not in page
    page = client.get(reverse("households:assignment_bulk"), {"without_cadre": "0", "tick": "all"}).content.decode()
    assert f'value="{households.y.pk}" id="h{households.y.pk}" checked' in page


def test_ending_asks_for_confirmation_then_ends_with_a_reason(client_for, personas, households, cadres):
    pairing = Assignment.objects.create(household=households.x, cadre=cadres.local, start_date=date(2024, 1, 1))
    client = client_for(personas.village_x)
    page = client.get(reverse("households:assignment_end", args=[pairing.pk])).content.decode()
    assert "确认解除帮扶结对" in page and "一户一名干部" in page
    pairing.refresh_from_db()
    assert pairing.end_date is None
    page = client.post(reverse("households:assignment_end", args=[pairing.pk]), {"end_date": "2024-06-30", "end_reason": ""}).content.decode()
    assert "请填写解除原因" in page
    response = client.post(
        reverse("households:assignment_end", args=[pairing.pk]), {"end_date": "2024-06-30", "end_reason": "干部调离"}, follow=True
    )
    assert "请尽快指定新的帮扶责任人" in response.content.decode()
    pairing.refresh_from_db()
    assert (pairing.end_date, pairing.end_reason) == (date(2024, 6, 30), "干部调离")


def test_ending_before_the_start_is_refused(client_for, personas, households, cadres):
    pairing = Assignment.objects.create(household=households.x, cadre=cadres.local, start_date=date(2024, 1, 1))
    page = client_for(personas.village_x).post(
        reverse("households:assignment_end", args=[pairing.pk]), {"end_date": "2023-12-31", "end_reason": "调离"}
    ).content.decode()
    assert "解除日期不能早于结对日期 2024-01-01" in page
    pairing.refresh_from_db()
    assert pairing.end_date is None


def test_without_cadre_list_shows_poor_households_with_no_current_cadre(client_for, personas, areas, households, cadres):
    Household.objects.filter(pk=households.y.pk).update(status="1", exit_year=2019)  # exited: not listed
    returned = make_household(areas.village_x, "6104991012010009", "赵返贫", _full("61049919800101009"), status="3")
    helped = make_household(areas.village_x, "6104991012010008", "孙有人", _full("61049919800101008"))
    Assignment.objects.create(household=helped, cadre=cadres.local, start_date=date(2024, 1, 1))
    ended = Assignment.objects.create(household=households.x, cadre=cadres.old, start_date=date(2022, 1, 1))
    Assignment.objects.filter(pk=ended.pk).update(end_date=date(2023, 1, 1), end_reason="干部调离")
    client = client_for(personas.township_a)
    page = client.get(reverse("households:households_without_cadre")).content.decode()
    assert "张建国" in page and "赵返贫" in page
    assert "李秀英" not in page and "孙有人" not in page and "王德福" not in page  # exited, helped, other township
    assert "老帮扶" in page and "2023-01-01 解除：干部调离" in page
    assert reverse("households:assignment_create", args=[returned.pk]) in page
    page = client.get(reverse("households:households_without_cadre"), {"status": "3"}).content.decode()
    assert "赵返贫" in page and "张建国" not in page


def test_without_cadre_list_runs_constant_queries_and_paginates(client_for, personas, areas, django_assert_max_num_queries):
    for n in range(60):
        make_household(areas.village_y, f"61049910120299{n:02d}", f"户{n}", _full(f"61049919800202{n:03d}"))
    client = client_for(personas.township_a)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("households:households_without_cadre")).content.decode()
    assert "第 1 / 2 页，共 60 条" in page


def test_cadres_section_shows_the_current_cadre_history_and_work_team(personas, households, cadres, work_teams):
    assignment_replace(actor=personas.village_x, household=households.x, cadre=cadres.old, start_date=date(2023, 1, 1))
    current = assignment_replace(actor=personas.village_x, household=households.x, cadre=cadres.new, start_date=date(2024, 1, 1))
    assignments = list(Assignment.objects.filter(household=households.x).select_related("cadre").order_by("-start_date"))
    html = render_to_string(
        "households/sections/cadres.html",
        {"household": households.x, "assignments": assignments, "current_assignment": current, "work_team": work_teams.x, "can_change": True},
    )
    assert 'id="cadres"' in html
    assert "新帮扶" in html and "县水利局" in html and "科员" in html and "13900000002" in html
    assert "老帮扶" in html and "更换帮扶责任人" in html
    assert "赵队长" in html and "钱书记" in html and "13800000002" in html
    assert reverse("households:assignment_end", args=[current.pk]) in html


def test_cadres_section_warns_when_a_poor_household_has_no_cadre(households):
    html = render_to_string(
        "households/sections/cadres.html",
        {"household": households.x, "assignments": [], "current_assignment": None, "work_team": None, "can_change": False},
    )
    assert "没有帮扶责任人（须一户一名干部）" in html and "本村暂无在岗驻村工作队" in html
    assert "/assign/" not in html


def _check(first17: str) -> str:
    from povertyrelief.validators import id_check_char

    return id_check_char(first17)


def _full(first17: str) -> str:
    return first17 + _check(first17)


@pytest.mark.postgres
def test_two_people_pairing_the_same_household_at_once_leave_one_current_cadre(transactional_db, personas, households, cadres, monkeypatch):
    """The household row lock makes the second pairing wait and then replace
    the first, instead of both seeing no current cadre."""
    import threading
    import time

    from django.db import connection

    slow_clean = Assignment.full_clean

    def full_clean(self, *args, **kwargs):
        time.sleep(0.3)  # widen the window between reading the current pairing and writing
        return slow_clean(self, *args, **kwargs)

    monkeypatch.setattr(Assignment, "full_clean", full_clean)
    barrier, errors = threading.Barrier(2), []

    def pair(who, day):
        try:
            barrier.wait()
            assignment_replace(actor=personas.township_a, household=households.x, cadre=who, start_date=day)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pair, args=(c, date(2024, 5, 1))) for c in (cadres.old, cadres.new)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert current_of(households.x).count() == 1
    closed = Assignment.objects.get(household=households.x, end_date__isnull=False)
    assert closed.end_reason == "更换帮扶责任人" and closed.end_date == date(2024, 5, 1)
