"""Importing layer: checks on a file before any parser reads it.

An import source comes from anywhere — a mail attachment, a USB stick. Before openpyxl or
python-docx sees it, `safe_open` looks at the raw bytes: empty, not an Office file, an old
binary .xls/.doc, a password-protected file (Office encrypts OOXML into an OLE compound file,
magic D0 CF 11 E0), a damaged zip, a zip whose headers ask for a version or compression
method Office never uses, too many parts, sizes or ratios out of all proportion to a form (a
zip bomb).

Then every XML part is streamed once through expat — decompressed in small chunks, never
whole, nothing built — and held to budgets a filled-in form is far below (`LIMITS`): no DTD
or entity declaration at all (Office never writes one: it is how entity-expansion and
external-entity attacks start), nesting depth, elements, the length of one text, cells per
worksheet and in all, the area of merged cells and of hyperlinks per worksheet (openpyxl
makes an object for every cell they cover), and in Word documents the number of tables, their
rows, and `gridSpan` / `gridBefore` / `gridAfter` (the importer walks every column a cell
spans). A file over a budget is refused with one Chinese line naming the limit.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# A filled-in form is tens of kilobytes; these limits leave room for logos and long texts.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRY_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for entries large enough to matter
RATIO_FLOOR = 1024 * 1024
MAX_EXTRACT_VERSION = 63  # zip 6.3; Office writes 2.0 (4.5 for very large files)
METHODS = {zipfile.ZIP_STORED: "不压缩", zipfile.ZIP_DEFLATED: "Deflate"}  # all Office uses

# Budgets on the XML, checked while streaming it.
MAX_XML_BYTES = 64 * 1024 * 1024  # all XML parts together, uncompressed
MAX_DEPTH = 256
MAX_ELEMENTS = 1_000_000
MAX_TEXT = 100_000  # characters in one run of text (a long goal text is a few thousand)
MAX_SHEET_CELLS = 100_000  # cells in one worksheet; a form has a few thousand at most
MAX_CELLS = 300_000  # cells in all worksheets
MAX_MERGES = 10_000  # merged ranges in one worksheet
MAX_SHEET_AREA = 100_000  # cells covered by merged ranges and by hyperlinks, per worksheet
MAX_SPAN = 64  # gridSpan / gridBefore / gridAfter (Word's own limit is 63 columns)
MAX_ROW_COLUMNS = 128  # grid columns one Word table row covers
MAX_TABLE_ROWS = 5000  # rows in one Word table
MAX_ROWS = 50_000  # rows in all Word tables
MAX_TABLES = 2000
MAX_TABLE_NESTING = 16


class ImportProblem(Exception):
    """A source file that cannot be imported. `str(error)` is one line for the user."""


@dataclass(frozen=True)
class CheckedFile:
    path: Path
    format: str  # "xlsx" | "docx"


def shown_name(path: Path | str) -> str:
    """A file's name fit for a one-line message: any bytes (a name that is not valid UTF-8,
    from another system or a hostile archive) become printable, control characters '?'."""
    name = Path(path).name or str(path)
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in name)


def _shown_path(path: Path) -> str:
    text = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in text)


def safe_open(path: Path | str) -> CheckedFile:
    """The file's format if it is safe to hand to a parser, else an `ImportProblem`."""
    path = Path(path)
    name = shown_name(path)
    try:
        if not path.exists():
            raise ImportProblem(f"找不到文件：{_shown_path(path)}")
        if not path.is_file():
            raise ImportProblem(f"{name} 不是文件。")
        size = path.stat().st_size
        if size == 0:
            raise ImportProblem(f"{name} 是空文件，没有可导入的表格。")
        if size > MAX_FILE_BYTES:
            raise ImportProblem(f"{name} 过大（{size // (1024 * 1024)} MB，上限 {MAX_FILE_BYTES // (1024 * 1024)} MB），"
                                f"不像是一份绩效表格，未导入。")
        with path.open("rb") as handle:
            head = handle.read(8)
            if head.startswith(OLE_MAGIC):
                handle.seek(0)
                body = handle.read()
    except OSError as exc:
        raise ImportProblem(f"无法读取 {name}：{exc.strerror or exc}") from exc
    if head.startswith(OLE_MAGIC):
        # An encrypted OOXML package is an OLE file with an EncryptionInfo stream; other
        # OLE files are the old binary .xls / .doc (or WPS) formats.
        if "EncryptionInfo".encode("utf-16-le") in body:
            raise ImportProblem(f"{name} 设有打开密码，无法读取。请在 Excel 或 Word 中取消密码后另存，再导入。")
        raise ImportProblem(f"{name} 是旧版 .xls/.doc 格式。请在 Excel 或 Word 中另存为 .xlsx 或 .docx 后再导入。")
    if not head.startswith(ZIP_MAGIC):
        raise ImportProblem(f"{name} 不是 Excel（.xlsx）或 Word（.docx）文件，未导入。")
    return CheckedFile(path, _check_zip(path, name))


