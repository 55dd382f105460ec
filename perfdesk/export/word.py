"""Export layer: draw print grids into a Word document (WordprocessingML, no office suite).

Each grid is one section (its own A4 orientation and margins): the title lines as centred
paragraphs, then the bordered table. The document XML is written as text in one pass, and the
package is python-docx's default template loaded once per process: its parts (900 KB of styles
among them) are read, adjusted and deflated once and copied into every file of an export
(`package`), so a year of files costs little more than its tables.

Where the grid repeats header rows, the table is split just above them into two tables joined
by a hidden one-point paragraph, because Word repeats only a table's *first* rows; the second
table's header rows carry `w:tblHeader`. Rows never split across pages (`w:cantSplit`). Word
paginates the rows itself, as the PDF does: a 一级 group may flow over a page, and "keep with
next" holds only what the layout's keep groups hold (a group's first two and last two rows,
the title block, 总分 with the row above), so no row is left alone. Every run names its East
Asian font (`w:eastAsia`), and so do the document defaults and the Normal style.
"""

from __future__ import annotations

import re
import time
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from perfdesk.domain.override_record import FormRecord
from perfdesk.layout.grid import Cell, PrintGrid, Style

from .package import Part, write_package
from .record import embed_parts

TWIPS_PER_MM = 1440 / 25.4
_JC = {"left": "left", "center": "center", "right": "right"}
_VALIGN = {"top": "top", "middle": "center"}
BORDER = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'


def _twips(value_mm: float) -> int:
    return int(round(value_mm * TWIPS_PER_MM))


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def _rpr(style: Style) -> str:
    font = _attr(style.font)
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


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = "word/document.xml"
STYLES = "word/styles.xml"
CORE = "docProps/core.xml"
# The paragraph that ends a section (carrying its w:sectPr) or follows the last table: one
# point high, so it never pushes a full page's table onto a page of its own.
_TINY = '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
_TINY_RPR = '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>'


@lru_cache(maxsize=1)
def _template() -> tuple[tuple[str, bytes], ...]:
    """python-docx's default template, part by part, read once."""
    from docx.api import _default_docx_path

    with zipfile.ZipFile(_default_docx_path()) as archive:
        return tuple((info.filename, archive.read(info)) for info in archive.infolist())


@lru_cache(maxsize=None)
def _static(name: str) -> Part:
    return Part.of(name, dict(_template())[name])


@lru_cache(maxsize=8)
def _styles(font: str, size: float) -> Part:
    """styles.xml with the document defaults and the Normal style in the form's East Asian font
    (not the theme's), at the body size."""
    from lxml import etree

    root = etree.fromstring(dict(_template())[STYLES])
    w = "{%s}" % W_NS
    targets = []
    defaults = root.find(f"{w}docDefaults/{w}rPrDefault/{w}rPr")
    if defaults is not None:
        targets.append(defaults)
    normal = next((st for st in root.iter(f"{w}style") if st.get(f"{w}styleId") == "Normal"), None)
    if normal is not None:
        rpr = normal.find(f"{w}rPr")
        if rpr is None:
            rpr = etree.SubElement(normal, f"{w}rPr")
        targets.append(rpr)
        size_el = rpr.find(f"{w}sz")
        if size_el is None:
            size_el = etree.SubElement(rpr, f"{w}sz")
        size_el.set(f"{w}val", str(int(round(size * 2))))
    for rpr in targets:
        fonts = rpr.find(f"{w}rFonts")
        if fonts is None:
            fonts = etree.Element(f"{w}rFonts")
            rpr.insert(0, fonts)
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(f"{w}{attr}", None)
        for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(f"{w}{attr}", font)
        lang = rpr.find(f"{w}lang")
        if lang is None:
            lang = etree.SubElement(rpr, f"{w}lang")
        lang.set(f"{w}eastAsia", "zh-CN")
    return Part.of(STYLES, etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


@lru_cache(maxsize=1)
def _document_open() -> str:
    """The template's <w:document …> start tag (its namespace declarations) and <w:body>."""
    xml = dict(_template())[DOCUMENT].decode("utf-8")
    start = xml.index("<w:document")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + xml[start:xml.index(">", start) + 1] + "<w:body>")


def _core_xml(title: str, author: str) -> str:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>"
            "<dc:description></dc:description><cp:lastModifiedBy>PerfDesk</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')


class WordWriter:
    """Grids appended as sections of one document; `save` writes it, with the override record
    of `records` (the forms it holds) as a custom XML part that nothing prints (see `record`)."""

    def __init__(self, *, title: str = "", author: str = "", body_font: str = "宋体", body_size: float = 9.0,
                 records: Sequence[FormRecord] = ()):
        self.records = list(records)
        # Word's core properties hold at most 255 characters of XML-safe text; a title comes
        # from a project name, which can be longer or hold anything.
        self.title, self.author = _xml_text(title)[:255], _xml_text(author)[:255]
        self.body_font, self.body_size = body_font, body_size
        self._body: list[str] = []
        self._sect_pr: str | None = None  # the open section's properties

    def _section(self, grid: PrintGrid) -> None:
        if self._sect_pr is not None:  # the previous section ends with a paragraph carrying its sectPr
            self._body.append(f"<w:p><w:pPr>{_TINY}{_TINY_RPR}{self._sect_pr}</w:pPr></w:p>")
        width, height = grid.page_size
        top, right, bottom, left = grid.margins
        orient = ' w:orient="landscape"' if grid.orientation == "landscape" else ""
        distance = _twips(min(top, bottom) / 2)
        self._sect_pr = (f'<w:sectPr><w:type w:val="nextPage"/><w:pgSz w:w="{_twips(width)}" w:h="{_twips(height)}"{orient}/>'
                         f'<w:pgMar w:top="{_twips(top)}" w:right="{_twips(right)}" w:bottom="{_twips(bottom)}" '
                         f'w:left="{_twips(left)}" w:header="{distance}" w:footer="{distance}" w:gutter="0"/>'
                         '<w:cols w:space="425"/><w:docGrid w:linePitch="312"/></w:sectPr>')

    def _append(self, xml: str) -> None:
        self._body.append(xml)

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

    def document_xml(self) -> str:
        sect_pr = self._sect_pr or _DEFAULT_SECT_PR
        return (_document_open() + "".join(self._body)
                + f"<w:p><w:pPr>{_TINY}{_TINY_RPR}</w:pPr></w:p>" + sect_pr + "</w:body></w:document>")

    def save(self, path: Path) -> None:
        changed = {DOCUMENT: Part.of(DOCUMENT, self.document_xml()),
                   STYLES: _styles(self.body_font, self.body_size),
                   CORE: Part.of(CORE, _core_xml(self.title, self.author))}
        names = [name for name, _ in _template()]
        if self.records:
            extra = embed_parts({name: data for name, data in _template() if name.endswith((".rels", ".xml"))
                                 and (name.endswith(".rels") or name == "[Content_Types].xml")},
                                DOCUMENT, self.records, taken=names)
            for name, data in extra.items():
                changed[name] = Part.of(name, data)
                if name not in names:
                    names.append(name)
        write_package(path, [changed.get(name) or _static(name) for name in names])


_DEFAULT_SECT_PR = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1800" '
                    'w:bottom="1440" w:left="1800" w:header="851" w:footer="992" w:gutter="0"/>'
                    '<w:cols w:space="425"/><w:docGrid w:linePitch="312"/></w:sectPr>')
