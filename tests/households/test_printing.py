"""明白卡 content, the locked-down PDF renderer and PDF ledgers.

Every PDF is read back with pypdf, so the tests see what a printed paper
says, not what a template meant to say.
"""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from households import rendering
from households.selectors import printing
from households.models import (
    AnnualStandard,
    Assignment,
    Cadre,
    Household,
    Income,
    Measure,
    MeasureCategory,
    Member,
    Monitoring,
)
from households.rules import birth_from_id
from povertyrelief import pdf
from tests.conftest import make_household

FULL_ID = re.compile(r"\d{17}[\dX]")
THIS_YEAR = date.today().year


def id_with_check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


MEMBERS = [
    ("张堃", "户主", "19650512", "健康", ""),
    ("李喆", "配偶", "19680315", "长期慢性病", ""),
    ("张燊", "之子", "19901123", "残疾", "二级"),
    ("刘芳", "之儿媳", "19920202", "健康", ""),
    ("张小明", "之孙子", "20150607", "健康", ""),
    ("张小红", "之孙女", "20180808", "健康", ""),
    ("张德福", "之父", "19400101", "患有大病", ""),
    ("王秀英", "之母", "19420303", "健康", ""),
]


def full_household(village, number: str, *, members: int = 8, measures: int = 10, year: int = THIS_YEAR, serial: int = 1):
    """A household as a card must hold it: up to 8 members, 10 measures of
    the year, an income calculation, a cadre."""
    ids = [id_with_check(f"610499{born}{serial % 100:02d}{i}") for i, (_, _, born, _, _) in enumerate(MEMBERS)]
    head_name = MEMBERS[0][0] if serial == 1 else f"张{serial}堃"
    household = make_household(
        village, number, head_name, ids[0], group="三组", address="张家沟三组18号", phone="13700000000",
        main_cause="因病", other_cause_1="缺技术", planned_exit_year=year, has_electricity=True, road_to_home=True,
        bank_account="6228480000000000000",
    )
    for index, (name, relation, _, health, grade) in enumerate(MEMBERS[1:members], start=1):
        birth, sex = birth_from_id(ids[index])
        Member.objects.create(
            household=household, name=name, id_number=ids[index], relation=relation, birth_date=birth, sex=sex,
            health=health, disability_grade=grade, labour_skill="普通劳动力", medical_insurance=True,
            serious_illness_insurance=True, school_status="小学" if relation in ("之孙子", "之孙女") else "",
        )
    Household.objects.filter(pk=household.pk).update(member_count=members)
    categories = list(MeasureCategory.objects.order_by("sort_order")[:measures])
    for index, category in enumerate(categories):
        Measure.objects.create(
            household=household, year=year, category=category, content=f"第{index + 1}项帮扶：落实到户并签字确认",
            amount=Decimal("1000.00") + index, status="planned",
        )
    cadre = Cadre.objects.create(
        name="孙帮扶", unit="县农业农村局", unit_level="县直", position="副局长", phone="13912345678", area=village.parent
    )
    Assignment.objects.create(household=household, cadre=cadre, start_date=date(year - 1, 1, 1))
    income = Income(
        household=household, year=year, wage_migrant_work=Decimal("30000"), prod_grain=Decimal("5000"),
        trans_dibao=Decimal("4000"), household_size=members,
    )
    income.compute(AnnualStandard.objects.filter(year=year).first())
    income.save()
    household.refresh_from_db()
    return household


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def page_count(content: bytes) -> int:
    return len(PdfReader(BytesIO(content)).pages)