def _damaged(name: str) -> ImportProblem:
    return ImportProblem(f"{name} 已损坏，无法读取（不是完整的 Office 文件）。")


def _check_zip(path: Path, name: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            kind = _check_entries(entries, name)
            _check_xml(archive, entries, kind, name)
            return kind
    except ImportProblem:
        raise
    except NotImplementedError as exc:  # zipfile: a version it cannot read
        found = re.search(r"\d+(\.\d+)?", str(exc))
        version = f"（{found.group(0)}）" if found else ""
        raise ImportProblem(f"{name} 的压缩格式版本{version}不是 Office 文件使用的，无法读取，未导入。") from exc
    except UnicodeDecodeError as exc:  # a part name flagged UTF-8 that is not
        raise ImportProblem(f"{name} 中有部件名称不是有效的 UTF-8 文字，文件已损坏，未导入。") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, struct.error,
            KeyError, IndexError, OverflowError, RuntimeError) as exc:
        raise _damaged(name) from exc
    except MemoryError as exc:
        raise ImportProblem(f"{name} 内容过大，无法读取，未导入。") from exc
    except OSError as exc:
        raise ImportProblem(f"无法读取 {name}：{exc.strerror or exc}") from exc


def _check_entries(entries: list[zipfile.ZipInfo], name: str) -> str:
    if len(entries) > MAX_ENTRIES:
        raise ImportProblem(f"{name} 内含 {len(entries)} 个部件，远超一份表格应有的数量（上限 {MAX_ENTRIES}），未导入。")
    total = 0
    names: set[str] = set()
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise ImportProblem(f"{name} 设有密码，无法读取。请取消密码后另存，再导入。")
        if entry.extract_version > MAX_EXTRACT_VERSION:
            raise ImportProblem(f"{name} 的压缩格式版本（{entry.extract_version / 10:.1f}）"
                                f"不是 Office 文件使用的，无法读取，未导入。")
        if entry.compress_type not in METHODS:
            raise ImportProblem(f"{name} 使用了 Office 文件不用的压缩方式（编号 {entry.compress_type}），"
                                f"无法读取，未导入。")
        if entry.filename in names:
            raise ImportProblem(f"{name} 中部件“{_short(entry.filename)}”重复出现，文件已损坏或被改动过，未导入。")
        names.add(entry.filename)
        total += entry.file_size
        ratio_suspicious = (entry.file_size > RATIO_FLOOR
                            and entry.file_size > MAX_RATIO * max(entry.compress_size, 1))
        if entry.file_size > MAX_ENTRY_UNCOMPRESSED or ratio_suspicious:
            raise ImportProblem(f"{name} 解压后体积异常（疑似压缩炸弹），未导入。")
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise ImportProblem(f"{name} 解压后体积异常（疑似压缩炸弹），未导入。")
    if "[Content_Types].xml" not in names:
        raise ImportProblem(f"{name} 不是 Excel（.xlsx）或 Word（.docx）文件，未导入。")
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    raise ImportProblem(f"{name} 是 Office 文件，但既不是 Excel 工作簿也不是 Word 文档，未导入。")


def _short(text: str, limit: int = 40) -> str:
    text = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in text)
    return text if len(text) <= limit else text[:limit] + "…"


# -- the XML budgets -------------------------------------------------------------------------------
_CHUNK = 64 * 1024
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,7})\$?([0-9]{1,12})$")


