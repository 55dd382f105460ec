"""Importing layer: a neutral cell grid, and the xlsx / docx readers that produce it.

Whatever the file, the recogniser sees the same thing: a `Block` (one worksheet, or one
Word document) made of `Row`s of logical `Cell`s. A merged range is one cell spanning its
columns; the rows below the top of a vertical merge repeat its text with `continued` set,
so a 一级指标 merged down its group reads on every row. Paragraphs of a document become
one-cell rows in reading order, so titles above a table sit where a person sees them.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from perfdesk.domain.override_record import MAX_RECORD_BYTES, FormRecord, is_record, parse_record_xml
from perfdesk.domain.values import parse

# A form has well under a hundred rows; these bounds keep a sheet whose "used range" was
# stretched to the last Excel row (one formatted cell at XFD1048576) from being walked.
MAX_ROWS = 5000
MAX_COLS = 64


@dataclass
class Cell:
    text: str
    col: int  # first grid column (0-based)
    span: int = 1  # grid columns covered
    continued: bool = False  # below the top of a vertical merge: text repeated from above
    # "项目名称:互联网业务运行费" in one cell: `text` is the label, `inline` what follows the
    # colon (set by the recogniser, which knows the labels; None for an ordinary cell).
    inline: str | None = None

    @property
    def last(self) -> int:
        return self.col + self.span - 1

    def overlaps(self, other: "Cell") -> bool:
        return self.col <= other.last and other.col <= self.last


@dataclass
class Row:
    cells: list[Cell]
    where: str  # for people: 第5行 / 第2个表格第3行 / 段落

    def filled(self) -> list[Cell]:
        return [c for c in self.cells if c.text.strip()]

    @property
    def blank(self) -> bool:
        return not self.filled()


@dataclass
class Block:
    name: str  # 工作表「汇总」 / 文档
    rows: list[Row] = field(default_factory=list)


_UNIT_SUFFIX = re.compile(r"\((?:万元|元|亿元)\)$")


def key(text: str) -> str:
    """A label as compared: width-folded, no spaces, no trailing colon, no leading 其中, no
    trailing amount unit ("项目总预算（元）：" and "项目总预算" are the same label)."""
    folded = unicodedata.normalize("NFKC", text or "")
    folded = "".join(folded.split())
    folded = folded.rstrip(":")
    folded = _UNIT_SUFFIX.sub("", folded).rstrip(":")
    if folded.startswith("其中:"):
        folded = folded[3:]
    return folded


# -- xlsx --------------------------------------------------------------------------------
def _xlsx_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            return str(value)
        if not number.is_finite():
            return ""
        if "%" in (cell.number_format or ""):
            # Excel stores a typed “95%” as 0.95 shown with a percent format.
            return _plain(number * 100) + "%"
        return _plain(number)
    return str(value).strip()


def _plain(number: Decimal) -> str:
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def read_xlsx(path: Path) -> list[Block]:
    """Every worksheet as a block. Raises whatever openpyxl raises on a broken file.
    Only the cells a sheet holds are visited: the rectangle up to its last used cell is never
    walked (openpyxl would make a cell object for every coordinate it is asked for)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    try:
        cached = None
        if any(cell.data_type == "f" for sheet in workbook.worksheets for cell in _held(sheet)):
            cached = openpyxl.load_workbook(path, data_only=True)
        try:
            return [_sheet_block(sheet, cached[sheet.title] if cached else None) for sheet in workbook.worksheets]
        finally:
            if cached is not None:
                cached.close()
    finally:
        workbook.close()


def _formula_text(cell, cached_sheet) -> str:
    """A formula cell: its cached result; without one (a file no spreadsheet has calculated),
    the text itself when it reads as an indicator value — “=1 个” is a target a program wrote
    without marking it as text, not a formula."""
    if cached_sheet is not None:
        value = cached_sheet.cell(cell.row, cell.column)
        if value.value is not None:
            return _xlsx_text(value)
    text = str(cell.value)
    return text if parse(text).is_quantitative else ""


def _held(sheet):
    """The cells a worksheet holds (openpyxl's own store), within the bounds a form needs."""
    cells = getattr(sheet, "_cells", None)
    if cells is None:  # pragma: no cover - another openpyxl: the public, slower way
        return [cell for row in sheet.iter_rows(max_row=min(sheet.max_row or 0, MAX_ROWS),
                                                max_col=min(sheet.max_column or 0, MAX_COLS)) for cell in row]
    return [cell for (r, c), cell in cells.items() if r <= MAX_ROWS and c <= MAX_COLS]