def font_names(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def card_pdf(household, year=THIS_YEAR) -> bytes:
    households = printing.card_households(Household.objects.filter(pk=household.pk), year=year)
    return pdf.html_to_pdf(rendering.cards_html(printing.cards_build(households, year=year)))


# --- The renderer's URL fetcher -------------------------------------------------


def test_the_fetcher_serves_the_print_stylesheet_and_the_bundled_fonts():
    fetcher = pdf.StaticOnlyURLFetcher()
    css = fetcher.fetch("https://pdf.invalid/static/css/print.css")
    assert b"@font-face" in css.read() and css.content_type == "text/css"
    font = fetcher.fetch("https://pdf.invalid/static/fonts/NotoSansSC-Regular.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"  # TrueType outlines


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/style.css",
        "https://example.com/static/css/print.css",
        "http://pdf.invalid/static/css/print.css",
        "ftp://example.com/font.otf",
        "https://pdf.invalid/media-not-public/attachments/x.pdf",
        "https://pdf.invalid/static/../povertyrelief/settings.py",
        "https://pdf.invalid/static/%2e%2e/povertyrelief/settings.py",
        "https://pdf.invalid/static/css/missing.css",
    ],
)
def test_the_fetcher_refuses_anything_but_bundled_static_files(url):
    with pytest.raises(pdf.PdfResourceRefused):
        pdf.StaticOnlyURLFetcher().fetch(url)


def test_a_paper_asking_for_a_local_file_or_the_network_is_not_rendered():
    for src in ("file:///etc/hostname", "http://127.0.0.1:9/x.png"):
        html = f'<html><body><p>张堃</p><img src="{src}"></body></html>'
        with pytest.raises(FatalURLFetchingError):
            pdf.html_to_pdf(html)


def test_data_uris_are_allowed():
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    content = pdf.html_to_pdf(f'<html><body><img src="data:image/png;base64,{pixel}"></body></html>')
    assert content.startswith(b"%PDF")


def test_rare_name_characters_print_in_the_bundled_font_with_a_bold_face():
    content = pdf.render_ledger_pdf("贫困户花名册", "张家沟村", ["户主", "人口"], [["张堃", 3], ["李喆", 2], ["王燊", 4]])
    text = pdf_text(content)
    assert "张堃" in text and "李喆" in text and "王燊" in text
    fonts = font_names(content)
    # Only the bundled faces are embedded (no system fallback that lacks 堃).
    assert fonts and all("PR-Sans-SC" in name for name in fonts)
    assert any("Bold" in name for name in fonts)


