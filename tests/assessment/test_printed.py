"""What the exit procedure prints and shows elsewhere: the household page's
checklist, the 明白卡's 不愁吃/不愁穿 boxes and ticks from the verification,
the exit ledger (Excel, PDF, ``export_ledger exits``) and the 拟退出 公示."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from households.models import Household
from households.rendering import cards_html
from households.selectors.printing import card_households, cards_build
from povertyrelief import pdf
from tests.assessment.conftest import YEAR, add_income, day, walk
from tests.households.test_printing import pdf_text

pytestmark = pytest.mark.django_db


def card_text(household, year=YEAR) -> str:
    cards = cards_build(card_households(Household.objects.filter(pk=household.pk), year=year), year=year)
    return pdf_text(pdf.html_to_pdf(cards_html(cards)))


def test_the_household_page_shows_seven_criteria_and_the_review(client_for, personas, ready):
    client = client_for(personas.village_x)
    page = client.get(ready.get_absolute_url()).content.decode()
    assert page.count('data-criterion="') == 7 and "“两不愁”待入户核实" in page
    review = walk(personas, ready, to="verified")
    page = client.get(ready.get_absolute_url()).content.decode()
    assert f"{day(1):%Y-%m-%d} 入户核实时保存" in page and review.get_absolute_url() in page
    assert "入户核实确认不愁吃" in page


def test_the_card_leaves_food_and_clothing_blank_until_the_home_visit(ready):
    text = card_text(ready)
    assert "不愁吃 □" in text and "不愁穿 □" in text and "“两不愁”由入户核实后勾选" in text


def test_the_card_prints_the_ticks_saved_at_the_verification(personas, ready):
    walk(personas, ready, to="verified")
    # Later changes to the record do not rewrite the evidence printed for the year.
    Household.objects.filter(pk=ready.pk).update(safe_drinking_water=False)
    text = card_text(ready)
    assert "不愁吃 √" in text and "不愁穿 √" in text and "饮水安全有保障 √" in text
    assert f"{day(1).year}年{day(1).month}月{day(1).day}日入户核实（{YEAR}年退出评议）" in text


def open_xlsx(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content)).active


def test_the_exit_ledger_has_criteria_and_stage_dates(client_for, personas, areas, ready):
    walk(personas, ready)
    sheet = open_xlsx(client_for(personas.township_a).get(reverse("exports:exits")))
    header = [c.value for c in sheet[2]]
    row = dict(zip(header, [c.value for c in sheet[3]]))
    assert row["户主姓名"] == "张建国" and row["退出年度"] == YEAR and row["当前环节"] == "公告销号"
    assert all(row[h] == "√" for h in ("不愁吃", "不愁穿", "义务教育有保障", "基本医疗有保障", "住房安全有保障", "饮水安全有保障"))
    assert "高于当年扶贫标准" in row["收入测算"]
    assert row["民主评议"].date() == day(0) and row["公示结束"].date() == day(9) and row["公告销号"].date() == day(12)
    assert row["同意票"] == 31
    # Outside the township: nothing.
    assert open_xlsx(client_for(personas.outsider).get(reverse("exports:exits"))).max_row <= 2


def test_the_exit_ledger_as_pdf(client_for, personas, ready):
    walk(personas, ready, to="publicity")
    response = client_for(personas.county_admin).get(reverse("exports:exits_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content).replace(" ", "").replace("\n", "")  # narrow columns wrap
    assert "贫困户退出台账" in text and "张建国" in text and "村内公示中" in text


def test_export_ledger_exits_writes_the_file(tmp_path, personas, ready):
    walk(personas, ready, to="consented")
    out = tmp_path / "exits.xlsx"
    stdout = io.StringIO()
    call_command("export_ledger", "exits", "--year", str(YEAR), "--out", str(out), stdout=stdout)
    sheet = openpyxl.load_workbook(out).active
    assert "已导出贫困户退出台账 1 行" in stdout.getvalue()
    assert [c.value for c in sheet[3]][4] == "张建国"
    call_command("export_ledger", "exits", "--year", str(YEAR - 3), "--out", str(out), stdout=io.StringIO())
    assert openpyxl.load_workbook(out).active.max_row <= 2


def test_the_exit_notice_lists_only_households_at_publicity(client_for, personas, areas, ready):
    from tests.conftest import IDS, make_household

    waiting = make_household(areas.village_x, "6104991012010140", "张等待", IDS[3])
    add_income(waiting, "9000.00")
    walk(personas, ready, to="publicity")
    walk(personas, waiting, to="consented")
    url = reverse("households:publicity_pdf", args=["exit"]) + f"?village={areas.village_x.pk}&start={date.today().isoformat()}"
    response = client_for(personas.village_x).get(url)
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    text = text.replace(" ", "").replace("\n", "")
    assert "张建国" in text and "张等待" not in text
    assert "户主认可" in text and "以下1户" in text
