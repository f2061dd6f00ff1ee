"""The village exit ledger (贫困村退出台账, ``village-exits``): the village
exit page's villages for a year, as Excel, PDF and ``export_ledger``, each
with its rate, checklist answers, stage and dates; scoped like the page."""

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from assessment import services
from assessment.models import VillageChecklistItem
from povertyrelief.models import PersonalDataAccess
from tests.assessment.test_printed import open_xlsx
from tests.assessment.test_village_exit import TODAY, YEAR, all_met, village  # noqa: F401 (fixture)
from tests.conftest import IDS, make_household
from tests.households.test_printing import pdf_text

pytestmark = pytest.mark.django_db


def rows_by_village(sheet) -> dict[str, dict]:
    header = [c.value for c in sheet[2]]
    return {row["行政村"]: row for row in (dict(zip(header, [c.value for c in r])) for r in sheet.iter_rows(min_row=3))}


@pytest.fixture
def announced(personas, village):
    """Village X proposed with the road noted, checked, publicised, announced."""
    results = all_met()
    road = VillageChecklistItem.objects.get(name="通硬化路")
    results[road.pk] = (True, "")
    record = services.village_exit_propose(
        actor=personas.township_a, village=village, year=YEAR, day=TODAY - timedelta(days=20), results=results
    )
    record = services.village_exit_review(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=18), approve=True)
    record = services.village_exit_publicity(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=15))
    return services.village_exit_announce(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=5))


def test_the_ledger_has_the_rate_checklist_stage_and_dates(client_for, personas, areas, announced):
    sheet = open_xlsx(client_for(personas.township_a).get(reverse("exports:village-exits") + f"?year={YEAR}"))
    assert sheet["A1"].value.startswith(f"秦川县城关镇 贫困村退出台账（{YEAR}年")
    header = [c.value for c in sheet[2]]
    items = list(VillageChecklistItem.objects.filter(active=True).values_list("name", flat=True))
    assert items and all(name in header for name in items)
    rows = rows_by_village(sheet)
    # Township A's villages only, each one a row, applied or not.
    assert set(rows) == {"张家沟村", "李家湾村"}
    x = rows["张家沟村"]
    assert x["乡镇"] == "城关镇" and x["区划代码"] == areas.village_x.code
    assert x["贫困发生率(%)"] == pytest.approx(0.08) and x["申请时贫困发生率(%)"] == pytest.approx(0.08)
    assert x["当前环节"] == "公告退出" and x["退出年度"] == YEAR
    assert x["通硬化路"] == "√" and x["通动力电"] == "√"
    assert x["乡镇申请"].date() == TODAY - timedelta(days=20) and x["县级核查"].date() == TODAY - timedelta(days=18)
    assert x["公示开始"].date() == TODAY - timedelta(days=15) and x["公告退出"].date() == TODAY - timedelta(days=5)
    y = rows["李家湾村"]
    assert y["当前环节"] == "未申请" and y["乡镇申请"] is None and y["通硬化路"] is None
    # Village figures, no personal data: no access record.
    assert not PersonalDataAccess.objects.exists()


def test_an_unmet_condition_shows_the_townships_note(client_for, personas, village):
    results = all_met()
    # Proposed with everything met, then the county returns it; the answers stay as given.
    record = services.village_exit_propose(actor=personas.township_a, village=village, year=YEAR, day=TODAY - timedelta(days=3), results=results)
    services.village_exit_review(actor=personas.county_admin, village_exit=record, day=TODAY - timedelta(days=2), approve=False, reason="集体经济收入凭证不全")
    power = VillageChecklistItem.objects.get(name="通动力电")
    record.results.filter(item=power).update(met=False, note="3 户未通")
    row = rows_by_village(open_xlsx(client_for(personas.county_admin).get(reverse("exports:village-exits"))))["张家沟村"]
    assert row["通动力电"] == "×（3 户未通）" and row["当前环节"] == "县级退回" and row["退回原因"] == "集体经济收入凭证不全"