def test_both_faces_are_embedded_as_truetype_so_every_pdf_reader_shows_them():
    """The subset of a CFF (.otf) face printed blank in MuPDF-based readers
    (SumatraPDF, common on office PCs) though PDFium showed it: every embedded
    face is TrueType (FontFile2), none CFF (FontFile3)."""
    content = pdf.render_ledger_pdf("贫困户花名册", "张家沟村", ["户主", "人口"], [["张堃", 3]])
    files = set()
    for page in PdfReader(BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object()["/DescendantFonts"]:
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                files |= {key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor}
    assert files == {"/FontFile2"}


# --- 明白卡 content ------------------------------------------------------------------


@pytest.fixture
def family(areas, work_teams):
    return full_household(areas.village_x, "6104991012010009")


@pytest.mark.parametrize(
    "address, printed",
    [
        ("张家沟村三组18号", "秦川县城关镇张家沟村三组18号"),  # the village once, not twice
        ("三组18号", "秦川县城关镇张家沟村三组18号"),
        ("张家沟三组18号", "秦川县城关镇张家沟村三组 张家沟三组18号"),
        ("", "秦川县城关镇张家沟村三组"),
    ],
)
def test_the_cards_address_names_the_village_once(family, work_teams, address, printed):
    Household.objects.filter(pk=family.pk).update(group="三组", address=address)
    text = pdf_text(card_pdf(Household.objects.get(pk=family.pk)))
    assert printed in text and "张家沟村三组 张家沟村" not in text


def test_a_card_prints_what_the_household_must_know(family, work_teams):
    text = pdf_text(card_pdf(family))
    assert f"{THIS_YEAR}年精准扶贫明白卡" in text
    assert "秦川县城关镇张家沟村" in text and "6104991012010009" in text
    for name, relation, *_ in MEMBERS:
        assert name in text
    assert "户主" in text and "残疾（二级）" in text and "普通劳动力" in text and "小学" in text
    assert "一般贫困户" in text and "2016年" in text and "主要：因病" in text and "缺技术" in text
    assert "两不愁三保障" in text
    assert "义务教育有保障 √" in text and "基本医疗有保障 √" in text
    assert "住房安全有保障 √" in text and "饮水安全有保障 √" in text
    # 帮扶责任人, 第一书记 and the work-team leader, each with unit and phone.
    assert "孙帮扶" in text and "县农业农村局" in text and "13912345678" in text
    assert "钱书记" in text and "13800000002" in text and "赵队长" in text and "13800000001" in text and "县财政局" in text
    # This year's measures with amounts and their total.
    assert "第10项帮扶" in text and "1009.00" in text and "10045.00" in text
    # Income against the line: 37000 ÷ 8 = 4625.00.
    standard = AnnualStandard.objects.get(year=THIS_YEAR, province="陕西省")
    assert "4625.00" in text and f"{standard.poverty_line:.2f}" in text
    assert f"计划脱贫年度：{THIS_YEAR}年" in text
    assert "12317" in text
    assert "户主（签字）" in text and "帮扶责任人（签字）" in text and "村委会（盖章）" in text


def test_a_card_masks_every_id_number_and_leaves_out_bank_and_household_phone(family):
    text = pdf_text(card_pdf(family))
    assert not FULL_ID.search(text.replace(" ", ""))
    head_id = family.members.get(relation="户主").id_number
    assert f"{head_id[:6]}********{head_id[-4:]}" in text
    assert "6228480000000000000" not in text and "13700000000" not in text


def test_eight_members_and_ten_measures_fit_one_a4_page(family):
    content = card_pdf(family)
    assert page_count(content) == 1
    page = PdfReader(BytesIO(content)).pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    # The signature block is on that page, not pushed off it.
    assert "村委会（盖章）" in page.extract_text()


def test_a_household_just_below_the_tight_layout_keeps_the_larger_type_on_one_page(areas, work_teams):
    household = full_household(areas.village_x, "6104991012010010", members=6, measures=7)
    card = printing.cards_build(printing.card_households(Household.objects.filter(pk=household.pk), year=THIS_YEAR), year=THIS_YEAR)[0]
    assert not card.dense
    assert page_count(pdf.html_to_pdf(rendering.cards_html([card]))) == 1


def test_long_measure_contents_still_fit_one_page(family):
    Measure.objects.filter(household=family).update(
        content="为该户申请产业发展扶持资金，购买优质仔猪十头并配套建设标准化圈舍，由帮扶责任人联系县畜牧站技术人员定期上门指导防疫与饲养管理"
    )
    assert page_count(card_pdf(family)) == 1


def test_a_card_for_another_year_prints_that_years_measures(family):
    category = MeasureCategory.objects.first()
    Measure.objects.create(household=family, year=THIS_YEAR - 1, category=category, content="去年的危房改造补助", amount=Decimal("8000"))
    text = pdf_text(card_pdf(family, year=THIS_YEAR - 1))
    assert f"{THIS_YEAR - 1}年精准扶贫明白卡" in text and "去年的危房改造补助" in text and "第1项帮扶" not in text
    assert "本年度尚未进行收入测算" in text


def test_a_card_shows_the_exit_year_or_the_monitoring_status(areas, households):
    Household.objects.filter(pk=households.x.pk).update(status="1", exit_year=2019)
    Monitoring.objects.create(
        household=households.x, object_type="脱贫不稳定户", risk_description="因病支出大", risk_identified_date=date(2024, 3, 1)
    )
    text = pdf_text(card_pdf(households.x))
    assert "已脱贫(享受政策)，脱贫年度：2019年" in text
    assert "防返贫监测对象（脱贫不稳定户，2024-03-01 识别，风险未消除）" in text
    assert "尚未结对帮扶责任人" in text and "本年度尚未安排帮扶措施" in text


def test_a_failed_guarantee_is_crossed_with_its_reason(areas, households):
    Member.objects.filter(household=households.x).update(serious_illness_insurance=False)
    Household.objects.filter(pk=households.x.pk).update(housing_safety="D级危房")
    text = pdf_text(card_pdf(households.x))
    assert "基本医疗有保障 ×" in text and "未参加基本医保或大病保险：张建国" in text
    assert "住房安全有保障 ×" in text and "住房：D级危房" in text


def test_card_data_cost_the_same_queries_for_one_or_many_households(areas, work_teams, django_assert_num_queries):
    one = full_household(areas.village_x, "6104991012010101", serial=1)
    for serial in range(2, 7):
        full_household(areas.village_y, f"61049910120200{serial:02d}", serial=serial)

    def build(queryset):
        return printing.cards_build(printing.card_households(queryset, year=THIS_YEAR), year=THIS_YEAR)

    # households, members, assignments(+cadre), measures(+category, member),
    # incomes, monitorings, work teams, standard
    with django_assert_num_queries(8):
        single = build(Household.objects.filter(pk=one.pk))
    with django_assert_num_queries(8):
        many = build(Household.objects.all())
    assert len(single) == 1 and len(many) == 6
    assert all(len(card.members) == 8 and len(card.measures) == 10 for card in many)


def test_card_get_is_scoped_to_the_actor(personas, households):
    from django.http import Http404

    assert printing.card_get(actor=personas.village_x, pk=households.x.pk, year=THIS_YEAR).head_name == "张建国"
    for other in (households.y, households.z):
        with pytest.raises(Http404):
            printing.card_get(actor=personas.village_x, pk=other.pk, year=THIS_YEAR)


def test_batch_cards_are_merged_one_page_per_household_in_chunks(areas, households):
    for serial in range(2, 6):
        make_household(areas.village_x, f"61049910120100{serial:02d}", f"户主{serial}", id_with_check(f"61049919700101{serial:02d}1"))
    reports = []
    content, ids = rendering.cards_pdf(
        Household.objects.filter(village=areas.village_x).order_by("number"), year=THIS_YEAR,
        progress=lambda done, total: reports.append((done, total)), chunk_size=2,
    )
    assert page_count(content) == 5 == len(ids)
    assert reports == [(0, 5), (2, 5), (4, 5), (5, 5)]
    pages = [page.extract_text() for page in PdfReader(BytesIO(content)).pages]
    assert "张建国" in pages[0] and "户主5" in pages[4]


# --- PDF ledgers ---------------------------------------------------------------------


def test_a_ledger_names_area_and_date_repeats_its_header_numbers_pages_and_ends_with_signatures():
    rows = [[f"61049910120100{i:02d}", f"户主{i}", 3, Decimal("4500.50")] for i in range(1, 121)]
    content = pdf.render_ledger_pdf("贫困户花名册", "秦川县城关镇张家沟村", ["户编号", "户主姓名", "家庭人口", "人均纯收入"], rows)
    reader = PdfReader(BytesIO(content))
    total = len(reader.pages)
    assert total >= 2
    today = date.today()
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "户主姓名" in text and "人均纯收入" in text  # header on every page
        assert f"第 {number} 页 / 共 {total} 页" in text
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert "秦川县城关镇张家沟村贫困户花名册" in first and f"{today.year}年{today.month}月{today.day}日" in first
    assert "4500.50" in first and "户主120" in last
    for label in ("制表人", "审核人", "单位盖章", "日期"):
        assert label in last


def test_wide_ledgers_are_printed_landscape():
    columns = [f"列{i}" for i in range(12)]
    content = pdf.render_ledger_pdf("家庭成员明细", "张家沟村", columns, [[str(i)] * 12 for i in range(3)])
    page = PdfReader(BytesIO(content)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)
    narrow = pdf.render_ledger_pdf("花名册", "张家沟村", ["户主", "人口"], [["张堃", 1]])
    page = PdfReader(BytesIO(narrow)).pages[0]
    assert float(page.mediabox.width) < float(page.mediabox.height)


def test_an_empty_ledger_still_carries_its_signature_block():
    text = pdf_text(pdf.render_ledger_pdf("监测对象台账", "张家沟村", ["户主"], []))
    assert "无符合条件的记录" in text and "制表人" in text and "单位盖章" in text
