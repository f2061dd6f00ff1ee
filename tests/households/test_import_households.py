"""The 家庭成员 roster import: the service and the command."""

import io
import random
from decimal import Decimal

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from households.models import Household, Member
from households.services.imports import household_import
from povertyrelief.validators import id_check_char
from tests.conftest import IDS, make_household

pytestmark = pytest.mark.django_db

HEADER = [
    "县", "乡镇", "行政村", "村民小组", "户编号", "姓名", "证件号码", "与户主关系", "性别", "民族", "文化程度",
    "在校生状况", "健康状况", "残疾等级", "劳动技能", "务工状况", "务工时间(月)", "参加城乡居民基本医疗保险",
    "参加大病保险", "参加城乡居民基本养老保险", "贫困户属性", "主要致贫原因", "识别年度", "脱贫年度", "联系电话",
    "住房安全", "饮水安全", "人均纯收入(元)",
]


def make_id(birth: str, seq: str, area: str = "610499") -> str:
    return area + birth + seq + id_check_char(area + birth + seq)


def id_ending_in_x(birth: str, male: bool) -> str:
    for n in range(1000):
        seq = f"{n:03d}"
        if (n % 2 == 1) == male and id_check_char("610499" + birth + seq) == "X":
            return make_id(birth, seq)
    raise AssertionError("no such ID")


ZHANG_SAN = make_id("19650512", "013")
LI_MEI = make_id("19680303", "024")
ZHANG_XIAOMING = make_id("20100901", "035")
WANG_FANG = make_id("19700707", "046")
ZHAO_QIANG = id_ending_in_x("19690101", male=True)
LIU_DE = make_id("19580808", "057")


def person(number, name, id_number, relation="户主", village="张家沟村", township="城关镇", cells=None) -> dict:
    data = {
        "县": "秦川县", "乡镇": township, "行政村": village, "户编号": number, "姓名": name, "证件号码": id_number,
        "与户主关系": relation, "民族": "汉族", "健康状况": "健康", "劳动技能": "普通劳动力",
        "参加城乡居民基本医疗保险": "是", "参加大病保险": "是", "参加城乡居民基本养老保险": "否",
    }
    if relation == "户主":
        data.update({
            "村民小组": "3组", "贫困户属性": "一般贫困户", "主要致贫原因": "因病", "识别年度": 2016,
            "联系电话": "13800000001", "住房安全": "安全", "饮水安全": "是", "人均纯收入(元)": "4523.50",
        })
    data.update(cells or {})
    return data


def roster() -> list[dict]:
    """Three households, six people: two in village X, one in village Y (all township A)."""
    return [
        person("H001", "张三", ZHANG_SAN),
        person("H001", "李梅", LI_MEI, "配偶", cells={"性别": "女", "文化程度": "小学"}),
        person("H001", "张小明", ZHANG_XIAOMING, "之子", cells={"在校生状况": "初中", "劳动技能": "无劳动力"}),
        person("H002", "王芳", WANG_FANG, village="李家湾村", cells={"贫困户属性": "低保贫困户", "主要致贫原因": "缺劳力"}),
        person("H002", "赵强", ZHAO_QIANG.lower(), "配偶", village="李家湾村"),
        person(
            "H003", "刘德", LIU_DE,
            cells={"健康状况": "残疾", "残疾等级": "二级", "务工状况": "省外务工", "务工时间(月)": 10, "主要致贫原因": "因残"},
        ),
    ]


def workbook(rows, header=HEADER, titles=(), labels=None, sheet_title="家庭成员") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title
    for title in titles:
        ws.append(list(title))
    ws.append(list(labels or header))
    for row in rows:
        ws.append([row.get(column) for column in header])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="花名册.xlsx"):
    return SimpleUploadedFile(name, content)


def run(actor, rows=None, content=None, **kwargs):
    return household_import(actor=actor, file=upload(content or workbook(roster() if rows is None else rows)), **kwargs)


def errors(report) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


