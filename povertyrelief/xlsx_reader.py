"""Streaming reader of uploaded .xlsx workbooks, shared by every importer.

The archive is opened by ``xlsx_archive.open_archive`` (size, type,
macros, password, compressed bomb). Whatever else is wrong with a file,
reading it raises ``WorkbookRefused`` with a Chinese message, never
anything else.

Every XML part goes through expat under defusedxml's rules: the prolog of
each part (all that comes before its root element, the only place a DTD may
stand) is parsed by defusedxml's parser with DTDs, entity declarations and
external references forbidden, whatever comes before (comments, another
encoding); after the root element a DTD is not well-formed and expat refuses
it, and without a DTD no entity can be declared. The rows themselves are
pulled through the C-accelerated parser, one row in memory at a time, and
turned into values by ``xlsx_cells.RowReader``.
"""

from __future__ import annotations

import logging
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.core.files import File

from .xlsx import WorkbookRefused, normalise_header
from .xlsx_archive import BOMB, BROKEN, BROKEN_ERRORS, open_archive
from .xlsx_cells import MAX_SHEET_ROWS, Formula, RowReader, is_formula, local_name, qualified, rich_text

__all__ = ["Formula", "Sheet", "Upload", "Workbook", "find_header", "is_formula"]

log = logging.getLogger("povertyrelief.xlsx_reader")

# Parts read whole (workbook, relationships, content types) are small.
MAX_SMALL_PART_BYTES = 16 * 1024 * 1024
# What stands between two rows (or two shared strings) is kept in memory
# until the next one ends; a real row, however wide, is far smaller.
MAX_BYTES_BETWEEN = 4 * 1024 * 1024
MAX_SHARED_STRINGS = 1_500_000
MAX_SHARED_CHARS = 30_000_000
# 16 KB pieces keep the pull parser's pending elements in the CPU cache: 32 KB and
# more read a 50,000-row sheet half again as slowly.
CHUNK = 16 * 1024

XML_SUFFIXES = (".xml", ".rels")

# What an importer reads: an uploaded file, or a file opened in binary mode.
Upload = File | BinaryIO

UNSAFE = "工作簿含有不安全的 XML 声明（DTD 或实体定义），出于安全原因拒绝导入。"


@dataclass(frozen=True)
class Sheet:
    name: str
    path: str


# ---------------------------------------------------------------- XML parts
class _RootReached(Exception):
    pass


class _PrologProbe:
    """Parser target that stops at the root element: by then the prolog,
    where a DTD would stand, has been parsed."""

    def start(self, tag, attrib):
        raise _RootReached

    def end(self, tag):
        pass

    def data(self, data):
        pass

    def close(self):
        return None


class _Sink:
    """Parser target that keeps nothing: the part is only checked."""

    def doctype(self, name, pubid, system):
        raise WorkbookRefused(UNSAFE)

    def close(self):
        return None


_DECLARATIONS = tuple(
    text.encode(encoding) for text in ("<!doctype", "<!entity") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)


