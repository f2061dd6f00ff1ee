"""Maps are computed before anyone opens them: ``manage.py refresh_map``
stores the county's, every township's and every village's map; a map never
computed shows "正在统计，请稍后刷新" while the worker computes it, instead of
computing in the request."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors
from dashboard.models import MapSnapshot
from households.models import Household
from villages.models import Area

pytestmark = pytest.mark.django_db
PENDING = "正在统计，请稍后刷新"


def refresh_map(*args) -> str:
    out = StringIO()
    call_command("refresh_map", *args, stdout=out)
    return out.getvalue()


def figure_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "households_household" in q["sql"]]


@pytest.fixture
def queued_tasks(settings):
    """A task backend that only records: the worker has not run yet."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


def test_refresh_map_stores_every_areas_map_for_this_year(county, areas, client_for, personas, year):
    output = refresh_map()
    stored = MapSnapshot.objects.filter(year=year)
    assert stored.count() == Area.objects.count() == 6
    assert f"已统计 秦川县 {year}年挂图 6 个区划" in output
    assert "610499101000 城关镇" in output  # townships listed; villages only with -v 2
    village = client_for(personas.village_x).get(reverse("dashboard:map", args=[areas.village_x.code]))
    assert village.context["data"].total["poor_households"] == Household.objects.filter(
        village=areas.village_x, status__in=("0", "3")
    ).count()
    client = client_for(personas.county_viewer)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("dashboard:map", args=[areas.township_b.code]))
    assert page.status_code == 200 and PENDING not in page.content.decode()
    assert figure_queries(captured.captured_queries) == []


def test_refresh_map_for_one_township_and_another_year(county, areas, year):
    refresh_map("--area", areas.township_a.code, "--year", str(year - 1))
    stored = set(MapSnapshot.objects.values_list("area__code", "year"))
    assert stored == {(a.code, year - 1) for a in (areas.township_a, areas.village_x, areas.village_y)}


def test_refresh_map_refuses_an_unknown_area_or_year(areas):
    with pytest.raises(CommandError, match="区划代码 610499999000 不存在"):
        refresh_map("--area", "610499999000")
    with pytest.raises(CommandError, match="年度 1999 不在挂图可选年度内"):
        refresh_map("--year", "1999")
    assert not MapSnapshot.objects.exists()


def test_refresh_map_without_areas_says_to_import_them(db):
    with pytest.raises(CommandError, match="尚无县级区划"):
        refresh_map()


def test_a_map_never_computed_is_computed_by_the_worker_not_the_request(county, areas, client_for, personas, year, queued_tasks):
    client = client_for(personas.county_viewer)
    url = reverse("dashboard:map", args=[areas.county.code])
    with CaptureQueriesContext(connection) as captured:
        first = client.get(url)
    assert first.status_code == 200 and PENDING in first.content.decode()
    assert figure_queries(captured.captured_queries) == []
    assert client.get(url).status_code == 200  # still pending: asked once, not on every view
    assert [task.args for task in queued_tasks.results] == [[areas.county.pk, year, personas.county_viewer.pk]]
    selectors.map_refresh(area_id=areas.county.pk, year=year, user_id=personas.county_viewer.pk)
    page = client.get(url)
    assert PENDING not in page.content.decode()
    assert page.context["data"].total["poor_households"] == Household.objects.filter(status__in=("0", "3")).count()


def test_a_first_computation_the_worker_never_delivered_is_done_in_the_request(
    county, areas, client_for, personas, year, queued_tasks, monkeypatch
):
    client = client_for(personas.township_a)
    url = reverse("dashboard:map", args=[areas.township_a.code])
    assert PENDING in client.get(url).content.decode()
    later = timezone.now() + timedelta(seconds=selectors.WORKER_GRACE + 1)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    page = client.get(url)
    assert PENDING not in page.content.decode() and page.context["data"].computed_at == later


def test_with_a_task_backend_that_runs_at_once_the_first_view_shows_figures(county, areas, client_for, personas):
    page = client_for(personas.township_a).get(reverse("dashboard:map", args=[areas.township_a.code]))
    assert PENDING not in page.content.decode()
    assert page.context["data"].total["poor_households"] == Household.objects.filter(
        village__parent=areas.township_a, status__in=("0", "3")
    ).count()


def test_the_workbook_of_a_map_never_computed_has_its_figures(county, areas, client_for, personas, queued_tasks):
    response = client_for(personas.county_viewer).get(reverse("dashboard:map_xlsx", args=[areas.county.code]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert MapSnapshot.objects.get(area=areas.county).data["total"]["poor_households"] == Household.objects.filter(
        status__in=("0", "3")
    ).count()


def test_seed_demo_stores_the_county_and_township_maps(client, queued_tasks):
    from povertyrelief.demo import seed_demo
    from povertyrelief.models import User

    logged = []
    demo = seed_demo(households=300, seed=5, log=logged.append)
    year = timezone.localdate().year
    stored = set(MapSnapshot.objects.filter(year=year).values_list("area__code", flat=True))
    assert stored == {demo.county.code} | {t.code for t in demo.townships}
    assert any(line.startswith(f"挂图作战：已统计 {year} 年全县及各乡镇挂图 12 个") for line in logged)
    client.force_login(User.objects.get(username="zhen01"), backend="django.contrib.auth.backends.ModelBackend")
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("home"))
    assert page.status_code == 200 and PENDING not in page.content.decode()
    assert figure_queries(captured.captured_queries) == [] and not queued_tasks.results