# ---------------------------------------------------------------- happy path
def test_it_imports_a_roster_with_titles_shuffled_columns_spaces_and_lower_case_x(personas, areas):
    header = HEADER[:]
    random.Random(7).shuffle(header)
    header.append("备注")
    # Stray spaces around headers and values, full-width brackets.
    labels = [f" {h} ".replace("(", "（").replace(")", "）") for h in header]
    rows = roster()
    for row in rows:
        row["姓名"] = f"  {row['姓名']} "
        row["备注"] = "国家系统导出"
    content = workbook(rows, header=header, labels=labels, titles=[("秦川县建档立卡贫困人口花名册",), ("导出时间：2024-03-01",)])
    report = run(personas.township_a, content=content)

    assert report.ok, errors(report)
    assert (report.households_created, report.members_created) == (3, 6)
    assert report.ignored_columns == ["备注"]
    assert "已新增 3 户、6 人" in report.summary()

    h1 = Household.objects.get(village=areas.village_x, number="H001")
    assert (h1.head_name, h1.member_count, h1.group, h1.phone) == ("张三", 3, "3组", "13800000001")
    assert (h1.attribute, h1.main_cause, h1.identification_year, h1.exit_year) == ("一般贫困户", "因病", 2016, None)
    assert h1.declared_income_per_capita == Decimal("4523.50") and h1.safe_drinking_water is True
    assert h1.status == "0" and h1.card_data_changed_at is not None
    son = Member.objects.get(id_number=ZHANG_XIAOMING)
    assert (son.sex, son.birth_date.isoformat(), son.school_status, son.labour_skill) == ("男", "2010-09-01", "初中", "无劳动力")
    assert son.medical_insurance and son.serious_illness_insurance and not son.pension_insurance
    assert Member.objects.get(name="李梅").education == "小学"

    h2 = Household.objects.get(village=areas.village_y, number="H002")
    assert (h2.attribute, h2.main_cause, h2.exit_year, h2.status) == ("低保贫困户", "缺劳力", None, "0")
    # Lower-case x is stored as X; the name's padding is gone.
    assert Member.objects.get(household=h2, relation="配偶").id_number == ZHAO_QIANG
    assert ZHAO_QIANG.endswith("X")
    assert Member.objects.get(id_number=LIU_DE).disability_grade == "二级"
    assert Member.objects.get(id_number=LIU_DE).work_months == 10


def test_each_created_record_gets_its_own_audit_entry_with_the_importer(personas):
    run(personas.township_a)
    household = Household.objects.get(number="H001")
    entry = LogEntry.objects.get_for_object(household).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.township_a
    assert entry.changes["attribute"] == ["None", "一般贫困户"]
    member = Member.objects.get(id_number=LI_MEI)
    entry = LogEntry.objects.get_for_object(member).get()
    assert entry.actor == personas.township_a and entry.changes["id_number"] == ["None", LI_MEI]
    assert LogEntry.objects.filter(actor=personas.township_a).count() == 9  # 3 households + 6 members


def test_reimporting_the_same_file_changes_nothing_and_says_so(personas):
    content = workbook(roster())
    run(personas.township_a, content=content)
    before = dict(Household.objects.values_list("pk", "updated_at"))
    versions = dict(Household.objects.values_list("pk", "version"))
    entries = LogEntry.objects.count()

    report = run(personas.township_a, content=content)
    assert report.ok and report.created == 0 and report.updated == 0
    assert (report.households_unchanged, report.members_unchanged) == (3, 6)
    assert "无变化" in report.summary()
    assert dict(Household.objects.values_list("pk", "updated_at")) == before
    assert dict(Household.objects.values_list("pk", "version")) == versions
    assert LogEntry.objects.count() == entries


def test_a_changed_field_is_counted_as_updated_and_audited(personas):
    run(personas.township_a)
    household = Household.objects.get(number="H001")
    rows = roster()
    rows[0]["联系电话"] = "0915-1234567"
    rows[1]["文化程度"] = "初中"
    report = run(personas.township_a, rows=rows)

    assert report.ok
    assert (report.households_updated, report.households_unchanged) == (1, 2)
    assert (report.members_updated, report.members_unchanged) == (1, 5)
    household.refresh_from_db()
    assert household.phone == "0915-1234567" and household.version == 2
    assert Member.objects.get(id_number=LI_MEI).education == "初中"
    update = LogEntry.objects.get_for_object(household).filter(action=LogEntry.Action.UPDATE).get()
    assert update.changes == {"phone": ["13800000001", "0915-1234567"]} and update.actor == personas.township_a


