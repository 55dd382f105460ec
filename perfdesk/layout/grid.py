"""Layout layer: the print grid — cells with spans and styles, rows with heights, page set-up —
and its pagination. Plain Python, no Qt, no renderer.

The Word, Excel and PDF renderers draw a `PrintGrid` and nothing else, so the official look is
decided here once. Heights are estimates in millimetres (the PDF renderer re-measures with the
real font and paginates again with the same `paginate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import Enum
from typing import Callable, Iterable, Sequence

PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}


class CellKind(str, Enum):
    TITLE = "title"  # the title lines above the table
    LABEL = "label"  # printed wording of the form (项目名称, 一级指标 …)
    TEXT = "text"  # what the user typed (names, indicator values, long texts)
    AMOUNT = "amount"  # money, numeric in Excel with a thousands format
    NUMBER = "number"  # 分值 / 得分 / 总分, numeric in Excel
    PERCENT = "percent"  # 执行率, numeric fraction in Excel with a percent format


@dataclass(frozen=True)
class Style:
    font: str = "宋体"  # the family name as the definition says (also the Word eastAsia name)
    size: float = 9.0  # points
    bold: bool = False
    halign: str = "center"  # left | center | right
    valign: str = "middle"  # top | middle
    border: bool = True
    wrap: bool = True


@dataclass
class Cell:
    row: int
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    kind: CellKind = CellKind.TEXT
    value: Decimal | None = None  # the number behind AMOUNT / NUMBER / PERCENT cells
    number_format: str | None = None  # Excel number format of numeric cells
    style: Style = field(default_factory=Style)
    where: str = ""  # a location in words, for reports (missing glyphs)

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1

    @property
    def is_numeric(self) -> bool:
        return self.value is not None and self.kind in (CellKind.AMOUNT, CellKind.NUMBER, CellKind.PERCENT)


@dataclass
class Row:
    height: float  # millimetres, estimated from the wrapped text
    kind: str = "body"  # title | body
    min_height: float = 0.0  # the row is never lower than this, whatever its text


@dataclass
class PrintGrid:
    """One printed form (or list): the table as cells on a column grid, plus page set-up."""

    name: str  # what the grid is, in words: 补充日常经费 2022年度 绩效自评表
    sheet_name: str  # a short name for an Excel sheet (made unique by the renderer)
    widths: list[float]  # column widths in millimetres, summing to the printable width
    rows: list[Row]
    cells: list[Cell]
    orientation: str = "portrait"
    paper: str = "A4"
    margins: tuple[float, float, float, float] = (15.0, 10.0, 15.0, 10.0)  # top right bottom left, mm
    repeat_rows: tuple[int, int] | None = None  # first and last row repeated on every page
    keep_groups: list[tuple[int, int]] = field(default_factory=list)  # rows not to be cut apart
    soft_keeps: list[tuple[int, int]] = field(default_factory=list)  # ditto, unless a page would be too empty
    page_breaks: list[int] = field(default_factory=list)  # rows that start a page (estimate)
    padding: tuple[float, float] = (1.0, 1.0)  # horizontal, vertical cell padding in mm

    # -- geometry ----------------------------------------------------------------------
    @property
    def page_size(self) -> tuple[float, float]:
        width, height = PAPER_MM.get(self.paper, PAPER_MM["A4"])
        return (height, width) if self.orientation == "landscape" else (width, height)

    @property
    def printable_width(self) -> float:
        top, right, bottom, left = self.margins
        return self.page_size[0] - left - right

    @property
    def printable_height(self) -> float:
        top, right, bottom, left = self.margins
        return self.page_size[1] - top - bottom

    @property
    def n_cols(self) -> int:
        return len(self.widths)

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def body_start(self) -> int:
        """The first row of the bordered table (the rows above it are title lines)."""
        for index, row in enumerate(self.rows):
            if row.kind != "title":
                return index
        return len(self.rows)

    def cell_width(self, cell: Cell) -> float:
        return sum(self.widths[cell.col:cell.col + cell.colspan])

    def anchors(self) -> dict[tuple[int, int], Cell]:
        """Every covered (row, col) position → the cell covering it."""
        covered: dict[tuple[int, int], Cell] = {}
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    covered[(r, c)] = cell
        return covered

    def cell_at(self, row: int, col: int) -> Cell | None:
        for cell in self.cells:
            if cell.row <= row <= cell.last_row and cell.col <= col <= cell.last_col:
                return cell
        return None

    def merged(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.rowspan > 1 or cell.colspan > 1]

    def texts(self) -> Iterable[tuple[str, Cell]]:
        for cell in self.cells:
            if cell.text:
                yield cell.text, cell

    def check(self) -> None:
        """Cells never overlap and stay inside the grid; a broken layout fails loudly here."""
        seen: set[tuple[int, int]] = set()
        for cell in self.cells:
            if cell.row < 0 or cell.col < 0 or cell.last_row >= self.n_rows or cell.last_col >= self.n_cols:
                raise ValueError(f"cell outside the grid: {cell.row},{cell.col} {cell.text!r}")
            for r in range(cell.row, cell.last_row + 1):
                for c in range(cell.col, cell.last_col + 1):
                    if (r, c) in seen:
                        raise ValueError(f"overlapping cells at {r},{c}: {cell.text!r}")
                    seen.add((r, c))

    # -- pages -------------------------------------------------------------------------
    def pages(self, heights: Sequence[float] | None = None) -> list[tuple[int, int]]:
        """Row ranges [start, end) of each page for the given (or estimated) heights."""
        heights = list(heights) if heights is not None else [row.height for row in self.rows]
        return paginate(heights, self.printable_height, self.repeat_rows, self.keep_groups, self.soft_keeps)

    def split_at_pages(self, pages: Sequence[tuple[int, int]]) -> "PrintGrid":
        """A copy whose vertical merges are cut at page starts, the label repeated in each part.

        A merged 一级 label that has to cross a page would otherwise print on one page only.
        """
        starts = {start for start, _ in pages[1:]}
        if not starts:
            return self
        cells: list[Cell] = []
        for cell in self.cells:
            cuts = sorted(s for s in starts if cell.row < s <= cell.last_row)
            if not cuts:
                cells.append(cell)
                continue
            bounds = [cell.row] + cuts + [cell.last_row + 1]
            for index, (a, b) in enumerate(zip(bounds, bounds[1:])):
                part = replace(cell, row=a, rowspan=b - a)
                if index and cell.is_numeric:  # a number is written once, labels repeat
                    part = replace(part, text="", value=None)
                cells.append(part)
        return replace(self, cells=cells, page_breaks=sorted(starts))


MAX_BLANK = 0.25  # a page other than a form's last is never left more blank than this, if avoidable


def paginate(heights: Sequence[float], page_height: float, repeat_rows: tuple[int, int] | None = None,
             keep_groups: Sequence[tuple[int, int]] = (), soft_groups: Sequence[tuple[int, int]] = (),
             max_blank: float = MAX_BLANK) -> list[tuple[int, int]]:
    """Split rows into pages: [start, end) ranges.

    A page holds as many rows as fit. The break then moves up to the nearest row boundary that
    cuts no keep group (first..last row, inclusive) that fits on one page by itself. Soft groups
    hold too, unless keeping them would leave more than `max_blank` of the page empty: then the
    break honours the keep groups only (a 二级 group's lone row beats a half-empty page). A group
    taller than a page is cut. Pages after the repeated header rows reserve room for them.
    """
    n = len(heights)
    if n == 0:
        return []
    repeat_height = 0.0
    if repeat_rows is not None:
        repeat_height = sum(heights[repeat_rows[0]:repeat_rows[1] + 1])

    def reserve(start: int) -> float:
        return repeat_height if repeat_rows is not None and start > repeat_rows[1] else 0.0

    def fitting(groups: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        out = []
        for first, last in groups:
            if last <= first:
                continue
            if sum(heights[first:last + 1]) + reserve(first) <= page_height + 1e-6:
                out.append((first, last))
        return out

    hard = fitting(keep_groups)
    soft = fitting(soft_groups)

    def allowed(boundary: int, groups: list[tuple[int, int]]) -> bool:
        return not any(first < boundary <= last for first, last in groups)

    def best(start: int, end: int, groups: list[tuple[int, int]]) -> int:
        boundary = end
        while boundary > start and not allowed(boundary, groups):
            boundary -= 1
        return boundary

    pages: list[tuple[int, int]] = []
    start = 0
    while start < n:
        available = page_height - reserve(start)
        used, end = 0.0, start
        while end < n and used + heights[end] <= available + 1e-6:
            used += heights[end]
            end += 1
        if end >= n:
            pages.append((start, n))
            break
        if end == start:  # one row taller than a page: it gets a page of its own
            end = start + 1
        else:
            boundary = best(start, end, hard + soft)
            if boundary > start:
                blank = 1 - sum(heights[start:boundary]) / available
                if blank > max_blank:
                    relaxed = best(start, end, hard)
                    if relaxed > boundary:
                        boundary = relaxed
                end = boundary
            else:
                relaxed = best(start, end, hard)
                if relaxed > start:
                    end = relaxed
        pages.append((start, end))
        start = end
    return pages


Measure = Callable[[str, Style], float]  # text, style → width in millimetres


def measure_rows(grid: PrintGrid, measure: Measure, wrapped: dict[int, list[str]] | None = None) -> list[float]:
    """Row heights (mm) that fit every cell's wrapped text with `measure`.

    Single-row cells set their row's height; a merged cell that needs more than its rows give
    spreads the difference over them, so a tall 一级 label never overflows its group.
    `wrapped`, when given, receives each cell's lines, so a renderer need not wrap them again.
    """
    from .text import text_height, wrap  # local: text imports nothing from here, keep it so

    hpad, vpad = grid.padding
    heights = [row.min_height for row in grid.rows]
    needs: list[tuple[Cell, float]] = []
    for cell in grid.cells:
        if not cell.text:
            continue
        width = max(1.0, grid.cell_width(cell) - 2 * hpad)
        style = cell.style
        lines = wrap(cell.text, width, lambda t, s=style: measure(t, s)) if style.wrap else cell.text.split("\n")
        if wrapped is not None:  # the renderer draws these very lines (keyed by id(cell))
            wrapped[id(cell)] = lines
        need = text_height(len(lines), style.size, vpad)
        if cell.rowspan == 1:
            heights[cell.row] = max(heights[cell.row], need)
        else:
            needs.append((cell, need))
    for cell, need in sorted(needs, key=lambda item: item[0].rowspan):
        rows = range(cell.row, cell.last_row + 1)
        have = sum(heights[r] for r in rows)
        if need > have:
            extra = (need - have) / cell.rowspan
            for r in rows:
                heights[r] += extra
    return heights
