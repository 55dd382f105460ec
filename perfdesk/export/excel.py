"""Export layer: draw print grids into an Excel workbook (openpyxl), one sheet per grid.

Amounts, weights, scores and rates are numeric cells with number formats; every other text is
a string cell, even when it begins with `=`, `+`, `-` or `@` (those also get Excel's quote
prefix, so that editing the cell does not turn `=100%` into a formula). No cell ever holds a
formula. Row heights are set from the layout's estimate (Excel does not grow rows for merged
cells). Printing: fit to one page wide (any number of pages
tall), A4 from the layout, the indicator header repeated as print titles, and a manual row
break where the PDF starts a page, so every viewer flows the rows as the PDF does (the keep
rules: no orphan row, 总分 never alone). The merged 一级/二级 labels stay whole — one block on
screen; printed, a label cut by a break shows where its middle falls. The workbook's
Normal style is 宋体 11, so column widths (in characters of the Normal font) come out the same
in Excel, WPS and LibreOffice on a machine without Calibri. A viewer that draws 宋体 with a
substitute of wider digits shrinks the sheet to fit the width (LibreOffice on a Linux desktop
without 宋体: docs/exports.md gives the fontconfig aliases that make it measure like the PDF).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Sequence

from copy import copy

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.properties import PageSetupProperties

from perfdesk.domain.override_record import FormRecord
from perfdesk.layout.grid import Cell, PrintGrid, Style

from .record import embed

MM_PER_INCH = 25.4
PX_PER_MM = 96 / 25.4
NORMAL_FONT = "宋体"  # the workbook's Normal style, as the official templates have it
NORMAL_SIZE = 11
DIGIT_PX = 7  # maximum digit width of the Normal font (宋体 11) at 96 dpi
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FORMULA_LEADS = ("=", "+", "-", "@")
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NONE = Border()
_HALIGN = {"left": "left", "center": "center", "right": "right"}
_VALIGN = {"top": "top", "middle": "center"}


def column_width(mm: float) -> float:
    """Excel's column width unit (characters of the default font) for a width in mm.

    Excel draws a column w characters wide as w·7 + 5 pixels; 1% is kept back so that rounding
    never pushes the last column onto a second sheet of paper."""
    return max(0.5, round((mm * 0.99 * PX_PER_MM - 5) / DIGIT_PX, 2))


def printable(text: str) -> str:
    """A text an .xlsx can hold: no XML-illegal control characters, no lone surrogates
    (a .perfdesk file may carry either; openpyxl would refuse the whole export)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("_", printable(name)).strip("'") or "表"
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f"({n})"
        title = base[:31 - len(suffix)] + suffix
        n += 1
    taken.add(title.lower())
    return title