def test_a_new_member_is_added_and_members_missing_from_the_file_are_kept(personas, areas):
    household = make_household(areas.village_x, "H001", "张三", ZHANG_SAN)
    Member.objects.create(household=household, name="张老汉", id_number=IDS[4], relation="之父", sex="男")
    rows = [person("H001", "张三", ZHANG_SAN), person("H001", "李梅", LI_MEI, "配偶")]
    report = run(personas.village_x, rows=rows)

    assert report.ok, errors(report)
    assert (report.members_created, report.members_absent) == (1, 1)
    assert "1 名成员在文件中未出现" in report.summary()
    household.refresh_from_db()
    assert household.member_count == 3 and Member.objects.filter(name="张老汉").exists()


def test_the_head_can_change_when_the_former_head_is_listed_with_a_new_relation(personas, areas):
    household = make_household(areas.village_x, "H001", "张三", ZHANG_SAN)
    rows = [
        person("H001", "张三", ZHANG_SAN, "之父", cells={"贫困户属性": "一般贫困户"}),
        person("H001", "张小明", ZHANG_XIAOMING, "户主"),
    ]
    report = run(personas.township_a, rows=rows)
    assert report.ok, errors(report)
    household.refresh_from_db()
    assert household.head_name == "张小明" and household.member_count == 2
    assert Member.objects.get(id_number=ZHANG_SAN).relation == "之父"


def test_a_new_head_is_refused_while_the_recorded_head_is_missing_from_the_file(personas, areas):
    make_household(areas.village_x, "H001", "张三", ZHANG_SAN)
    report = run(personas.township_a, rows=[person("H001", "张小明", ZHANG_XIAOMING, "户主")])
    assert not report.ok
    assert errors(report)[0][:2] == (2, "与户主关系") and "户主为 张三" in errors(report)[0][2]
    assert Member.objects.count() == 1


def test_county_admin_imports_across_townships(personas):
    rows = roster() + [person("H009", "王大山", make_id("19720202", "071"), village="王家坪村", township="清河镇")]
    report = run(personas.county_admin, rows=rows)
    assert report.ok and report.households_created == 4


# ---------------------------------------------------------------- refusals
def _future_id() -> str:
    return make_id(f"{timezone.localdate().year + 1}0101", "011")


THIS_YEAR = timezone.localdate().year


@pytest.mark.parametrize(
    "index,cells,column,message",
    [
        (1, {"证件号码": LI_MEI[:17] + ("0" if LI_MEI[17] != "0" else "1")}, "证件号码", "校验位不正确"),
        (1, {"证件号码": "61049919680303024"}, "证件号码", "应为18位"),
        (1, {"证件号码": make_id("19680230", "024")}, "证件号码", "不存在"),
        (1, {"证件号码": _future_id()}, "证件号码", "不合理"),
        (1, {"证件号码": int(LI_MEI)}, "证件号码", "四舍五入"),
        (1, {"性别": "男"}, "性别", "与身份证号不符"),
        (1, {"残疾等级": "一级"}, "残疾等级", "仅“残疾”时填写"),
        (1, {"务工时间(月)": 13}, "务工时间(月)", "0 到 12"),
        (1, {"务工时间(月)": 6.5}, "务工时间(月)", "不是整数"),
        (0, {"识别年度": 2012}, "识别年度", "不在 2013"),
        (0, {"识别年度": THIS_YEAR + 1}, "识别年度", "不在 2013"),
        (0, {"脱贫年度": 2015}, "脱贫年度", "早于识别年度"),
        (0, {"脱贫年度": THIS_YEAR + 1}, "脱贫年度", f"2013 至 {THIS_YEAR}"),
        (0, {"联系电话": "1380000"}, "联系电话", "电话格式不正确"),
        (0, {"人均纯收入(元)": "-1"}, "人均纯收入(元)", "不能为负数"),
        (0, {"人均纯收入(元)": "4523.456"}, "人均纯收入(元)", "两位小数"),
        (0, {"人均纯收入(元)": "约四千"}, "人均纯收入(元)", "不是有效金额"),
        (1, {"姓名": "=A1"}, "姓名", "公式"),
        (1, {"姓名": ""}, "姓名", "不能为空"),
        (1, {"姓名": "张" * 31}, "姓名", "不能超过 30"),
        (1, {"县": "别的县"}, "县", "不是本系统管理的县"),
        (1, {"乡镇": "不存在镇"}, "乡镇", "没有名为“不存在镇”的乡镇"),
        (1, {"行政村": "王家坪村"}, "行政村", "“城关镇”下没有名为“王家坪村”"),
        (1, {"与户主关系": "户主"}, "与户主关系", "多名户主"),
        (1, {"与户主关系": "表哥"}, "与户主关系", "不是可选值"),
        (1, {"文化程度": "博士"}, "文化程度", "不是可选值"),
        (1, {"参加大病保险": "有"}, "参加大病保险", "应填 是 或 否"),
        (1, {"贫困户属性": "低保贫困户"}, "贫困户属性", "与户主行（第 2 行）不一致"),
        (0, {"贫困户属性": ""}, "贫困户属性", "户主行的“贫困户属性”不能为空"),
    ],
)
def test_one_refused_cell_refuses_the_file_naming_row_and_column(personas, index, cells, column, message):
    rows = roster()
    rows[index].update(cells)
    report = run(personas.township_a, rows=rows)
    assert not report.ok
    assert Household.objects.count() == 0 and Member.objects.count() == 0
    found = [e for e in report.errors if e.column == column and message in e.message]
    assert found, errors(report)
    # Header row 1, then data: roster index i is sheet row i + 2.
    assert found[0].row == index + 2
    assert f"第 {index + 2} 行，“{column}”列" in str(found[0])
    assert "未导入任何数据" in report.summary()


