"""Excel ledgers: what a user opening the file sees, and who may get which rows."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from households.models import (
    AnnualStandard,
    Assignment,
    Cadre,
    Income,
    Measure,
    MeasureCategory,
    Member,
    Monitoring,
)
from povertyrelief.exports import chinese_date, exporters
from povertyrelief.models import Job, PersonalDataAccess
from tests.conftest import IDS, make_household

LEDGERS = ["households", "members", "assignments", "measures", "incomes", "monitoring"]
TODAY = lambda: chinese_date(timezone.localdate())  # noqa: E731


def open_xlsx(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content)).active, content


def header(ws):
    return [c.value for c in ws[2]]


def data_rows(ws):
    return [row for row in ws.iter_rows(min_row=3)]


def column(ws, name):
    return header(ws).index(name)


def by_header(ws, row):
    return dict(zip(header(ws), row))


@pytest.fixture
def ledger_data(areas, households):
    """Something in every ledger for household X (village X) and Z (township B)."""
    AnnualStandard.objects.update_or_create(
        year=2024, province="陕西省", defaults={"poverty_line": Decimal("4800.00"), "monitoring_line": Decimal("7000.00")}
    )
    x, z = households.x, households.z
    x.declared_income_per_capita = Decimal("99999999999.99")
    x.relocated, x.relocation_date = True, date(2019, 5, 1)
    x.bank_account = "6217001234567890123"
    x.phone = "13800001234"
    x.save()
    Member.objects.create(
        household=x, name="张小明", id_number=IDS[3], relation="之子", sex="男", birth_date=date(2010, 6, 7),
        school_status="初中", medical_insurance=True, serious_illness_insurance=True,
    )
    cadre = Cadre.objects.create(name="赵干部", unit="县财政局", unit_level="县直", phone="13900000000", area=areas.county)
    for household in (x, z):
        Assignment.objects.create(household=household, cadre=cadre, start_date=date(2023, 3, 1))
        income = Income(household=household, year=2024, wage_migrant_work=Decimal("12000.00"), prod_grain=Decimal("3000.50"), household_size=2)
        income.compute(AnnualStandard.objects.get(year=2024, province="陕西省"))
        income.save()
        Measure.objects.create(
            household=household, year=2024, category=MeasureCategory.objects.first(), content="发放仔猪 10 头",
            amount=Decimal("1234.56"), planned_date=date(2024, 3, 1), done_date=date(2024, 4, 2), status="done",
        )
        Monitoring.objects.create(
            household=household, object_type="边缘易致贫户", risk_description="因病支出大", risk_identified_date=date(2024, 2, 1)
        )
    return households


# --- The workbook itself ------------------------------------------------------


@pytest.mark.parametrize("identifier", LEDGERS)
def test_every_ledger_has_a_title_a_frozen_header_and_its_rows(client_for, personas, ledger_data, identifier):
    exporter = exporters()[identifier]
    ws, _ = open_xlsx(client_for(personas.township_a).get(reverse(f"exports:{identifier}")))
    assert ws["A1"].value == f"秦川县城关镇 {exporter.title}（{TODAY()}）"
    assert ws.freeze_panes == "A3"
    assert header(ws) == [c.header for c in exporter.columns]
    rows = data_rows(ws)
    assert rows, "township A has data in every ledger"
    township = column(ws, "乡镇")
    assert {row[township].value for row in rows} == {"城关镇"}
    assert ws.column_dimensions["A"].width > 5


def test_the_roster_writes_ids_as_text_money_as_exact_numbers_and_dates_as_dates(client_for, personas, ledger_data):
    ws, content = open_xlsx(client_for(personas.township_a).get(reverse("exports:households")))
    row = next(by_header(ws, r) for r in data_rows(ws) if r[column(ws, "户编号")].value == "6104991012010001")
    head_id = row["户主证件号码"]
    assert head_id.data_type == "s" and head_id.value == IDS[0] and len(head_id.value) == 18
    assert row["户编号"].data_type == "s"
    assert row["联系电话"].data_type == "s" and row["联系电话"].value == "13800001234"
    assert row["银行账号"].value == "6217001234567890123"
    money = row["人均纯收入(元)"]
    assert money.data_type == "n" and money.number_format == "#,##0.00"
    assert Decimal(str(money.value)) == Decimal("99999999999.99")
    assert row["搬迁入住日期"].is_date and row["搬迁入住日期"].value == datetime(2019, 5, 1)
    assert row["识别年度"].value == 2016 and row["识别年度"].data_type == "n"
    assert row["脱贫状态"].value == "未脱贫"
    assert row["易地扶贫搬迁"].value == "是"
    # Written with its exact digits: no float round trip in the file.
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>99999999999.99</v>" in sheet_xml


def test_text_that_looks_like_a_formula_stays_text(client_for, personas, areas):
    risky = ['=HYPERLINK("http://x.cn","点")', "+86 138", "-2+3", "@SUM(A1:A9)", "\tcmd", "\r=1+1"]
    for number, text in enumerate(risky, start=1):
        make_household(areas.village_x, f"61049910120100{number:02d}", text, _valid_id(number), address=text)
    ws, content = open_xlsx(client_for(personas.village_x).get(reverse("exports:households")))
    names = [r[column(ws, "户主姓名")] for r in data_rows(ws)]
    addresses = [r[column(ws, "住址")] for r in data_rows(ws)]
    # A carriage return is stored as Excel's "_x000D_" escape, which Excel
    # reads back as "\r" (openpyxl leaves it as is).
    assert sorted(c.value.replace("_x000D_", "\r") for c in names) == sorted(risky)
    for cell in names + addresses:
        assert cell.data_type == "s", cell.value
        assert cell.quotePrefix, cell.value
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()


def _valid_id(seed: int) -> str:
    from povertyrelief.validators import id_check_char

    body = f"61049919800101{seed:03d}0"[:17]
    return body + id_check_char(body)


def test_the_member_ledger_has_the_import_templates_columns_in_order(client_for, personas, ledger_data):
    ws, _ = open_xlsx(client_for(personas.village_x).get(reverse("exports:members")))
    assert header(ws) == [
        "县", "乡镇", "行政村", "村民小组", "户编号", "姓名", "证件号码", "与户主关系", "性别", "民族", "文化程度",
        "在校生状况", "健康状况", "残疾等级", "劳动技能", "务工状况", "务工时间(月)", "参加城乡居民基本医疗保险",
        "参加大病保险", "参加城乡居民基本养老保险", "贫困户属性", "主要致贫原因", "识别年度", "脱贫年度", "联系电话",
        "住房安全", "饮水安全", "人均纯收入(元)",
    ]
    rows = [by_header(ws, r) for r in data_rows(ws)]
    assert [r["姓名"].value for r in rows] == ["张建国", "张小明"]  # 户主 first
    assert [r["证件号码"].value for r in rows] == [IDS[0], IDS[3]]
    assert all(r["证件号码"].data_type == "s" for r in rows)
    assert rows[0]["县"].value == "秦川县" and rows[0]["参加城乡居民基本医疗保险"].value == "是"


def test_members_who_left_are_not_in_the_member_ledger(client_for, personas, ledger_data):
    Member.objects.filter(name="张小明").update(left_date=date(2024, 1, 1), left_reason="迁出")
    ws, _ = open_xlsx(client_for(personas.village_x).get(reverse("exports:members")))
    assert [r[column(ws, "姓名")].value for r in data_rows(ws)] == ["张建国"]


def test_a_county_viewer_gets_ids_and_bank_accounts_masked(client_for, personas, ledger_data):
    client = client_for(personas.county_viewer)
    ws, _ = open_xlsx(client.get(reverse("exports:members")))
    ids = {r[column(ws, "证件号码")].value for r in data_rows(ws)}
    assert IDS[0] not in ids and "610499********0011" in ids
    ws, _ = open_xlsx(client.get(reverse("exports:households")))
    row = next(by_header(ws, r) for r in data_rows(ws) if r[column(ws, "户编号")].value == "6104991012010001")
    assert row["银行账号"].value == "621700*********0123"
    assert row["户主证件号码"].value == "610499********0011"


def test_the_income_ledger_itemises_and_compares_with_the_years_lines(client_for, personas, ledger_data):
    ws, _ = open_xlsx(client_for(personas.village_x).get(reverse("exports:incomes")))
    (row,) = [by_header(ws, r) for r in data_rows(ws)]
    assert row["务工收入"].value == 12000 and row["工资性收入合计"].value == 12000
    assert Decimal(str(row["种植业-粮食"].value)) == Decimal("3000.50")
    assert row["人均纯收入"].number_format == "#,##0.00"
    income = Income.objects.get(household=ledger_data.x)
    assert Decimal(str(row["人均纯收入"].value)) == income.net_income_per_capita
    assert row["扶贫标准(元)"].value == 4800 and row["监测标准(元)"].value == 7000
    assert row["高于扶贫标准"].value == ("是" if income.net_income_per_capita > 4800 else "否")
    assert Decimal(str(row["与扶贫标准差额(元)"].value)) == income.net_income_per_capita - Decimal("4800.00")


def test_the_assignment_measure_and_monitoring_ledgers_show_what_their_pages_show(client_for, personas, ledger_data):
    client = client_for(personas.village_x)
    ws, _ = open_xlsx(client.get(reverse("exports:assignments")))
    (row,) = [by_header(ws, r) for r in data_rows(ws)]
    assert (row["帮扶责任人"].value, row["结对状态"].value) == ("赵干部", "在帮")
    assert row["结对日期"].value == datetime(2023, 3, 1)
    ws, _ = open_xlsx(client.get(reverse("exports:measures")))
    (row,) = [by_header(ws, r) for r in data_rows(ws)]
    assert row["状态"].value == "已落实" and row["金额(元)"].value == 1234.56 and row["落实日期"].is_date
    ws, _ = open_xlsx(client.get(reverse("exports:monitoring")))
    (row,) = [by_header(ws, r) for r in data_rows(ws)]
    assert row["监测对象类型"].value == "边缘易致贫户" and row["风险已消除"].value == "否"


# --- Scope and filters --------------------------------------------------------


@pytest.mark.parametrize("identifier", LEDGERS)
def test_a_township_export_holds_only_its_townships_rows(client_for, personas, ledger_data, identifier):
    ws, _ = open_xlsx(client_for(personas.outsider).get(reverse(f"exports:{identifier}")))
    rows = data_rows(ws)
    assert rows and {r[column(ws, "乡镇")].value for r in rows} == {"清河镇"}
    assert ws["A1"].value.startswith("秦川县清河镇 ")


def test_an_area_filter_outside_the_users_reach_is_a_404(client_for, personas, areas, ledger_data):
    client = client_for(personas.township_a)
    for identifier in LEDGERS:
        assert client.get(reverse(f"exports:{identifier}"), {"township": areas.township_b.pk}).status_code == 404
        assert client.get(reverse(f"exports:{identifier}"), {"village": areas.village_z.pk}).status_code == 404
    village_client = client_for(personas.village_x)
    assert village_client.get(reverse("exports:households"), {"village": areas.village_y.pk}).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_the_export_applies_the_lists_filters_to_all_pages(client_for, personas, areas, ledger_data):
    ledger_data.y.status, ledger_data.y.exit_year = "1", 2019
    ledger_data.y.save()
    client = client_for(personas.township_a)
    ws, _ = open_xlsx(client.get(reverse("exports:households"), {"status": "0", "page": "3"}))
    assert [r[column(ws, "户主姓名")].value for r in data_rows(ws)] == ["张建国"]
    ws, _ = open_xlsx(client.get(reverse("exports:households"), {"village": areas.village_y.pk}))
    assert [r[column(ws, "户主姓名")].value for r in data_rows(ws)] == ["李秀英"]
    ws, _ = open_xlsx(client.get(reverse("exports:members"), {"q": "李秀英"}))
    assert [r[column(ws, "姓名")].value for r in data_rows(ws)] == ["李秀英"]
    ws, _ = open_xlsx(client.get(reverse("exports:measures"), {"year": "2023"}))
    assert data_rows(ws) == []


def test_an_auditor_may_not_export(client_for, personas, ledger_data):
    client = client_for(personas.auditor)
    assert client.get(reverse("exports:members")).status_code == 403
    assert client.get(reverse("exports:index")).status_code == 403


def test_an_unknown_ledger_is_a_404(client_for, personas):
    assert client_for(personas.township_a).get("/exports/salaries/").status_code == 404


# --- Logging, large exports, queries ------------------------------------------


def test_each_export_of_personal_data_is_logged(client_for, personas, ledger_data):
    client_for(personas.township_a).get(reverse("exports:members"), {"status": "0"})
    (record,) = PersonalDataAccess.objects.all()
    assert (record.user, record.kind, record.what, record.rows) == (personas.township_a, "export", "家庭成员明细", 3)
    assert record.filters == "status=0" and record.ip_address == "127.0.0.1"


def test_a_large_export_runs_as_a_job_the_requester_can_download(
    client_for, personas, ledger_data, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client = client_for(personas.township_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("exports:households"), {"status": "0"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.total == 2 and job.progress == 2
    assert job.result_name.startswith("贫困户花名册_城关镇_") and job.result_name.endswith(".xlsx")
    page = client.get(response["Location"]).content.decode()
    assert "已转入后台导出" in page and "下载" in page
    ws, _ = open_xlsx(client.get(reverse("job_download", args=[job.pk])))
    assert sorted(r[column(ws, "户主姓名")].value for r in data_rows(ws)) == ["张建国", "李秀英"]
    # The export and the download of its file are both logged.
    assert PersonalDataAccess.objects.get(kind="export").rows == 2
    assert PersonalDataAccess.objects.get(kind="download").rows == 2
    # Another township can neither see nor download it.
    assert client_for(personas.outsider).get(reverse("job_download", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("identifier", LEDGERS)
def test_an_export_runs_the_same_few_queries_whatever_the_rows(
    client_for, personas, areas, ledger_data, identifier, django_assert_max_num_queries
):
    cadre = Cadre.objects.get()
    category = MeasureCategory.objects.first()
    standard = AnnualStandard.objects.get(year=2024)
    for number in range(2, 14):
        household = make_household(areas.village_x, f"61049910120100{number:02d}", f"户主{number}", _valid_id(number))
        Assignment.objects.create(household=household, cadre=cadre, start_date=date(2023, 1, 1))
        income = Income(household=household, year=2024, household_size=1, trans_dibao=Decimal("5000.00"))
        income.compute(standard)
        income.save()
        Measure.objects.create(household=household, year=2024, category=category, content="务工补贴", amount=Decimal("500.00"))
        Monitoring.objects.create(household=household, object_type="脱贫不稳定户", risk_description="缺劳力", risk_identified_date=date(2024, 5, 1))
    client = client_for(personas.township_a)
    with django_assert_max_num_queries(12):
        ws, _ = open_xlsx(client.get(reverse(f"exports:{identifier}")))
    assert len(data_rows(ws)) >= 13


# --- Index page and command -----------------------------------------------------


def test_the_index_lists_every_ledger_with_only_the_users_areas(client_for, personas, areas):
    page = client_for(personas.township_a).get(reverse("exports:index")).content.decode()
    # Every ledger the role may export (not the access log, for auditors).
    for cls in exporters().values():
        offered = cls.title in page and f'action="/exports/{cls.identifier}/"' in page
        assert offered == personas.township_a.can(cls.action), cls.identifier
    assert "张家沟村" in page and "王家坪村" not in page and "清河镇" not in page


def test_the_command_exports_an_area_and_logs_it(tmp_path, areas, ledger_data):
    out = tmp_path / "成员.xlsx"
    stdout = io.StringIO()
    call_command("export_ledger", "members", "--area", areas.township_a.code, "--out", str(out), stdout=stdout)
    assert "3 行" in stdout.getvalue()
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == f"秦川县城关镇 家庭成员明细（{TODAY()}）"
    assert sorted(r[column(ws, "姓名")].value for r in data_rows(ws)) == ["张小明", "张建国", "李秀英"]
    assert data_rows(ws)[0][column(ws, "证件号码")].value in IDS  # full numbers, ready for re-import
    record = PersonalDataAccess.objects.get()
    assert record.user.username == "system" and record.rows == 3 and f"area={areas.township_a.code}" in record.filters


def test_the_command_filters_by_year(tmp_path, areas, ledger_data):
    out = tmp_path / "收入.xlsx"
    call_command("export_ledger", "incomes", "--year", "2023", "--out", str(out), stdout=io.StringIO())
    assert data_rows(openpyxl.load_workbook(out).active) == []
    call_command("export_ledger", "incomes", "--year", "2024", "--out", str(out), stdout=io.StringIO())
    ws = openpyxl.load_workbook(out).active
    assert {r[column(ws, "乡镇")].value for r in data_rows(ws)} == {"城关镇", "清河镇"}
    assert ws["A1"].value.startswith("秦川县 收入测算台账")


def test_the_measure_ledger_takes_the_measure_lists_filters_in_a_job_too(
    client_for, personas, areas, ledger_data, settings, django_capture_on_commit_callbacks
):
    client = client_for(personas.county_admin)
    query = {"township": areas.township_a.pk, "year": "2024", "status": "done", "page": "2"}
    ws, _ = open_xlsx(client.get(reverse("exports:measures"), query))
    assert [r[column(ws, "乡镇")].value for r in data_rows(ws)] == ["城关镇"]
    settings.EXPORT_SYNC_MAX_ROWS = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("exports:measures"), query)
    job = Job.objects.get()
    assert response.status_code == 302 and job.params["filters"] == {"township": areas.township_a.pk, "year": 2024, "status": "done"}
    ws, _ = open_xlsx(client.get(reverse("job_download", args=[job.pk])))
    assert [r[column(ws, "乡镇")].value for r in data_rows(ws)] == ["城关镇"]
    assert ws["A1"].value.startswith("秦川县 帮扶措施台账")


def test_the_command_refuses_what_it_cannot_do(tmp_path, areas):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有台账 salaries"):
        call_command("export_ledger", "salaries", "--out", str(tmp_path / "a.xlsx"))
    with pytest.raises(CommandError, match="不按年度筛选"):
        call_command("export_ledger", "households", "--year", "2024", "--out", str(tmp_path / "a.xlsx"))
    with pytest.raises(CommandError, match="区划代码 610499999000 不存在"):
        call_command("export_ledger", "households", "--area", "610499999000", "--out", str(tmp_path / "a.xlsx"))
    assert not PersonalDataAccess.objects.exists()


def test_the_background_worker_knows_how_to_run_an_export():
    """The worker process imports only the task module: the "export" runner
    must be registered when Django starts, not when the URLs load."""
    import subprocess
    import sys

    code = "import django; django.setup(); from povertyrelief.jobs import RUNNERS; print('export' in RUNNERS)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True", "povertyrelief/apps.py ready() must import povertyrelief.exports"


def test_an_id_number_search_exports_that_household_and_keeps_the_number_out_of_the_log(client_for, personas, ledger_data):
    client = client_for(personas.township_a)
    response = client.post(reverse("households:household_search_id"), {"id_number": IDS[1]})
    list_query = response["Location"].split("?", 1)[1]
    ws, _ = open_xlsx(client.get(reverse("exports:households") + "?" + list_query))
    assert [r[column(ws, "户主姓名")].value for r in data_rows(ws)] == ["李秀英"]
    record = PersonalDataAccess.objects.get()
    assert record.filters.startswith("idq=") and IDS[1] not in record.filters


def test_the_index_offers_a_village_user_no_area_choice_and_year_only_where_kept_by_year(client_for, personas):
    page = client_for(personas.village_x).get(reverse("exports:index")).content.decode()
    assert 'name="township"' not in page and 'name="village"' not in page
    assert page.count('name="year"') == sum(1 for cls in exporters().values() if cls.year_filter)


def test_identifiers_are_masked_to_the_first_6_and_last_4_characters():
    from povertyrelief.exports import mask_identifier

    assert mask_identifier(IDS[4]) == "610499********005X"
    assert mask_identifier("") == "" and mask_identifier(None) is None and mask_identifier("1234") == "****"