def test_another_year_and_another_township_show_nothing_of_it(client_for, personas, areas, announced):
    last_year = rows_by_village(open_xlsx(client_for(personas.township_a).get(reverse("exports:village-exits") + f"?year={YEAR - 1}")))
    assert last_year["张家沟村"]["当前环节"] == "未申请" and last_year["张家沟村"]["乡镇申请"] is None
    outsider = rows_by_village(open_xlsx(client_for(personas.outsider).get(reverse("exports:village-exits"))))
    assert set(outsider) == {"王家坪村"}
    # Naming a village outside one's township is a 404, as on the page.
    url = reverse("exports:village-exits") + f"?village={areas.village_x.pk}"
    assert client_for(personas.outsider).get(url).status_code == 404
    filtered = rows_by_village(open_xlsx(client_for(personas.county_admin).get(url)))
    assert set(filtered) == {"张家沟村"}


def test_the_ledger_costs_the_same_queries_for_more_villages(client_for, personas, areas, announced, django_assert_max_num_queries):
    from tests.conftest import make_area

    client = client_for(personas.county_admin)
    with django_assert_max_num_queries(30) as few:
        open_xlsx(client.get(reverse("exports:village-exits")))
    for n in range(4):
        village = make_area(f"6104991012{n + 10:02d}", f"新村{n}", areas.township_a, rural_population=500)
        make_household(village, f"61049910120{n + 10:02d}001", f"赵{n}", IDS[3][:14] + f"{n:03d}X")
    with django_assert_max_num_queries(len(few.captured_queries)):
        sheet = open_xlsx(client.get(reverse("exports:village-exits")))
    assert len(rows_by_village(sheet)) == 7


def test_the_village_exit_page_links_the_ledger_with_its_filters(client_for, personas, areas, announced):
    page = client_for(personas.township_a).get(reverse("assessment:village_list") + f"?village={areas.village_x.pk}").content.decode()
    assert f'/exports/village-exits/?village={areas.village_x.pk}&amp;year={YEAR}' in page
    assert f'/exports/village-exits.pdf?village={areas.village_x.pk}&amp;year={YEAR}' in page


def test_the_ledger_as_pdf(client_for, personas, announced):
    response = client_for(personas.county_admin).get(reverse("exports:village-exits_pdf") + f"?year={YEAR}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content).replace(" ", "").replace("\n", "")
    assert f"贫困村退出台账（{YEAR}年）" in text and "张家沟村" in text and "公告退出" in text and "王家坪村" in text


def test_export_ledger_village_exits_writes_the_file(tmp_path, areas, announced):
    out = tmp_path / "village-exits.xlsx"
    stdout = io.StringIO()
    call_command("export_ledger", "village-exits", "--year", str(YEAR), "--area", areas.township_a.code, "--out", str(out), stdout=stdout)
    assert "已导出贫困村退出台账 2 行" in stdout.getvalue()
    rows = rows_by_village(openpyxl.load_workbook(out).active)
    assert rows["张家沟村"]["当前环节"] == "公告退出" and rows["张家沟村"]["申请时贫困发生率(%)"] == pytest.approx(0.08)
    assert Decimal(str(rows["张家沟村"]["退出上限(%)"])) > 0


def test_a_large_ledger_is_written_in_the_background_for_the_year_asked(
    client_for, personas, announced, settings, django_capture_on_commit_callbacks
):
    from povertyrelief.models import Job

    settings.EXPORT_SYNC_MAX_ROWS = 1
    client = client_for(personas.township_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("exports:village-exits"), {"year": str(YEAR - 1)})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.total == 2
    sheet = open_xlsx(client.get(reverse("job_download", args=[job.pk])))
    assert f"贫困村退出台账（{YEAR - 1}年" in sheet["A1"].value
    assert rows_by_village(sheet)["张家沟村"]["当前环节"] == "未申请"