def _attribute(element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (r:id)."""
    for key, value in element.attrib.items():
        if local_name(key) == name:
            return value
    return None


def _malformed(part: str, exc: Exception) -> str:
    where = ""
    position = getattr(exc, "position", None)
    if position:
        where = f"第 {position[0]} 行第 {position[1] + 1} 个字符附近"
    return f"工作簿已损坏，无法读取：{part}{where}不是有效的 XML。请在 Excel 中打开后重新保存，再导入。"


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


class Workbook:
    """An uploaded workbook opened for streaming: its worksheets in order,
    and each sheet's rows as (row number, tuple of values). Use as a context
    manager, or call ``close``."""

    def __init__(self, uploaded: Upload):
        self.archive, self.size = open_archive(uploaded)
        self._strings: list[str] | None = None
        self.sheets: list[Sheet] = []
        # Parts parsed from start to end.
        self._verified: set[str] = set()
        try:
            self.sheets, self._shared_path = self._find_sheets()
            self._check_parts()
        except WorkbookRefused:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise _refusal(exc, "") from None

    def close(self) -> None:
        self.archive.close()

    def _label(self, path: str) -> str:
        """A part as the user knows it: a sheet by its name."""
        name = next((sheet.name for sheet in self.sheets if sheet.path == path), None)
        return f"工作表“{name}”（{path}）" if name is not None else f"内部文件 {path} "

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- structure
    def _read_small(self, path: str):
        info = self.archive.getinfo(path)
        if info.file_size > MAX_SMALL_PART_BYTES:
            raise WorkbookRefused(BOMB)
        try:
            root = defused_fromstring(self.archive.read(path), forbid_dtd=True)
        except ET.ParseError as exc:
            raise WorkbookRefused(_malformed(self._label(path), exc)) from None
        self._verified.add(path)
        return root

    def _relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type, resolved target) of a part's internal relationships."""
        path = _rels_path(part)
        if path not in self.archive.NameToInfo:
            return []
        found = []
        for rel in self._read_small(path):
            if local_name(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            found.append((rel.get("Id", ""), rel.get("Type", ""), _resolve(part, rel.get("Target", ""))))
        return found

    def _find_sheets(self) -> tuple[list[Sheet], str | None]:
        types = self._read_small("[Content_Types].xml")
        if any("macroenabled" in (e.get("ContentType") or "").lower() for e in types):
            raise WorkbookRefused("工作簿含有宏，出于安全原因拒绝导入。")
        main = next(
            (target for _, kind, target in self._relationships("") if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        if main not in self.archive.NameToInfo:
            raise WorkbookRefused("文件不是有效的 .xlsx 工作簿（找不到工作簿内容，可能是改了扩展名的其他文件）。")
        workbook = self._read_small(main)
        rels = self._relationships(main)
        targets = {rid: target for rid, kind, target in rels if kind.endswith("/worksheet")}
        shared = next((target for _, kind, target in rels if kind.endswith("/sharedStrings")), None)
        sheets = []
        for element in workbook.iter():
            if local_name(element.tag) == "sheet":
                target = targets.get(_attribute(element, "id") or "")
                if target in self.archive.NameToInfo:
                    sheets.append(Sheet(element.get("name") or "", target))
        if not sheets:
            raise WorkbookRefused("工作簿中没有可读取的工作表。")
        return sheets, shared if shared in self.archive.NameToInfo else None

    def _xml_parts(self) -> list[str]:
        return [
            info.filename for info in self.archive.infolist()
            if info.filename.lower().endswith(XML_SUFFIXES + (".vml",)) and not info.is_dir()
        ]

    def _check_parts(self) -> None:
        """Every XML part's prolog is checked for a DTD now, and the parts
        not read later are parsed whole now, so a damaged one is refused
        before any row is taken. Sheets and shared strings are parsed whole
        as they are read, or by ``finish``."""
        streamed = {sheet.path for sheet in self.sheets} | {self._shared_path}
        for name in self._xml_parts():
            if name in self._verified:
                continue
            if name.lower().endswith(".vml"):
                self._check_legacy_drawing(name)
            elif name in streamed:
                for _chunk in self._chunks(name, probe_only=True):
                    pass
            else:
                self._parse_through(name)

    def _check_legacy_drawing(self, path: str) -> None:
        """Legacy drawings (comment boxes) are never parsed, and Excel's are
        not always well-formed (an unclosed <br>): their prolog is checked
        like any part's, and a DTD or entity declaration anywhere in them
        is refused all the same."""
        for _chunk in self._chunks(path, probe_only=True):
            pass
        tail = b""
        with self.archive.open(path) as stream:
            while chunk := stream.read(CHUNK):
                window = tail + chunk.lower()
                if any(marker in window for marker in _DECLARATIONS):
                    raise WorkbookRefused(UNSAFE)
                tail = window[-20:]

    def finish(self) -> None:
        """Read every sheet not yet read to its end (one that is not
        imported, say) and parse through every other part, so that a damaged
        part anywhere refuses the file. Importers call it after taking the
        rows and before writing."""
        for sheet in self.sheets:
            if sheet.path not in self._verified:
                for _row in self.rows(sheet):
                    pass
        name = ""
        try:
            for name in self._xml_parts():
                if name not in self._verified and not name.lower().endswith(".vml"):
                    self._parse_through(name)
        except WorkbookRefused:
            raise
        except Exception as exc:
            raise _refusal(exc, self._label(name)) from None

    def _chunks(self, path: str, probe_only: bool = False) -> Iterator[bytes]:
        """The bytes of one XML part; its prolog is parsed by defusedxml,
        which refuses a DTD, an entity declaration or an external reference."""
        probe = DefusedXMLParser(target=_PrologProbe(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
        checking = True
        try:
            with self.archive.open(path) as stream:
                while chunk := stream.read(CHUNK):
                    if checking:
                        try:
                            probe.feed(chunk)
                        except _RootReached:
                            checking = False
                            if probe_only:
                                return
                    yield chunk
            if checking:
                probe.close()  # no root element: raises ParseError
        except ET.ParseError as exc:
            raise WorkbookRefused(_malformed(self._label(path), exc)) from None

    def _parse_through(self, path: str) -> None:
        parser = ET.XMLParser(target=_Sink())
        try:
            for chunk in self._chunks(path):
                parser.feed(chunk)
            parser.close()
        except ET.ParseError as exc:
            raise WorkbookRefused(_malformed(self._label(path), exc)) from None
        self._verified.add(path)

    def _event_batches(self, path: str, events: tuple[str, ...]) -> Iterator:
        """Pull-parse one part, handing out the parser's events chunk by
        chunk (one generator step per chunk, not per element)."""
        parser = ET.XMLPullParser(events)
        for chunk in self._chunks(path):
            parser.feed(chunk)
            yield parser.read_events()
        parser.close()
        yield parser.read_events()
        self._verified.add(path)

    def _too_many_elements(self, path: str) -> WorkbookRefused:
        return WorkbookRefused(f"工作簿中{self._label(path)}的结构异常（某一行或行与行之间的内容过大），拒绝导入。")

    def _elements(self, path: str, names: tuple[str, ...]) -> Iterator:
        """Each element named in ``names`` once complete, cleared after.
        Filtering on the qualified tag keeps the per-element cost in C."""
        wanted = qualified(names)
        pending = 0
        for batch in self._event_batches(path, ("end",)):
            seen = False
            for _event, element in batch:
                if element.tag in wanted:
                    seen = True
                    yield element
                    element.clear()
            # Counted per chunk, not per element: this loop runs for every
            # element of the sheet.
            pending = 0 if seen else pending + CHUNK
            if pending > MAX_BYTES_BETWEEN:
                raise self._too_many_elements(path)

    # -- reading
    def _guarded(self, path: str, generator) -> Iterator:
        try:
            yield from generator
        except WorkbookRefused:
            raise
        except ET.ParseError as exc:
            raise WorkbookRefused(_malformed(self._label(path), exc)) from None
        except Exception as exc:
            raise _refusal(exc, self._label(path)) from None

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = self._shared_strings() if self._shared_path else []
        return self._strings

    def _shared_strings(self) -> list[str]:
        """The shared-strings table; each finished <si> leaves the tree, so
        memory holds the texts alone however many there are."""
        path = self._shared_path
        wanted = qualified(("si",))
        strings: list[str] = []
        chars = pending = 0
        root = None
        for batch in self._event_batches(path, ("start", "end")):
            seen = False
            for event, element in batch:
                if root is None:
                    root = element
                elif event == "end" and element.tag in wanted:
                    seen = True
                    text = rich_text(element)
                    chars += len(text)
                    strings.append(text)
                    root.clear()
            if len(strings) > MAX_SHARED_STRINGS or chars > MAX_SHARED_CHARS:
                raise WorkbookRefused("工作簿中的文字内容过多，超出导入上限，请分成几个文件导入。")
            pending = 0 if seen else pending + CHUNK
            if pending > MAX_BYTES_BETWEEN:
                raise self._too_many_elements(path)
        return strings

    def dimension_rows(self, sheet: Sheet) -> int | None:
        """Last row of the sheet's recorded <dimension>, without reading the rows."""
        return next(self._guarded(sheet.path, self._dimension(sheet.path)), None)

    def _dimension(self, path: str):
        for element in self._elements(path, ("dimension", "row")):
            if local_name(element.tag) == "dimension":
                match = re.fullmatch(r"[A-Z]{0,3}\$?(\d{1,7})(?::\$?[A-Z]{0,3}\$?(\d{1,7}))?", element.get("ref", "").strip())
                if match:
                    last = int(match.group(2) or match.group(1))
                    if 0 < last <= MAX_SHEET_ROWS:
                        yield last
            return

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, tuple]]:
        """(sheet row number, tuple of cell values) for every row with
        cells: str, int, float, bool, or ``Formula``; None in a gap."""
        return self._guarded(sheet.path, self._rows(sheet))

    def _rows(self, sheet: Sheet):
        reader = RowReader(self, sheet)
        count = 0
        for element in self._elements(sheet.path, ("row",)):
            count += 1
            if count > MAX_SHEET_ROWS:
                reader.refuse(f"的行数超过 Excel 的上限（{MAX_SHEET_ROWS:,} 行）")
            values = reader.read(element)
            if values:
                yield reader.number, values


def _refusal(exc: Exception, part: str) -> WorkbookRefused:
    """The refusal a reading error stands for; an unforeseen one is logged
    and still refused, so a strange file never becomes a server error."""
    if isinstance(exc, DefusedXmlException):
        return WorkbookRefused(UNSAFE)
    if isinstance(exc, ET.ParseError):
        return WorkbookRefused(_malformed(part, exc))
    # A plain LookupError is an unknown encoding declared by the part.
    if isinstance(exc, UnicodeError) or type(exc) is LookupError:
        return WorkbookRefused(f"工作簿已损坏，无法读取：{part}的文字编码无效。")
    if not isinstance(exc, BROKEN_ERRORS):
        log.exception("unexpected error reading workbook part %s", part or "(structure)")
    return WorkbookRefused(BROKEN)


def find_header(rows: Iterator[tuple[int, tuple]], required: list[str], max_title_rows: int = 5) -> tuple[int, dict[str, int]]:
    """Return (header row number, {normalised column name: index}) for the
    first row, among the first ``max_title_rows + 1``, holding every
    required column name; ``rows`` then continues after the header."""
    wanted = {normalise_header(r) for r in required}
    for number, row in rows:
        if number > max_title_rows + 1:
            break
        names = ["" if is_formula(cell) else normalise_header(cell) for cell in row]
        if wanted <= set(names):
            columns: dict[str, int] = {}
            for index, name in enumerate(names):
                if name and name not in columns:
                    columns[name] = index
            return number, columns
    raise WorkbookRefused("未找到表头：表头行须包含 " + "、".join(required) + "（表头之上最多 5 行标题）。")
