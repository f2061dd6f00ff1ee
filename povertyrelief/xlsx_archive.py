"""Opening an uploaded .xlsx safely, before any of its XML is read.

Limits from the import template: ``.xlsx`` only, at most 20 MB, no macros,
no password, no compressed bomb (the uncompressed size must stay in
proportion). A file that is not a zip archive at all is named for what it
probably is (an old .xls, a CSV, an image), so the user knows what to do.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

from .xlsx import MAX_BYTES, WorkbookRefused

# A dense 200,000-row sheet unpacks to a few hundred MB; refuse anything that
# would unpack far beyond what its rows could need.
MAX_UNCOMPRESSED_BYTES = 600 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECK_FROM_BYTES = 20 * 1024 * 1024
MAX_PARTS = 1000

BROKEN = "文件不是有效的 .xlsx 工作簿：文件不完整或已损坏（可能在复制、下载或上传时中断），请重新导出或保存后再上传。"
BOMB = "工作簿解压后体积异常（疑似压缩炸弹），拒绝导入。"

# Exceptions the zip and zlib modules raise on a damaged archive.
BROKEN_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
    RuntimeError, struct.error, KeyError, IndexError, OverflowError,
)


_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")


def _looks_like_text(head: bytes) -> bool:
    encodings = ("utf-16",) if head.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            # The head may cut a multi-byte character in two.
            try:
                text = head[:-3].decode(encoding)
            except UnicodeDecodeError:
                continue
        printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
        if text and printable / len(text) > 0.95:
            return True
    return False


NOT_XLSX = "文件不是有效的 .xlsx 工作簿："
SAVE_AS = "请用 Excel 打开后“另存为”Excel 工作簿（.xlsx）再导入。"


def describe_non_xlsx(head: bytes) -> str:
    """What a file that is not a zip archive probably is, in the user's words."""
    if not head:
        return NOT_XLSX + "文件是空的（0 字节），请重新选择要导入的工作簿。"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (
            NOT_XLSX + "它是旧版 Excel（.xls）文件，或设置了打开密码：请用 Excel 打开（有密码的先取消密码）后"
            "“另存为”Excel 工作簿（.xlsx）再导入。"
        )
    if head.startswith(_IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return NOT_XLSX + "它是一张图片。请导入 .xlsx 格式的工作簿。"
    if head.startswith(b"%PDF"):
        return NOT_XLSX + "它是 PDF 文档。请导入 .xlsx 格式的工作簿。"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<?xml", b"<html", b"<!doctype html", b"<table", b"<meta")):
        return NOT_XLSX + "它是网页或 XML 格式的表格，只是扩展名为 .xlsx；" + SAVE_AS
    if _looks_like_text(head):
        return NOT_XLSX + "它是文本（如 CSV）文件，只是扩展名为 .xlsx；" + SAVE_AS
    if head.startswith(b"BM"):
        return NOT_XLSX + "它是一张图片。请导入 .xlsx 格式的工作簿。"
    return NOT_XLSX + "无法识别的文件格式，可能已损坏。"


def open_archive(uploaded) -> tuple[zipfile.ZipFile, int]:
    """Open an uploaded .xlsx as a zip archive, refusing what cannot be read
    safely: not .xlsx, empty, over 20 MB, another kind of file renamed,
    damaged, encrypted, macros, or a compressed bomb. Returns the open
    archive (the caller closes it) and the file size."""
    name = getattr(uploaded, "name", str(uploaded))
    if not str(name).lower().endswith(".xlsx"):
        raise WorkbookRefused("只接受 .xlsx 格式的工作簿（不支持 .xls、.xlsm 或其他格式）。")
    uploaded.seek(0, 2)
    size = uploaded.tell()
    if size > MAX_BYTES:
        raise WorkbookRefused(f"文件过大（{size / 1024 / 1024:.1f} MB），上限为 20 MB。")
    uploaded.seek(0)
    head = uploaded.read(512)
    uploaded.seek(0)
    if not head.startswith(b"PK"):
        raise WorkbookRefused(describe_non_xlsx(head))
    try:
        archive = zipfile.ZipFile(uploaded)
        infos = archive.infolist()
    except BROKEN_ERRORS:
        raise WorkbookRefused(BROKEN) from None
    refusal = _archive_refusal(infos)
    if refusal:
        archive.close()
        raise WorkbookRefused(refusal)
    return archive, size


def _archive_refusal(infos: list[zipfile.ZipInfo]) -> str | None:
    names = {info.filename for info in infos}
    if len(infos) > MAX_PARTS:
        return f"工作簿内部的文件过多（{len(infos)} 个），不像是正常的 Excel 工作簿，拒绝导入。"
    if "[Content_Types].xml" not in names:
        return "文件不是有效的 .xlsx 工作簿（缺少内容类型清单，可能是改了扩展名的其他压缩文件）。"
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return "工作簿含有宏，出于安全原因拒绝导入。"
    if any(info.flag_bits & 0x1 for info in infos):
        return "工作簿内部文件已加密，无法读取：请在 Excel 中取消密码后另存为 .xlsx 再导入。"
    total = sum(info.file_size for info in infos)
    compressed = max(1, sum(info.compress_size for info in infos))
    # Small files may compress very well (empty templates); only large ones
    # are judged by their ratio. Reading never unpacks more than the sizes
    # recorded here: zipfile stops each part at its recorded size.
    if total > MAX_UNCOMPRESSED_BYTES or (total > RATIO_CHECK_FROM_BYTES and total / compressed > MAX_RATIO):
        return BOMB
    return None
