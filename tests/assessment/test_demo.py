"""seed_demo adds exits: this year's reviews at every stage, consistent with
the procedure, villages at each stage of village exit, and monitoring cases
opened by signals, some still being identified."""

import pytest

from assessment.models import ExitReview, ExitStage, VillageExit
from households.models import Monitoring

pytestmark = pytest.mark.django_db


def test_demo_exits_cover_every_stage_and_follow_the_procedure():
    from povertyrelief.demo import seed_demo

    seed_demo(households=1500, seed=7, log=lambda *_: None)
    assert set(ExitReview.objects.values_list("stage", flat=True)) == set(ExitStage.values)
    for review in ExitReview.objects.select_related("household").prefetch_related("steps"):
        dates = [s.date for s in review.steps.all().order_by("pk")]
        assert dates == sorted(dates), review
        if review.verified_on:
            assert len(review.criteria) == 7 and all(c["ok"] for c in review.criteria)
        if review.stage == ExitStage.ANNOUNCED:
            assert (review.household.status, review.household.exit_year) == ("1", review.year)
        elif review.stage != ExitStage.ENDED:
            assert review.household.status in ("0", "3")
    assert ExitReview.objects.exclude(return_reason="").exists()
    assert ExitReview.objects.filter(objections__isnull=False).exists()
    assert {"proposed", "approved", "publicity", "announced", "returned"} <= set(VillageExit.objects.values_list("stage", flat=True))
    assert set(Monitoring.objects.values_list("signal_kind", flat=True)) >= {"农户申报", "干部排查"}
    assert Monitoring.objects.exclude(stage="identified").exists()
