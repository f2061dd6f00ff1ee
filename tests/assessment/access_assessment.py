"""Access matrix entries for /assessment/: every page and each level's
steps, anonymous, without the role (403), out of area (404) and in area.
Objects "in X" are household X's review (village X) and village X; "in B"
household Z's review and village Z (township B)."""

from datetime import date

from tests.access import MANAGERS, VIEWERS, Case

VILLAGE = {"village_x"}
TOWNSHIP = {"township_a", "outsider"}


def _review(ctx, household, stage="proposed"):
    from assessment.models import ExitReview

    return ExitReview.objects.create(
        household=household, year=2024, stage=stage, stage_date=date(2024, 9, 1), proposed_on=date(2024, 9, 1),
        votes_for=30, created_by=ctx.personas.county_admin,
    )


def _verified(ctx, household):
    """A review verified with its criteria saved: the 户主认可书 prints."""
    from assessment.models import ExitReview

    review = _review(ctx, household, stage="verified")
    criteria = [{"key": key, "label": key, "ok": True, "reason": "达标"} for key in ("income", "food", "clothing")]
    ExitReview.objects.filter(pk=review.pk).update(
        verified_on=date(2024, 9, 2), food_secure=True, clothing_secure=True, criteria=criteria
    )
    return review


def _objection(ctx, household):
    from assessment.models import ExitObjection

    review = _review(ctx, household, stage="publicity")
    return ExitObjection.objects.create(review=review, received_on=date(2024, 9, 5), content="收入不实", recorded_by=ctx.personas.county_admin)


def _village_exit(ctx, village):
    from decimal import Decimal

    from assessment.models import VillageExit

    return VillageExit.objects.create(
        village=village, year=2024, stage="proposed", stage_date=date(2024, 10, 1), proposed_on=date(2024, 10, 1),
        proposed_by=ctx.personas.county_admin, poor_people=10, rural_population=1000, incidence_rate=Decimal("1.00"),
        rate_limit=Decimal("3.00"), households_short=0,
    )


def _checklist_item(ctx):
    from assessment.models import VillageChecklistItem

    return VillageChecklistItem.objects.order_by("pk").first()


def _x(build, **extra):
    return lambda c: build(c, c.households.x, **extra)


def _b(build, **extra):
    return lambda c: build(c, c.households.z, **extra)


def _vx(build):
    return lambda c: build(c, c.areas.village_x)


def _vb(build):
    return lambda c: build(c, c.areas.village_z)


CASES = {
    "assessment:review_list": Case(VIEWERS),
    "assessment:review_detail": Case(VIEWERS, in_x=_x(_review), in_b=_b(_review)),
    "assessment:review_propose": Case(VILLAGE),
    "assessment:publicity_batch": Case(VILLAGE),
    "assessment:review_verify": Case(VILLAGE, in_x=_x(_review), in_b=_b(_review)),
    "assessment:review_consent_form_pdf": Case(VIEWERS, in_x=_x(_verified), in_b=_b(_verified)),
    "assessment:review_consent": Case(VILLAGE, in_x=_x(_review, stage="verified"), in_b=_b(_review, stage="verified")),
    "assessment:review_publicity_start": Case(VILLAGE, in_x=_x(_review, stage="consented"), in_b=_b(_review, stage="consented")),
    "assessment:review_publicity_end": Case(VILLAGE, in_x=_x(_review, stage="publicity"), in_b=_b(_review, stage="publicity")),
    "assessment:objection_create": Case(VILLAGE, in_x=_x(_review, stage="publicity"), in_b=_b(_review, stage="publicity")),
    "assessment:objection_decide": Case(VILLAGE, in_x=_x(_objection), in_b=_b(_objection)),
    "assessment:review_township": Case(TOWNSHIP, in_x=_x(_review, stage="publicized"), in_b=_b(_review, stage="publicized")),
    "assessment:review_county": Case(MANAGERS, in_x=_x(_review, stage="township_approved"), in_b=_b(_review, stage="township_approved")),
    "assessment:review_announce": Case(MANAGERS, in_x=_x(_review, stage="county_approved"), in_b=_b(_review, stage="county_approved")),
    "assessment:village_list": Case(VIEWERS),
    "assessment:village_detail": Case(VIEWERS, in_x=lambda c: c.areas.village_x, in_b=lambda c: c.areas.village_z),
    "assessment:village_propose": Case(TOWNSHIP, in_x=lambda c: c.areas.village_x, in_b=lambda c: c.areas.village_z),
    "assessment:village_exit_review": Case(MANAGERS, in_x=_vx(_village_exit), in_b=_vb(_village_exit)),
    "assessment:village_exit_publicity": Case(MANAGERS, in_x=_vx(_village_exit), in_b=_vb(_village_exit)),
    "assessment:village_exit_announce": Case(MANAGERS, in_x=_vx(_village_exit), in_b=_vb(_village_exit)),
    "assessment:checklist_list": Case(MANAGERS),
    "assessment:checklist_create": Case(MANAGERS),
    "assessment:checklist_update": Case(MANAGERS, in_x=_checklist_item),
}
