"""What every importer shares: the limits of the import template, the
refusal of a file, and the report of rows taken and refused. Reading a
workbook is ``povertyrelief.xlsx_reader``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000


class WorkbookRefused(Exception):
    """The file itself cannot be read safely; nothing was imported."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        if self.column:
            where += f"，“{self.column}”列"
        return f"{where}：{self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"发现 {len(self.errors)} 处错误，未导入任何数据。"
        verb = "将" if self.dry_run else "已"
        if self.created == 0 and self.updated == 0:
            return f"与系统中数据一致，无需变更（{self.unchanged} 条未变）。"
        return f"{verb}新增 {self.created} 条，{verb}更新 {self.updated} 条，{self.unchanged} 条未变。"


def normalise_header(value) -> str:
    text = "" if value is None else str(value)
    return text.strip().replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "")


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().replace("\u3000", " ").strip()

