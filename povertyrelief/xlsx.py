"""Safe opening of uploaded workbooks, shared by every importer.

Limits from the import template: ``.xlsx`` only, at most 20 MB, no macros,
and no compressed bomb (the uncompressed size must stay in proportion).
``defusedxml`` is installed, which openpyxl uses to parse the XML parts.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

import openpyxl

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# A dense 200,000-row sheet unpacks to a few hundred MB; refuse anything that
# would unpack far beyond what its rows could need.
MAX_UNCOMPRESSED_BYTES = 600 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECK_FROM_BYTES = 20 * 1024 * 1024


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


def open_archive(uploaded) -> tuple[zipfile.ZipFile, int]:
    """Open an uploaded .xlsx as a zip archive, refusing what cannot be read
    safely: not .xlsx, over 20 MB, macros, or a compressed bomb. Returns the
    open archive (the caller closes it) and the file size."""
    name = getattr(uploaded, "name", str(uploaded))
    if not str(name).lower().endswith(".xlsx"):
        raise WorkbookRefused("只接受 .xlsx 格式的工作簿（不支持 .xls、.xlsm 或其他格式）。")
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, 2)
        size = uploaded.tell()
    if size > MAX_BYTES:
        raise WorkbookRefused(f"文件过大（{size / 1024 / 1024:.1f} MB），上限为 20 MB。")
    uploaded.seek(0)
    try:
        archive = zipfile.ZipFile(uploaded)
    except zipfile.BadZipFile:
        raise WorkbookRefused("文件不是有效的 .xlsx 工作簿（可能已加密或损坏）。") from None
    infos = archive.infolist()
    names = {info.filename for info in infos}
    refusal = None
    if "[Content_Types].xml" not in names:
        refusal = "文件不是有效的 .xlsx 工作簿。"
    elif any(n.lower().endswith("vbaproject.bin") for n in names):
        refusal = "工作簿含有宏，出于安全原因拒绝导入。"
    else:
        total = sum(info.file_size for info in infos)
        compressed = max(1, sum(info.compress_size for info in infos))
        # Small files may compress very well (empty templates); only large
        # ones are judged by their ratio.
        if total > MAX_UNCOMPRESSED_BYTES or (total > RATIO_CHECK_FROM_BYTES and total / compressed > MAX_RATIO):
            refusal = "工作簿解压后体积异常（疑似压缩炸弹），拒绝导入。"
    if refusal:
        archive.close()
        raise WorkbookRefused(refusal)
    return archive, size


def open_workbook(uploaded) -> openpyxl.Workbook:
    """Open an uploaded or on-disk .xlsx in read-only (streaming) mode."""
    archive, _ = open_archive(uploaded)
    archive.close()
    uploaded.seek(0)
    try:
        return openpyxl.load_workbook(uploaded, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise WorkbookRefused(f"无法读取工作簿：{exc}") from None


def normalise_header(value) -> str:
    text = "" if value is None else str(value)
    return text.strip().replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "")


def find_header(rows, required: list[str], max_title_rows: int = 5):
    """Return (header row number, {column name: index}, row iterator) for the
    first row among the first ``max_title_rows + 1`` that holds every
    required column name."""
    wanted = {normalise_header(r) for r in required}
    for number, row in enumerate(rows, start=1):
        names = [normalise_header(cell) for cell in row]
        if wanted <= set(names):
            columns = {}
            for index, name in enumerate(names):
                if name and name not in columns:
                    columns[name] = index
            return number, columns
        if number > max_title_rows:
            break
    raise WorkbookRefused("未找到表头：表头行须包含 " + "、".join(required) + "（表头之上最多 5 行标题）。")


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().replace("\u3000", " ").strip()


def is_formula(value) -> bool:
    return isinstance(value, str) and value.startswith("=")
