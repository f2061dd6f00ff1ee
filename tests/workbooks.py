"""Workbooks for the import tests: rewriting the parts of a saved .xlsx,
strings stored as Excel stores them (a shared-strings part), and damaged
files of every kind the importers must refuse in Chinese."""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape

SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHARED_STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SHEET = "xl/worksheets/sheet1.xml"
DTD = b'<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'


def parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def build(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def rezip(content: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """The same workbook with each part passed through ``change(name, data)``."""
    return build({name: change(name, data) for name, data in parts(content).items()})


def change_part(content: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    return rezip(content, lambda name, data: change(data) if name == part else data)


_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S)


def with_shared_strings(content: bytes) -> bytes:
    """Inline strings (as openpyxl and streaming writers save them) moved
    to a shared-strings part, as Excel saves them."""
    files = parts(content)
    strings: list[bytes] = []
    index: dict[bytes, int] = {}

    def shared(match):
        text = match.group(3)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return b'<c ' + match.group(1) + b't="s"' + match.group(2) + b"><v>" + str(index[text]).encode() + b"</v></c>"

    for name in list(files):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            files[name] = _INLINE.sub(shared, files[name])
    items = b"".join(b'<si><t xml:space="preserve">' + s + b"</t></si>" for s in strings)
    files["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="%d" uniqueCount="%d">' % (len(strings), len(strings)) + items + b"</sst>"
    )
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + SHARED_STRINGS_TYPE.encode() + b'"/></Types>'
    )
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdShared" Type="' + SHARED_STRINGS_REL.encode() + b'" Target="sharedStrings.xml"/></Relationships>',
    )
    return build(files)


def text_cell(value: str) -> bytes:
    """An inline-string cell's XML, for splicing into a sheet."""
    return b'<c t="inlineStr"><is><t>' + escape(value).encode() + b"</t></is></c>"


# ---------------------------------------------------------------- damage
def _first_shared_index(content: bytes, value: bytes) -> bytes:
    return change_part(content, SHEET, lambda data: re.sub(rb'(t="s"[^>]*><v>)\d+(</v>)', rb"\g<1>" + value + rb"\g<2>", data, count=1))


def _cell_reference(content: bytes, reference: bytes) -> bytes:
    # The first data row's first cell (row 1 is the header).
    return change_part(content, SHEET, lambda data: re.sub(rb'<c r="A2"', b'<c r="' + reference + b'"', data, count=1))


def _before_root(part: str, prefix: bytes):
    def damage(content: bytes) -> bytes:
        def change(data: bytes) -> bytes:
            declaration = re.match(rb"<\?xml[^>]*\?>\s*", data)
            head = declaration.group(0) if declaration else b""
            return head + prefix + data[len(head):]

        return change_part(content, part, change)

    return damage


def _utf16_with_dtd(content: bytes) -> bytes:
    def change(data: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data).decode()
        return ('<?xml version="1.0" encoding="UTF-16"?>' + DTD.decode() + body).encode("utf-16")

    return change_part(content, SHEET, change)