class ExcelWriter:
    """Grids appended as sheets of one workbook; `save` writes it, with the override record of
    `records` (the forms it holds) as a custom XML part that nothing prints (see `record`)."""

    def __init__(self, *, title: str = "", author: str = "", records: Sequence[FormRecord] = ()):
        self.records = list(records)
        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)
        self.workbook.properties.title = title
        self.workbook.properties.creator = author or "PerfDesk"
        self._normal_font()
        self._taken: set[str] = set()
        self._fonts: dict[Style, Font] = {}
        self._aligns: dict[Style, Alignment] = {}
        self._styles: dict[tuple, object] = {}  # (style, number format, quote prefix) → StyleArray

    def _normal_font(self) -> None:
        """宋体 11 as the Normal style and the default font (index 0), instead of Calibri."""
        font = Font(name=NORMAL_FONT, size=NORMAL_SIZE, charset=134, family=3)  # GB2312 charset
        self.workbook._named_styles["Normal"].font = font
        self.workbook._fonts[0] = font  # cells without a font of their own, and empty cells

    def _font(self, style: Style) -> Font:
        if style not in self._fonts:
            self._fonts[style] = Font(name=style.font, size=style.size, bold=style.bold)
        return self._fonts[style]

    def _align(self, style: Style) -> Alignment:
        if style not in self._aligns:
            self._aligns[style] = Alignment(horizontal=_HALIGN.get(style.halign, "center"),
                                            vertical=_VALIGN.get(style.valign, "center"), wrap_text=style.wrap)
        return self._aligns[style]

    def add(self, grid: PrintGrid) -> None:
        ws = self.workbook.create_sheet(sheet_title(grid.sheet_name, self._taken))
        for index, width in enumerate(grid.widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column_width(width)
        for index, row in enumerate(grid.rows, start=1):
            ws.row_dimensions[index].height = round(row.height * 72 / MM_PER_INCH, 2)
        for cell in grid.cells:
            self._write(ws, cell)
        self._page_setup(ws, grid)

    def _write(self, ws, cell: Cell) -> None:
        target = ws.cell(row=cell.row + 1, column=cell.col + 1)
        number_format, quote = None, False
        if cell.is_numeric:
            target.value = cell.value
            number_format = cell.number_format or "General"
        elif cell.text:
            target.value = printable(cell.text)
            # openpyxl reads a leading "=" as a formula: these are indicator values, not formulas.
            target.data_type = "s"
            quote = cell.text.startswith(_FORMULA_LEADS)
            number_format = "@"
        # A workbook has a handful of distinct cell styles: each is set through openpyxl once
        # (which hashes every style object) and then copied as its array of style ids.
        key = (cell.style, number_format, quote)
        cached = self._styles.get(key)
        if cached is not None:
            target._style = copy(cached)
        else:
            if number_format is not None:
                target.number_format = number_format
            if quote:
                target.quotePrefix = True
            target.font = self._font(cell.style)
            target.alignment = self._align(cell.style)
            target.border = _BOX if cell.style.border else _NONE
            self._styles[key] = copy(target._style)
        if cell.rowspan > 1 or cell.colspan > 1:
            self._merge(ws, cell, target)

    @staticmethod
    def _merge(ws, cell: Cell, target) -> None:
        """The range merged, each covered cell carrying the anchor's style (so its frame).

        `ws.merge_cells` would restyle the range's edge cells side by side, border object by
        border object; one copied style array per covered cell is the same file, faster."""
        first_row, first_col = cell.row + 1, cell.col + 1
        last_row, last_col = cell.last_row + 1, cell.last_col + 1
        coord = f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
        ws.merged_cells.add(MergedCellRange(ws, coord))
        style = target._style
        cells = ws._cells
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                if r == first_row and c == first_col:
                    continue
                merged = MergedCell(ws, row=r, column=c)
                if cell.style.border:  # each cell of the range draws its part of the frame
                    merged._style = copy(style)
                cells[(r, c)] = merged

    @staticmethod
    def _page_setup(ws, grid: PrintGrid) -> None:
        ws.page_setup.paperSize = ws.PAPERSIZE_A3 if grid.paper == "A3" else ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if grid.orientation == "landscape" else "portrait"
        # One page wide, as many pages tall as it takes: the office program scales the columns
        # to the paper whatever its default font, and paginates the rows itself.
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        top, right, bottom, left = (m / MM_PER_INCH for m in grid.margins)
        ws.page_margins.top, ws.page_margins.right = top, right
        ws.page_margins.bottom, ws.page_margins.left = bottom, left
        ws.page_margins.header = ws.page_margins.footer = min(top, bottom) / 2
        ws.print_options.horizontalCentered = True
        last = f"{get_column_letter(grid.n_cols)}{grid.n_rows}"
        ws.print_area = f"A1:{last}"
        if grid.repeat_rows is not None:
            first_row, last_row = grid.repeat_rows
            ws.print_title_rows = f"{first_row + 1}:{last_row + 1}"
        # The PDF's page starts, from the same row heights the sheet has: each page's rows fit
        # at the sheet's full size, so a viewer that shrinks it (a wider 宋体) still breaks here.
        ws.row_breaks = RowBreak(brk=[Break(id=start) for start in grid.page_breaks])  # above 0-based row
        ws.sheet_view.showGridLines = False

    def save(self, path: Path) -> None:
        if not self.workbook.worksheets:
            self.workbook.create_sheet("表")
        if not self.records:
            self.workbook.save(str(path))
            return
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        Path(path).write_bytes(embed(buffer.getvalue(), "xl/workbook.xml", self.records))
