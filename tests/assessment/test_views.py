"""The exit pages as users meet them: proposing with a preview, each level's
step, returns shown with their reason, area scope (404), and list pages
whose query count does not grow with the rows."""

import pytest
from django.urls import reverse

from assessment.models import ExitReview
from tests.assessment.conftest import YEAR, add_income, day, walk
from tests.conftest import IDS, make_household

pytestmark = pytest.mark.django_db


def test_proposal_is_previewed_then_confirmed_all_or_nothing(client_for, personas, areas, ready):
    exited = make_household(areas.village_x, "6104991012010120", "张退", IDS[3], status="1", exit_year=2019)
    client = client_for(personas.village_x)
    url = reverse("assessment:review_propose")
    form = {"year": YEAR, "date": day(0).isoformat(), "votes_for": 30, "votes_against": 1, "votes_abstain": 0, "households": [ready.pk]}
    page = client.get(url).content.decode()
    assert "张建国户（6104991012010001" in page and "张退" not in page  # only candidates are offered
    preview = client.post(url, form)
    assert preview.status_code == 200 and "预览：1 户" in preview.content.decode()
    assert not ExitReview.objects.exists()
    done = client.post(url, {**form, "confirm": "1"})
    assert done.status_code == 302
    review = ExitReview.objects.get()
    assert done["Location"] == review.get_absolute_url()
    # A household that is not a candidate cannot be slipped in.
    refused = client.post(url, {**form, "households": [exited.pk], "confirm": "1"})
    assert refused.status_code == 200 and ExitReview.objects.count() == 1


def test_verification_page_shows_the_criteria_and_refuses_without_food(client_for, personas, ready):
    review = walk(personas, ready, to="proposed")
    client = client_for(personas.village_x)
    url = reverse("assessment:review_verify", args=[review.pk])
    page = client.get(url).content.decode()
    assert f"{YEAR} 年人均纯收入" in page and "待入户核实" in page
    refused = client.post(url, {"date": day(1).isoformat(), "clothing_secure": "on"})
    assert refused.status_code == 200 and "不愁吃：" in refused.content.decode()
    done = client.post(url, {"date": day(1).isoformat(), "food_secure": "on", "clothing_secure": "on", "note": "入户核实"})
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.stage == "verified" and len(review.criteria) == 7


def test_a_township_return_is_shown_on_the_review(client_for, personas, ready):
    review = walk(personas, ready, to="publicized")
    response = client_for(personas.township_a).post(
        reverse("assessment:review_township", args=[review.pk]),
        {"date": day(10).isoformat(), "decision": "return", "reason": "评议记录缺少村民代表签字"},
    )
    assert response.status_code == 302
    page = client_for(personas.village_x).get(review.get_absolute_url()).content.decode()
    assert "退回原因：评议记录缺少村民代表签字" in page and "村内公示中" in page


def test_a_step_page_of_another_stage_takes_nothing(client_for, personas, ready):
    review = walk(personas, ready, to="proposed")
    client = client_for(personas.county_admin)
    url = reverse("assessment:review_announce", args=[review.pk])
    assert "该户当前不在此环节" in client.get(url).content.decode()
    assert client.post(url, {"date": day(12).isoformat()}).status_code == 200
    review.refresh_from_db()
    assert review.stage == "proposed"


def test_reviews_outside_the_area_are_not_found(client_for, personas, areas, households):
    from povertyrelief.models import Role
    from tests.conftest import make_user

    add_income(households.z, "9000.00")
    cadre_z = make_user("cun_z", Role.VILLAGE, areas.village_z)
    from assessment import services

    review = services.review_propose(actor=cadre_z, household=households.z, year=YEAR, day=day(0), votes_for=20)
    neighbour = make_user("cun_y", Role.VILLAGE, areas.village_y)
    for user in (personas.village_x, neighbour):
        client = client_for(user)
        assert client.get(review.get_absolute_url()).status_code == 404
        assert client.post(reverse("assessment:review_verify", args=[review.pk]), {"date": day(1).isoformat(), "food_secure": "on", "clothing_secure": "on"}).status_code == 404
    assert client_for(personas.township_a).get(reverse("assessment:review_township", args=[review.pk])).status_code == 404
    review.refresh_from_db()
    assert review.stage == "proposed"


def test_the_list_filters_by_stage_and_counts_each_stage(client_for, personas, areas, ready):
    walk(personas, ready, to="publicity")
    other = make_household(areas.village_x, "6104991012010121", "张二", IDS[3])
    add_income(other, "9000.00")
    walk(personas, other, to="proposed")
    client = client_for(personas.township_a)
    response = client.get(reverse("assessment:review_list"), {"stage": "publicity"})
    assert [r.household_id for r in response.context["page_obj"]] == [ready.pk]
    counts = {stage: n for stage, _, n in client.get(reverse("assessment:review_list")).context["counts"]}
    assert counts["publicity"] == 1 and counts["proposed"] == 1
    assert client_for(personas.outsider).get(reverse("assessment:review_list")).context["total"] == 0


def test_the_list_costs_the_same_queries_for_few_or_many_reviews(client_for, personas, areas, ready, django_assert_max_num_queries):
    walk(personas, ready, to="proposed")
    client = client_for(personas.county_admin)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("assessment:review_list"))
    for n in range(8):
        household = make_household(areas.village_x, f"61049910120101{n + 30}", f"张{n}", f"61049919800101{n:03d}X")
        add_income(household, "9000.00")
        walk(personas, household, to="consented")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("assessment:review_list"))
    assert len(response.context["page_obj"]) == 9


def test_the_batch_publicity_starts_all_or_none(client_for, personas, areas, ready):
    second = make_household(areas.village_x, "6104991012010122", "张三", IDS[3])
    add_income(second, "9000.00")
    first = walk(personas, ready, to="consented")
    other = walk(personas, second, to="consented")
    client = client_for(personas.village_x)
    url = reverse("assessment:publicity_batch")
    form = {"date": day(3).isoformat(), "reviews": [first.pk, other.pk]}
    assert "将于" in client.post(url, form).content.decode()
    assert client.post(url, {**form, "confirm": "1"}).status_code == 302
    assert set(ExitReview.objects.values_list("stage", flat=True)) == {"publicity"}