def _truncated(content: bytes) -> bytes:
    return content[: len(content) * 2 // 3]


def _bomb(content: bytes) -> bytes:
    files = parts(content)
    # 30 MB of one repeated cell packs to a few tens of KB.
    cell = b'<c r="A9" t="inlineStr"><is><t>0</t></is></c>'
    files[SHEET] = files[SHEET].replace(b"</sheetData>", b'<row r="9">' + cell * 700_000 + b"</row></sheetData>")
    return build(files)


def _declared_size_lie(content: bytes) -> bytes:
    """The central directory claims the sheet unpacks to 3 GB."""
    data = bytearray(content)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == SHEET.encode():
            struct.pack_into("<I", data, position + 24, 3_000_000_000)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 40
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

# name: (how the workbook is damaged, words the refusal must contain)
MALFORMED: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "sheet XML not well-formed": (lambda c: change_part(c, SHEET, lambda d: d.replace(b"</row>", b"</rw>", 1)), "不是有效的 XML"),
    "sheet XML cut short": (lambda c: change_part(c, SHEET, lambda d: d[: len(d) // 2]), "不是有效的 XML"),
    "shared-string index not a number": (lambda c: _first_shared_index(with_shared_strings(c), b"x1"), "共享文字编号"),
    "shared-string index out of range": (lambda c: _first_shared_index(with_shared_strings(c), b"99999"), "共享文字编号"),
    "shared-string index negative": (lambda c: _first_shared_index(with_shared_strings(c), b"-1"), "共享文字编号"),
    "cell reference past XFD": (lambda c: _cell_reference(c, b"ZZZZZZ2"), "XFD"),
    "cell reference one past XFD": (lambda c: _cell_reference(c, b"XFE2"), "XFD"),
    "DTD after a comment": (_before_root(SHEET, b"<!-- <x> exported -->" + DTD), "不安全的 XML"),
    "DTD after a long comment": (_before_root(SHEET, b"<!--" + b"x" * 40_000 + b"-->" + DTD), "不安全的 XML"),
    "DTD in a UTF-16 sheet": (_utf16_with_dtd, "不安全的 XML"),
    "DTD in shared strings": (
        lambda c: _before_root("xl/sharedStrings.xml", DTD)(with_shared_strings(c)), "不安全的 XML"
    ),
    "DTD in the workbook part": (_before_root("xl/workbook.xml", b"<!-- c -->" + DTD), "不安全的 XML"),
    "DTD in an unread part": (_before_root("docProps/core.xml", b'<!DOCTYPE x SYSTEM "file:///etc/passwd">'), "不安全的 XML"),
    "DTD in the content types": (_before_root("[Content_Types].xml", DTD), "不安全的 XML"),
    "undeclared entity in a cell": (
        lambda c: change_part(c, SHEET, lambda d: d.replace(b"<t>", b"<t>&b;", 1)), "不是有效的 XML"
    ),
    "truncated zip": (_truncated, "不完整或已损坏"),
    "zip bomb": (_bomb, "压缩炸弹"),
    "declared size of 3 GB": (_declared_size_lie, "压缩炸弹"),
    ".xls renamed": (lambda c: XLS, "旧版 Excel（.xls）"),
    ".csv renamed": (lambda c: "县,乡镇,行政村,户编号,姓名\n秦川县,城关镇,张家沟村,H001,张三\n".encode("gb18030"), "CSV"),
    "image renamed": (lambda c: PNG, "图片"),
    "PDF renamed": (lambda c: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    "empty file": (lambda c: b"", "空的"),
    "row number not a number": (lambda c: change_part(c, SHEET, lambda d: d.replace(b'<row r="2"', b'<row r="two"', 1)), "行号"),
    "numeric cell holding text": (
        lambda c: change_part(c, SHEET, lambda d: d.replace(b"</row>", b'<c r="ZZ1"><v>12abc</v></c></row>', 1)),
        "数值",
    ),
    "no worksheet part": (lambda c: build({k: v for k, v in parts(c).items() if k != SHEET}), "工作表"),
    "a Word document renamed": (
        lambda c: build({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}), "找不到工作簿"
    ),
}


# ---------------------------------------------------------------- fuzzing
REFERENCES = [
    b"ZZZZZZ1", b"XFD2", b"XFE2", b"A0", b"a2", b"1A", b"", b"A99999999999", b"AAAA1", b"A-1", b"\xe4\xb8\x802",
    b"XFD1048577", b"B1048576", b"A" * 300 + b"1",
]
INDEXES = [b"-1", b"99999", b"x", b"1.5", b"", b" 1", b"0x1", b"1e3", b"9" * 30, b"\xef\xbc\x91", b"0", b"3"]
NUMBERS = [b"nan", b"inf", b"-inf", b"1e400", b"9" * 5000, b"1_0", b"--1", b"0x10", b"\xd9\xa1", b"2016.5", b"-0", b"1E5"]
TYPES = [b"s", b"n", b"b", b"e", b"str", b"inlineStr", b"d", b"zzz", b""]
ROW_NUMBERS = [b"0", b"-1", b"1048577", b"abc", b"", b"99999999999999999999", b"1", b"3", b"1048576"]
INJECTIONS = [
    DTD, b"<!DOCTYPE x>", b'<!DOCTYPE x SYSTEM "file:///etc/passwd">', b"&b;", b"&#0;", b"&#x110000;", b"&lt;",
    b"<f>1+1</f>", b"<!--", b"-->", b"]]>", b"<![CDATA[=SUM(A1)]]>", b"\x00", b"\xff\xfe", b"<?pi x?>",
    b'<c r="B2"><f>A1</f><v>1</v></c>', b'<row r="3"/>', b"</sheetData>", b"<sheetData>", b'<c r="XFE9"><v>1</v></c>',
    b'<c t="inlineStr"><is><t>=SUM(A1:A9)</t></is></c>', b"<is><t>=x</t></is>", b"<v>=1</v>", b'xmlns="urn:x"',
    b'<c r="A2" t="s"><v>77777</v></c>', b"<row>" + b'<c t="n"><v>1</v></c>' * 50 + b"</row>",
]
FOREIGN = [XLS, PNG, b"", b"%PDF-1.4\n", "县,乡镇\n秦川县,城关镇\n".encode("gb18030"), b"PK\x05\x06" + b"\x00" * 18, b"PK\x03\x04junk"]


def _sub_random(rng, data: bytes, pattern: bytes, values: list[bytes]) -> tuple[bytes, str]:
    matches = list(re.finditer(pattern, data))
    if not matches:
        return data, "no match"
    match = rng.choice(matches)
    value = rng.choice(values)
    return data[: match.start(1)] + value + data[match.end(1) :], f"{pattern!r}→{value[:20]!r}"


TEXTS = [
    "", " ", "户主", "户住", "配偶", "之子", "=x", "=SUM(A1)", "0", "-1", "1e9", "2013", "9999", "男", "女", "是", "否",
    "N/A", "\u3000", "张" * 40, "610499196505120137", "610499196505120138", "61049919650512013x", "H001", "城关镇",
    "张家沟村", "清河镇", "秦川县", "别县", "残疾", "一级", "一般贫困户", "因病", "13800000001", "4523.505", "1,234.5元",
]
TEXTS = [text.encode() for text in TEXTS]

_PATTERNS = {
    "text": (rb"<t(?: [^>]*)?>([^<]*)</t>", TEXTS),
    "ref": (rb'<c r="([^"]*)"', REFERENCES),
    "index": (rb't="s"[^>]*><v>([^<]*)</v>', INDEXES),
    "number": (rb'<c r="[A-Z]+\d+"(?: s="\d+")?(?: t="n")?><v>([^<]*)</v>', NUMBERS),
    "type": (rb'<c [^>]*t="([^"]*)"', TYPES),
    "row": (rb'<row r="([^"]*)"', ROW_NUMBERS),
}


def _mutate_part(rng, data: bytes) -> tuple[bytes, str]:
    """One damage to an XML part; the cell-level ones only where they apply."""
    kinds = ["flip", "splice", "inject"] + [k for k, (pattern, _) in _PATTERNS.items() if re.search(pattern, data)] * 2
    kind = rng.choice(kinds)
    if kind == "flip" and data:
        data = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.choice([rng.randrange(256), *b'<>&"=/\x00\xff0123456789ABCXZ'])
        return bytes(data), "flip"
    if kind == "splice" and data:
        start = rng.randrange(len(data))
        end = min(len(data), start + rng.randint(1, 400))
        choice = rng.choice(["delete", "duplicate", "move"])
        if choice == "delete":
            return data[:start] + data[end:], f"delete {start}:{end}"
        if choice == "duplicate":
            return data[:end] + data[start:end] * rng.randint(1, 50) + data[end:], f"duplicate {start}:{end}"
        at = rng.randrange(len(data))
        return data[:at] + data[start:end] + data[at:], f"move {start}:{end}→{at}"
    if kind == "inject":
        boundaries = [m.end() for m in re.finditer(rb">", data)] or [0]
        at = rng.choice(boundaries) if rng.random() < 0.8 else rng.randrange(len(data) + 1)
        value = rng.choice(INJECTIONS)
        return data[:at] + value + data[at:], f"inject {value[:30]!r} at {at}"
    pattern, values = _PATTERNS[kind]
    return _sub_random(rng, data, pattern, values)


def _mutate_zip(rng, content: bytes) -> tuple[bytes, str]:
    kind = rng.choice(["bytes", "truncate", "append", "drop", "duplicate", "stored", "flag", "extra_part", "foreign"])
    if kind == "bytes":
        data = bytearray(content)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data), "zip bytes"
    if kind == "truncate":
        cut = rng.randrange(len(content))
        return content[:cut], f"truncate at {cut}"
    if kind == "append":
        return content + bytes(rng.randrange(256) for _ in range(rng.randint(1, 2000))), "append garbage"
    if kind == "foreign":
        return rng.choice(FOREIGN), "foreign file"
    try:
        files = parts(content)
    except Exception:
        files = {}
    if not files:  # an earlier damage broke or emptied the zip
        return content[:-1], "drop the last byte"
    name = rng.choice(sorted(files))
    if kind == "drop":
        del files[name]
        return build(files), f"drop {name}"
    if kind == "stored":
        return build(files, zipfile.ZIP_STORED), "stored"
    if kind == "extra_part":
        extra = rng.choice([("xl/vbaProject.bin", b"\x00" * 8), ("xl/media/image1.png", PNG), ("evil.xml", DTD + b"<a/>")])
        files[extra[0]] = extra[1]
        return build(files), f"add {extra[0]}"
    if kind == "flag":
        return _flag_encrypted(build(files), name), f"encrypted flag on {name}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        for part, data in files.items():
            archive.writestr(part, data)
            if part == name:
                archive.writestr(part, data[: len(data) // 2])
    return buffer.getvalue(), f"duplicate {name}"


def _flag_encrypted(content: bytes, name: str) -> bytes:
    """Mark one part encrypted in its local and central headers (zipfile
    itself clears the flag when writing)."""
    data = bytearray(content)
    for signature, flags, name_length, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        position = data.find(signature)
        while position != -1:
            length = struct.unpack_from("<H", data, position + name_length)[0]
            if bytes(data[position + name_at : position + name_at + length]) == name.encode():
                data[position + flags] |= 0x1
            position = data.find(signature, position + 4)
    return bytes(data)


def mutate(rng, content: bytes) -> tuple[bytes, str]:
    """One to three random damages to a workbook: to the bytes of one of its
    XML parts (sheets weighted most), or to the zip around them."""
    notes = []
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.2:
            content, note = _mutate_zip(rng, content)
            notes.append(note)
            continue
        try:
            files = parts(content)
        except Exception:
            files = {}
        if not files:
            break  # an earlier damage broke or emptied the zip
        names = sorted(files)
        sheets = [n for n in names if n.startswith("xl/worksheets/sheet1") or n == "xl/sharedStrings.xml"]
        name = rng.choice(sheets * 6 + names)
        files[name], note = _mutate_part(rng, files[name])
        notes.append(f"{name}: {note}")
        content = build(files)
    return content, "; ".join(notes)
