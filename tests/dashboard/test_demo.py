"""The demo county shows the battle map at work: targets for the years
with exits, and records breaking every quality rule for the finder."""

import pytest

from dashboard.models import AnnualTarget
from dashboard.selectors import area_map_compute, quality_scope, quality_summary
from povertyrelief.demo import seed_demo
from povertyrelief.models import User

pytestmark = pytest.mark.django_db


def test_the_showcase_breaks_every_rule_and_sets_targets():
    demo = seed_demo(households=1500, seed=7, log=lambda *a: None, showcase=True)
    admin = User.objects.get(username="county_admin")
    summary = quality_summary(scope=quality_scope(actor=admin, area=demo.county))
    assert [rule.code for rule, count in summary if count == 0] == []
    assert set(AnnualTarget.objects.values_list("year", flat=True)) >= {2018, 2019}
    figures = area_map_compute(actor=admin, area=demo.county, year=2019)
    assert all(row.target is not None for row in figures.targets)


def test_seed_demo_alone_keeps_its_data_consistent():
    seed_demo(households=300, seed=5, log=lambda *a: None)
    assert not AnnualTarget.objects.exists()