def test_a_household_without_a_head_is_refused(personas):
    rows = roster()
    rows[0]["与户主关系"] = "之父"
    report = run(personas.township_a, rows=rows)
    assert any(e.row == 2 and e.column == "与户主关系" and "没有户主" in e.message for e in report.errors), errors(report)


def test_a_misspelt_relation_on_the_head_row_is_reported_once_not_a_crash(personas):
    rows = roster()
    rows[0]["与户主关系"] = "户住"
    report = run(personas.township_a, rows=rows)
    (error,) = report.errors
    assert (error.row, error.column) == (2, "与户主关系") and "不是可选值" in error.message
    assert Household.objects.count() == 0


def test_a_number_cell_id_is_refused_with_the_reason(personas):
    rows = roster()
    rows[2]["证件号码"] = int(ZHANG_XIAOMING)
    report = run(personas.township_a, rows=rows)
    (error,) = report.errors
    assert (error.row, error.column) == (4, "证件号码")
    assert "Excel 只保留 15 位有效数字" in error.message and "文本" in error.message


def test_every_refused_row_is_reported_and_nothing_is_written(personas):
    rows = roster()
    rows[1]["性别"] = "男"
    rows[4]["联系电话"] = "12345"
    rows[5]["务工时间(月)"] = 20
    report = run(personas.township_a, rows=rows)
    assert [(e.row, e.column) for e in report.errors] == [(3, "性别"), (6, "联系电话"), (7, "务工时间(月)")]
    assert "发现 3 处错误（涉及 3 行）" in report.summary()
    assert Household.objects.count() == 0 and LogEntry.objects.filter(actor=personas.township_a).count() == 0


def test_the_same_id_in_two_households_of_the_file_names_both(personas):
    rows = roster()
    rows[4]["证件号码"] = LI_MEI  # 李梅 of H001 again, in H002
    report = run(personas.township_a, rows=rows)
    (error,) = report.errors
    assert (error.row, error.column) == (6, "证件号码")
    assert "城关镇李家湾村户编号 H002" in error.message and "城关镇张家沟村户编号 H001" in error.message
    assert "第 3 行" in error.message


def test_an_id_already_in_another_household_in_the_database_is_refused_naming_it(personas, households):
    rows = roster()
    rows[1]["证件号码"] = IDS[0]  # 张建国 of household x
    rows[1]["性别"] = ""
    report = run(personas.township_a, rows=rows)
    (error,) = report.errors
    assert (error.row, error.column) == (3, "证件号码")
    assert "张建国户" in error.message and "H001" in error.message
    assert Member.objects.count() == 3  # only the fixture's heads


def test_an_id_held_outside_the_importers_area_is_refused_without_naming_that_household(personas, households):
    rows = roster()
    rows[1]["证件号码"] = IDS[2]  # 王德福 in township B
    rows[1]["性别"] = ""
    report = run(personas.township_a, rows=rows)
    (error,) = report.errors
    assert "其他乡镇或村" in error.message and "王德福" not in error.message


