"""Export layer: draw print grids straight into a PDF with reportlab (no office suite).

Row heights are measured again with the embedded fonts' real metrics and the rows paginated
with the layout's own `paginate` (through `PrintGrid.pages`), so the text always fits its cell. On pages after the
indicator header, the header rows are drawn again at the top; a merged cell cut by a page
break is drawn as one box per page with its label in each.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from perfdesk.layout.grid import Cell, CellKind, PrintGrid, measure_rows
from perfdesk.layout.text import line_height, wrap

from .fonts import FontBook

NUMERIC_KINDS = (CellKind.AMOUNT, CellKind.NUMBER, CellKind.PERCENT)
MIN_NUMBER_SIZE = 6.0  # pt: the smallest a number is drawn to fit its column

LINE_WIDTH = 0.5  # points: the thin rule of the official tables
# Binary (Flate only) streams: ASCII85 on top makes files a quarter larger and, in pure Python,
# costs a third of the drawing time; it only helps 7-bit mail transports nobody uses here.
rl_config.useA85 = 0


class PdfWriter:
    """Grids appended page by page to one PDF; `save` writes it."""

    def __init__(self, path: Path, fonts: FontBook, *, title: str = "", author: str = "", body_font: str = "宋体"):
        self.fonts = fonts
        # Every page starts in the embedded body font: reportlab's default (Helvetica) would
        # otherwise be named, unembedded, on each page.
        initial = fonts.primary(body_font).name
        self.canvas = Canvas(str(path), pageCompression=1, invariant=0, initialFontName=initial)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setCreator("PerfDesk")
        self.pages = 0
        self._wrapped: dict[int, list[str]] = {}

    def add(self, grid: PrintGrid) -> int:
        """Draw one grid; returns the number of pages it took."""
        self._wrapped: dict[int, list[str]] = {}
        heights = measure_rows(grid, self.fonts.width, self._wrapped)
        pages = grid.pages(heights)
        width, height = grid.page_size
        for start, end in pages:
            self.canvas.setPageSize((width * mm, height * mm))
            rows = list(range(start, end))
            if grid.repeat_rows is not None and start > grid.repeat_rows[1]:
                rows = list(range(grid.repeat_rows[0], grid.repeat_rows[1] + 1)) + rows
            self._draw_page(grid, heights, rows)
            self.canvas.showPage()
        self.pages += len(pages)
        return len(pages)

    def save(self) -> None:
        self.canvas.save()

    # -- drawing -----------------------------------------------------------------------
    def _draw_page(self, grid: PrintGrid, heights: list[float], rows: list[int]) -> None:
        top, _, _, left = grid.margins
        page_height = grid.page_size[1]
        position = {row: index for index, row in enumerate(rows)}
        tops = [0.0]
        for row in rows:
            tops.append(tops[-1] + heights[row])
        col_x = [0.0]
        for w in grid.widths:
            col_x.append(col_x[-1] + w)
        text = self.canvas.beginText()
        self._font = None
        # Cell frames become one set of ruled lines: shared edges are drawn once, and runs of
        # collinear edges are joined, as an office program prints a table.
        horizontal: dict[float, list[tuple[float, float]]] = {}
        vertical: dict[float, list[tuple[float, float]]] = {}
        for cell in grid.cells:
            shown = [position[r] for r in range(cell.row, cell.last_row + 1) if r in position]
            if not shown:
                continue
            first, last = min(shown), max(shown)
            x = left + col_x[cell.col]
            w = col_x[cell.last_col + 1] - col_x[cell.col]
            y_top = top + tops[first]
            h = tops[last + 1] - tops[first]
            if cell.style.border:
                for y in (y_top, y_top + h):
                    horizontal.setdefault(round(y, 3), []).append((x, x + w))
                for edge in (x, x + w):
                    vertical.setdefault(round(edge, 3), []).append((y_top, y_top + h))
            if cell.text:
                self._draw_text(text, grid, cell, x, y_top, w, h, page_height)
        c = self.canvas
        c.drawText(text)
        c.setLineWidth(LINE_WIDTH)
        segments = []
        for y, spans in horizontal.items():
            segments += [(a * mm, (page_height - y) * mm, b * mm, (page_height - y) * mm) for a, b in _joined(spans)]
        for x, spans in vertical.items():
            segments += [(x * mm, (page_height - a) * mm, x * mm, (page_height - b) * mm) for a, b in _joined(spans)]
        if segments:
            c.lines(segments)

    def _draw_text(self, text, grid: PrintGrid, cell: Cell, x: float, y_top: float, w: float, h: float,
                   page_height: float) -> None:
        style = cell.style
        fonts = self.fonts
        hpad, vpad = grid.padding
        inner = max(1.0, w - 2 * hpad)
        if cell.kind in NUMERIC_KINDS and "\n" not in cell.text:
            # A number is never broken over two lines ("115.1" over "0"): a number wider than
            # its column is drawn smaller until it fits, down to a legible minimum.
            while style.size > MIN_NUMBER_SIZE and fonts.width(cell.text, style) > inner:
                style = replace(style, size=max(MIN_NUMBER_SIZE, style.size - 0.5))
            lines = [cell.text]
        else:
            lines = self._wrapped.get(id(cell)) if cell.style is style else None
            if lines is None:
                lines = wrap(cell.text, inner, lambda t: fonts.width(t, style)) if style.wrap else cell.text.split("\n")
        lh = line_height(style.size)
        block = len(lines) * lh
        if style.valign == "top":
            y = y_top + vpad
        else:
            y = y_top + max(vpad, (h - block) / 2)
        for line in lines:
            width = fonts.width(line, style)
            if style.halign == "left":
                lx = x + hpad
            elif style.halign == "right":
                lx = x + w - hpad - width
            else:
                lx = x + (w - width) / 2
            # The em box centred in the line: the baseline sits 0.38 em below the line's middle.
            baseline = y + lh / 2 + style.size * 0.38 * 25.4 / 72
            text.setTextOrigin(lx * mm, (page_height - baseline) * mm)
            for font_name, run in fonts.runs(line, style.font):
                if self._font != (font_name, style.size):
                    text.setFont(font_name, style.size)
                    self._font = (font_name, style.size)
                text.textOut(run)
            y += lh


def _joined(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching intervals merged into maximal ones."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1e-6:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
