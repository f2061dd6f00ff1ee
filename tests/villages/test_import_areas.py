import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from villages.models import Area
from tests.workbooks import MALFORMED
from villages.services import area_import

pytestmark = pytest.mark.django_db

ROWS = [
    ("610499000000", "秦川县", "县"),
    ("610499101000", "城关镇", "乡镇"),
    ("610499101201", "张家沟村", "村"),
    ("610499101202", "李家湾村", "村"),
    ("610499102000", "清河镇", "乡镇"),
    ("610499102201", "王家坪村", "村"),
]


def workbook(rows, titles=(("秦川县区划表",),), header=("区划代码", "名称", "级别")) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for title in titles:
        ws.append(title)
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="区划.xlsx"):
    return io.BytesIO(content) if name is None else SimpleUploadedFile(name, content)


def test_import_creates_the_tree_with_parents():
    report = area_import(file=upload(workbook(ROWS)))
    assert report.ok and report.created == 6
    village = Area.objects.get(code="610499101201")
    assert village.parent.name == "城关镇" and village.parent.parent.name == "秦川县"
    assert village.level == "village"


def test_reimport_changes_nothing_and_says_so():
    area_import(file=upload(workbook(ROWS)))
    report = area_import(file=upload(workbook(ROWS)))
    assert report.ok and report.created == 0 and report.updated == 0 and report.unchanged == 6
    assert "无需变更" in report.summary()


def test_reimport_renames_by_code_and_keeps_everything_else():
    area_import(file=upload(workbook(ROWS)))
    renamed = [r if r[0] != "610499101202" else ("610499101202", "李家新村", "村") for r in ROWS[:4]]
    report = area_import(file=upload(workbook(renamed)))
    assert report.updated == 1 and report.unchanged == 3
    assert Area.objects.get(code="610499101202").name == "李家新村"
    assert Area.objects.count() == 6  # nothing deleted


def test_shuffled_columns_spaces_numbers_and_extra_columns_are_taken():
    rows = [("县", 610499000000, "  秦川县 ", "备注"), ("乡镇", "610499101000 ", "城关镇", ""), ("村", "610499101201", "张家沟村", "")]
    report = area_import(file=upload(workbook(rows, titles=(("标题",), ()), header=(" 级别", "区划代码", "名称", "备注"))))
    assert report.ok, [str(e) for e in report.errors]
    assert Area.objects.get(code="610499000000").name == "秦川县"


@pytest.mark.parametrize(
    "bad_row,column,message",
    [
        (("61049910120", "短码村", "村"), "区划代码", "不是12位数字"),
        (("610499101203", "", "村"), "名称", "名称不能为空"),
        (("610499101203", "某村", "组"), "级别", "不是有效级别"),
        (("610499101000", "城关镇", "村"), "级别", "不符"),
        (("610499109201", "孤村", "村"), "区划代码", "找不到上级区划"),
        (("610499101201", "重复村", "村"), "区划代码", "重复"),
        (("=A1", "公式村", "村"), "区划代码", "公式"),
    ],
)
def test_one_bad_row_refuses_the_whole_file_naming_row_and_column(bad_row, column, message):
    report = area_import(file=upload(workbook(ROWS + [bad_row])))
    assert not report.ok
    error = report.errors[0]
    # Title row, header row, then 6 good rows: the bad row is sheet row 9.
    assert error.row == 9 and error.column == column and message in error.message
    assert f"第 9 行，“{column}”列" in str(error)
    assert Area.objects.count() == 0


def test_dry_run_reports_without_writing():
    report = area_import(file=upload(workbook(ROWS)), dry_run=True)
    assert report.ok and report.created == 6 and "将新增" in report.summary()
    assert Area.objects.count() == 0


def test_a_second_county_is_refused():
    area_import(file=upload(workbook(ROWS)))
    report = area_import(file=upload(workbook([("610500000000", "别县", "县")])))
    assert not report.ok and "只管理一个县" in str(report.errors[0])


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("区划.xls", b"anything", "只接受 .xlsx"),
        ("区划.xlsx", b"not a zip file", "不是有效的 .xlsx"),
    ],
)
def test_unreadable_files_are_refused_in_chinese(name, content, message):
    report = area_import(file=SimpleUploadedFile(name, content))
    assert not report.ok and message in str(report.errors[0])