def _sheet_block(sheet, cached_sheet=None) -> Block:
    max_col = min(sheet.max_column or 0, MAX_COLS)
    texts: dict[tuple[int, int], str] = {}
    for cell in _held(sheet):
        if cell.value is None:
            continue  # empty, or covered by a merged range
        text = _formula_text(cell, cached_sheet) if cell.data_type == "f" else _xlsx_text(cell)
        if text:
            texts[(cell.row, cell.column)] = text
    # Rows up to the last one that shows text (a formatted but empty tail is left out).
    ranges = [rng for rng in sheet.merged_cells.ranges if rng.min_row <= MAX_ROWS and rng.min_col <= MAX_COLS]
    max_row = max([r for r, _ in texts] + [min(rng.max_row, MAX_ROWS) for rng in ranges
                                            if (rng.min_row, rng.min_col) in texts], default=0)
    merged: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for rng in ranges:
        bounds = (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
        for r in range(rng.min_row, min(rng.max_row, max_row) + 1):
            for c in range(rng.min_col, min(rng.max_col, max_col) + 1):
                merged[(r, c)] = bounds
    block = Block(f"工作表「{sheet.title}」")
    for r in range(1, max_row + 1):
        cells: list[Cell] = []
        for c in range(1, max_col + 1):
            bounds = merged.get((r, c))
            if bounds is None:
                cells.append(Cell(texts.get((r, c), ""), c - 1))
            elif c == bounds[1]:
                top, left, _, right = bounds
                cells.append(Cell(texts.get((top, left), ""), c - 1, min(right, max_col) - left + 1, r > top))
        block.rows.append(Row(cells, f"第{r}行"))
    return block


# -- docx --------------------------------------------------------------------------------
def read_docx(path: Path) -> list[Block]:
    """The document as one block: paragraphs and table rows in reading order."""
    import docx
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    block = Block("文档")
    tables = 0
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = item.text.strip()
            block.rows.append(Row([Cell(text, 0)] if text else [], "段落"))
        elif isinstance(item, Table):
            tables += 1
            block.rows.extend(_table_rows(item, tables, _Cell))
    return [block]


def _table_rows(table, number: int, cell_class) -> list[Row]:
    rows: list[Row] = []
    above: dict[int, Cell] = {}  # grid column → the cell a vertical merge continues
    for r, tr in enumerate(table._tbl.tr_lst, start=1):
        if r > MAX_ROWS:
            break
        # Spans are bounded (safety.py refuses larger ones before python-docx reads the file;
        # bounded here again so no loop below can run away).
        col = min(max(tr.grid_before, 0), MAX_COLS)
        cells: list[Cell] = []
        for tc in tr.tc_lst:
            if col >= 2 * MAX_COLS:
                break
            span = min(max(1, tc.grid_span), MAX_COLS)
            if tc.vMerge == "continue" and col in above:
                origin = above[col]
                cell = Cell(origin.text, col, span, True)
            else:
                text = cell_class(tc, table).text.strip()
                cell = Cell(text, col, span)
            cells.append(cell)
            for c in range(col, col + span):
                above[c] = cell
            col += span
        rows.append(Row(cells, f"第{number}个表格第{r}行"))
    return rows


# -- the override record of PerfDesk's own exports ---------------------------------------
_RECORD_PART = re.compile(r"^customXml/item[0-9]{1,6}\.xml$")
MAX_RECORD_PARTS = 64  # custom XML parts looked at (Word keeps a few of its own)


def read_record(path: Path) -> list[FormRecord]:
    """The override records a PerfDesk export carries in a custom XML part (see
    `perfdesk.domain.override_record`); [] when there is none or it cannot be used. Never
    raises: the record only ever adds reasons to what the file shows, so a bad one is ignored
    and the file imports as one without it. Reads at most `MAX_RECORD_BYTES` of one part."""
    try:
        with zipfile.ZipFile(path) as archive:
            candidates = [info for info in archive.infolist() if _RECORD_PART.match(info.filename)]
            for info in candidates[:MAX_RECORD_PARTS]:
                if info.file_size > MAX_RECORD_BYTES:
                    continue
                with archive.open(info) as stream:
                    data = stream.read(MAX_RECORD_BYTES + 1)
                if len(data) > MAX_RECORD_BYTES or not is_record(data):
                    continue
                return parse_record_xml(data)
    except Exception:  # noqa: BLE001 - untrusted bytes: no record rather than a failed import
        return []
    return []
