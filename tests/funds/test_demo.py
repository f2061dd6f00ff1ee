"""seed_demo builds funds in proportion to the households, with every stage
and status present, and books that check_ledger finds in agreement; every
township has household measures funded and paid, which the measure ledger
and the household pages show."""

import random

import pytest
from django.db.models import Sum
from django.urls import reverse

from funds.demo import seed_funds
from funds.demo_measures import measure_allocations, measure_payments
from funds.models import Allocation, AllocationMeasure, Disbursement, FundSource, Project
from funds.selectors import ledger_mismatches
from povertyrelief.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    from povertyrelief.demo import seed_demo

    return seed_demo(households=1500, seed=7, log=lambda *_: None)


def test_demo_funds_cover_every_page_and_every_township_and_agree_with_check_ledger(demo):
    assert Project.objects.count() == 30
    assert set(Project.objects.values_list("stage", flat=True)) >= {"reserve", "accepted"}
    assert set(Allocation.objects.values_list("target", flat=True)) == {"project", "village", "measures"}
    statuses = set(Disbursement.objects.values_list("status", flat=True))
    assert {"confirmed", "pending", "withdrawn"} <= statuses
    assert ledger_mismatches() == []
    assert callable(seed_funds)
    _every_township_has_measures_funded_paid_by_it_and_confirmed_by_the_county(demo)
    _the_measure_funding_is_the_same_for_the_same_seed(demo)


def _every_township_has_measures_funded_paid_by_it_and_confirmed_by_the_county(demo):
    townships = {t.pk for t in demo.townships}
    to_measures = Allocation.objects.filter(target="measures")
    assert set(to_measures.values_list("area__parent", flat=True)) == townships
    assert 3 * len(townships) <= to_measures.count() <= 5 * len(townships)
    paid = Disbursement.objects.filter(allocation__target="measures")
    assert not paid.filter(measure__isnull=True).exists()
    # Each entry pays a measure of the allocation it draws on, never more than its share.
    shares = {(s.allocation_id, s.measure_id): s.amount for s in AllocationMeasure.objects.all()}
    assert all(d.amount <= shares[(d.allocation_id, d.measure_id)] for d in paid)
    confirmed = paid.filter(status="confirmed").select_related("recorded_by", "checked_by", "allocation__area")
    assert {d.allocation.area.parent_id for d in confirmed} == townships
    for entry in confirmed:
        assert entry.recorded_by.role == Role.TOWNSHIP and entry.recorded_by.area_id == entry.allocation.area.parent_id
        assert entry.checked_by.role == Role.COUNTY_ADMIN and entry.checked_by != entry.recorded_by
    for status in ("pending", "withdrawn"):
        per_township = paid.filter(status=status).values_list("allocation__area__parent", flat=True)
        assert sorted(per_township) == sorted(townships), status
    assert not paid.filter(status="withdrawn", withdrawn_at__isnull=True).exists()


def test_the_measure_ledger_and_a_household_page_show_the_demo_payments(demo, client):
    client.force_login(User.objects.get(username="county_viewer"), backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("funds:ledger") + "?by=measure")
    assert page.status_code == 200
    totals = page.context["totals"]
    confirmed = Disbursement.objects.filter(allocation__target="measures", status="confirmed").aggregate(t=Sum("amount"))["t"]
    assert totals["rows"] == AllocationMeasure.objects.count()
    assert totals["disbursed"] == confirmed > 0
    assert totals["pending"] > 0
    assert any(row.disbursed > 0 for row in page.context["page_obj"])

    share = AllocationMeasure.objects.filter(measure__disbursements__status="confirmed").select_related(
        "measure__household", "allocation__source").first()
    household_page = client.get(share.measure.household.get_absolute_url())
    assert f"{share.allocation.source.name}（" in household_page.content.decode()

    # A township's staff see their own township's measures, paid ones among them.
    township_user = User.objects.get(username="zhen02")
    client.force_login(township_user, backend="django.contrib.auth.backends.ModelBackend")
    own = client.get(reverse("funds:ledger") + "?by=measure").context
    assert own["totals"]["disbursed"] > 0
    assert {row.village.parent_id for row in own["page_obj"]} == {township_user.area_id}


def _the_measure_funding_is_the_same_for_the_same_seed(demo):
    sources: dict[int, list[FundSource]] = {}
    for source in FundSource.objects.order_by("pk"):
        sources.setdefault(source.year, []).append(source)
    admin = User.objects.get(username="county_admin")
    makers = {u.area_id: u for u in User.objects.filter(role=Role.TOWNSHIP)}

    def draw():
        rng = random.Random(3)
        made = measure_allocations(rng, townships=demo.townships, villages=demo.villages, years=sorted(sources),
                                   sources=sources, per_township=3, admin=admin)
        entries = measure_payments(rng, made, maker_of=makers.get, checker=admin)
        return (
            [(m.allocation.area_id, m.allocation.source_id, m.allocation.amount, m.allocation.date, m.shares) for m in made],
            [(e.measure_id, e.amount, e.date, e.status, e.voucher_number, e.recorded_by_id) for e in entries],
        )

    first = draw()
    assert first[0] and first[1]
    assert first == draw()