def test_a_compression_bomb_is_refused_before_parsing():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<a>" + "0" * 50_000_000 + "</a>")
    report = area_import(file=SimpleUploadedFile("bomb.xlsx", buffer.getvalue()))
    assert not report.ok and "压缩炸弹" in str(report.errors[0])


def test_missing_header_is_explained():
    report = area_import(file=upload(workbook(ROWS, header=("代码", "名称", "级别"))))
    assert not report.ok and "未找到表头" in str(report.errors[0])


def test_command_imports_and_is_idempotent(tmp_path):
    path = tmp_path / "areas.xlsx"
    path.write_bytes(workbook(ROWS))
    out = io.StringIO()
    call_command("import_areas", str(path), stdout=out)
    assert "已新增 6 条" in out.getvalue()
    out = io.StringIO()
    call_command("import_areas", str(path), stdout=out)
    assert "无需变更" in out.getvalue()


def test_command_fails_with_row_errors(tmp_path):
    path = tmp_path / "areas.xlsx"
    path.write_bytes(workbook(ROWS + [("bad", "坏村", "村")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_areas", str(path), stderr=err)
    assert "第 9 行" in err.getvalue()


def test_upload_page_imports_for_county_admin(client_for, personas):
    # personas already created county/townships/villages with these codes.
    client = client_for(personas.county_admin)
    response = client.post(reverse("villages:area_import"), {"file": SimpleUploadedFile("区划.xlsx", workbook(ROWS))})
    page = response.content.decode()
    assert response.status_code == 200 and "无需变更" in page


def test_upload_page_shows_row_errors(client_for, personas):
    client = client_for(personas.county_admin)
    response = client.post(
        reverse("villages:area_import"), {"file": SimpleUploadedFile("区划.xlsx", workbook(ROWS + [("x", "坏村", "村")]))}
    )
    assert "第 9 行，“区划代码”列" in response.content.decode()


# ---------------------------------------------------------------- the file itself
def test_text_beginning_with_equals_is_text_not_a_formula():
    """Only a cell holding a formula is a formula; a name typed as text
    that starts with “=” is a name."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(("区划代码", "名称", "级别"))
    for row in ROWS[:2] + [("610499101209", "=新村", "村")]:
        ws.append(row)
    ws["B4"].data_type = "s"  # stored as text, not as a formula
    buffer = io.BytesIO()
    wb.save(buffer)
    report = area_import(file=upload(buffer.getvalue()))
    assert report.ok, [str(e) for e in report.errors]
    assert Area.objects.get(code="610499101209").name == "=新村"


def _area_counts():
    from auditlog.models import LogEntry

    return Area.objects.count(), LogEntry.objects.count()


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_damaged_workbook_is_refused_in_chinese_and_writes_nothing(case):
    damage, words = MALFORMED[case]
    before = _area_counts()
    report = area_import(file=upload(damage(workbook(ROWS))))
    assert not report.ok
    (error,) = report.errors
    assert words in error.message and re.search(r"[\u4e00-\u9fff]", error.message), error.message
    assert _area_counts() == before


@pytest.mark.parametrize("case", list(MALFORMED))
def test_the_upload_page_shows_the_refusal_of_a_damaged_workbook(client_for, personas, case):
    damage, words = MALFORMED[case]
    content = damage(workbook(ROWS))
    client = client_for(personas.county_admin)
    before = _area_counts()
    response = client.post(reverse("villages:area_import"), {"file": SimpleUploadedFile("区划.xlsx", content)})
    assert response.status_code == 200
    # Django's own form refuses an empty upload before the importer sees it.
    assert (words if content else "空文件") in response.content.decode()
    assert _area_counts() == before


@pytest.mark.parametrize("case", list(MALFORMED))
def test_the_command_exits_with_1_on_a_damaged_workbook(tmp_path, case):
    damage, words = MALFORMED[case]
    path = tmp_path / "区划.xlsx"
    path.write_bytes(damage(workbook(ROWS)))
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_areas", str(path), stderr=err)
    assert raised.value.returncode == 1 and words in err.getvalue()
    assert Area.objects.count() == 0
