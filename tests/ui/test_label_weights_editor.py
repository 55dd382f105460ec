"""Editing a form whose layout prints the weights in the 三级 names (`weights = "label"`): the
grid still has a 分值 column of its own, right after 三级; typing or pasting 验收合格率（10分）
into 三级 fills the name and the weight as one undo step; 分值配平 works as with a column."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, Workspace
from perfdesk.domain.values import parse
from perfdesk.store import FileStore

from .conftest import focus_table, show_window

D = Decimal
LABEL_ID = "national-declaration-2021-label-weights"
ROWS = [("产出指标", "数量指标", "养护道路里程", "≥120公里", D(50)),
        ("产出指标", "质量指标", "验收合格率", "≥95%", D(30)),
        ("满意度指标", "服务对象满意度指标", "市民满意度", "≥90%", D(20))]


def on_disk(path, form_id="f1"):
    with FileStore.open(path, read_only=True) as reader:
        return reader.workspace.forms[form_id]


def rows_of(form):
    return [(i.level3, i.weight) for i in form.indicators]


@pytest.fixture
def label_path(tmp_path):
    ws = Workspace()
    ws.set_unit("某市住建局", "某市住建局")
    project = ws.add_project(Project("城市道路养护项目"))
    form = ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2026, definition_id=LABEL_ID,
                            id="f1", fields={"project_name": "城市道路养护项目", "department": "某市住建局"}))
    for position, (level1, level2, level3, target, weight) in enumerate(ROWS):
        ws.insert_indicator(form.id, position, Indicator(id=f"i{position + 1}", level1=level1, level2=level2,
                                                         level3=level3, target=parse(target), weight=weight))
    path = tmp_path / "label.perfdesk"
    store = FileStore.create(path)
    store.write_all(ws)
    store.close()
    return path


@pytest.fixture
def window(qtbot, label_path):
    window = show_window(qtbot, label_path)
    window.navigator.select_form("f1")
    assert window.editor.form_id == "f1"
    yield window
    window.close()


def test_the_grid_has_an_editable_weight_column_after_the_name(window, qtmodeltester):
    model = focus_table(window).model()
    qtmodeltester.check(model, force_py=True)
    labels = [label for _, label in model.columns]
    assert labels[labels.index("三级指标") + 1] == "分值"
    weight = model.column_of("weight")
    assert model.data(model.index(1, weight)) == "30"
    assert model.data(model.index(1, model.column_of("level3"))) == "验收合格率"  # the name alone
    assert model.flags(model.index(1, weight)) & Qt.ItemFlag.ItemIsEditable
    tip = model.headerData(weight, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "验收合格率（10分）" in tip and "三级指标名称" in tip
    assert "同时填入名称和分值" in model.headerData(model.column_of("level3"), Qt.Orientation.Horizontal,
                                                   Qt.ItemDataRole.ToolTipRole)


def test_typing_a_name_with_its_weight_is_one_undo_step(window, qtbot, label_path):
    view = focus_table(window)
    model, session = view.model(), window.session
    level3 = model.column_of("level3")
    depth = session.undo_stack.count()
    view.select_cell(1, level3)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.focusWidget()
    editor.selectAll()
    # Chinese text comes from the input method as committed text, not as key presses
    (editor.insertPlainText if hasattr(editor, "insertPlainText") else editor.insert)("工程验收合格率（40分）")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.index(1, level3).data() == "工程验收合格率")
    assert model.index(1, model.column_of("weight")).data() == "40"
    assert session.undo_stack.count() == depth + 1
    assert rows_of(on_disk(label_path))[1] == ("工程验收合格率", D(40))
    session.undo_stack.undo()
    assert rows_of(session.form("f1"))[1] == ("验收合格率", D(30))
    assert rows_of(on_disk(label_path))[1] == ("验收合格率", D(30))
    session.undo_stack.redo()
    assert rows_of(on_disk(label_path))[1] == ("工程验收合格率", D(40))


def test_a_name_without_a_weight_leaves_the_weight_alone(window, label_path):
    model = focus_table(window).model()
    assert model.setData(model.index(0, model.column_of("level3")), "养护道路总里程")
    assert rows_of(on_disk(label_path))[0] == ("养护道路总里程", D(50))
    assert model.setData(model.index(0, model.column_of("weight")), "45")
    assert rows_of(on_disk(label_path))[0] == ("养护道路总里程", D(45))


def test_pasting_names_with_weights_fills_both_columns_in_one_step(window, label_path):
    view = focus_table(window)
    model, session = view.model(), window.session
    depth = session.undo_stack.count()
    view.select_cell(1, model.column_of("level3"))
    # two rows over existing ones and one more below the table, in the spellings provinces use
    assert view.paste_clipboard("验收合格率(25分)\n市民满意度（分值：15）\n项目完成及时率（10 分）") > 0
    assert session.undo_stack.count() == depth + 1
    assert rows_of(on_disk(label_path)) == [("养护道路里程", D(50)), ("验收合格率", D(25)), ("市民满意度", D(15)),
                                           ("项目完成及时率", D(10))]
    session.undo_stack.undo()
    assert rows_of(on_disk(label_path)) == [(name, weight) for _, _, name, _, weight in ROWS]


def test_a_pasted_weight_column_wins_over_the_name(window, label_path):
    view = focus_table(window)
    model = view.model()
    view.select_cell(2, model.column_of("level3"))
    assert view.paste_clipboard("市民满意度（15分）\t25") > 0
    assert rows_of(on_disk(label_path))[2] == ("市民满意度", D(25))


def test_the_column_layout_keeps_the_text_as_typed(tmp_path, qapp):
    """Only a layout that prints the weights in the names splits them off."""
    from perfdesk.editing.cell_plan import plan_cells
    from perfdesk.formdefs import default_registry
    from perfdesk.domain.definition import SectionType

    ws = Workspace()
    project = ws.add_project(Project("p"))
    form = ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2026,
                            definition_id="national-declaration-2021"))
    ws.insert_indicator(form.id, 0, Indicator(level1="产出指标", level3="x", weight=D(100)))
    column = default_registry().get("national-declaration-2021").section(SectionType.INDICATORS)
    label = default_registry().get(LABEL_ID).section(SectionType.INDICATORS)
    plan = plan_cells(ws, form.id, [(0, "level3", "验收合格率（10分）")], "t", section=column)
    assert plan.cells == 1
    plan.commands[0].apply()
    assert (form.indicators[0].level3, form.indicators[0].weight) == ("验收合格率（10分）", D(100))
    plan = plan_cells(ws, form.id, [(0, "level3", "验收合格率（10分）")], "t", section=label)
    assert plan.cells == 2  # the name loses its suffix, the weight becomes 10


def test_balancing_weights_works_as_with_a_column(window, label_path, monkeypatch):
    from perfdesk.ui.dialogs import WeightDialog, WeightPlan

    session = window.session
    model = focus_table(window).model()
    assert model.setData(model.index(0, model.column_of("weight")), "20")  # 20 + 30 + 20: not 100
    assert any(i.code == "E17" for i in session.analysis("f1").issues)
    depth = session.undo_stack.count()
    monkeypatch.setattr(WeightDialog, "ask", classmethod(
        lambda cls, parent, form, definition, only=None: WeightPlan((("产出指标", D(80)),), "even", False)))
    assert window.editor.indicator_panel.balance_weights() > 0
    assert session.undo_stack.count() == depth + 1
    assert rows_of(on_disk(label_path)) == [("养护道路里程", D(40)), ("验收合格率", D(40)), ("市民满意度", D(20))]
    assert not any(i.code == "E17" for i in session.analysis("f1").issues)