def _looks_like_xml(head: bytes) -> bool:
    for bom in _BOMS:
        if head.startswith(bom):
            return True
    return head.lstrip().startswith(b"<")


def _check_xml(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], kind: str, name: str) -> None:
    budget = _Budget(name)
    for entry in entries:
        if entry.is_dir() or entry.file_size == 0:
            continue
        with archive.open(entry) as stream:
            first = stream.read(_CHUNK)
            if not _looks_like_xml(first):
                continue  # a picture or another binary part: its size was checked above
            budget.start_part(entry.filename, kind)
            parser = budget.parser()
            try:
                chunk = first
                while chunk:
                    budget.add_bytes(len(chunk))
                    parser.Parse(chunk, False)
                    chunk = stream.read(_CHUNK)
                parser.Parse(b"", True)
            except expat.ExpatError as exc:
                if entry.filename.lower().endswith((".xml", ".rels")):
                    raise ImportProblem(f"{name} 已损坏：部件“{_short(entry.filename)}”不是完整的 XML，无法读取。") from exc
                # Legacy VML drawings are often not well-formed; no parser we use reads them.
            budget.end_part()


class _Budget:
    """Counts across the whole file while its XML parts are streamed."""

    def __init__(self, name: str):
        self.name = name
        self.xml_bytes = 0
        self.elements = 0
        self.cells = 0
        self.table_rows = 0
        self.tables = 0
        self.part = ""
        self.sheet = False
        self.word = False

    # what a refusal says
    def refuse(self, what: str) -> ImportProblem:
        return ImportProblem(f"{self.name} {what}，不像是一份绩效表格，未导入。")

    def start_part(self, part: str, kind: str) -> None:
        self.part = part
        lower = part.lower()
        self.sheet = kind == "xlsx" and lower.startswith("xl/worksheets/") and lower.endswith(".xml")
        self.word = kind == "docx" and lower.startswith("word/") and lower.endswith(".xml")
        self.depth = 0
        self.text = 0
        self.sheet_cells = 0
        self.merges = 0
        self.area = 0
        self.stack: list[list[int]] = []  # open Word tables: [rows, columns of the current row]

    def end_part(self) -> None:
        self.stack = []

    def add_bytes(self, count: int) -> None:
        self.xml_bytes += count
        if self.xml_bytes > MAX_XML_BYTES:
            raise self.refuse(f"的 XML 内容解压后超过 {MAX_XML_BYTES // (1024 * 1024)} MB")

    def parser(self):
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.entity
        parser.ExternalEntityRefHandler = self.external
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        return parser

    # handlers
    def doctype(self, *args) -> None:
        raise ImportProblem(f"{self.name} 的部件“{_short(self.part)}”含有 DTD（文档类型声明）。Office 文件不会有它，"
                            f"它可被用来展开或读入外部内容；为安全起见未导入。")

    def entity(self, *args) -> None:
        raise ImportProblem(f"{self.name} 的部件“{_short(self.part)}”含有 DTD 实体声明。为安全起见未导入。")

    def external(self, *args) -> int:
        raise ImportProblem(f"{self.name} 的部件“{_short(self.part)}”引用了外部实体（DTD）。为安全起见未导入。")

    def characters(self, data: str) -> None:
        self.text += len(data)
        if self.text > MAX_TEXT:
            raise self.refuse(f"中有一段文字超过 {MAX_TEXT:,} 个字符")

    def start(self, tag: str, attrs: dict) -> None:
        self.text = 0
        self.depth += 1
        self.elements += 1
        if self.depth > MAX_DEPTH:
            raise self.refuse(f"的 XML 嵌套过深（超过 {MAX_DEPTH} 层）")
        if self.elements > MAX_ELEMENTS:
            raise self.refuse(f"的内容元素过多（超过 {MAX_ELEMENTS:,} 个）")
        if self.sheet:
            self.sheet_start(tag.rpartition(" ")[2], attrs)
        elif self.word:
            self.word_start(tag.rpartition(" ")[2], attrs)

    def end(self, tag: str) -> None:
        self.text = 0
        self.depth -= 1
        if self.word and self.stack and tag.endswith(" tbl"):
            self.stack.pop()

    # Excel
    def sheet_start(self, local: str, attrs: dict) -> None:
        if local == "c":
            self.sheet_cells += 1
            self.cells += 1
            if self.sheet_cells > MAX_SHEET_CELLS:
                raise self.refuse(f"的工作表（{_short(self.part)}）含有超过 {MAX_SHEET_CELLS:,} 个单元格")
            if self.cells > MAX_CELLS:
                raise self.refuse(f"的工作表共含超过 {MAX_CELLS:,} 个单元格")
        elif local in ("mergeCell", "hyperlink"):
            ref = _attribute(attrs, "ref")
            if local == "mergeCell":
                self.merges += 1
                if self.merges > MAX_MERGES:
                    raise self.refuse(f"的工作表（{_short(self.part)}）含有超过 {MAX_MERGES:,} 个合并单元格区域")
            area = _area(ref)
            if area is None:
                if local == "mergeCell":
                    raise ImportProblem(f"{self.name} 已损坏：合并单元格区域“{_short(ref or '')}”无效，未导入。")
                return  # a hyperlink openpyxl will refuse or ignore by itself
            self.area += area
            if self.area > MAX_SHEET_AREA:
                what = "合并单元格" if local == "mergeCell" else "超链接"
                raise self.refuse(f"的工作表（{_short(self.part)}）中{what}覆盖的区域过大"
                                  f"（超过 {MAX_SHEET_AREA:,} 个单元格）")

    # Word
    def word_start(self, local: str, attrs: dict) -> None:
        if local == "tbl":
            self.tables += 1
            if self.tables > MAX_TABLES:
                raise self.refuse(f"含有超过 {MAX_TABLES:,} 个表格")
            self.stack.append([0, 0])
            if len(self.stack) > MAX_TABLE_NESTING:
                raise self.refuse(f"的表格嵌套过深（超过 {MAX_TABLE_NESTING} 层）")
        elif not self.stack:
            return
        elif local == "tr":
            table = self.stack[-1]
            table[0] += 1
            table[1] = 0
            self.table_rows += 1
            if table[0] > MAX_TABLE_ROWS:
                raise self.refuse(f"中有表格超过 {MAX_TABLE_ROWS:,} 行")
            if self.table_rows > MAX_ROWS:
                raise self.refuse(f"的表格共有超过 {MAX_ROWS:,} 行")
        elif local == "tc":
            self.columns(1)
        elif local in ("gridSpan", "gridBefore", "gridAfter"):
            value = _number(_attribute(attrs, "val"))
            if value is None:
                return  # not a number: python-docx decides
            if value > MAX_SPAN:
                raise self.refuse(f"的 Word 表格中有单元格跨列数为 {_short(str(value), 12)}（上限 {MAX_SPAN}）")
            if value > 0:
                self.columns(value - 1 if local == "gridSpan" else value)

    def columns(self, count: int) -> None:
        table = self.stack[-1]
        table[1] += count
        if table[1] > MAX_ROW_COLUMNS:
            raise self.refuse(f"的 Word 表格中有一行跨越超过 {MAX_ROW_COLUMNS} 列")


def _attribute(attrs: dict, local: str) -> str | None:
    for key, value in attrs.items():
        if key == local or key.endswith(" " + local):
            return value
    return None


def _number(text: str | None) -> int | None:
    """An integer attribute as python-docx reads it; a huge one as a huge number."""
    if text is None:
        return None
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        digits = text.lstrip("+")
        return 10 ** 18 if digits.isdigit() else None  # too many digits for int(): huge


def _area(ref: str | None) -> int | None:
    """Cells a range such as “A1:XFD1048576” covers, whichever corner comes first."""
    if not ref:
        return None
    corners = ref.strip().split(":")
    if len(corners) == 1:
        corners = corners * 2
    if len(corners) != 2:
        return None
    points = []
    for corner in corners:
        match = _CELL_REF.match(corner)
        if match is None:
            return None
        column = 0
        for letter in match.group(1).upper():
            column = column * 26 + ord(letter) - 64
        points.append((int(match.group(2)), column))
    (r1, c1), (r2, c2) = points
    return (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
