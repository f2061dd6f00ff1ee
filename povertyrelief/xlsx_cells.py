"""Cell values for the streaming workbook reader: one <row> element of a
worksheet turned into a tuple of values, refusing what Excel could not have
written (references past column XFD, bad shared-string indexes, malformed
numbers) with ``WorkbookRefused``.

Only a cell holding a formula element (``<f>``) is a formula: it comes back
as a ``Formula``; text that happens to begin with ``=`` is text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .xlsx import WorkbookRefused

if TYPE_CHECKING:
    from .xlsx_reader import Sheet, Workbook

# Excel's own limits: 1,048,576 rows, 16,384 columns (A … XFD).
MAX_SHEET_ROWS = 1_048_576
MAX_COLUMNS = 16_384

SPREADSHEET_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)


@dataclass(frozen=True)
class Formula:
    """A cell whose value is computed by a formula; ``text`` without the ``=``."""

    text: str

    def __str__(self) -> str:
        return "=" + self.text


def is_formula(value) -> bool:
    return isinstance(value, Formula)


def qualified(names: tuple[str, ...]) -> set[str]:
    """Tags as the parser reports them, in either namespace or none."""
    return {f"{{{ns}}}{name}" for ns in SPREADSHEET_NAMESPACES for name in names} | set(names)


def local_name(tag: str) -> str:
    """Tag without its namespace (transitional and strict OOXML alike)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        # The cache lives as long as the process: a file full of made-up
        # tags must not grow it without end.
        if len(_LOCAL_NAMES) < 1000:
            _LOCAL_NAMES[tag] = name
    return name


_LOCAL_NAMES: dict[str, str] = {}


def rich_text(element) -> str:
    """Text of a shared or inline string, without phonetic (rPh) runs."""
    if len(element) == 1 and local_name(element[0].tag) == "t":
        return element[0].text or ""
    parts = []
    for child in element:
        name = local_name(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            for run in child:
                if local_name(run.tag) == "t":
                    parts.append(run.text or "")
    return "".join(parts)


_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})[0-9]+")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _number(text: str):
    if not text.isascii():
        raise ValueError(text)  # int() would take other scripts' digits
    try:
        return int(text)
    except ValueError:
        value = float(text)  # ValueError: not a number at all
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(text) from None
        return value


_CELL_TAGS = {f"{{{ns}}}c" for ns in SPREADSHEET_NAMESPACES} | {"c"}
_VALUE_TAGS = {
    f"{{{ns}}}{name}": name for ns in SPREADSHEET_NAMESPACES for name in ("v", "is", "f")
} | {name: name for name in ("v", "is", "f")}


class RowReader:
    """Turns one <row> element into a tuple of values, refusing references
    past column XFD, bad shared-string indexes and malformed numbers. The
    common path is kept inline: it runs for every cell of the file."""

    def __init__(self, book: Workbook, sheet: Sheet):
        self.book = book
        self.sheet = sheet
        self.number = 0
        self.columns: dict[str, int] = {}
        self.strings: list[str] | None = None

    def read(self, element) -> tuple:
        number = element.get("r")
        if number is None:
            self.number += 1
        elif number.isascii() and number.isdigit() and 0 < int(number) <= MAX_SHEET_ROWS:
            self.number = int(number)
        else:
            self.refuse(f"第 {self.number} 行之后的行号“{number[:20]}”无效（应为 1 至 {MAX_SHEET_ROWS:,}）")
        values: list = []
        columns = self.columns
        strings = self.strings
        for cell in element:
            if cell.tag not in _CELL_TAGS:
                continue
            reference = cell.get("r")
            if reference is None:
                column = len(values)
                if column >= MAX_COLUMNS:
                    self.refuse(f"第 {self.number} 行的单元格超过 Excel 的列数上限（XFD 列）")
            else:
                column = columns.get(reference.rstrip("0123456789"))
                if column is None:
                    column = self._new_column(reference)
            kind = cell.get("t")
            formula = text = None
            for child in cell:
                tag = _VALUE_TAGS.get(child.tag)
                if tag == "v":
                    text = child.text
                elif tag == "is":
                    text = rich_text(child)
                elif tag == "f":
                    formula = child.text or ""
            if formula is not None:
                value = Formula(formula)
            elif text is None:
                continue
            elif kind == "s":
                if strings is None:
                    strings = self.strings = self.book.strings
                try:
                    index = int(text)
                except ValueError:
                    index = -1
                if 0 <= index < len(strings):
                    value = strings[index]
                else:
                    self._bad_shared(text, reference)
            elif kind == "inlineStr" or kind == "str":
                value = text
            else:
                value = self._typed(kind, text, reference)
            if column == len(values):
                values.append(value)
            elif column > len(values):
                values.extend([None] * (column - len(values)))
                values.append(value)
            else:
                values[column] = value
        return tuple(values)

    def _new_column(self, reference: str) -> int:
        letters = reference.rstrip("0123456789")
        if not _CELL_REFERENCE.fullmatch(reference) or _column_index(letters) >= MAX_COLUMNS:
            self.refuse(f"第 {self.number} 行的单元格引用“{reference[:20]}”无效（列不能超过 XFD）")
        column = self.columns[letters] = _column_index(letters)
        return column

    def _typed(self, kind: str | None, text: str, reference: str | None):
        if kind is None or kind == "n":
            try:
                return _number(text)
            except ValueError:
                self.refuse(f"单元格 {reference or f'第 {self.number} 行'} 的数值“{text[:20]}”无效")
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "e" or kind == "d":
            return text
        self.refuse(f"单元格 {reference or f'第 {self.number} 行'} 的类型“{kind[:20]}”无效")

    def _bad_shared(self, text: str, reference: str | None):
        self.refuse(
            f"单元格 {reference or f'第 {self.number} 行'} 引用的共享文字编号“{text[:20]}”无效"
            f"（工作簿共有 {len(self.strings or [])} 条共享文字）"
        )

    def refuse(self, what: str):
        raise WorkbookRefused(f"工作表“{self.sheet.name}”{what}，文件已损坏。")
