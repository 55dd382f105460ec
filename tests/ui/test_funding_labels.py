"""The declaration's funding grid reads as the printed form: 项目资金总额 | amount |
年度资金申请总额 | amount, 其中：财政资金 | … | 其中：当年财政拨款 | …, never the generic
资金总额 / 其中：财政资金 down the side."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from perfdesk.layout import build_grid

from .conftest import open_form


def screen_rows(model):
    return [[model.index(r, c).data() or "" for c in range(model.columnCount())] for r in range(model.rowCount())]


def print_rows(window, form_id):
    session = window.session
    grid = build_grid(session.definition(form_id), session.workspace, session.form(form_id))
    top = next(c for c in grid.cells if c.text.startswith("项目资金（"))
    rows = []
    for row in range(top.row, top.row + top.rowspan):
        cells = sorted((c for c in grid.cells if c.row == row and c is not top), key=lambda c: c.col)
        rows.append([c.text for c in cells])
    return rows


def test_the_declaration_grid_says_what_the_printed_form_says(window):
    form_id = open_form(window, "信息化建设项目", 2026)
    _, model, table = window.editor.funding[0]
    assert model.paired
    shown = screen_rows(model)
    assert shown == print_rows(window, form_id)
    assert [row[0] for row in shown] == ["项目资金总额", "其中：财政资金", "", "其他资金"]
    assert [row[2] for row in shown] == ["年度资金申请总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
    # no generic wording the printed form doesn't use, in the cells or down the side
    words = {text for row in shown for text in row} | {
        model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())}
    assert "资金总额" not in words
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == \
        ["项目资金", "金额", "年度资金", "金额"]
    assert table.verticalHeader().isHidden()  # the labels are in the cells: no blank strip beside them


def test_the_amounts_beside_the_labels_are_edited_as_before(window, demo_path):
    form_id = open_form(window, "信息化建设项目", 2026)
    _, model, _ = window.editor.funding[0]
    label = model.index(1, 2)
    assert label.data() == "其中：当年财政拨款"
    assert not model.flags(label) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(label, "5")
    fiscal = model.cell_of("fiscal.annual")
    assert fiscal.column() == 3 and fiscal.row() == 1
    assert model.setData(fiscal, "8,000,000")
    assert window.session.form(form_id).amounts["fiscal.annual"] == Decimal("8000000")
    assert fiscal.data() == "8,000,000.00"
    assert window.session.undo_stack.undoText() == "修改「其中：当年财政拨款」"
    carry_left = model.index(2, 1)  # the whole-project half has no 上年结转资金
    assert model.amount_key(2, 1) is None and not model.flags(carry_left) & Qt.ItemFlag.ItemIsEditable
    # a problem on an amount is still marked on its cell
    assert model.setData(model.cell_of("total.annual"), "1")
    assert model.cell_of("total.annual").data(Qt.ItemDataRole.DecorationRole) is not None


def test_the_self_evaluation_grid_keeps_its_rows_down_the_side(window):
    open_form(window, "信息化建设项目", 2026)  # a paired grid first: the side header comes back
    form_id = open_form(window, "补充日常经费", 2022)
    _, model, table = window.editor.funding[0]
    assert not model.paired and not table.verticalHeader().isHidden()
    assert model.headerData(0, Qt.Orientation.Vertical) == "年度资金总额"
    assert model.cell_of("total.executed").data() == "1,297,747.17"


def test_a_form_whose_headings_are_its_printed_labels_gets_no_label_cells(window):
    """The 2020 target form prints each amount as "项目总预算：…": its column headings say
    exactly that, so the grid stays one row of amounts under them."""
    from perfdesk.domain.definition import SectionType

    form_id = open_form(window, "信息化建设项目", 2026)
    _, model, _ = window.editor.funding[0]
    definition = window.session.registry.get("sh-target-2020")
    section = definition.sections_of(SectionType.FUNDING)[0]
    try:
        model.set_form(form_id, section)
        assert not model.paired
        assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == \
            ["项目总预算", "项目当年预算", "同名项目上年预算额", "同名项目上年预算执行数"]
        assert all(model.amount_key(0, c) is not None for c in range(model.columnCount()))
    finally:
        model.set_form(form_id, window.session.definition(form_id).sections_of(SectionType.FUNDING)[0])