def test_rows_outside_the_township_are_refused(personas):
    rows = roster() + [person("H009", "王大山", make_id("19720202", "071"), village="王家坪村", township="清河镇")]
    report = run(personas.township_a, rows=rows)
    (error,) = report.errors
    assert (error.row, error.column) == (8, "行政村")
    assert "不在您的管辖范围" in error.message and "城关镇" in error.message
    assert Household.objects.count() == 0


def test_a_village_cadre_imports_only_its_own_village(personas):
    report = run(personas.village_x)
    assert [(e.row, e.column) for e in report.errors] == [(5, "行政村"), (6, "行政村")]


def test_a_member_who_left_cannot_be_brought_back_by_import(personas, areas):
    household = make_household(areas.village_x, "H001", "张三", ZHANG_SAN)
    Member.objects.create(
        household=household, name="李梅", id_number=LI_MEI, relation="配偶", left_date="2022-05-01", left_reason="死亡"
    )
    report = run(personas.township_a, rows=roster()[:2])
    (error,) = report.errors
    assert error.row == 3 and "已于 2022-05-01 从该户减少" in error.message


def test_a_missing_required_column_is_refused_before_reading_rows(personas):
    header = [h for h in HEADER if h != "与户主关系"]
    report = run(personas.township_a, content=workbook(roster(), header=header))
    (error,) = report.errors
    assert "缺少必需的列：与户主关系" in error.message


def test_a_workbook_without_the_header_is_explained(personas):
    report = run(personas.township_a, content=workbook(roster(), titles=[("标题",)] * 6))
    assert "未找到表头" in report.errors[0].message


def test_an_xls_file_is_refused(personas):
    report = household_import(actor=personas.township_a, file=SimpleUploadedFile("花名册.xls", b"\xd0\xcf\x11\xe0"))
    assert "只接受 .xlsx" in report.errors[0].message


def test_dry_run_reports_the_same_counts_and_writes_nothing(personas):
    report = run(personas.township_a, dry_run=True)
    assert report.ok and (report.households_created, report.members_created) == (3, 6)
    assert "将新增 3 户、6 人" in report.summary() and "试导入" in report.summary()
    assert Household.objects.count() == 0 and Member.objects.count() == 0


def test_the_import_runs_a_fixed_number_of_queries_whatever_the_rows(personas, django_assert_max_num_queries):
    def households(n, offset):
        rows = []
        for i in range(n):
            number = f"B{offset + i:04d}"
            rows.append(person(number, "户主", make_id("19600101", f"{offset + i:03d}")))
            rows.append(person(number, "配偶", make_id("19620101", f"{offset + i:03d}"), "配偶"))
        return rows

    with django_assert_max_num_queries(40):
        assert run(personas.township_a, rows=households(3, 0)).ok
    with django_assert_max_num_queries(40):
        assert run(personas.township_a, rows=households(60, 100)).ok
    assert Member.objects.count() == 126


# ---------------------------------------------------------------- command
def test_command_imports_then_reports_no_change(tmp_path, personas, capsys):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(workbook(roster()))
    out = io.StringIO()
    call_command("import_households", str(path), "--user", personas.township_a.username, stdout=out)
    assert "已新增 3 户、6 人" in out.getvalue()
    assert LogEntry.objects.get_for_object(Household.objects.get(number="H001")).get().actor == personas.township_a
    out = io.StringIO()
    call_command("import_households", str(path), stdout=out)
    assert "无变化" in out.getvalue()


def test_command_dry_run_succeeds_without_writing(tmp_path, personas):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(workbook(roster()))
    out = io.StringIO()
    call_command("import_households", str(path), "--dry-run", stdout=out)
    assert "将新增" in out.getvalue() and Household.objects.count() == 0


