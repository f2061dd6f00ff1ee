"""The household exit procedure: stages in order, each by its level and
area, dated in order; 公示 of at least the year's days with objections;
returns one stage back with the reason; 销号 the only way to status 1; every
step audited."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from assessment import services
from assessment.models import ExitReview, ExitStep
from households.models import AnnualStandard, Household, Member
from tests.assessment.conftest import YEAR, add_income, day, ensure_standard, walk
from tests.conftest import IDS, make_household

pytestmark = pytest.mark.django_db


def test_three_levels_walk_a_household_from_proposal_to_exit(personas, ready):
    review = walk(personas, ready)
    assert review.stage == "announced"
    ready.refresh_from_db()
    assert (ready.status, ready.exit_year) == ("1", YEAR)
    assert [(s.stage, s.actor.username) for s in review.steps.order_by("pk")] == [
        ("proposed", "cun_x"), ("verified", "cun_x"), ("consented", "cun_x"), ("publicity", "cun_x"),
        ("publicized", "cun_x"), ("township_approved", "zhen_a"), ("county_approved", "admin1"), ("announced", "admin1"),
    ]
    assert (review.proposed_on, review.verified_on, review.publicity_start, review.publicity_end, review.announced_on) == (
        day(0), day(1), day(3), day(9), day(12)
    )
    assert [c["key"] for c in review.criteria if c["ok"]] == ["income", "food", "clothing", "education", "medical", "housing", "water"]


def test_every_stage_is_audited_with_its_actor(personas, ready):
    review = walk(personas, ready)
    entries = LogEntry.objects.get_for_object(review).order_by("pk")
    assert entries.first().action == LogEntry.Action.CREATE and entries.first().actor == personas.village_x
    stages = {}
    for entry in entries.filter(action=LogEntry.Action.UPDATE):
        stages[entry.changes_dict["stage"][1]] = entry.actor.username
    assert stages == {
        "verified": "cun_x", "consented": "cun_x", "publicity": "cun_x", "publicized": "cun_x",
        "township_approved": "zhen_a", "county_approved": "admin1", "announced": "admin1",
    }
    for step in review.steps.all():
        assert LogEntry.objects.get_for_object(step).get().actor == step.actor
    household_change = LogEntry.objects.get_for_object(ready).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert household_change.actor == personas.county_admin
    assert household_change.changes_dict["status"] == ["0", "1"]


@pytest.mark.parametrize(
    ("to", "wrong_actor", "call"),
    [
        ("proposed", "township_a", lambda a, r: services.review_verify(actor=a, review=r, day=day(1), food_secure=True, clothing_secure=True)),
        ("publicized", "village_x", lambda a, r: services.review_township(actor=a, review=r, day=day(10), approve=True)),
        ("publicized", "county_admin", lambda a, r: services.review_township(actor=a, review=r, day=day(10), approve=True)),
        ("township_approved", "township_a", lambda a, r: services.review_county(actor=a, review=r, day=day(11), approve=True)),
        ("county_approved", "township_a", lambda a, r: services.review_announce(actor=a, review=r, day=day(12))),
    ],
)
def test_each_step_belongs_to_one_level(personas, ready, to, wrong_actor, call):
    review = walk(personas, ready, to=to)
    with pytest.raises(PermissionDenied):
        call(getattr(personas, wrong_actor), review)
    review.refresh_from_db()
    assert review.stage == to


def test_a_step_outside_the_actors_area_is_refused(personas, ready, areas):
    from povertyrelief.models import Role
    from tests.conftest import make_user

    neighbour = make_user("cun_y", Role.VILLAGE, areas.village_y)
    review = walk(personas, ready, to="proposed")
    with pytest.raises(PermissionDenied):
        services.review_verify(actor=neighbour, review=review, day=day(1), food_secure=True, clothing_secure=True)
    with pytest.raises(PermissionDenied):
        services.review_township(actor=personas.outsider, review=walk_to_publicized(personas), day=day(10), approve=True)


def walk_to_publicized(personas):
    household = make_household(personas.village_x.area, "6104991012010077", "张七", IDS[4])
    add_income(household, "9000.00")
    return walk(personas, household, to="publicized")


def test_no_stage_is_skipped_or_taken_twice(personas, ready):
    review = walk(personas, ready, to="verified")
    with pytest.raises(ValidationError) as skipped:
        services.review_publicity_start(actor=personas.village_x, review=review, day=day(3))
    assert "下一环节是“户主认可”" in str(skipped.value)
    with pytest.raises(ValidationError):
        services.review_verify(actor=personas.village_x, review=review, day=day(2), food_secure=True, clothing_secure=True)
    review = walk(personas, make_household(personas.village_x.area, "6104991012010078", "张八", IDS[3]), to="proposed")
    with pytest.raises(ValidationError):
        services.review_announce(actor=personas.county_admin, review=review, day=day(12))


def test_a_step_is_never_dated_before_the_one_before_nor_in_the_future(personas, ready):
    review = walk(personas, ready, to="consented")
    with pytest.raises(ValidationError) as early:
        services.review_publicity_start(actor=personas.village_x, review=review, day=day(1))
    assert "不能早于上一环节（户主认可）日期" in str(early.value)
    from django.utils import timezone

    with pytest.raises(ValidationError) as future:
        services.review_publicity_start(actor=personas.village_x, review=review, day=timezone.localdate() + timedelta(days=1))
    assert "不能晚于今天" in str(future.value)


def test_verification_refuses_naming_each_unmet_criterion(personas, ready):
    Member.objects.filter(household=ready).update(medical_insurance=False)
    Household.objects.filter(pk=ready.pk).update(safe_drinking_water=False)
    review = walk(personas, ready, to="proposed")
    with pytest.raises(ValidationError) as refused:
        services.review_verify(actor=personas.village_x, review=review, day=day(1), food_secure=False, clothing_secure=True)
    messages = refused.value.messages
    assert "不愁吃：" in " ".join(messages)
    assert any(m.startswith("基本医疗有保障：未参加基本医保或大病保险：张建国") for m in messages)
    assert "饮水安全有保障：饮水不安全" in messages
    review.refresh_from_db()
    assert review.stage == "proposed" and review.criteria == []


def test_income_at_the_line_refuses_verification(personas, ready):
    add_income(ready, ensure_standard().poverty_line)
    review = walk(personas, ready, to="proposed")
    with pytest.raises(ValidationError) as refused:
        services.review_verify(actor=personas.village_x, review=review, day=day(1), food_secure=True, clothing_secure=True)
    assert "须高于标准" in str(refused.value)


def test_publicity_lasts_at_least_the_years_days(personas, ready):
    review = walk(personas, ready, to="publicity")
    with pytest.raises(ValidationError) as short:
        services.review_publicity_end(actor=personas.village_x, review=review, day=day(8))  # day 6 of 7
    assert "至少 7 天" in str(short.value) and "现为第 6 天" in str(short.value)
    AnnualStandard.objects.filter(year=day(3).year).update(exit_publicity_days=6)
    assert services.review_publicity_end(actor=personas.village_x, review=review, day=day(8)).stage == "publicized"


def test_an_objection_being_checked_holds_the_publicity_and_an_upheld_one_ends_the_review(personas, ready):
    review = walk(personas, ready, to="publicity")
    objection = services.objection_record(actor=personas.village_x, review=review, received_on=day(5), content="该户家中新购小轿车，收入不实", objector="")
    with pytest.raises(ValidationError) as held:
        services.review_publicity_end(actor=personas.village_x, review=review, day=day(9))
    assert "尚有异议在核实中" in str(held.value)
    services.objection_decide(actor=personas.village_x, objection=objection, day=day(7), upheld=True, note="经核实，车辆为女婿所有但长期由该户使用，收入测算未计入")
    review.refresh_from_db()
    assert review.stage == "ended" and "公示异议成立" in review.end_reason
    ready.refresh_from_db()
    assert ready.status == "0"
    with pytest.raises(ValidationError):
        services.review_publicity_end(actor=personas.village_x, review=review, day=day(9))
    # One review per household per year: the attempt is over for the year.
    with pytest.raises(ValidationError) as again:
        services.review_propose(actor=personas.village_x, household=ready, year=YEAR, day=day(10), votes_for=20)
    assert f"{YEAR} 年已有退出评议" in str(again.value)


def test_an_objection_not_upheld_lets_the_publicity_end(personas, ready):
    review = walk(personas, ready, to="publicity")
    objection = services.objection_record(actor=personas.village_x, review=review, received_on=day(4), content="收入偏高", objector="李某")
    services.objection_decide(actor=personas.village_x, objection=objection, day=day(6), upheld=False, note="经核实收入属实")
    assert services.review_publicity_end(actor=personas.village_x, review=review, day=day(9)).stage == "publicized"


def test_a_township_return_sends_it_back_one_stage_with_the_reason(personas, ready):
    review = walk(personas, ready, to="publicized")
    with pytest.raises(ValidationError):
        services.review_township(actor=personas.township_a, review=review, day=day(10), approve=False, reason="")
    review = services.review_township(actor=personas.township_a, review=review, day=day(10), approve=False, reason="公示照片缺失，请补充后重新确认公示期满")
    assert review.stage == "publicity" and review.publicity_end is None and review.stage_date == day(10)
    assert review.return_reason == "公示照片缺失，请补充后重新确认公示期满"
    step = review.steps.latest("pk")
    assert (step.action, step.stage, step.note, step.actor) == ("returned", "township_approved", review.return_reason, personas.township_a)
    # The village closes the 公示 again, no earlier than the return.
    with pytest.raises(ValidationError):
        services.review_publicity_end(actor=personas.village_x, review=review, day=day(9))
    review = services.review_publicity_end(actor=personas.village_x, review=review, day=day(11))
    assert review.stage == "publicized" and review.return_reason == ""


def test_a_county_return_goes_back_to_the_township(personas, ready):
    review = walk(personas, ready, to="township_approved")
    review = services.review_county(actor=personas.county_admin, review=review, day=day(11), approve=False, reason="收入测算表缺少签字")
    assert review.stage == "publicized" and review.township_approved_on is None
    ready.refresh_from_db()
    assert ready.status == "0"


def test_a_failed_third_party_sample_cannot_be_approved(personas, ready):
    review = walk(personas, ready, to="township_approved")
    with pytest.raises(ValidationError) as refused:
        services.review_county(actor=personas.county_admin, review=review, day=day(11), approve=True, third_party_result="failed")
    assert "第三方评估抽查不合格" in str(refused.value)
    review = services.review_county(
        actor=personas.county_admin, review=review, day=day(11), approve=True, third_party_result="passed", third_party_note="抽查入户，情况属实",
    )
    assert (review.stage, review.third_party_result) == ("county_approved", "passed")


def test_only_poor_registered_households_with_a_majority_can_be_proposed(personas, areas, ready):
    exited = make_household(areas.village_x, "6104991012010079", "张九", IDS[3], status="1", exit_year=2019)
    with pytest.raises(ValidationError) as refused:
        services.review_propose(actor=personas.village_x, household=exited, year=YEAR, day=day(0), votes_for=30)
    assert "只有未脱贫或返贫户才能申请退出" in str(refused.value)
    with pytest.raises(ValidationError) as minority:
        services.review_propose(actor=personas.village_x, household=ready, year=YEAR, day=day(0), votes_for=10, votes_against=8, votes_abstain=3)
    assert "未过半数" in str(minority.value)


def test_batch_proposal_is_all_or_nothing(personas, areas, ready):
    second = make_household(areas.village_x, "6104991012010080", "张十", IDS[3])
    exited = make_household(areas.village_x, "6104991012010081", "张十一", IDS[4], status="4", exit_year=2018)
    with pytest.raises(ValidationError) as refused:
        services.reviews_propose(actor=personas.village_x, households=[ready, second, exited], year=YEAR, day=day(0), votes_for=25)
    assert refused.value.messages == ["张十一户（6104991012010081）：脱贫状态为“已脱贫(不再享受政策)”，只有未脱贫或返贫户才能申请退出"]
    assert not ExitReview.objects.exists() and not ExitStep.objects.exists()
    created = services.reviews_propose(actor=personas.village_x, households=[ready, second], year=YEAR, day=day(0), votes_for=25)
    assert {r.household_id for r in created} == {ready.pk, second.pk}


def test_batch_publicity_is_all_or_nothing(personas, areas, ready):
    second = make_household(areas.village_x, "6104991012010082", "张十二", IDS[3])
    add_income(second, "9000.00")
    consented = walk(personas, ready, to="consented")
    verified = walk(personas, second, to="verified")
    with pytest.raises(ValidationError) as refused:
        services.reviews_publicity_start(actor=personas.village_x, reviews=[consented, verified], day=day(3))
    assert refused.value.messages == ["张十二户（6104991012010082）：当前环节为“入户核实”，下一环节是“户主认可”，不能办理“村内公示中”。"]
    consented.refresh_from_db()
    assert consented.stage == "consented"
    services.review_consent(actor=personas.village_x, review=verified, day=day(2))
    started = services.reviews_publicity_start(actor=personas.village_x, reviews=[consented, verified], day=day(3))
    assert {r.stage for r in started} == {"publicity"}


def test_a_returned_household_can_exit_again(personas, ready):
    Household.objects.filter(pk=ready.pk).update(status="3", exit_year=None)
    review = walk(personas, ready)
    ready.refresh_from_db()
    assert (review.stage, ready.status, ready.exit_year) == ("announced", "1", YEAR)
