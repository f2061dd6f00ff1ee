"""The empty 家庭成员 template workbook offered for download.

Sheet 1 holds the header row; sheet 2 「填写说明与可选值」 explains every
column and lists the allowed values, which the drop-downs on sheet 1 refer
to. ID, phone and household-number columns are text-formatted so Excel
never turns an 18-digit ID into a rounded number.
"""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .services.imports import COLUMNS, HOUSEHOLD_LEVEL_NOTE

DATA_SHEET = "家庭成员"
HELP_SHEET = "填写说明与可选值"
# Drop-downs and text format cover this many data rows.
TEMPLATE_ROWS = 20000
TEXT_COLUMNS = {"证件号码", "联系电话", "户编号", "村民小组"}
WIDTHS = {"证件号码": 22, "联系电话": 15, "户编号": 20, "参加城乡居民基本医疗保险": 14, "参加城乡居民基本养老保险": 14}
# Where the allowed-values lists start on the help sheet.
VALUES_FIRST_COLUMN = 5
BOLD = Font(bold=True)


def template_columns():
    """The template's columns: the documented ones, then 其他致贫原因 (optional)."""
    return [c for c in COLUMNS if not c.extra] + [c for c in COLUMNS if c.extra]


def household_template_workbook() -> bytes:
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    help_sheet = workbook.create_sheet(HELP_SHEET)
    columns = template_columns()
    _write_header(data, columns)
    _write_help(help_sheet, columns)
    _add_choice_lists(data, help_sheet, columns)
    _add_number_ranges(data, columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_header(data, columns) -> None:
    """The header row: required columns in red, notes as comments, ID-like
    columns text-formatted."""
    required_font = Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="FCE4D6")
    for index, column in enumerate(columns, start=1):
        cell = data.cell(row=1, column=index, value=column.label)
        cell.font = required_font if (column.required or column.required_on_head) else BOLD
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if column.note:
            cell.comment = Comment(column.note, "精准扶贫管理系统")
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = WIDTHS.get(column.label, max(8, len(column.label) * 2 + 2))
        if column.label in TEXT_COLUMNS:
            data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A2"
    data.row_dimensions[1].height = 32


def _write_help(help_sheet, columns) -> None:
    """Every column with whether it is required and what goes in it, then the rules of the import."""
    help_sheet.append(["列名", "是否必填", "填写说明"])
    for column in columns:
        if column.required:
            required = "必填"
        elif column.required_on_head:
            required = "户主行必填"
        else:
            required = "选填"
        note = column.note
        if column.choices:
            note = (note + "；" if note else "") + "可选值：" + "、".join(column.choices)
        help_sheet.append([column.label, required, note])
    help_sheet.append([])
    for line in (
        "表头必须包含 乡镇、行政村、户编号、姓名、证件号码；表头之上最多可有 5 行标题，列的顺序不限，多余的列会被忽略。",
        "每行一人；乡镇、行政村、户编号相同的行属于同一户，每户有且只有一名户主。",
        HOUSEHOLD_LEVEL_NOTE,
        "任何一行有错误，整个文件都不会导入；重复导入同一文件不会产生变化；文件中未出现的已有成员不会被删除。",
        "不要使用公式；证件号码、联系电话、户编号请保持“文本”格式。",
        f"模板生成时间：{timezone.localtime():%Y-%m-%d %H:%M}",
    ):
        help_sheet.append(["说明", "", line])
    for cell in help_sheet[1]:
        cell.font = BOLD
    help_sheet.column_dimensions["A"].width = 26
    help_sheet.column_dimensions["B"].width = 12
    help_sheet.column_dimensions["C"].width = 70


def _add_choice_lists(data, help_sheet, columns) -> None:
    """One list per enumerated column on the help sheet, side by side, each
    headed by its column name, and a drop-down on sheet 1 pointing at it."""
    list_column = VALUES_FIRST_COLUMN
    for index, column in enumerate(columns, start=1):
        if not column.choices:
            continue
        letter = get_column_letter(list_column)
        help_sheet.cell(row=1, column=list_column, value=column.label).font = BOLD
        for offset, value in enumerate(column.choices, start=2):
            help_sheet.cell(row=offset, column=list_column, value=value)
        help_sheet.column_dimensions[letter].width = max(10, max(len(v) for v in column.choices) * 2 + 2)
        source = f"{quote_sheetname(HELP_SHEET)}!${letter}$2:${letter}${len(column.choices) + 1}"
        validation = DataValidation(
            type="list", formula1=source, allow_blank=True, showErrorMessage=True,
            errorTitle="不是可选值", error=f"“{column.label}”请从下拉列表中选择（见“{HELP_SHEET}”工作表）。",
        )
        _apply(data, validation, index)
        list_column += 1


def _add_number_ranges(data, columns) -> None:
    this_year = str(timezone.localdate().year)
    numeric = {
        "务工时间(月)": ("0", "12", "务工时间为 0 到 12 的整数（月）。"),
        "识别年度": ("2013", this_year, "识别年度为 2013 年至今年的四位年份。"),
        "脱贫年度": ("2013", this_year, "脱贫年度为 2013 年至今年的四位年份。"),
    }
    for index, column in enumerate(columns, start=1):
        if column.label in numeric:
            low, high, message = numeric[column.label]
            validation = DataValidation(
                type="whole", operator="between", formula1=low, formula2=high, allow_blank=True,
                showErrorMessage=True, errorTitle="数值超出范围", error=message,
            )
            _apply(data, validation, index)


def _apply(sheet, validation: DataValidation, column_index: int) -> None:
    letter = get_column_letter(column_index)
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
