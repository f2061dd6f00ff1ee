"""The map costs the same number of queries whatever the size of the area:
every figure is a grouped aggregate, never a loop over records. And a map
shown again comes from the cache until something changes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors
from dashboard.selectors import area_map, area_map_compute
from households.models import Household
from tests.conftest import make_area
from tests.dashboard.conftest import household

pytestmark = pytest.mark.django_db


def queries_for(actor, area, year) -> int:
    with CaptureQueriesContext(connection) as captured:
        area_map_compute(actor=actor, area=area, year=year)
    return len(captured)


def grow(areas, villages: int = 4, per_village: int = 6):
    """More villages and households in township A."""
    for v in range(villages):
        village = make_area(f"6104991013{v:02d}", f"新村{v}", areas.township_a, rural_population=500)
        for n in range(per_village):
            household(village, f"{village.code}{n:04d}", people=2, status="0" if n % 2 else "1", exit_year=None if n % 2 else 2020)


def test_the_query_count_does_not_grow_with_households_or_villages(county, areas, personas, year):
    before = {
        "county": queries_for(personas.county_admin, areas.county, year),
        "township": queries_for(personas.township_a, areas.township_a, year),
        "village": queries_for(personas.village_x, areas.village_x, year),
    }
    grow(areas)
    assert Household.objects.count() > 30
    after = {
        "county": queries_for(personas.county_admin, areas.county, year),
        "township": queries_for(personas.township_a, areas.township_a, year),
        "village": queries_for(personas.village_x, areas.village_x, year),
    }
    assert after == before
    # A village has no targets of its own: one query fewer.
    assert before["county"] == before["township"] == before["village"] + 1


def test_a_map_shown_again_reads_no_figures(county, areas, client_for, personas, django_assert_max_num_queries):
    client = client_for(personas.county_viewer)
    url = reverse("dashboard:map", args=[areas.county.code])
    client.get(url)
    # Session (read and touched), user, its area, the map's area, the audit
    # stamp, the snapshot: nothing of the figures.
    with django_assert_max_num_queries(9) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert not any("households_household" in q["sql"] for q in captured.captured_queries)


def _audited_change(target, actor):
    """A saved change, which the audit log records (as every service's does)."""
    from auditlog.context import set_actor

    with set_actor(actor):
        target.save()


def test_after_a_change_the_worker_recomputes_and_the_map_shows_it(county, areas, personas, year):
    first = area_map(actor=personas.county_admin, area=areas.county, year=year)
    assert area_map(actor=personas.county_admin, area=areas.county, year=year).computed_at == first.computed_at
    county.x_out.status = "3"  # 返贫
    _audited_change(county.x_out, personas.county_admin)
    # The tests' task backend runs the refresh at once.
    again = area_map(actor=personas.county_admin, area=areas.county, year=year)
    assert again.total["poor_households"] == first.total["poor_households"] + 1
    assert again.computed_at > first.computed_at and not again.stale


@pytest.fixture
def queued_tasks(settings):
    """A task backend that only records: the worker has not run yet."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


def test_until_the_worker_runs_the_stale_map_is_shown_and_one_refresh_queued(county, areas, personas, year, queued_tasks, client_for):
    first = area_map(actor=personas.county_admin, area=areas.county, year=year)
    county.x_poor.phone = "13911112222"
    _audited_change(county.x_poor, personas.county_admin)
    again = area_map(actor=personas.county_admin, area=areas.county, year=year)
    assert again.computed_at == first.computed_at and again.stale
    area_map(actor=personas.county_viewer, area=areas.county, year=year)
    assert len(queued_tasks.results) == 1  # asked once, not on every view
    assert queued_tasks.results[0].args == [areas.county.pk, year, personas.county_admin.pk]
    page = client_for(personas.county_viewer).get(reverse("dashboard:map", args=[areas.county.code])).content.decode()
    assert "正在后台重新统计" in page
    selectors.map_refresh(area_id=areas.county.pk, year=year, user_id=personas.county_admin.pk)
    fresh = area_map(actor=personas.county_admin, area=areas.county, year=year)
    assert not fresh.stale and fresh.computed_at > first.computed_at


def test_the_worker_recomputes_one_map_at_most_once_a_minute(county, areas, personas, year, queued_tasks, monkeypatch):
    """Staff writing all day make every map stale again and again: a map
    computed a moment ago is refreshed a minute after it was computed, one
    computed long ago at once."""
    first = area_map(actor=personas.county_admin, area=areas.county, year=year)
    county.x_poor.phone = "13911112222"
    _audited_change(county.x_poor, personas.county_admin)
    assert area_map(actor=personas.county_admin, area=areas.county, year=year).stale
    (queued,) = queued_tasks.results
    assert queued.task.run_after == first.computed_at + timedelta(seconds=selectors.MIN_INTERVAL)

    selectors.map_refresh(area_id=areas.county.pk, year=year, user_id=personas.county_admin.pk)
    queued_tasks.clear()
    county.x_poor.phone = "13911113333"
    _audited_change(county.x_poor, personas.county_admin)
    later = timezone.now() + timedelta(seconds=selectors.MIN_INTERVAL + 1)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    assert area_map(actor=personas.county_admin, area=areas.county, year=year).stale
    (queued,) = queued_tasks.results
    assert queued.task.run_after is None


def test_a_refresh_the_worker_never_delivered_is_done_in_the_request(county, areas, personas, year, queued_tasks, monkeypatch):
    first = area_map(actor=personas.county_admin, area=areas.county, year=year)
    county.x_poor.phone = "13911112222"
    _audited_change(county.x_poor, personas.county_admin)
    assert area_map(actor=personas.county_admin, area=areas.county, year=year).stale
    later = timezone.now() + timedelta(seconds=selectors.WORKER_GRACE + 1)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    late = area_map(actor=personas.county_admin, area=areas.county, year=year)
    assert not late.stale and late.computed_at == later and first.computed_at < later


def test_figures_older_than_the_freshness_limit_are_refreshed(county, areas, personas, year, queued_tasks, monkeypatch):
    area_map(actor=personas.county_admin, area=areas.county, year=year)
    later = timezone.now() + timedelta(seconds=selectors.FRESH_FOR + 1)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    assert area_map(actor=personas.county_admin, area=areas.county, year=year).stale
    assert len(queued_tasks.results) == 1


def test_refresh_recomputes_and_returns_to_the_map(county, areas, client_for, personas, year):
    client = client_for(personas.county_admin)
    url = reverse("dashboard:map", args=[areas.county.code])
    first = client.get(url).context["data"].computed_at
    response = client.get(url + f"?year={year}&refresh=1")
    assert response.status_code == 302 and response["Location"] == url + f"?year={year}"
    assert client.get(url).context["data"].computed_at > first
