"""Village exit: the incidence rate against the year's limit, every 建档立卡
household meeting 三保障 and 饮水 (judged in the database, the same rules as
the household page), the checklist; township proposes, county checks, 公示
of at least the year's days, 公告."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessment import selectors, services
from assessment.models import VillageChecklistItem
from households.models import AnnualStandard, Household, Member
from households.rules import guarantee_checks
from tests.conftest import IDS, make_household

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year


def all_met():
    return {item.pk: (True, "已达到") for item in VillageChecklistItem.objects.filter(active=True)}


@pytest.fixture
def village(areas, households):
    """Village X: 1,200 rural residents, household X (1 person) still poor: 0.08%."""
    AnnualStandard.objects.get_or_create(year=YEAR, province="陕西省", defaults={"poverty_line": Decimal("4600.00")})
    return areas.village_x


def test_the_rate_is_remaining_poor_people_over_rural_population(personas, village, areas):
    make_household(areas.village_x, "6104991012010201", "张甲", IDS[3], status="0", member_count=11)
    make_household(areas.village_x, "6104991012010202", "张乙", IDS[4], status="3", member_count=12)
    make_household(areas.village_x, "6104991012010203", "张丙", "610499201006070041"[:-1] + "X", status="1", exit_year=2019, member_count=40)
    standing = selectors.village_standing(actor=personas.township_a, village=village, year=YEAR)
    assert (standing.poor_people, standing.rural_population, standing.rate) == (24, 1200, Decimal("2.00"))
    AnnualStandard.objects.filter(year=YEAR).update(village_exit_max_rate=Decimal("2.00"))
    standing = selectors.village_standing(actor=personas.township_a, village=village, year=YEAR)
    assert not standing.rate_ok and "贫困发生率 2.00% 未低于 2.00%" in standing.problems


def test_the_database_rule_agrees_with_the_household_rules(personas, village, areas):
    """Each way a household can fall short, judged in one query for the
    village and by households.rules one household at a time."""
    cases = {
        "ok": {},
        "house": {"housing_safety": "C级危房"},
        "moved": {"housing_safety": "D级危房", "relocated": True, "relocation_date": date(2019, 5, 1)},
        "water": {"safe_drinking_water": None},
        "insurance": {},
        "school": {},
        "sixteen": {},
    }
    made = {}
    for n, (name, extra) in enumerate(cases.items()):
        made[name] = make_household(areas.village_x, f"61049910120103{n:02d}", f"户{name}", IDS[0][:14] + f"{n:03d}" + "X", **extra)
    Member.objects.filter(household=made["insurance"]).update(serious_illness_insurance=False)
    Member.objects.create(household=made["school"], name="学龄儿", disability_cert_number="C1", relation="之子",
                          birth_date=TODAY.replace(year=TODAY.year - 10), medical_insurance=True, serious_illness_insurance=True)
    Member.objects.create(household=made["sixteen"], name="满十六", disability_cert_number="C2", relation="之子",
                          birth_date=TODAY.replace(year=TODAY.year - 16) if not (TODAY.month == 2 and TODAY.day == 29) else date(TODAY.year - 16, 2, 28),
                          medical_insurance=True, serious_illness_insurance=True)
    in_db = set(Household.objects.filter(village=village).filter(selectors.guarantee_failure(TODAY)).values_list("pk", flat=True))
    by_rules = {
        h.pk for h in Household.objects.filter(village=village)
        if any(c.ok is not True for c in guarantee_checks(h, list(h.members.all()), TODAY))
    }
    assert in_db == by_rules == {made[n].pk for n in ("house", "water", "insurance", "school")}


def test_township_proposes_county_checks_publicises_and_announces(personas, village):
    record = services.village_exit_propose(actor=personas.township_a, village=village, year=YEAR, day=TODAY - timedelta(days=20), results=all_met())
    assert record.stage == "proposed" and record.incidence_rate == Decimal("0.08") and record.results.count() == 5
    with pytest.raises(PermissionDenied):
        services.village_exit_review(actor=personas.township_a, village_exit=record, day=TODAY - timedelta(days=19), approve=True)
    record = services.village_exit_review(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=18), approve=True)
    record = services.village_exit_publicity(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=15))
    with pytest.raises(ValidationError) as short:
        services.village_exit_announce(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=10))
    assert "至少 7 天" in str(short.value)
    record = services.village_exit_announce(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=9))
    assert record.stage == "announced" and record.announced_on == TODAY - timedelta(days=9)


def test_a_proposal_names_every_unmet_condition(personas, village, households):
    Household.objects.filter(pk=households.x.pk).update(safe_drinking_water=False)
    results = all_met()
    road = VillageChecklistItem.objects.get(name="通硬化路")
    results[road.pk] = (False, "尚有 2 公里砂石路")
    with pytest.raises(ValidationError) as refused:
        services.village_exit_propose(actor=personas.township_a, village=village, year=YEAR, day=TODAY, results=results)
    messages = refused.value.messages
    assert "张建国户“三保障”或饮水未达标" in messages and "退出条件未达到：通硬化路" in messages


def test_a_village_outside_the_township_cannot_be_proposed(personas, areas, households):
    with pytest.raises(PermissionDenied):
        services.village_exit_propose(actor=personas.outsider, village=areas.village_x, year=YEAR, day=TODAY, results=all_met())


def test_a_returned_proposal_can_be_made_again(personas, village):
    record = services.village_exit_propose(actor=personas.township_a, village=village, year=YEAR, day=TODAY - timedelta(days=3), results=all_met())
    record = services.village_exit_review(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=2), approve=False, reason="集体经济收入凭证不全")
    assert record.stage == "returned"
    again = services.village_exit_propose(actor=personas.township_a, village=village, year=YEAR, day=TODAY, results=all_met())
    assert again.pk == record.pk and again.stage == "proposed" and again.return_reason == ""


def test_the_village_list_shows_rates_and_costs_the_same_queries(client_for, personas, areas, village, django_assert_max_num_queries):
    client = client_for(personas.county_admin)
    with django_assert_max_num_queries(14) as few:
        response = client.get(reverse("assessment:village_list"))
    rows = {v.pk: v for v in response.context["page_obj"]}
    assert rows[areas.village_x.pk].rate == Decimal("0.08") and rows[areas.village_z.pk].rate == Decimal("0.13")
    for n in range(5):
        make_household(areas.village_y, f"61049910120203{n:02d}", f"李{n}", IDS[1][:14] + f"{n:03d}X")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("assessment:village_list"))
    page = client_for(personas.township_a).get(reverse("assessment:village_detail", args=[village.pk])).content.decode()
    assert "0.08%" in page and "全村建档立卡户“三保障”和饮水安全均达标" in page
    services.village_exit_propose(actor=personas.township_a, village=village, year=YEAR, day=TODAY, results=all_met())
    listed = client.get(reverse("assessment:village_list")).content.decode()
    assert "5/5 项达到" in listed and "乡镇申请" in listed
