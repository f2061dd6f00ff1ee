"""seed_demo builds funds in proportion to the households, with every stage
and status present, and books that check_ledger finds in agreement."""

import pytest

from funds.demo import seed_funds
from funds.models import Allocation, Disbursement, Project
from funds.selectors import ledger_mismatches

pytestmark = pytest.mark.django_db


def test_demo_funds_cover_every_page_and_agree_with_check_ledger():
    from povertyrelief.demo import seed_demo

    seed_demo(households=1500, seed=7, log=lambda *_: None)
    assert Project.objects.count() == 30
    assert set(Project.objects.values_list("stage", flat=True)) >= {"reserve", "accepted"}
    assert set(Allocation.objects.values_list("target", flat=True)) == {"project", "village", "measures"}
    statuses = set(Disbursement.objects.values_list("status", flat=True))
    assert {"confirmed", "pending"} <= statuses
    assert ledger_mismatches() == []
    assert callable(seed_funds)
