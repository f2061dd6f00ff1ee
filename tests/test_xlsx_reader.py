"""The streaming workbook reader every importer shares: what it hands out,
and what it refuses (always ``WorkbookRefused`` with a Chinese message)."""

import io
import tracemalloc

import openpyxl
import pytest

from povertyrelief.xlsx import WorkbookRefused
from povertyrelief.xlsx_reader import Formula, Workbook
from tests.workbooks import DTD, SHEET, build, change_part, parts, with_shared_strings

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def two_sheets() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "数据"
    book.active.append(["姓名", "=3组"])
    book.active["B1"].data_type = "s"
    book.active.append(["张三", "=LEN(A2)", 12, 2.5, True])
    book.create_sheet("说明").append(["说明文字"])
    return saved(book)


def upload(content: bytes):
    handle = io.BytesIO(content)
    handle.name = "工作簿.xlsx"
    return handle


def read_all(content: bytes) -> dict[str, list]:
    with Workbook(upload(content)) as book:
        rows = {sheet.name: list(book.rows(sheet)) for sheet in book.sheets}
        book.finish()
    return rows


def refusal(content: bytes) -> str:
    with pytest.raises(WorkbookRefused) as raised:
        read_all(content)
    return str(raised.value)


@pytest.mark.parametrize("shared", [False, True], ids=["inline strings", "shared strings"])
def test_it_reads_sheets_in_order_with_real_row_numbers_and_typed_values(shared):
    content = with_shared_strings(two_sheets()) if shared else two_sheets()
    rows = read_all(content)
    assert list(rows) == ["数据", "说明"]
    assert rows["数据"] == [(1, ("姓名", "=3组")), (2, ("张三", Formula("LEN(A2)"), 12, 2.5, True))]
    assert rows["说明"] == [(1, ("说明文字",))]


def test_a_damaged_sheet_that_is_not_imported_still_refuses_the_file():
    content = change_part(two_sheets(), "xl/worksheets/sheet2.xml", lambda d: d.replace(b'r="A1"', b'r="ZZZZ1"'))
    with Workbook(upload(content)) as book:
        assert list(book.rows(book.sheets[0]))  # the first sheet reads fine
        with pytest.raises(WorkbookRefused, match="工作表“说明”第 1 行的单元格引用“ZZZZ1”无效"):
            book.finish()


def test_digits_of_other_scripts_in_a_number_cell_are_refused():
    content = change_part(two_sheets(), SHEET, lambda d: d.replace(b"<v>12</v>", "<v>١٢</v>".encode()))
    assert "数值“١٢”无效" in refusal(content)


def test_excel_comment_boxes_need_not_be_well_formed_but_may_not_declare_a_dtd():
    book = openpyxl.Workbook()
    book.active["A1"] = "表头"
    book.active["A1"].comment = openpyxl.comments.Comment("说明", "作者")
    content = saved(book)
    vml = next(name for name in parts(content) if name.endswith(".vml"))
    # Excel writes line breaks in comment boxes as an unclosed <br>.
    loose = change_part(content, vml, lambda d: d.replace(b"</xml>", "<div>第一行<br>第二行</div></xml>".encode()))
    assert read_all(loose)["Sheet"] == [(1, ("表头",))]
    hostile = change_part(content, vml, lambda d: d.replace(b"</xml>", DTD + b"</xml>"))
    assert "不安全的 XML" in refusal(hostile)


def test_what_piles_up_between_two_rows_is_bounded():
    files = parts(two_sheets())
    files[SHEET] = b"<worksheet " + NS + b"><sheetData><row>" + b"<x/>" * 2_000_000 + b"</row></sheetData></worksheet>"
    content = build(files)
    tracemalloc.start()
    try:
        message = refusal(content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "内容过大" in message
    # Refused after 4 MB, about a million elements (some 80 MB), not 8 MB of them.
    assert peak < 120 * 1024 * 1024


def test_shared_strings_are_held_as_texts_only():
    files = parts(with_shared_strings(two_sheets()))
    files["xl/sharedStrings.xml"] = b"<sst " + NS + b">" + b"<si><t>a</t></si>" * 300_000 + b"</sst>"
    tracemalloc.start()
    try:
        with Workbook(upload(build(files))) as book:
            assert len(book.strings) == 300_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # 300,000 finished <si> elements kept in the tree would take about 25 MB.
    assert peak < 10 * 1024 * 1024


@pytest.mark.parametrize(
    "content,words",
    [
        ("姓名,证件号码\n张三,610499196505120137\n".encode("gb18030"), "CSV"),
        ("姓名\t证件号码\n张三\t1\n".encode("utf-16"), "CSV"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页或 XML"),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04", "图片"),
        (bytes(range(256)) * 2, "无法识别"),
    ],
)
def test_other_files_renamed_xlsx_are_named_for_what_they_are(content, words):
    assert words in refusal(content)


def test_a_part_declaring_an_unknown_encoding_is_refused_in_chinese():
    content = change_part(two_sheets(), "docProps/app.xml", lambda d: b'<?xml version="1.0" encoding="UTF-4"?>' + d)
    assert "文字编码无效" in refusal(content)