def test_command_exits_with_1_and_lists_refused_rows(tmp_path, personas):
    rows = roster()
    rows[1]["性别"] = "男"
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(workbook(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据") as raised:
        call_command("import_households", str(path), "--dry-run", stderr=err)
    assert raised.value.returncode == 1
    assert "第 3 行，“性别”列" in err.getvalue()


def test_command_applies_the_users_scope(tmp_path, personas):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(workbook(roster()))
    with pytest.raises(CommandError) as raised:
        call_command("import_households", str(path), "--user", personas.outsider.username, stderr=io.StringIO())
    assert raised.value.returncode == 1 and Household.objects.count() == 0
    with pytest.raises(CommandError, match="无权"):
        call_command("import_households", str(path), "--user", personas.county_viewer.username)


# ---------------------------------------------------------------- the file itself
def test_a_streamed_workbook_with_inline_strings_and_no_dimension_is_read(personas, tmp_path):
    """Streaming writers (and the national system's exports) write inline
    strings and often no <dimension>; such files import like any other."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("家庭成员")
    sheet.append(["花名册"])
    sheet.append(HEADER)
    for row in roster():
        sheet.append([row.get(column) for column in HEADER])
    path = tmp_path / "流式.xlsx"
    book.save(path)
    with path.open("rb") as handle:
        report = household_import(actor=personas.township_a, file=handle)
    assert report.ok, errors(report)
    assert (report.households_created, report.members_created) == (3, 6)


def test_row_numbers_count_blank_rows_as_excel_shows_them(personas):
    rows = roster()
    rows[4]["联系电话"] = "123"
    content = workbook(rows[:3] + [{}, {}] + rows[3:])
    report = run(personas.township_a, content=content)
    (error,) = report.errors
    # Header row 1, three rows, two blank rows, then 王芳 (row 7) and 赵强 (row 8).
    assert (error.row, error.column) == (8, "联系电话")


def _rezip(content: bytes, change) -> bytes:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return buffer.getvalue()


def test_a_sheet_declaring_entities_is_refused_before_parsing(personas):
    def add_dtd(name, data):
        if name.startswith("xl/worksheets/"):
            return data.replace(
                b"<worksheet", b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><worksheet', 1
            )
        return data

    report = run(personas.township_a, content=_rezip(workbook(roster()), add_dtd))
    assert not report.ok and "不安全的 XML" in report.errors[0].message
    assert Household.objects.count() == 0


def test_a_workbook_with_macros_is_refused(personas):
    content = workbook(roster())
    import zipfile

    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 10)
    report = run(personas.township_a, content=buffer.getvalue())
    assert "含有宏" in report.errors[0].message


def test_a_compression_bomb_is_refused(personas):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<a>" + "0" * 50_000_000 + "</a>")
    report = run(personas.township_a, content=buffer.getvalue())
    assert "压缩炸弹" in report.errors[0].message


def test_the_row_estimate_uses_the_dimension_or_else_the_file_size(tmp_path):
    from households.services.imports import estimate_data_rows

    assert estimate_data_rows(upload(workbook(roster(), titles=[("标题",)]))) == 6
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for _ in range(300):
        sheet.append([row.get(c) for row in roster()[:1] for c in HEADER])
    path = tmp_path / "无尺寸.xlsx"
    book.save(path)
    with path.open("rb") as handle:
        # No <dimension>: judged generously from the size (about 40 bytes a row).
        assert estimate_data_rows(handle) >= path.stat().st_size // 40 > 0


def test_a_file_without_the_grade_column_cannot_make_a_graded_member_healthy(personas, areas):
    household = make_household(areas.village_x, "H001", "张三", ZHANG_SAN)
    Member.objects.filter(household=household).update(health="残疾", disability_grade="三级")
    header = [h for h in HEADER if h != "残疾等级"]
    report = run(personas.township_a, content=workbook([person("H001", "张三", ZHANG_SAN)], header=header))
    (error,) = report.errors
    assert (error.row, error.column) == (2, "健康状况") and "残疾等级“三级”" in error.message
    assert Member.objects.get(id_number=ZHANG_SAN).health == "残疾"


def test_columns_missing_from_the_file_keep_their_recorded_values(personas, areas):
    household = make_household(areas.village_x, "H001", "张三", ZHANG_SAN, phone="13900000000", identification_year=2015)
    header = [h for h in HEADER if h not in ("联系电话", "民族")]
    report = run(personas.township_a, content=workbook([person("H001", "张三", ZHANG_SAN)], header=header))
    assert report.ok, errors(report)
    household.refresh_from_db()
    assert household.phone == "13900000000" and household.identification_year == 2016
    assert Member.objects.get(id_number=ZHANG_SAN).ethnicity == "汉族"
