"""The neutral grid: merged ranges are one cell, vertical merges repeat their text below."""

from __future__ import annotations

import docx

from perfdesk.importing.grid import key, read_docx, read_xlsx

from .handmade import Layout, save_xlsx


def merged_layout() -> Layout:
    lay = Layout(4)
    lay.row(("标题", 4))
    lay.row("一级", "a", ("宽", 2))
    lay.row("", "b", "c", "d")
    lay.vmerge(1, 0, 2)
    return lay


def shape(block):
    return [[(c.text, c.col, c.span, c.continued) for c in row.cells] for row in block.rows]


def test_xlsx_merges(tmp_path):
    path = tmp_path / "m.xlsx"
    save_xlsx(path, [("s", merged_layout())])
    (block,) = read_xlsx(path)
    assert block.name == "工作表「s」"
    assert shape(block) == [
        [("标题", 0, 4, False)],
        [("一级", 0, 1, False), ("a", 1, 1, False), ("宽", 2, 2, False)],
        [("一级", 0, 1, True), ("b", 1, 1, False), ("c", 2, 1, False), ("d", 3, 1, False)],
    ]


def test_docx_merges_and_paragraphs_in_reading_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("前言")
    table = document.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(0, 3)).text = "标题"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "一级"
    table.cell(1, 2).merge(table.cell(1, 3)).text = "宽"
    for (r, c), text in {(1, 1): "a", (2, 1): "b", (2, 2): "c", (2, 3): "d"}.items():
        table.cell(r, c).text = text
    document.add_paragraph("后记")
    path = tmp_path / "m.docx"
    document.save(path)
    (block,) = read_docx(path)
    assert shape(block) == [
        [("前言", 0, 1, False)],
        [("标题", 0, 4, False)],
        [("一级", 0, 1, False), ("a", 1, 1, False), ("宽", 2, 2, False)],
        [("一级", 0, 1, True), ("b", 1, 1, False), ("c", 2, 1, False), ("d", 3, 1, False)],
        [("后记", 0, 1, False)],
    ]


def test_label_keys():
    assert key(" 项目 名称： ") == key("项目名称") == "项目名称"
    assert key("其中：当年财政拨款") == key("当年财政拨款")
    assert key("项目资金（元）") == key("项目资金(元)")
