"""Every table of the map as a workbook sheet; the quality finder's ledger
in Excel and PDF, from the page and from ``export_ledger quality``."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard.models import AnnualTarget
from dashboard.selectors import area_map_compute
from povertyrelief.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_rows(sheet) -> dict:
    """First column → the row's cells by header (row 2)."""
    headers = [c.value for c in sheet[2]]
    return {row[0].value: dict(zip(headers, (c.value for c in row))) for row in sheet.iter_rows(min_row=3)}


def test_the_map_workbook_holds_every_table_with_the_maps_numbers(county, areas, client_for, personas, year):
    AnnualTarget.objects.create(township=areas.township_a, year=year, households=4, people=12)
    book = workbook(client_for(personas.county_viewer).get(reverse("dashboard:map_xlsx", args=[areas.county.code]) + f"?year={year}"))
    data = area_map_compute(actor=personas.county_viewer, area=areas.county, year=year)
    assert book.sheetnames[:2] == ["分区情况", "年度目标"] and book.sheetnames[-1] == "数据质量"
    assert {b.title[:31] for b in data.breakdowns} <= set(book.sheetnames)
    by_area = book["分区情况"]
    assert by_area["A1"].value.startswith(f"秦川县 {year}年 分乡镇情况")
    rows = sheet_rows(by_area)
    for figure in ("poor_households", "poor_people", "no_cadre", "cards_todo"):
        label = next(f.label for f in data.figures if f.key == figure)
        assert rows["城关镇"][label] == data.rows[0].values[figure]
        assert rows["合计"][label] == data.total[figure]
    targets = sheet_rows(book["年度目标"])
    assert targets["城关镇"]["目标户数"] == 4 and targets["城关镇"]["已脱贫户数"] == 2
    assert targets["城关镇"]["户数完成率(%)"] == 50


def test_the_quality_ledger_lists_the_areas_records_with_their_pages(county, areas, client_for, personas):
    client = client_for(personas.township_a)
    response = client.get(reverse("exports:quality") + f"?area={areas.township_a.code}&rule=no_current_cadre")
    sheet = workbook(response).active
    assert [c.value for c in sheet[2]] == ["问题", "乡镇", "村", "记录", "具体情况", "处理页面"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert rows and {row[1] for row in rows} == {"城关镇"}
    assert {row[0] for row in rows} == {"未脱贫户没有在帮的帮扶责任人"}
    assert f"/households/{county.x_returned.pk}/" in {row[5] for row in rows}
    assert PersonalDataAccess.objects.filter(user=personas.township_a, kind="export", what="数据质量问题清单").exists()


def test_the_quality_ledger_of_another_township_is_404(county, areas, client_for, personas):
    client = client_for(personas.township_a)
    assert client.get(reverse("exports:quality") + f"?area={areas.township_b.code}").status_code == 404
    assert client.get(reverse("exports:quality_pdf") + f"?area={areas.township_b.code}").status_code == 404


def test_the_quality_ledger_prints_as_a_pdf(county, areas, client_for, personas):
    response = client_for(personas.county_admin).get(reverse("exports:quality_pdf") + "?rule=no_current_cadre")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_export_ledger_quality_writes_every_rules_records(county, areas, tmp_path):
    out = tmp_path / "quality.xlsx"
    stdout = io.StringIO()
    call_command("export_ledger", "quality", "--area", areas.township_b.code, "--out", str(out), stdout=stdout)
    sheet = openpyxl.load_workbook(out).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert rows and {row[1] for row in rows} == {"清河镇"}
    assert "已导出数据质量问题清单" in stdout.getvalue()
