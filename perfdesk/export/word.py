"""Export layer: draw print grids into a Word document (python-docx).

Each grid is one section (its own A4 orientation and margins): the title lines as centred
paragraphs, then the bordered table. Tables are written as WordprocessingML directly — cell by
cell through python-docx's object API is two orders of magnitude slower for a year's forms.

Where the grid repeats header rows, the table is split just above them into two tables joined
by a hidden one-point paragraph, because Word repeats only a table's *first* rows; the second
table's header rows carry `w:tblHeader`. Rows never split across pages (`w:cantSplit`), and the
rows of a merged group that fits on a page carry "keep with next", so Word moves a whole 一级
group to the next page instead of cutting it. Every run names its East Asian font
(`w:eastAsia`), and so do the document defaults and the Normal style.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Sequence
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

from perfdesk.domain.override_record import FormRecord
from perfdesk.layout.grid import Cell, PrintGrid, Style

from .record import embed

TWIPS_PER_MM = 1440 / 25.4
_JC = {"left": "left", "center": "center", "right": "right"}
_VALIGN = {"top": "top", "middle": "center"}
BORDER = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'


def _twips(value_mm: float) -> int:
    return int(round(value_mm * TWIPS_PER_MM))


def _rpr(style: Style) -> str:
    font = escape(style.font, {'"': "&quot;"})
    half_points = int(round(style.size * 2))
    bold = "<w:b/><w:bCs/>" if style.bold else ""
    return (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}" '
            f'w:hint="eastAsia"/>{bold}<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
            f'<w:lang w:eastAsia="zh-CN"/></w:rPr>')


# Characters XML 1.0 cannot hold. A vertical tab or form feed is how Word itself copies a
# manual line break to the clipboard: a line break here; the rest is dropped.
_XML_BREAKS = re.compile("[\x0b\x0c]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_ILLEGAL.sub("", _XML_BREAKS.sub("\n", text))


def _paragraphs(text: str, style: Style, keep_next: bool) -> str:
    rpr = _rpr(style)
    keep = "<w:keepNext/>" if keep_next else ""
    ppr = (f'<w:pPr>{keep}<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
           f'<w:jc w:val="{_JC.get(style.halign, "center")}"/>{rpr}</w:pPr>')
    out = []
    text = _xml_text(text) if text else text
    for line in (text.split("\n") if text else [""]):
        run = f'<w:r>{rpr}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>' if line else ""
        out.append(f"<w:p>{ppr}{run}</w:p>")
    return "".join(out)


class WordWriter:
    """Grids appended as sections of one document; `save` writes it, with the override record
    of `records` (the forms it holds) as a custom XML part that nothing prints (see `record`)."""

    def __init__(self, *, title: str = "", author: str = "", body_font: str = "宋体", body_size: float = 9.0,
                 records: Sequence[FormRecord] = ()):
        self.records = list(records)
        self.document = Document()
        self._sections = 0
        props = self.document.core_properties
        # Word's core properties hold at most 255 characters of XML-safe text; a title comes
        # from a project name, which can be longer or hold anything.
        title, author = _xml_text(title)[:255], _xml_text(author)[:255]
        props.title, props.author, props.comments = title, author, ""
        self._set_default_font(body_font, body_size)

    def _set_default_font(self, font: str, size: float) -> None:
        """Document defaults and the Normal style in the form's East Asian font (not the theme's)."""
        styles = self.document.styles.element
        rpr_default = styles.find(qn("w:docDefaults"))
        targets = []
        if rpr_default is not None:
            rpr = rpr_default.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                targets.append(rpr)
        normal = self.document.styles["Normal"]
        targets.append(normal.element.get_or_add_rPr())
        for rpr in targets:
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
                rpr.insert(0, fonts)
            for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
                fonts.attrib.pop(qn(f"w:{attr}"), None)
            for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
                fonts.set(qn(f"w:{attr}"), font)
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = parse_xml(f"<w:lang {nsdecls('w')}/>")
                rpr.append(lang)
            lang.set(qn("w:eastAsia"), "zh-CN")
        normal.font.size = int(round(size * 12700))  # EMU per point

    def _section(self, grid: PrintGrid):
        if self._sections:
            section = self.document.add_section(WD_SECTION.NEW_PAGE)
        else:
            section = self.document.sections[0]
        self._sections += 1
        width, height = grid.page_size
        section.orientation = WD_ORIENT.LANDSCAPE if grid.orientation == "landscape" else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(width), Mm(height)
        top, right, bottom, left = grid.margins
        section.top_margin, section.right_margin = Mm(top), Mm(right)
        section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
        section.header_distance = section.footer_distance = Mm(min(top, bottom) / 2)
        return section

    def _append(self, xml: str) -> None:
        """Insert body-level elements (without namespace declarations) before the section end."""
        sect_pr = self.document.element.body.sectPr
        for element in list(parse_xml(f"<w:body {nsdecls('w')}>{xml}</w:body>")):
            sect_pr.addprevious(element)

    def add(self, grid: PrintGrid) -> None:
        self._section(grid)
        start = grid.body_start
        for cell in grid.cells:  # the title lines, as paragraphs above the table
            if cell.row < start and cell.text:
                self._append(_paragraphs(cell.text, cell.style, True))
        if start < grid.n_rows:
            self._append('<w:p><w:pPr><w:keepNext/><w:spacing w:before="0" w:after="0" w:line="120" '
                         'w:lineRule="exact"/></w:pPr></w:p>')
        for first, last, header in self._tables(grid, start):
            if first > start:
                # Joins the two tables on the page: hidden, one point high.
                self._append('<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
                             '<w:rPr><w:vanish/><w:sz w:val="2"/></w:rPr></w:pPr></w:p>')
            self._append(self._table_xml(grid, first, last, header))

    @staticmethod
    def _tables(grid: PrintGrid, start: int) -> list[tuple[int, int, int]]:
        """(first row, last row, number of header rows) of each table."""
        end = grid.n_rows - 1
        if grid.repeat_rows is None:
            return [(start, end, 0)]
        split, header_last = grid.repeat_rows
        crosses = any(c.row < split <= c.last_row for c in grid.cells)
        if split == start and not crosses:  # the header is the table's first row (a list)
            return [(start, end, header_last - split + 1)]
        if split < start or crosses:
            return [(start, end, 0)]
        return [(start, split - 1, 0), (split, end, header_last - split + 1)]

    def _table_xml(self, grid: PrintGrid, first: int, last: int, header_rows: int) -> str:
        widths = [_twips(w) for w in grid.widths]
        borders = "".join(BORDER.format(side=s) for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
        hpad = _twips(grid.padding[0])
        parts = [
            f"<w:tbl><w:tblPr><w:tblW w:w=\"{sum(widths)}\" w:type=\"dxa\"/>"
            f"<w:jc w:val=\"center\"/><w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
            f"<w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"{hpad}\" w:type=\"dxa\"/>"
            f"<w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"{hpad}\" w:type=\"dxa\"/></w:tblCellMar>"
            f"<w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid>"
            + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
        ]
        covering: dict[tuple[int, int], Cell] = {}
        for cell in grid.cells:
            if cell.last_row < first or cell.row > last:
                continue
            for r in range(max(cell.row, first), min(cell.last_row, last) + 1):
                covering[(r, cell.col)] = cell
        keep_next = self._keep_rows(grid)
        for r in range(first, last + 1):
            height = _twips(grid.rows[r].height)
            header = "<w:tblHeader/>" if r < first + header_rows else ""
            parts.append(f"<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"{height}\" w:hRule=\"atLeast\"/>"
                         f"{header}</w:trPr>")
            c = 0
            while c < grid.n_cols:
                cell = covering.get((r, c))
                span = cell.colspan if cell is not None else 1
                width = sum(widths[c:c + span])
                props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
                if span > 1:
                    props += f'<w:gridSpan w:val="{span}"/>'
                if cell is not None and cell.rowspan > 1:
                    props += '<w:vMerge w:val="restart"/>' if r == max(cell.row, first) else "<w:vMerge/>"
                style = cell.style if cell is not None else Style()
                props += f'<w:vAlign w:val="{_VALIGN.get(style.valign, "center")}"/>'
                text = cell.text if cell is not None and r == max(cell.row, first) else ""
                parts.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{_paragraphs(text, style, r in keep_next)}</w:tc>")
                c += span
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        return "".join(parts)

    @staticmethod
    def _keep_rows(grid: PrintGrid) -> set[int]:
        """Rows that keep with the next one: inside a group that fits on one page."""
        rows: set[int] = set()
        page = grid.printable_height
        for first, last in grid.keep_groups:
            if sum(row.height for row in grid.rows[first:last + 1]) <= page:
                rows.update(range(first, last))
        return rows

    def save(self, path: Path) -> None:
        if not self.records:
            self.document.save(str(path))
            return
        buffer = io.BytesIO()
        self.document.save(buffer)
        Path(path).write_bytes(embed(buffer.getvalue(), "word/document.xml", self.records))
